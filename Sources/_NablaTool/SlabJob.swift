import Foundation
import Nabla
import NablaFormats
import NablaHDF5

/// Finite-difference commands through the slab engine: a `.npy` (or stored `.npz` member) input, or HDF5
/// datasets (hyperslabs of axis 0), are read a slab of planes at a time and the results are written
/// straight into their place in a `.npy`/`.npz` output, so memory stays within `--memory` whatever the
/// file's size, and the results are the in-memory path's to the bit.
///
/// Inputs the engine cannot read a slab at a time (CSV, netCDF, deflated members, Fortran order, complex
/// or boolean data) and other output formats take the in-memory path, held to the same budget by its
/// estimate (``InMemoryNeed``).
enum SlabJob {
    /// What the engine reads: the arrays of one field (one, or one per component of a vector field), all of
    /// one shape and element type, served as a ``FieldSource`` of the type the results are computed in.
    enum Input {
        /// Stored `.npy` arrays or `.npz` members, read with `pread`.
        case stored([StoredArrayLocation])
        /// HDF5 datasets, read by hyperslab.
        case hdf5([HDF5.PlaneReader])

        /// The shape of each array.
        var shape: [Int] {
            switch self {
            case let .stored(locations): locations[0].header.shape
            case let .hdf5(readers): readers[0].shape
            }
        }

        /// Whether the values are stored in this machine's byte order, so that the engine reads them
        /// without a conversion scratch (HDF5 datasets are counted as converted: an upper bound).
        var nativeOrder: Bool {
            switch self {
            case let .stored(locations): locations[0].header.byteOrder == .native
            case .hdf5: false
            }
        }

        /// The element type stored.
        var dtype: DType {
            switch self {
            case let .stored(locations): locations[0].header.dtype
            case let .hdf5(readers): readers[0].dtype
            }
        }

        /// A source of the arrays as `T` values (converted as the in-memory path converts them).
        func source<T: FieldScalar & NPYScalar>(_: T.Type) throws -> any FieldSource<T> {
            switch self {
            case let .stored(locations): try StoredArraySource<T>(locations)
            case let .hdf5(readers): try HDF5FieldSource<T>(readers)
            }
        }
    }

    /// The input bytes one slab holds at most when memory allows more (but at least ``minimumPlanes``
    /// planes): larger slabs make no command faster (the read of one slab already overlaps the computation
    /// of the previous one) and cost page faults on fresh buffers (256³ float64 to `.npz`: 32 MiB slabs
    /// peaked at 306 MiB and spent twice the system time of 16 MiB slabs, 180 MiB).
    static let slabTarget: Int = {
        // NABLA_SLAB_BYTES overrides it (for benchmarks of the pipeline's granularity).
        if let text = ProcessInfo.processInfo.environment["NABLA_SLAB_BYTES"], let bytes = ByteSize(parsing: text) { return bytes.bytes }
        return 16 << 20
    }()

    /// The stored arrays `input` holds for the slab engine (the member `key` of a `.npz`, its only member,
    /// or the members `components` of a vector field), or nil when the engine cannot read them a slab at a
    /// time. Errors in the file are left for the in-memory reader to report.
    static func locate(_ input: URL, key: String?, components: [String]? = nil) -> [StoredArrayLocation]? {
        guard let format = try? FieldFiles.Format(of: input), format == .npy || format == .npz,
              FieldFiles.location(of: input).dataset == nil else { return nil }
        let members: [String]?
        if format == .npy {
            guard key == nil, components == nil else { return nil }
            members = nil
        } else if let components {
            members = components
        } else if let key {
            members = [key]
        } else {
            guard let all = try? NPZ.headers(from: input), all.count == 1 else { return nil }
            members = [all[0].name]
        }
        guard let found = try? StoredArrayLocation.locate(input, members: members),
              found.allSatisfy({ !($0.header.fortranOrder && $0.header.shape.count > 1) && $0.header.dtype != .bool && !$0.header.dtype.isComplex }),
              !found.isEmpty, !found[0].header.shape.isEmpty else { return nil }
        return found
    }

    /// The HDF5 datasets `paths` of `file` (nil: the file's only dataset) opened for the slab engine, or nil when the engine cannot read
    /// them (complex or boolean data, datasets of different shapes or types, any error: the in-memory path
    /// then reads them, or reports what is wrong).
    static func locate(hdf5 file: URL, datasets paths: [String?], allowExternal: Bool) -> Input? {
        var readers: [HDF5.PlaneReader] = []
        for path in paths {
            guard let reader = try? HDF5.PlaneReader(file, dataset: path, allowingExternalData: allowExternal),
                  !reader.shape.isEmpty, !reader.dtype.isComplex, reader.dtype != .bool,
                  reader.shape == (readers.first?.shape ?? reader.shape),
                  reader.dtype == (readers.first?.dtype ?? reader.dtype) else { return nil }
            readers.append(reader)
        }
        return readers.isEmpty ? nil : .hdf5(readers)
    }

    /// How the engine runs one job: the planes of each slab, and the bytes of buffers it then holds.
    struct Layout: Equatable {
        /// Planes of axis 0 per slab (at least the whole axis: one slab).
        var planes: Int
        /// The most bytes the engine's buffers hold at once (input and result buffers of the slabs in
        /// flight with their halos, and the scratch of a dtype conversion).
        var heldBytes: Int
    }

    /// The element size the engine computes `dtype` in (float32 and float16 as themselves, others in
    /// float64, as the in-memory path computes them).
    static func computeSize(of dtype: DType) -> Int {
        switch dtype {
        case .float32: MemoryLayout<Float>.stride
        case .float16: MemoryLayout<Float16>.stride
        default: MemoryLayout<Double>.stride
        }
    }

    /// The slab size for `operation` on arrays of `shape` stored as `dtype` (in native byte order or not)
    /// within `memory` bytes: as many planes as fit (``SlabbedOperation/planesPerSlab(shape:elementSize:memory:)``),
    /// at most ``slabTarget`` bytes of input per slab (and at least ``minimumPlanes`` planes when memory
    /// allows), rounded down to whole chunks of an HDF5 result (``HDF5/chunkShape(_:elementSize:)``) when
    /// more than one chunk fits, and the bytes the engine then holds (an HDF5 output's chunk cache, two
    /// chunks of at most 1 MiB per result, is not counted: it lies within the budget's fixed allowance).
    ///
    /// One slab holds the whole field when it fits: the engine then reads, computes and writes once, with
    /// one set of buffers (`(inputs + results) × field`). Otherwise two sets are in flight, each of
    /// `planes + 2·depth` planes. Inputs not stored as the computed type go through a scratch buffer of one
    /// slab (raw bytes, then float64 values) while they are read.
    ///
    /// - Throws: ``PipelineError`` naming `file` and the bytes needed when not even one plane fits.
    static func layout(_ operation: SlabbedOperation, shape: [Int], dtype: DType, nativeOrder: Bool, memory: Int,
                       file: String) throws(PipelineError) -> Layout {
        let elementSize = computeSize(of: dtype)
        var planes: Int, prepared: SlabbedOperation.Prepared, results: Int
        do {
            let fitting = try operation.planesPerSlab(shape: shape, elementSize: elementSize, memory: memory)
            let planeBytes = shape.dropFirst().reduce(elementSize) { Saturating.product($0, $1) }
            let target = max(slabTarget / max(planeBytes, 1), min(minimumPlanes, fitting))
            planes = max(1, min(fitting, target))
            // Whole chunks of an HDF5 output per slab: a multiple of a chunk's planes when one fits.
            if let chunkPlanes = HDF5.chunkShape(shape, elementSize: elementSize)?[0], planes > chunkPlanes {
                planes -= planes % chunkPlanes
            }
            prepared = try operation.prepared(shape: shape)
            results = try operation.resultCount(shape: shape)
        } catch {
            throw PipelineError("\(file): \(error.description)")
        }
        let n0 = shape[0]
        let planeElements = shape.dropFirst().reduce(1) { Saturating.product($0, $1) }
        let arrays = operation.inputCount(rank: shape.count) + results
        let whole = planes >= n0 || prepared.needsWholeAxis0
        let bufferPlanes = whole ? n0 : min(n0, planes + 2 * prepared.depth)
        let sets = whole ? 1 : 2
        var held = Saturating.product([sets, arrays, bufferPlanes, planeElements, elementSize])
        let direct = (dtype == .float64 || dtype == .float32 || dtype == .float16) && nativeOrder
        if !direct {
            held = Saturating.sum(held, Saturating.product([bufferPlanes, planeElements, dtype.itemSize + 2 * 8]))
        }
        return Layout(planes: whole ? n0 : planes, heldBytes: held)
    }

    /// The fewest planes a slab gets when memory allows, however large a plane is: thinner slabs would
    /// recompute their halos too often.
    static let minimumPlanes = 16

    /// Whether the engine writes the results to `output`: a `.npy`/`.npz` file, or HDF5 datasets (written
    /// by hyperslab, added to the file as the in-memory path adds them).
    static func writes(_ output: URL) -> Bool {
        guard let format = try? FieldFiles.Format(of: output) else { return false }
        return format == .npy || format == .npz || format.isHDF5
    }

    /// Runs `operation` on `input` into `output` (`names` for a `.npz` or HDF5 datasets; a `.npy` holds
    /// the one result), within `memory` bytes of buffers (slabs as ``layout(_:shape:dtype:nativeOrder:memory:file:)``
    /// sizes them). float32 and float16 data are computed in their type, everything else in `Double` (the
    /// in-memory path's precision). An HDF5 output follows the in-memory path's rules (`out.h5:/group`,
    /// datasets added to an existing file, replaced only when `overwrite`).
    static func run(_ operation: SlabbedOperation, on input: Input, names: [String], output: URL,
                    memory: Int, overwrite: Bool, file: String) throws(PipelineError) {
        let layout = try layout(operation, shape: input.shape, dtype: input.dtype, nativeOrder: input.nativeOrder,
                                memory: memory, file: file)
        try run(operation, on: input, names: names, output: output, planes: layout.planes, overwrite: overwrite, file: file)
    }

    /// Runs `operation` on `input` into `output`, `planes` planes per slab. With `tally`, the NaN and
    /// infinite values read and written are counted into it (each input plane once, halos included only once).
    static func run(_ operation: SlabbedOperation, on input: Input, names: [String], output: URL,
                    planes: Int, overwrite: Bool = false, file: String, tally: NonFiniteTally? = nil) throws(PipelineError) {
        switch input.dtype {
        case .float32: try run(Float.self, operation, input, names, output, planes, overwrite, file, tally)
        case .float16: try run(Float16.self, operation, input, names, output, planes, overwrite, file, tally)
        default: try run(Double.self, operation, input, names, output, planes, overwrite, file, tally)
        }
    }

    private static func run<T: FieldScalar & NPYScalar>(
        _ type: T.Type, _ operation: SlabbedOperation, _ input: Input, _ names: [String],
        _ output: URL, _ planes: Int, _ overwrite: Bool, _ file: String, _ tally: NonFiniteTally?
    ) throws(PipelineError) {
        try write(T.self, from: input, names: names, output: output, overwrite: overwrite, file: file) { source, sink in
            // Opens the existentials so that the engine (and the tallying wrappers) run on the concrete types.
            func run<Source: FieldSource<T>, Sink: FieldSink<T>>(_ source: Source, _ sink: Sink) throws {
                if let tally {
                    try streamDifferences(operation, from: TallyingSource(base: source, tally: tally),
                                          to: TallyingSink(base: sink, tally: tally), planesPerSlab: planes)
                } else {
                    try streamDifferences(operation, from: source, to: sink, planesPerSlab: planes)
                }
            }
            try run(source, sink)
        }
    }

    /// Runs `body` from `input` into `output` written atomically: a `.npy` (the one result), a `.npz`
    /// (`names`), or HDF5 datasets `names` (added to the file as the in-memory path adds them, replacing
    /// existing ones only when `overwrite`). Errors of `body` are reported against `file`, the writer's
    /// against `output`; nothing is left behind when either fails. The one writing step of the finite-
    /// difference and spectral slab paths.
    static func write<T: FieldScalar & NPYScalar>(
        _ type: T.Type, from input: Input, names: [String], output: URL, overwrite: Bool = false, file: String,
        _ body: (any FieldSource<T>, any FieldSink<T>) throws -> Void
    ) throws(PipelineError) {
        let shape = input.shape
        let isNPY = (try? FieldFiles.Format(of: output)) == .npy
        // The engine's errors (I/O, or arguments the in-memory path would refuse the same way) are kept
        // apart from the writer's so that each is reported as itself.
        var failure: (any Error)?
        func stream<Sink: FieldSink<T>>(to sink: Sink) throws(FormatError) {
            do {
                try body(try input.source(T.self), sink)
            } catch let error as FormatError {
                throw error
            } catch {
                failure = error
                throw FormatError(.io, file: output.path, "not written")
            }
        }
        let (outputFile, group) = FieldFiles.location(of: output)
        do {
            if (try? FieldFiles.Format(of: output))?.isHDF5 == true {
                try HDF5.add(datasets: names, shape: shape, of: T.self, to: outputFile, group: group,
                             replacingExisting: overwrite) { sink in try stream(to: sink) }
            } else {
                try AtomicFile.write(to: output) { (writer: AtomicFile.Writer) throws(FormatError) in
                    let sink = try StoredArraySink<T>(writer: writer, names: isNPY ? nil : names, shape: shape)
                    try stream(to: sink)
                    try sink.finish()
                }
            }
        } catch {
            throw PipelineError.wrap(failure ?? error, file: failure == nil ? outputFile.path : file)
        }
    }
}

// MARK: Plans

extension SlabJob {
    /// What the slab engine runs for one command on one file (``FieldJob/slabPlan()``): the arrays read,
    /// the operation with the spacing the in-memory path would use, the names of the results, and the
    /// notes to print once they are written.
    struct Plan {
        var input: Input
        var operation: SlabbedOperation
        var names: [String]
        var notes: [String]
    }

    /// What the slab engine reads for `job`: the field (its `key`, or the only array), or a vector field's
    /// components `axis0`, `axis1`, … of one shape and dtype (a curl: 2 or 3 of them), or an openPMD vector record's
    /// components; with an HDF5 input, the grid the in-memory path would read with it and the notes it
    /// would print. Nil when the engine cannot read the input (the in-memory path then reads it, or
    /// reports what is wrong with it).
    static func input(of job: FieldJob) -> (Input, grid: (name: String, axes: [AxisInfo])?, notes: [String])? {
        if let format = try? FieldFiles.Format(of: job.input), format.isHDF5 { return hdf5Input(of: job) }
        guard job.operation.readsVectorField else {
            guard job.operation != .gradient || job.column == nil, let locations = locate(job.input, key: job.key) else { return nil }
            return (.stored(locations), nil, [])
        }
        guard let headers = try? NPZ.headers(from: job.input),
              let rank = headers.first(where: { $0.name == "axis0" })?.header.shape.count, rank > 0,
              let locations = locate(job.input, key: nil, components: (0..<rank).map { "axis\($0)" }),
              locations.allSatisfy({ $0.header.shape == locations[0].header.shape }),
              Set(locations.map(\.header.dtype)).count == 1, job.operation != .curl || rank == 2 || rank == 3 else { return nil }
        return (.stored(locations), nil, [])
    }

    /// ``input(of:)`` for an HDF5 file: the dataset `FieldJob`'s in-memory path reads (with its grid:
    /// dimension scales or openPMD), an openPMD vector record's components (with the grid and the notes on unused components),
    /// or the datasets `axis0`, `axis1`, … of the file or group that `readVectorField(_:allowExternal:)`
    /// would take. Never reads values.
    private static func hdf5Input(of job: FieldJob) -> (Input, grid: (name: String, axes: [AxisInfo])?, notes: [String])? {
        let (file, dataset) = FieldFiles.location(of: job.input)
        guard job.operation.readsVectorField else {
            if job.column != nil { return nil }
            if let key = job.key, let dataset, key.trimmingPrefix("/") != dataset.trimmingPrefix("/") { return nil }
            if job.operation != .gradient && job.operation != .laplacian {
                // derivative, hessian: read as FieldFiles.read reads them, without a grid.
                return locate(hdf5: file, datasets: [job.key ?? dataset], allowExternal: job.allowExternal).map { ($0, nil, []) }
            }
            guard let grid = try? HDF5.grid(of: file, dataset: job.key ?? dataset, allowingExternalData: job.allowExternal, si: job.si),
                  let slabs = locate(hdf5: file, datasets: [grid.path], allowExternal: job.allowExternal) else { return nil }
            return (slabs, (grid.name, grid.axes), [])
        }
        guard job.key == nil else { return nil }
        if let dataset {
            let found: (name: String, components: [DatasetGrid], unusedComponents: [String])?
            do { found = try HDF5.vectorFieldGrid(of: file, record: dataset, allowingExternalData: job.allowExternal, si: job.si) } catch {
                return nil
            }
            if let record = found {
                guard let first = record.components.first, job.operation != .curl || record.components.count == 2 || record.components.count == 3,
                      let slabs = locate(hdf5: file, datasets: record.components.map(\.path), allowExternal: job.allowExternal)
                else { return nil }
                let notes = record.unusedComponents.map {
                    "\(file.path): component '\($0)' of '\(record.name)' lies along none of the axes (\(first.axes.map(\.name).joined(separator: ", "))) and is not used"
                }
                return (slabs, (first.name, first.axes), notes)
            }
        }
        // Datasets axis0, axis1, … of the group (or file), as readVectorField takes them from all the
        // datasets there: each must be readable, and the first listed gives the rank.
        let group = dataset.map { $0.hasPrefix("/") ? $0 : "/" + $0 } ?? "/"
        let prefix = group.hasSuffix("/") ? group : group + "/"
        guard let all = try? HDF5.datasets(in: file).filter({ $0.hasPrefix(prefix) }),
              let readers = try? all.map({ path throws(FormatError) in
                  try HDF5.PlaneReader(file, dataset: path, allowingExternalData: job.allowExternal) }),
              let rank = readers.first?.shape.count, rank > 0, job.operation != .curl || rank == 2 || rank == 3,
              let slabs = locate(hdf5: file, datasets: (0..<rank).map { prefix + "axis\($0)" }, allowExternal: job.allowExternal)
        else { return nil }
        return (slabs, nil, [])
    }
}
