// Why this file uses raw pointers: it writes caller memory to files with write(2)/writev(2)/pwrite(2)
// straight from the caller's buffers (no copy of gigabyte arrays). Every pointer is used only inside the
// closure that lent it. Paths go to the system through `FileSystem` (names that are not UTF-8 included).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that the target name only ever holds a complete file: the package's one atomic
/// writer (array formats, FFTW wisdom, pictures).
///
/// The content goes to a hidden temporary file in the target's directory, then is renamed over the
/// target: `rename(2)` within one directory (so one file system) is atomic. If anything fails, the
/// temporary file is removed and the error is rethrown: a reader of the target sees either the old file
/// or the new one, never a partial file, even if the process is killed at any point (then at most a
/// hidden temporary is left behind).
///
/// The temporary is named `.<name>.tmp-<8 hex digits>`, with the target's name cut to its first 100
/// bytes (on a character boundary), so that targets with names up to the usual 255-byte limit still get
/// a temporary name that fits.
///
/// Durability: like numpy, the data is not forced to disk by default — `fsync(2)` costs seconds on
/// large files, and a crash of the process (as opposed to the machine) loses nothing once `rename`
/// returned. Set the environment variable `NABLA_FSYNC=1` to `fsync` the file before the rename and
/// the directory after it, for durability across power failures.
package enum AtomicFile {
    /// Sequential writes to the temporary file, valid only inside the `write(to:_:)` closure.
    package final class Writer {
        let descriptor: Int32
        let context: ErrorContext
        /// The number of bytes written so far.
        package private(set) var bytesWritten = 0

        package init(descriptor: Int32, context: ErrorContext) {
            self.descriptor = descriptor
            self.context = context
        }

        /// Appends raw bytes.
        package func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = systemWrite(descriptor, base + done, min(bytes.count - done, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw context.error(.io, "write failed after \(bytesWritten + done) bytes: \(String(cString: strerror(errno)))")
                }
                done += n
            }
            bytesWritten += done
        }

        /// Appends several buffers in order with as few `writev(2)` calls as possible (one, below 2 GiB),
        /// straight from the caller's memory.
        package func write(_ parts: [UnsafeRawBufferPointer]) throws(FormatError) {
            let pending = parts.filter { $0.count > 0 }
            var index = 0, skip = 0  // the first unwritten byte is pending[index][skip]
            while index < pending.count {
                var vectors: [iovec] = []
                for k in index..<min(pending.count, index + 256) {
                    let start = k == index ? skip : 0
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: pending[k].baseAddress! + start),
                                         iov_len: pending[k].count - start))
                }
                let n = vectors.withUnsafeBufferPointer { writev(descriptor, $0.baseAddress, Int32($0.count)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw context.error(.io, "write failed after \(bytesWritten) bytes: \(String(cString: strerror(errno)))")
                }
                if n == 0 { throw context.error(.io, "write made no progress after \(bytesWritten) bytes") }
                bytesWritten += n
                var left = n
                while left > 0 {
                    let available = pending[index].count - skip
                    if left >= available { left -= available; index += 1; skip = 0 } else { skip += left; left = 0 }
                }
            }
        }

        /// Overwrites bytes already written at `offset` (`pwrite(2)`); `bytesWritten` is unchanged.
        package func overwrite(_ bytes: [UInt8], at offset: Int) throws(FormatError) {
            precondition(offset >= 0 && offset + bytes.count <= bytesWritten, "overwrite outside the written bytes")
            let failure: FormatError? = bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return context.error(.io, "write failed at byte \(offset + done): \(String(cString: strerror(errno)))")
                    }
                    done += n
                }
                return nil
            }
            if let failure { throw failure }
        }

        /// Writes raw bytes at `offset` (`pwrite(2)`), anywhere in the file: for writers that lay a file out
        /// first and fill its parts in any order (the slab engine's sinks). `bytesWritten` becomes the end of
        /// the furthest write, so the file is kept up to there.
        package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(FormatError) {
            precondition(offset >= 0, "write at a negative offset")
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = pwrite(descriptor, base + done, min(bytes.count - done, 1 << 30), off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw context.error(.io, "write failed at byte \(offset + done): \(String(cString: strerror(errno)))")
                }
                if n == 0 { throw context.error(.io, "write made no progress at byte \(offset + done)") }
                done += n
            }
            bytesWritten = max(bytesWritten, offset + done)
        }

        /// Tells the file system the file will be `size` bytes (`fallocate(2)`), which makes the following
        /// writes about a third faster on ext4 here. Advice only: where unsupported nothing happens (no
        /// zero-filling emulation), and not on tmpfs, where it allocates the memory pages up front and the
        /// writes cost as much after it (a batch of 200 files of 6 MiB to /dev/shm: 10–25 % more system
        /// time with it). Callers must then write exactly `size` bytes; ``AtomicFile`` cuts the file to
        /// the bytes written if they fall short.
        package func preallocate(_ size: Int) {
            #if os(Linux)
            guard size > 1 << 20, let fallocate = Self.fallocate, !isInMemory else { return }
            if fallocate(descriptor, 0, 0, Int64(size)) == 0 { preallocated = size }
            #endif
        }

        #if os(Linux)
        /// Whether the file lives on tmpfs (`fstatfs(2)`'s `f_type` is `TMPFS_MAGIC`).
        private var isInMemory: Bool {
            guard let fstatfs = Self.fstatfs else { return false }
            // `struct statfs` (120 bytes on 64-bit Linux) begins with `f_type`, a `long`.
            var info = [Int](repeating: 0, count: 32)
            return fstatfs(descriptor, &info) == 0 && info[0] == 0x0102_1994
        }

        private typealias FStatFS = @convention(c) (Int32, UnsafeMutablePointer<Int>) -> Int32
        /// glibc's `fstatfs` (Swift's Glibc module does not import `<sys/statfs.h>`).
        private static let fstatfs: FStatFS? = {
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "fstatfs") else { return nil }
            return unsafeBitCast(symbol, to: FStatFS.self)
        }()
        #endif

        /// The size reserved by ``preallocate(_:)``, if any.
        package var preallocated = 0

        #if os(Linux)
        private typealias Fallocate = @convention(c) (Int32, Int32, Int64, Int64) -> Int32
        /// glibc's `fallocate` (the plain system call; `posix_fallocate` would emulate it by writing).
        private static let fallocate: Fallocate? = {
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "fallocate") else { return nil }
            return unsafeBitCast(symbol, to: Fallocate.self)
        }()
        #endif

        /// Appends the bytes of an array.
        package func write(_ bytes: [UInt8]) throws(FormatError) {
            let failure: FormatError? = bytes.withUnsafeBytes { raw in
                do throws(FormatError) { try write(raw) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }

        /// Appends the bytes of a `Data`.
        package func write(_ data: Data) throws(FormatError) {
            let failure: FormatError? = data.withUnsafeBytes { raw in
                do throws(FormatError) { try write(raw) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }
    }

    /// Writes `data` to `url` atomically.
    package static func write(_ data: Data, to url: URL) throws(FormatError) {
        try write(to: url) { (writer: Writer) throws(FormatError) in try writer.write(data) }
    }

    /// Creates the temporary file, lets `body` write to it, then flushes it and renames it over `url`.
    ///
    /// The new file has mode `0666` minus the process umask, like a file created by `open(2)`.
    package static func write(to url: URL, _ body: (Writer) throws(FormatError) -> Void) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let (temporary, descriptor) = try createTemporary(for: url, context: context)
        let writer = Writer(descriptor: descriptor, context: context)
        do {
            try body(writer)
        } catch {
            close(descriptor)
            unlinkQuietly(temporary)
            throw error
        }
        // A preallocated file longer than what was written would end in zeros: cut it.
        let cut = writer.preallocated > writer.bytesWritten ? writer.bytesWritten : nil
        try finish(descriptor: descriptor, temporary: temporary, target: url, context: context, truncatingTo: cut)
    }

    /// Reserves a temporary name next to `url`, lets `body` create and fill a file at that URL (for
    /// libraries that insist on creating their own file), then flushes it and renames it over `url`.
    /// Errors `body` throws that are not ``FormatError``s become ones of kind `.io`.
    package static func write(to url: URL, creatingWith body: (URL) throws -> Void) throws(FormatError) {
        try produce(at: url) { path in try body(URL(fileURLWithPath: path, isDirectory: false)) }
    }

    /// The entry point for C libraries that write a file by path (FFTW's wisdom export, HDF5): picks a
    /// free temporary name in the target's folder, calls `body` with its path for the library to create
    /// and fill, then flushes it (with `NABLA_FSYNC=1`) and renames it over `url`. If `body` throws, or
    /// the file cannot be finished, the temporary is removed and the target is untouched.
    ///
    /// - Throws: ``FormatError`` of kind `.io` naming `url` (an error `body` throws that is not a
    ///   ``FormatError`` is wrapped, its description kept).
    package static func produce(at url: URL, _ body: (String) throws -> Void) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        // Reserve a fresh name by creating the file, then remove it so that `body` can create it itself.
        let (temporary, descriptor) = try createTemporary(for: url, context: context)
        close(descriptor)
        unlinkQuietly(temporary)
        track(temporary.path)
        do {
            try body(temporary.path)
        } catch {
            unlinkQuietly(temporary)
            if let error = error as? FormatError { throw error }
            throw context.error(.io, "\(error)")
        }
        let fd = FileSystem.open(temporary.path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let message = String(cString: strerror(errno))
            unlinkQuietly(temporary)
            throw context.error(.io, "cannot reopen the temporary file \(temporary.path): \(message)")
        }
        try finish(descriptor: fd, temporary: temporary, target: url, context: context)
    }

    /// The hidden temporary name for a target named `name`: `.<first 100 bytes of name>.tmp-<8 hex>`
    /// (bytes as the file system counts them, see ``FileSystem``).
    package static func temporaryName(for name: String) -> String {
        var prefix = Substring(name)
        while FileSystem.encode(String(prefix)).count > 100 { prefix = prefix.dropLast() }
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return ".\(prefix).tmp-" + String(repeating: "0", count: 8 - random.count) + random
    }

    // MARK: Steps

    private static func createTemporary(for url: URL, context: ErrorContext) throws(FormatError) -> (URL, Int32) {
        let directory = url.deletingLastPathComponent()
        let name = url.lastPathComponent
        for _ in 0..<16 {
            let temporary = directory.appendingPathComponent(temporaryName(for: name))
            // Created and tracked under one lock, so that an interruption's sweep either sees the file or
            // happens before it exists (and then holds the lock until the process ends: it never will).
            let (fd, error) = inProgress.withLock { paths -> (Int32, Int32) in
                let fd = FileSystem.open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
                let error = errno
                if fd >= 0 { paths.insert(temporary.path) }
                return (fd, error)
            }
            if fd >= 0 {
                // The writer holds an advisory lock on its temporary while it lives, so a clean-up by another
                // run (`nabla batch --resume`) can tell a living run's temporary from a dead one's.
                _ = flock(fd, LOCK_EX | LOCK_NB)
                return (temporary, fd)
            }
            if error == EEXIST || error == EINTR { continue }
            throw context.error(.io, "cannot create a temporary file in \(directory.path): \(String(cString: strerror(error)))")
        }
        throw context.error(.io, "cannot create a unique temporary file in \(directory.path)")
    }

    /// fsync, close and rename. Always closes `descriptor`; on failure removes the temporary file.
    private static func finish(descriptor: Int32, temporary: URL, target: URL, context: ErrorContext,
                               truncatingTo length: Int? = nil) throws(FormatError) {
        if let length, ftruncate(descriptor, off_t(length)) != 0 {
            let message = String(cString: strerror(errno))
            close(descriptor)
            unlinkQuietly(temporary)
            throw context.error(.io, "cannot set the file size: \(message)")
        }
        while durable && fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(descriptor)
            unlinkQuietly(temporary)
            throw context.error(.io, "fsync failed: \(message)")
        }
        if close(descriptor) != 0 && errno != EINTR {
            let message = String(cString: strerror(errno))
            unlinkQuietly(temporary)
            throw context.error(.io, "close failed: \(message)")
        }
        if holdSeconds > 0 { usleep(UInt32(holdSeconds * 1_000_000)) }
        do throws(FileSystem.Failure) {
            try FileSystem.rename(temporary.path, to: target.path)
        } catch {
            unlinkQuietly(temporary)
            throw context.error(.io, "cannot rename the temporary file over the target: \(error.reason)")
        }
        untrack(temporary.path)
        // Make the rename itself durable; failure here does not undo a complete file.
        guard durable else { return }
        let dir = FileSystem.open(target.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    /// A test hook: `NABLA_TEST_HOLD_TEMPORARY=S` keeps each complete temporary for `S` seconds (at most
    /// 10) before the rename, so that tests can interrupt a write or race a second run deterministically.
    private static let holdSeconds: Double = min(10, Double(ProcessInfo.processInfo.environment["NABLA_TEST_HOLD_TEMPORARY"] ?? "") ?? 0)

    /// Whether to `fsync` (environment variable `NABLA_FSYNC=1`; see the type's discussion).
    package static let durable: Bool = ProcessInfo.processInfo.environment["NABLA_FSYNC"] == "1"


    private static func unlinkQuietly(_ url: URL) {
        FileSystem.unlink(url.path)
        untrack(url.path)
    }

    // MARK: Interruption

    /// The temporaries being written now, removed if the process is interrupted.
    private static let inProgress = Locked<Set<String>>([])
    private static let signalSources = Locked<[any DispatchSourceSignal]>([])

    private static func track(_ path: String) { inProgress.withLock { _ = $0.insert(path) } }
    private static func untrack(_ path: String) { inProgress.withLock { _ = $0.remove(path) } }

    /// Makes SIGINT, SIGTERM and SIGHUP remove every temporary being written, then end the process with
    /// status 128 + the signal's number (130 for Ctrl-C, 143 for `kill`), so an interrupted command leaves
    /// no partial file and every existing file as it was. For tools; call once at start. (SIGKILL cannot
    /// be caught: its temporaries are hidden files that `nabla batch --resume` removes.)
    package static func removeTemporariesOnSignals() {
        signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    // The sweep keeps the lock and ends the process inside it (`_exit`: no exit handlers to
                    // wait for while other threads run on): a temporary created after the sweep would need
                    // the lock first. (A C library filling `produce(at:)`'s path creates its file outside
                    // the lock; that file appears only in the instant between this sweep and `_exit`.)
                    inProgress.withLock { (paths: inout Set<String>) -> Void in
                        for path in paths { FileSystem.unlink(path) }
                        _exit(128 + number)
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

/// `write(2)`, named so it cannot be confused with the `write` methods above.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// A nameless file for data a streaming computation parks between passes (the spectral slab path's
/// half-spectrum), read and written at offsets with `pread(2)`/`pwrite(2)` straight from the caller's
/// buffers.
///
/// It is made with `O_TMPFILE` in `folder` (Linux: the file never has a name, so nothing is left behind
/// even after `kill -9`), else created under a hidden temporary name and unlinked at once; its space is
/// returned when it is closed (on deinit), whatever ends the process.
package final class ScratchFile {
    private let descriptor: Int32
    private let context: ErrorContext

    /// A new empty scratch file in `folder` (on the file system that holds it).
    ///
    /// - Throws: ``FormatError`` of kind `.io` naming the folder when no file can be made there.
    package init(folder: URL) throws(FormatError) {
        context = ErrorContext(file: folder.path)
        #if os(Linux)
        // O_TMPFILE = __O_TMPFILE | O_DIRECTORY (Glibc does not import the compound macro).
        let tmpfile: Int32 = 0o20_000_000 | O_DIRECTORY
        let fd = FileSystem.open(folder.path, tmpfile | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 { descriptor = fd; return }
        #endif
        for _ in 0..<16 {
            let path = folder.appendingPathComponent(AtomicFile.temporaryName(for: "nabla-scratch")).path
            let fd = FileSystem.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                FileSystem.unlink(path)
                descriptor = fd
                return
            }
            if errno == EEXIST || errno == EINTR { continue }
            break
        }
        throw context.error(.io, "cannot create a scratch file in \(folder.path): \(String(cString: strerror(errno)))")
    }

    deinit { close(descriptor) }

    /// Writes the elements of `buffer` at byte `offset`.
    package func write<T>(_ buffer: SharedBuffer<T>, at offset: Int) throws(FormatError) {
        try transfer(buffer, at: offset, reading: false)
    }

    /// Fills `buffer` with the elements stored at byte `offset` (which must have been written).
    package func read<T>(at offset: Int, into buffer: SharedBuffer<T>) throws(FormatError) {
        try transfer(buffer, at: offset, reading: true)
    }

    /// `pread(2)` or `pwrite(2)` of every byte of `buffer` at `offset`, resumed after short transfers.
    private func transfer<T>(_ buffer: SharedBuffer<T>, at offset: Int, reading: Bool) throws(FormatError) {
        let bytes = buffer.count * MemoryLayout<T>.stride
        var done = 0
        while done < bytes {
            let count = min(bytes - done, 1 << 30), at = off_t(offset + done)
            let n = reading ? pread(descriptor, buffer.rawPointer + done, count, at)
                            : pwrite(descriptor, buffer.rawPointer + done, count, at)
            if n < 0 {
                if errno == EINTR { continue }
                throw context.error(.io, "\(reading ? "reading" : "writing") the scratch file failed at byte \(offset + done): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw context.error(.io, "the scratch file \(reading ? "ended" : "took no more bytes") at byte \(offset + done)") }
            done += n
        }
    }
}
