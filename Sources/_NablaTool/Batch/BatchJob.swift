import Foundation
import Nabla

/// `nabla batch`: the gradient of many files, in parallel, within a memory budget, resumable.
///
/// ## Parallelism
/// `jobs` worker threads take files in order. Before loading a file a worker reserves the file's estimated
/// need (estimated from its header, without reading the data) from the memory budget (``memory``); a file needing more than the
/// whole budget waits until nothing else runs, then runs alone (its command's slab engine within the whole
/// budget), or, when only the in-memory path can take it, fails at once with the size it needs. A file the slab engine can take (see
/// ``GradientFileTask``) needs only the buffers of slabs sized for its share of the budget
/// (`memory / jobs`), so files of any size run side by side. Each file's stencils run on the library's
/// multi-threaded kernels, which split large arrays with `DispatchQueue.concurrentPerform`; those calls share
/// one system-wide pool of about one thread per core, whatever the number of jobs. So at most
/// `jobs + cores` threads compute at once: with the default `jobs = cores` a file's single-threaded parts
/// (reading, writing, CRC of small files) overlap the kernels of the others, and large files still use every
/// core. No per-file tasks are spawned: the workers are a fixed set of threads.
///
/// ## Crash safety
/// Outputs are written by ``FieldFiles/write(_:to:overwrite:)``, to a hidden temporary name then renamed: an output
/// name only ever holds a complete archive. A rerun removes the temporaries of the outputs it plans
/// (`.<name>.npz.tmp-*`) left by a killed run, and with `resume` keeps every output that is complete and
/// at least as new as its input.
package struct BatchJob: Sendable {
    /// Files and folders to process (see ``BatchPlan``).
    package var inputs: [String]
    /// Where the outputs go: `OUTDIR/<relative folder>/<stem>.npz`.
    package var outputDirectory: URL
    /// Whether folders include their subfolders.
    package var recursive: Bool
    /// The `.npz` member or HDF5 dataset to read from each file that holds several arrays.
    package var key: String?
    /// The column of CSV/TSV inputs with a header (a 1-D field each).
    package var column: String? = nil
    /// The outputs' format, by extension (`--format`): npz by default.
    package var outputFormat = "npz"
    /// What each file gets (`--operation`): the gradient by default.
    package var operation: FieldJob.Operation = .gradient
    /// Read HDF5 data stored outside the input files (`--allow-external`); refused by default, so that a
    /// batch fed untrusted files cannot disclose the host's files.
    package var allowExternal = false
    /// The axes to differentiate along; `nil`: every axis of each file's array.
    package var axes: [Int]?
    /// The scheme, the same for every file (as ``FieldJob/options``).
    package var options: DifferenceOptions
    /// The number of worker threads taking files (default: the number of cores).
    package var jobs: Int
    /// The memory budget; nil: half of physical memory.
    package var memory: ByteSize?
    /// Keep every output that is complete and at least as new as its input, instead of recomputing it.
    package var resume: Bool
    /// A file receiving one JSON line per file (``BatchRecord/jsonLine``), if any: rewritten, or appended to
    /// with `resume`.
    package var log: URL?

    /// A batch; every argument sets the property of the same name.
    package init(inputs: [String], outputDirectory: URL, recursive: Bool = false, key: String? = nil, axes: [Int]? = nil,
                options: DifferenceOptions = .init(), jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                memory: ByteSize? = nil, resume: Bool = false, log: URL? = nil) {
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.recursive = recursive
        self.key = key
        self.axes = axes
        self.options = options
        self.jobs = jobs
        self.memory = memory
        self.resume = resume
        self.log = log
    }

    /// Plans, then processes every file. Throws only before any file is read (usage errors, an unusable
    /// output folder or log); a file that fails is reported through `progress`, logged and counted.
    package func run(progress: BatchProgress) throws(BatchError) -> BatchSummary {
        guard jobs >= 1 else { throw BatchError("--jobs \(jobs) is not allowed; use 1 or more") }
        do { try options.validate() } catch { throw BatchError(error.description) }
        let spacing: [Spacing]
        do { spacing = try options.resolvedSpacing() } catch { throw BatchError(error.description) }
        let items = try BatchPlan.items(inputs: inputs, outputDirectory: outputDirectory, recursive: recursive,
                                        outputExtension: outputFormat)
        if let log = self.log { try Self.checkLog(log, items: items, options: options) }
        let created = try prepareOutputDirectory()
        let lock: DirectoryLock
        let log: BatchLog?
        do {
            lock = try DirectoryLock(outputDirectory)
            log = try self.log.map { url throws(BatchError) in try BatchLog(url: url, append: resume) }
        } catch {
            // Leave the file system as it was: remove the folders this run created (they are empty).
            for folder in created.reversed() { FileSystem.removeFolder(folder) }
            throw error
        }
        defer { withExtendedLifetime(lock) {} }
        removeLeftoverTemporaries(of: items)

        let task = GradientFileTask(key: key, column: column, axes: axes, options: options, spacing: spacing,
                                    operation: operation, allowExternal: allowExternal)
        let budget = MemoryBudget(total: (memory ?? .defaultBudget).bytes)

        // Header probes and resume checks: cheap, done first so that progress totals are honest.
        var pending: [(BatchItem, Result<GradientFileTask.Probe, PipelineError>)] = []
        var skipped: [BatchRecord] = []
        for item in items {
            let probe = Result { () throws(PipelineError) in try task.probe(item) }
            if resume, task.outputIsComplete(item, probe: try? probe.get()) {
                skipped.append(BatchRecord(input: item.input.path, output: item.output.path, status: .skipped, shape: nil,
                                           dtype: nil, seconds: 0, bytes: item.fileBytes,
                                           note: "resume: the output is complete and newer than the input"))
            } else {
                pending.append((item, probe))
            }
        }

        progress.begin(files: items.count, bytes: items.reduce(0) { $0 + $1.fileBytes })
        for record in skipped {
            log?.append(record)
            progress.finished(record)
        }
        let work = pending
        Self.keepFreedMemoryForReuse()
        let queue = WorkQueue(count: work.count)
        let group = DispatchGroup()
        for _ in 0..<min(jobs, max(work.count, 1)) {
            group.enter()
            let worker = Thread {
                while let index = queue.next() {
                    let (item, probe) = work[index]
                    let record = Self.process(item, probe: probe, task: task, budget: budget, jobs: jobs)
                    log?.append(record)
                    progress.finished(record)
                }
                group.leave()
            }
            worker.stackSize = 8 << 20
            worker.start()
        }
        group.wait()
        return progress.end()
    }

    /// One file, start to finish: never throws; a failure becomes a `failed` record.
    ///
    /// Each file gets a share of the budget (`budget.total / jobs`): the slab engine sizes its slabs for it
    /// (``GradientFileTask/slabRoute(_:share:total:)``) and reserves what it will hold; the in-memory path
    /// reserves its estimate (``GradientFileTask/memoryNeed(_:share:total:)``), or the whole budget and runs alone;
    /// a file only the in-memory path takes that needs more than the whole budget fails before it is read.
    static func process(_ item: BatchItem, probe: Result<GradientFileTask.Probe, PipelineError>, task: GradientFileTask,
                        budget: MemoryBudget, jobs: Int) -> BatchRecord {
        let start = Date()
        var record = BatchRecord(input: item.input.path, output: item.output.path, status: .failed, seconds: 0, bytes: item.fileBytes)
        do throws(PipelineError) {
            let probe = try probe.get()
            record.dtype = probe.dtype?.name
            record.shape = probe.shape
            let share = max(1, budget.total / max(jobs, 1))
            let route = task.slabRoute(item, share: share, total: budget.total)
            let need: Int
            if let route { need = route.layout.heldBytes } else { need = try task.memoryNeed(item, share: share, total: budget.total) }
            let grant = budget.reserve(need)
            defer { budget.release(grant) }
            if grant.alone {
                record.note = "needs about \(ByteSize(bytes: need)), more than the \(ByteSize(bytes: budget.total)) memory budget: ran alone"
            }
            let outcome: GradientFileTask.Outcome
            if let route { outcome = try task.run(item, route) } else { outcome = try task.run(item, memory: grant.bytes) }
            record.status = .ok
            record.dtype = outcome.dtype?.name ?? record.dtype
            record.shape = outcome.shape ?? record.shape
            record.nonFiniteInput = outcome.nonFiniteInput
            record.nonFiniteOutput = outcome.nonFiniteOutput
        } catch {
            record.status = .failed
            // Name the input even when the failure was in writing the output (a full disk, say).
            record.error = error.description.contains(item.input.path) ? error.description : "\(item.input.path): \(error.description)"
        }
        record.seconds = Date().timeIntervalSince(start)
        return record
    }

    /// Refuses a log file that is one of the inputs (or a coordinate file), or one of the outputs.
    static func checkLog(_ log: URL, items: [BatchItem], options: DifferenceOptions) throws(BatchError) {
        if log.hasDirectoryPath { throw BatchError("--log \(log.path)/: names a folder; give the log file's name") }
        var inputs = items.map(\.input)
        for case let .coordinates(url) in options.spacing { inputs.append(url) }
        if let identity = FileSafety.Identity(path: log.path),
           let input = inputs.first(where: { FileSafety.Identity(path: $0.path) == identity }) {
            throw BatchError("--log \(log.path): is the input \(input.path); writing the log would destroy it, so choose another log file")
        }
        let logPath = FileSystem.encode(FileSystem.resolved(log.path))
        if let item = items.first(where: { FileSystem.encode(FileSystem.resolved($0.output.path)) == logPath }) {
            throw BatchError("--log \(log.path): is the output of \(item.input.path); choose a log file that is not an output")
        }
    }

    /// Creates the output folder and checks that a file can be created in it, so that an unusable folder is
    /// one clear error instead of one per file.
    ///
    /// - Returns: the folders created, outermost first (none when the folder existed).
    private func prepareOutputDirectory() throws(BatchError) -> [String] {
        let created: [String]
        do throws(FileSystem.Failure) {
            created = try FileSystem.createFolder(outputDirectory.path)
        } catch {
            let reason = error.path == nil || error.path == outputDirectory.path ? error.reason : error.description
            throw BatchError("\(outputDirectory.path): cannot create the output folder: \(reason)", kind: .environment)
        }
        let probe = outputDirectory.appendingPathComponent(".nabla-batch.tmp-\(UInt64.random(in: 0...UInt64.max))", isDirectory: false).path
        let fd = FileSystem.open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BatchError("\(outputDirectory.path): cannot write to the output folder (\(String(cString: strerror(errno))))", kind: .environment)
        }
        close(fd)
        FileSystem.unlink(probe)
        return created
    }

    /// Removes `.<output name>.tmp-*` files (temporaries of a killed run) next to the planned outputs.
    /// Names are compared as bytes; a temporary's name holds the first 100 bytes of its target's name
    /// (``AtomicFile/temporaryName(for:)``), so a long target matches by that prefix.
    private func removeLeftoverTemporaries(of items: [BatchItem]) {
        var namesByFolder: [[UInt8]: (folder: String, names: Set<[UInt8]>)] = [:]
        for item in items {
            let folder = item.output.deletingLastPathComponent().path
            namesByFolder[FileSystem.encode(folder), default: (folder, [])].names.insert(FileSystem.encode(item.output.lastPathComponent))
        }
        for (folder, names) in namesByFolder.values {
            guard let entries = try? FileSystem.entries(ofFolder: folder) else { continue }
            for entry in entries where entry.hasPrefix(".") {
                guard let range = entry.range(of: ".tmp-", options: [.literal, .backwards]) else { continue }
                let target = FileSystem.encode(String(entry[entry.index(after: entry.startIndex)..<range.lowerBound]))
                let planned = names.contains(target)
                    || target.count > 96 && names.contains { $0.count > 100 && $0.starts(with: target) }
                let path = folder + "/" + entry
                // A temporary that a living process is writing is locked by it (AtomicFile): keep it.
                if planned || entry.hasPrefix(".nabla-batch.tmp-"), !DirectoryLock.isLockedByAnother(path) {
                    FileSystem.unlink(path)
                }
            }
        }
    }
}

/// Hands out the indices `0..<count` once each, to any number of threads.
final class WorkQueue: @unchecked Sendable {  // `next` guarded by `lock`
    private let count: Int
    private var next_ = 0
    private let lock = NSLock()

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next_ < count else { return nil }
        next_ += 1
        return next_ - 1
    }
}

extension BatchJob {
    /// Many files of similar size allocate and free arrays of the same size over and over. By default glibc
    /// gives every block over 128 KiB back to the kernel when it is freed, so each file pays its arrays'
    /// page faults again (about a third of the batch's time on 64³ files). Raising the mmap threshold to
    /// its maximum (32 MiB) and disabling trimming keeps freed blocks in the heap for the next file.
    /// Larger arrays are still mapped and unmapped individually, so the memory budget stays honest.
    static func keepFreedMemoryForReuse() {
        #if canImport(Glibc)
        // mallopt(3) is not in Swift's Glibc module; look it up. M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, Int32.max)
        #endif
    }
}

/// An advisory lock (`flock(2)`) on the output folder for the whole run: a second `nabla batch` into the
/// same folder is refused at once with a clear message instead of racing the first (and removing its
/// temporaries). The lock goes with the process, so a killed run never leaves the folder locked.
final class DirectoryLock {
    private let descriptor: Int32

    init(_ folder: URL) throws(BatchError) {
        descriptor = FileSystem.open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BatchError("\(folder.path): cannot open the output folder: \(String(cString: strerror(errno)))", kind: .environment)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another nabla batch is writing into this folder; wait for it to finish or choose another output folder"
                                              : "cannot lock the output folder: \(String(cString: strerror(errno)))"
            close(descriptor)
            throw BatchError("\(folder.path): \(reason)", kind: .environment)
        }
    }

    deinit { close(descriptor) }

    /// Whether another open file description holds a `flock` on the file at `path` (a temporary that a
    /// living process is still writing).
    static func isLockedByAnother(_ path: String) -> Bool {
        let fd = FileSystem.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
}
