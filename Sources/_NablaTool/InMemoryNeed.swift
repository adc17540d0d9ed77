import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import NablaNetCDF

/// The memory a job's in-memory path holds (every input the slab engine does not take: deflated `.npz`
/// members, CSV/TSV tables, netCDF variables, Fortran-order or complex arrays, spectral
/// derivatives of HDF5 or float16 data, `.nc`/`.vti`/`.vtr`/`.csv`/`.tsv` outputs, `nabla score`),
/// estimated from the files' metadata before any value is read, so that a job its budget (`--memory`)
/// cannot hold is refused at once instead of read and then killed, or swapping.
///
/// ## What is read from the files (never their values)
/// - `.npy`: the header. `.npz`: the ZIP directory and each member's `.npy` header (inflated from the
///   start of a deflated member's stream, ``NPZ/headers(from:)``); every member is counted, because the
///   in-memory reader decodes them all, even with `--key`.
/// - HDF5: each dataset's shape and type (``HDF5/PlaneReader``); netCDF: the variable's (``NetCDF/describe(_:variable:)``).
/// - CSV/TSV: no header gives the count of numbers. A table holds at most one number per two bytes
///   (a digit and a separator), so `size/2 + 1` float64 values bound it from the file's size alone; when
///   the job's estimate with that bound fits the budget nothing more is read. Only when it does not are
///   the file's delimiters and line ends counted (``CSV/valueCountBound(of:column:delimiter:)``, 1 MiB at
///   a time, no value parsed) and the estimate made again: the bound from the size is about 10× the truth
///   for typical tables (about 20 bytes a number), and would refuse tables that fit.
///
/// ## The estimate
/// With `E` the elements of one input array and `c` the bytes of the type it is computed in (float16,
/// float32 and complex64 as themselves, integers and mixed types as float64, complex with wider reals as
/// complex128), the in-memory path peaks at the larger of its two phases:
/// ```
/// reading  = Σ arrays the reader decodes + transient
///            transient: a deflated member's compressed bytes (the largest), a Fortran-order array's
///            transposed copy (the largest), a CSV file's text
/// computing = Σ inputs (as stored) + conversions (E·c per input not stored as the computed type)
///           + R·E·c (R results held: all of them, or one for a gradient of ≥ 256 MiB written to .npz
///             axis by axis) + work
///   work, finite differences: hessian rank·E·c (the first derivatives); a mixed derivative E·c;
///                             others 0
///   work, spectral (FFTW): real 2.25·E·c (gradient) or 3.25·E·c (Laplacian): half-spectrum and its
///                          product; complex (2 + R)·E·c (gradient) or 3·E·c (Laplacian); float16 is
///                          computed in float32 (c = 4) and its R results converted back (+ R·E·2)
/// ```
/// Calibrated with `/usr/bin/time -f %M` on a release build (128×256×256 fields, 64 MiB as float64;
/// process baseline 31 MiB): every case measured within the estimate plus the baseline, e.g. a deflated
/// `.npz` gradient 260 MiB (estimate 256), hessian 642 (640), jacobian 772 (768), spectral gradient 395
/// (400), complex128 spectral gradient 1160 (1152 + FFTW plans), a 102 MiB CSV of 4 Mi numbers 136 (134).
/// The baseline and small allocations are within the 64 MiB that the budget's guarantee (peak ≤
/// 1.25 × `--memory` + 64 MiB) allows besides the data.
enum InMemoryNeed {
    /// One array a reader decodes, as its metadata describes it.
    struct StoredArray {
        var name: String
        var dtype: DType
        /// Its elements (for CSV/TSV: an upper bound).
        var count: Int
        /// Its shape, when the metadata gives it (not for CSV/TSV).
        var shape: [Int]?
        /// The bytes it occupies once read (`Int.max` when that overflows).
        var bytes: Int { Saturating.product(count, dtype.itemSize) }
    }

    /// What reading a file holds, from its metadata.
    struct Contents {
        /// Every array the reader decodes, in the file's order.
        var arrays: [StoredArray]
        /// Bytes held only while reading (see ``InMemoryNeed``).
        var transient = 0
        /// Why the file is read whole, when its format says so: "the member 'f' is deflated, so …".
        var wholeReason: String?
        /// The bytes of the arrays once read.
        var arrayBytes: Int { arrays.reduce(0) { Saturating.sum($0, $1.bytes) } }
        /// The bytes held while the file is read.
        var readingBytes: Int { Saturating.sum(arrayBytes, transient) }
    }

    /// How a command reads its input.
    enum Reading {
        /// One array: `key` (`.npz` member, HDF5 dataset, netCDF variable), the `FILE.h5:/dataset`, the
        /// only array, or a CSV/TSV table (grid, or `column`).
        case one(key: String?, column: String?)
        /// Every array of the file (or HDF5 group): a vector field's components, `nabla score`.
        case all
    }

    /// The arrays `url` holds as `reading` reads them, from metadata only; nil when the metadata cannot be
    /// read (the reader then reports what is wrong with the file, before it holds much).
    ///
    /// - Parameter countingTables: for CSV/TSV, count the numbers' separators instead of bounding them by
    ///   the file's size.
    static func contents(of url: URL, _ reading: Reading, allowExternal: Bool, countingTables: Bool) -> Contents? {
        let (file, dataset) = FieldFiles.location(of: url)
        guard let format = try? FieldFiles.Format(of: url) else { return nil }
        switch format {
        case .npy:
            guard let header = try? NPY.readHeader(from: file) else { return nil }
            let array = StoredArray(name: file.deletingPathExtension().lastPathComponent, dtype: header.dtype,
                                    count: Saturating.product(header.shape), shape: header.shape)
            return Contents(arrays: [array], transient: fortranCopy(header) ? array.bytes : 0,
                            wholeReason: fortranCopy(header) ? fortranReason : nil)
        case .npz:
            guard let members = try? NPZ.headers(from: file) else { return nil }
            var contents = Contents(arrays: members.map {
                StoredArray(name: $0.name, dtype: $0.header.dtype, count: Saturating.product($0.header.shape), shape: $0.header.shape)
            })
            let deflated = members.filter(\.isDeflated)
            let fortran = zip(members, contents.arrays).filter { fortranCopy($0.0.header) }.map(\.1.bytes)
            contents.transient = max(deflated.map(\.compressedSize).max() ?? 0, fortran.max() ?? 0)
            if let first = deflated.first {
                contents.wholeReason = "the member '\(first.name)' is deflated, so it is read whole: store the archive uncompressed (np.savez) for the slab engine"
            } else if !fortran.isEmpty {
                contents.wholeReason = fortranReason
            }
            return contents
        case .csv, .tsv:
            let size = FileSystem.status(file.path).map { Int($0.st_size) } ?? 0
            var column = false
            if case let .one(_, name) = reading { column = name != nil }
            // At most one number per two bytes (a digit and a separator), plus one.
            var count = size / 2 + 1
            if countingTables {
                guard let counted = try? CSV.valueCountBound(of: file, column: column) else { return nil }
                count = min(count, counted)
            }
            return Contents(arrays: [StoredArray(name: file.deletingPathExtension().lastPathComponent, dtype: .float64,
                                                 count: count, shape: nil)],
                            transient: size,
                            wholeReason: "a .\(format.rawValue) table is read whole: convert it to .npy for the slab engine")
        case .h5, .hdf5:
            let paths: [String?]
            switch reading {
            case let .one(key, _): paths = [key ?? dataset]
            case .all:
                let group = dataset.map { $0.hasPrefix("/") ? $0 : "/" + $0 } ?? "/"
                let prefix = group.hasSuffix("/") ? group : group + "/"
                guard let all = try? HDF5.datasets(in: file) else { return nil }
                let under = all.filter { $0.hasPrefix(prefix) }
                // A path naming a dataset: that dataset alone.
                paths = under.isEmpty ? [group] : under
            }
            var arrays: [StoredArray] = []
            for path in paths {
                guard let reader = try? HDF5.PlaneReader(file, dataset: path, allowingExternalData: allowExternal) else { return nil }
                let name = path.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? ""
                arrays.append(StoredArray(name: name, dtype: reader.dtype, count: Saturating.product(reader.shape), shape: reader.shape))
            }
            return Contents(arrays: arrays)
        case .nc:
            let names: [String?]
            switch reading {
            case let .one(key, _): names = [key]
            case .all:
                guard let all = try? NetCDF.variableNames(in: file) else { return nil }
                names = all
            }
            var arrays: [StoredArray] = []
            for name in names {
                guard let found = try? NetCDF.describe(file, variable: name) else { return nil }
                arrays.append(StoredArray(name: found.name, dtype: found.dtype, count: Saturating.product(found.shape), shape: found.shape))
            }
            return Contents(arrays: arrays, wholeReason: "a netCDF variable is read whole: convert it to .npy or HDF5 for the slab engine")
        case .vti, .vtr:
            return nil
        }
    }

    /// Whether reading the array makes a transposed copy (Fortran order, two axes or more).
    private static func fortranCopy(_ header: NPYHeader) -> Bool { header.fortranOrder && header.shape.count > 1 }

    private static let fortranReason = "the array is stored in Fortran order, so it is read whole: save it in C order (np.ascontiguousarray) for the slab engine"

    // MARK: Computing

    /// The bytes the in-memory path holds while computing `operation` on `inputs` (see ``InMemoryNeed``).
    ///
    /// - Parameters:
    ///   - resultsHeld: the results in memory at once.
    static func computing(_ operation: FieldJob.Operation, method: DerivativeMethod, inputs: [StoredArray],
                          resultsHeld: Int) -> Int {
        guard let first = inputs.first else { return 0 }
        let e = first.count
        let dtypes = Set(inputs.map(\.dtype))
        let computed: DType
        if dtypes.contains(where: \.isComplex) {
            computed = dtypes.isSubset(of: [.complex64, .float32, .float16]) ? .complex64 : .complex128
        } else if dtypes == [.float32] || (dtypes == [.float16] && method == .spectral) {
            computed = .float32
        } else {
            computed = dtypes == [.float16] ? .float16 : .float64
        }
        let c = computed.itemSize
        let field = Saturating.product(e, c)
        var total = inputs.reduce(0) { Saturating.sum($0, $1.bytes) }
        for input in inputs where input.dtype != computed { total = Saturating.sum(total, field) }
        total = Saturating.sum(total, Saturating.product(resultsHeld, field))
        // Working arrays, in quarters of a field.
        var quarters = 0
        switch (method, operation) {
        case (.finiteDifference, .hessian): quarters = 4 * (first.shape?.count ?? 3)
        case let (.finiteDifference, .derivative(orders)): quarters = orders.filter { $0 > 0 }.count > 1 ? 4 : 0
        case (.finiteDifference, _): quarters = 0
        case (.spectral, .gradient): quarters = computed.isComplex ? 4 * (2 + resultsHeld) : 9
        case (.spectral, _): quarters = computed.isComplex ? 12 : 13
        }
        total = Saturating.sum(total, Saturating.product(quarters, field) / 4)
        if method == .spectral && dtypes == [.float16] {
            total = Saturating.sum(total, Saturating.product([resultsHeld, e, 2]))
        }
        return total
    }

    // MARK: Refusing

    /// Refuses a job whose in-memory path needs more than `budget` bytes, before anything is read: the
    /// message names `file`, what is computed, the bytes needed and the budget, why the data is held in
    /// memory (`reason`) and the `--memory` that would do.
    static func check(_ need: Int, budget: Int, file: String, what: String, reason: String) throws(PipelineError) {
        guard need > budget else { return }
        throw PipelineError(message(need, budget: budget, file: file, what: what, reason: reason))
    }

    /// The message of ``check(_:budget:file:what:reason:)``.
    static func message(_ need: Int, budget: Int, file: String, what: String, reason: String) -> String {
        let mebibytes = need == .max ? need : need / (1 << 20) + (need % (1 << 20) == 0 ? 0 : 1)
        return "\(file): \(what) in memory needs about \(need) bytes (\(ByteSize(bytes: need))), more than the memory budget of \(budget) bytes (\(ByteSize(bytes: budget))); \(reason), or raise --memory to at least \(mebibytes)M"
    }
}

extension FieldJob {
    /// The in-memory path's need for this job, from the input's metadata (see ``InMemoryNeed``): the bytes,
    /// the input's rank when known, the element type of the inputs, and why the job runs in memory. Nil
    /// when the metadata cannot be read (the reader then reports the file's problem).
    func inMemoryNeed(budget: Int) -> (bytes: Int, rank: Int?, dtypes: Set<DType>, reason: String)? {
        let bounded = inMemoryNeed(countingTables: false)
        // A table's numbers bounded by its size overestimate them: count them before refusing.
        guard let need = bounded, need.bytes > budget, (try? FieldFiles.Format(of: input))?.isTable == true else { return bounded }
        return inMemoryNeed(countingTables: true)
    }

    /// ``inMemoryNeed(budget:)`` with a CSV/TSV table's numbers counted or bounded by its size.
    private func inMemoryNeed(countingTables: Bool) -> (bytes: Int, rank: Int?, dtypes: Set<DType>, reason: String)? {
        let reading: InMemoryNeed.Reading
        var record: [String]? = nil
        if operation.readsVectorField {
            reading = .all
            let (file, dataset) = FieldFiles.location(of: input)
            if (try? FieldFiles.Format(of: input))?.isHDF5 == true, let dataset,
               let found = try? HDF5.vectorFieldGrid(of: file, record: dataset, allowingExternalData: allowExternal, si: si) {
                record = found.components.map(\.path)
            }
        } else {
            reading = .one(key: key, column: operation == .gradient ? column : nil)
        }
        var contents: InMemoryNeed.Contents
        if let record {
            // An openPMD vector record: its components' datasets.
            var arrays: [InMemoryNeed.StoredArray] = []
            for path in record {
                guard let reader = try? HDF5.PlaneReader(FieldFiles.location(of: input).file, dataset: path,
                                                         allowingExternalData: allowExternal) else { return nil }
                arrays.append(.init(name: path, dtype: reader.dtype, count: Saturating.product(reader.shape), shape: reader.shape))
            }
            contents = InMemoryNeed.Contents(arrays: arrays)
        } else {
            guard let found = InMemoryNeed.contents(of: input, reading, allowExternal: allowExternal, countingTables: countingTables)
            else { return nil }
            contents = found
        }
        let inputs = inputArrays(of: contents, openPMD: record != nil)
        var rank = inputs.first?.shape?.count
        if rank == nil, let format = try? FieldFiles.Format(of: input), format.isTable, !inputs.isEmpty {
            rank = operation == .gradient && column != nil ? 1 : 2
        }
        if operation.readsVectorField, !inputs.isEmpty { rank = inputs.count }
        var need = contents.readingBytes
        if let rank, !inputs.isEmpty {
            let results = operation.resultCount(rank: rank, axes: selectedAxes)
            let streamed = operation == .gradient
                && (try? FieldFiles.Format(of: output)).map { FieldJob.streams(inputBytes: inputs[0].bytes, axisCount: results, format: $0) } == true
            need = max(need, InMemoryNeed.computing(operation, method: options.method, inputs: inputs, resultsHeld: streamed ? 1 : results))
        }
        return (need, rank, Set(inputs.map(\.dtype)), inMemoryReason(contents, inputs: inputs))
    }

    /// The arrays the in-memory path computes on: the one read (`key`, the only `.npz` member, the first
    /// array otherwise), or a vector field's components (`axis0`, `axis1`, … up to the first array's rank, as
    /// ``readVectorField(_:allowExternal:)`` takes them; every component of an openPMD record). Empty when
    /// the metadata does not identify them (the reader then reports it).
    private func inputArrays(of contents: InMemoryNeed.Contents, openPMD: Bool) -> [InMemoryNeed.StoredArray] {
        let arrays = contents.arrays
        guard operation.readsVectorField else {
            if (try? FieldFiles.Format(of: input)) == .npz {
                if let key { return arrays.filter { $0.name == key } }
                return arrays.count == 1 ? arrays : []
            }
            return Array(arrays.prefix(1))
        }
        if openPMD { return arrays }
        guard let rank = arrays.first?.shape?.count, rank > 0 else { return [] }
        let components = (0..<rank).compactMap { k in arrays.first { $0.name == "axis\(k)" } }
        return components.count == rank ? components : []
    }

    /// Why this job takes the in-memory path, and what would take it through the slab engine.
    private func inMemoryReason(_ contents: InMemoryNeed.Contents, inputs: [InMemoryNeed.StoredArray]) -> String {
        let format = try? FieldFiles.Format(of: output)
        if !slabEngine { return "NABLA_IN_MEMORY is set, so the job runs in memory: unset it for the slab engine" }
        if let reason = contents.wholeReason { return reason }
        if inputs.contains(where: \.dtype.isComplex) {
            return "complex data is differentiated in memory: differentiate its real and imaginary parts as separate float arrays for the slab engine"
        }
        let slabOutputs = options.method == .spectral ? [FieldFiles.Format.npy, .npz] : [.npy, .npz, .h5, .hdf5]
        if let format, !slabOutputs.contains(format) {
            return "a .\(format.rawValue) output is written from memory: write \(options.method == .spectral ? ".npy or .npz" : ".npy, .npz or .h5") for the slab engine"
        }
        if options.method == .spectral {
            if (try? FieldFiles.Format(of: input))?.isHDF5 == true {
                return "spectral derivatives of HDF5 datasets are computed in memory: save the dataset as .npy for the slab engine"
            }
            if inputs.contains(where: { $0.dtype == .float16 }) {
                return "float16 data is differentiated spectrally in memory: convert it to float32 for the slab engine"
            }
        }
        return "the input is read whole"
    }

    /// Refuses, before any value is read, a job whose in-memory path needs more than `options.memoryBudget`
    /// (``InMemoryNeed``), an output that cannot hold its results, and boolean data; does nothing when the
    /// input's metadata cannot be read.
    func checkInMemory(_ format: FieldFiles.Format) throws(PipelineError) {
        let budget = options.memoryBudget
        guard let need = inMemoryNeed(budget: budget) else { return }
        if need.dtypes.contains(.bool) { throw FieldDispatch.booleanError(file: input.path) }
        // A 0-D array is the reader's to report (FieldDispatch.checkDifferentiable), as before.
        if let rank = need.rank, rank > 0 {
            try checkOutputHolds(operation.resultCount(rank: rank, axes: selectedAxes), format: format, rank: rank)
        }
        try InMemoryNeed.check(need.bytes, budget: budget, file: FieldFiles.location(of: input).file.path,
                               what: "the \(operation.name)", reason: need.reason)
    }
}
