import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import NablaMPI
import NablaSpectral
import _NablaCommandLine
import _NablaTool

/// One `nabla-mpi` command: read the input's slabs on every rank, apply the operation with halo exchange,
/// write `.npy`/`.npz` with MPI-IO. Every step ends on every rank or none (``Communicator/collectively(_:)``).
struct DistributedJob {
    enum Command { case gradient(axes: [Int]?), laplacian, divergence, curl }

    var command: Command
    var input: String
    var key: String?
    var column: String?
    var scheme: SchemeOptions
    var derivative = 1
    var method: DerivativeMethod = .finiteDifference
    var output: String
    /// `--memory`: the most each rank may hold (nil: no check). nabla's default (half the physical
    /// memory) is shared by the ranks on a node.
    var memory: ByteSize? = nil
    let communicator: Communicator

    // MARK: Checks (every rank, no communication; agreed on by the caller)

    /// `nabla`'s checks of the scheme, before anything is read.
    func validate() throws {
        // The same checks as nabla's, from the same options.
        try scheme.options(derivative: 1).validate()
        guard derivative >= 1 else {
            throw PipelineError("derivative order \(derivative) is not supported; use 1 or more")
        }
        guard derivative <= DifferenceOptions.maximumDerivative else {
            throw PipelineError("derivative order \(derivative) is not supported; use at most \(DifferenceOptions.maximumDerivative): the weights of longer stencils lose every digit to rounding in floating point (they grow like m!/h^m)")
        }
    }

    var outputURL: URL { FileSystem.fileURL(output) }
    var inputURL: URL { FileSystem.fileURL(input) }

    /// The output format: `.npy` or `.npz` (MPI-IO); anything else is refused.
    func outputIsNPZ() throws -> Bool {
        let format = try FieldFiles.Format(of: outputURL)
        switch format {
        case .npy: return false
        case .npz: return true
        case .h5, .hdf5:
            throw PipelineError("\(output): nabla-mpi does not write HDF5: parallel HDF5 needs the MPI build of libhdf5, which must never be linked beside the serial one; write .npz (or .npy) and convert, or run nabla")
        case .csv, .tsv, .nc, .vti, .vtr:
            throw PipelineError("\(output): nabla-mpi writes .npy and .npz only; run nabla for .\(format.rawValue) output")
        }
    }

    /// Input regular files only; the output never one of the inputs (`nabla`'s FileSafety).
    func checkPaths() throws {
        try FileSafety.check(input: inputURL, options: scheme.options(derivative: derivative), output: outputURL)
    }

    /// The spacing arguments resolved (coordinate files read by every rank: they are 1-D and small).
    func spacing(shape: [Int], axes: [Int]?) throws -> [Spacing] {
        let arguments = scheme.spacing.map(SpacingArgument.init(parsing:))
        var result: [Spacing] = []
        for argument in arguments {
            switch argument {
            case let .number(v): result.append(.uniform(v))
            case let .coordinates(url):
                let array = try FieldFiles.read(url)
                guard array.shape.count == 1 else {
                    throw PipelineError("\(url.path): coordinates must be a 1-D array, but this one has shape \(array.shape)")
                }
                if array.dtype == .bool { throw PipelineError("\(url.path): coordinates must be numbers, not booleans") }
                result.append(.coordinates(array.asDouble().scalars))
            }
        }
        if let selected = try? normalizedAxes(axes, rank: shape.count), result.count == selected.count {
            for ((argument, resolved), axis) in zip(zip(arguments, result), selected) {
                guard case let .coordinates(url) = argument, case let .coordinates(x) = resolved, x.count != shape[axis] else { continue }
                throw PipelineError("\(url.path): \(x.count) coordinates were given for axis \(axis) of \(input), which has length \(shape[axis]); coordinates must match the length of their axis")
            }
        }
        return result
    }

    func periodicAxes(selected: [Int]?, rank: Int) -> [Int] {
        scheme.periodic ? (selected ?? Array(0..<rank)) : scheme.periodicAxis
    }

    // MARK: Run

    /// The whole command, collectively. Returns the names written.
    @discardableResult
    func run() throws -> [String] {
        let isNPZ = try communicator.collectively {
            try validate()
            let isNPZ = try outputIsNPZ()
            try checkPaths()
            return isNPZ
        }
        let (members, vectorNames) = try inputMembers()
        let input = try readInput(members: members)
        let shape = input.shape
        let (operation, names) = try communicator.collectively { () -> (SlabbedOperation, [String]) in
            if column != nil && !(["csv", "tsv"].contains(inputURL.pathExtension.lowercased())) {
                throw PipelineError("\(inputURL.path): --column applies to .csv and .tsv tables only; use --key to choose an array")
            }
            let rank = shape.count
            let names: [String]
            let operation: SlabbedOperation
            switch command {
            case let .gradient(axes):
                let spacing = try spacing(shape: shape, axes: axes)
                names = try normalizedAxes(axes, rank: rank).map { "axis\($0)" }
                operation = SlabbedOperation(.gradient(axes: axes, derivative: derivative), spacing: spacing,
                                             edgeOrder: scheme.edgeOrder, accuracy: scheme.accuracy,
                                             periodicAxes: periodicAxes(selected: axes, rank: rank))
            case .laplacian:
                names = ["laplacian"]
                operation = SlabbedOperation(.laplacian, spacing: try spacing(shape: shape, axes: nil), accuracy: scheme.accuracy,
                                             periodicAxes: periodicAxes(selected: nil, rank: rank))
            case .divergence, .curl:
                if case .curl = command, rank != 2 && rank != 3 {
                    throw PipelineError("\(inputURL.path): curl needs a 2-D or 3-D vector field; these components are \(rank)-D")
                }
                if case .curl = command { names = rank == 3 ? ["axis0", "axis1", "axis2"] : ["curl"] } else { names = ["divergence"] }
                operation = SlabbedOperation(command.isCurl ? .curl : .divergence, spacing: try spacing(shape: shape, axes: nil),
                                             edgeOrder: scheme.edgeOrder, accuracy: scheme.accuracy,
                                             periodicAxes: periodicAxes(selected: nil, rank: rank))
                _ = vectorNames
            }
            if !isNPZ && names.count != 1 {
                if command.isCurl {
                    throw PipelineError("\(outputURL.path): a .npy output holds one array, but the curl of a 3-D field has 3 components; write a .npz")
                }
                throw PipelineError("\(outputURL.path): a .npy output holds one array, but \(names.count) axes are selected; select one with --axis N or write a .npz or .h5")
            }
            _ = try operation.resultCount(shape: shape)
            return (operation, names)
        }
        try checkMemory(operation, shape: shape, results: names.count, elementSize: input.elementSize)
        switch (input, method) {
        case let (.float64(fields), .finiteDifference): try compute(operation, fields, names: names, npz: isNPZ)
        case let (.float32(fields), .finiteDifference): try compute(operation, fields, names: names, npz: isNPZ)
        case let (.float16(fields), .finiteDifference): try compute(operation, fields, names: names, npz: isNPZ)
        case let (.float64(fields), .spectral):
            try DistributedFiles.write(try spectral(fields[0], spacing: operation.spacing), names: isNPZ ? names : nil, to: outputURL)
        case let (.float32(fields), .spectral):
            try DistributedFiles.write(try spectral(fields[0], spacing: operation.spacing), names: isNPZ ? names : nil, to: outputURL)
        case let (.float16(fields), .spectral):
            // As nabla: FFTW has no half precision, so float16 is computed in float32 and rounded back.
            let f = fields[0]
            let single = try DistributedField(shape: f.shape, communicator: communicator, counts: f.counts,
                                              local: f.local.converted(to: Float.self))
            let results = try spectral(single, spacing: operation.spacing).map {
                try DistributedField(shape: $0.shape, communicator: communicator, counts: $0.counts,
                                     local: $0.local.converted(to: Float16.self))
            }
            try DistributedFiles.write(results, names: isNPZ ? names : nil, to: outputURL)
        }
        return names
    }

    /// Refuses, on every rank, when a rank would hold more than the `--memory` budget: its slab, halos and
    /// results (finite differences), or its slab, FFTW's arrays and results (spectral). Nothing larger has
    /// been allocated yet; the input slab has been read.
    private func checkMemory(_ operation: SlabbedOperation, shape: [Int], results: Int, elementSize: Int) throws {
        guard let memory else { return }
        let budget = memory == .defaultBudget ? memory.bytes / max(1, try communicator.ranksOnThisNode()) : memory.bytes
        try communicator.collectively {
            let counts = SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
            let needs = method == .spectral
                ? DistributedField<Double>.spectralBytes(shape: shape, counts: counts, outputs: results, elementSize: max(4, elementSize))
                : try operation.distributedBytes(shape: shape, counts: counts, elementSize: elementSize)
            guard let rank = needs.indices.max(by: { needs[$0] < needs[$1] }), needs[rank] > budget else { return }
            let holds = method == .spectral ? "with FFTW-MPI's arrays" : "with their halos"
            throw PipelineError("\(inputURL.path): rank \(rank) needs \(needs[rank]) bytes (\(ByteSize(bytes: needs[rank]))) for its \(counts[rank]) planes of shape \(shape) \(holds) and \(results) result\(results == 1 ? "" : "s"), more than the memory budget of \(budget) bytes (\(ByteSize(bytes: budget))) per rank; run on more ranks or give a larger --memory")
        }
    }

    /// `--method spectral` (gradient and laplacian): FFTW-MPI, with nabla's checks and warnings (printed
    /// once, by rank 0).
    private func spectral<T: SpectralScalar>(_ field: DistributedField<T>, spacing: [Spacing]) throws -> [DistributedField<T>] {
        var warnings: [SpectralWarning] = []
        let results = try communicator.collectively { () throws -> [DistributedField<T>] in
            do {
                switch command {
                case let .gradient(axes):
                    return try field.spectralGradient(spacing: spacing, axes: axes, derivative: derivative,
                                                      onWarning: { warnings.append($0) })
                case .laplacian:
                    return [try field.spectralLaplacian(spacing: spacing, onWarning: { warnings.append($0) })]
                case .divergence, .curl:
                    throw PipelineError("--method spectral applies to gradient and laplacian")
                }
            } catch let error as NablaError {
                throw PipelineError("\(inputURL.path): \(error.description)")
            }
        }
        if communicator.rank == 0 {
            for warning in warnings {
                FileHandle.standardError.write(Data("nabla-mpi: warning: \(inputURL.path): \(warning)\n".utf8))
            }
        }
        return results
    }

    private func compute<T: FieldScalar & NPYScalar>(_ operation: SlabbedOperation, _ fields: [DistributedField<T>],
                                                      names: [String], npz: Bool) throws {
        let results = try communicator.collectively {
            do { return try operation.apply(to: fields) } catch let error as NablaError {
                throw PipelineError("\(inputURL.path): \(error.description)")
            }
        }
        try DistributedFiles.write(results, names: npz ? names : nil, to: outputURL)
    }

    // MARK: Input

    /// The input's components, typed as the one-process tool types them (float16/32 kept, the rest as
    /// float64).
    enum Input {
        case float64([DistributedField<Double>]), float32([DistributedField<Float>]), float16([DistributedField<Float16>])
        var shape: [Int] {
            switch self {
            case let .float64(f): f[0].shape
            case let .float32(f): f[0].shape
            case let .float16(f): f[0].shape
            }
        }
        /// Bytes per value.
        var elementSize: Int {
            switch self {
            case .float64: 8
            case .float32: 4
            case .float16: 2
            }
        }
    }

    /// The `.npz` members to read: `--key` (or the only member) for a scalar field, `axis0…` for a vector
    /// field; nil for other inputs.
    private func inputMembers() throws -> (members: [String]?, vector: [String]?) {
        guard command.isVectorOperation else { return (key.map { [$0] }, nil) }
        return try communicator.collectively {
            let url = inputURL
            guard url.pathExtension.lowercased() == "npz" else {
                throw PipelineError("\(url.path): a vector field is read from a .npz holding axis0, axis1, …")
            }
            let members: [(name: String, header: NPYHeader)]
            do { members = try NPZ.headers(from: url).map { ($0.name, $0.header) } } catch {
                throw PipelineError.wrapping(error, file: url.path)
            }
            guard let first = members.first else {
                throw PipelineError("\(url.path): the archive holds no arrays; a vector field needs arrays axis0, axis1, …")
            }
            guard let axis0 = members.first(where: { $0.name == "axis0" }), !axis0.header.shape.isEmpty else {
                throw PipelineError("\(url.path): a vector field needs arrays axis0, axis1, …; 'axis0' is missing or 0-D (the archive holds \(members.map { "'\($0.name)'" }.joined(separator: ", ")), first '\(first.name)')")
            }
            let rank = axis0.header.shape.count
            let names = (0..<rank).map { "axis\($0)" }
            for name in names where !members.contains(where: { $0.name == name }) {
                throw PipelineError("\(url.path): a \(rank)-D vector field needs arrays axis0…axis\(rank - 1); '\(name)' is missing (the archive holds \(members.map { "'\($0.name)'" }.joined(separator: ", ")))")
            }
            return (names, names)
        }
    }

    /// Reads the input's slabs: `.npy` and stored `.npz` members through MPI-IO; anything else (HDF5,
    /// CSV/TSV, compressed members) by every rank through `nabla`'s readers, keeping its own planes.
    private func readInput(members: [String]?) throws -> Input {
        let url = inputURL
        let format = try communicator.collectively { try FieldFiles.Format(of: url) }
        let dataset = FieldFiles.location(of: url).dataset
        if (format == .npy || format == .npz) && dataset == nil && column == nil {
            if format == .npy, key != nil {
                try communicator.collectively { throw PipelineError("\(url.path): --key '\(key!)' applies to .npz archives and HDF5 files only") }
            }
            // Stored members and .npy files: MPI-IO. A compressed member (or a damaged file) fails here on
            // every rank; the whole-file reader below then reads it, or reports nabla's own error.
            if let locations = try? DistributedFiles.locate(url, members: members, communicator: communicator) {
                do {
                    switch locations[0].header.dtype {
                    case .float32: return .float32(try DistributedFiles.read(locations, as: Float.self, communicator: communicator))
                    case .float16: return .float16(try DistributedFiles.read(locations, as: Float16.self, communicator: communicator))
                    default: return .float64(try DistributedFiles.read(locations, as: Double.self, communicator: communicator))
                    }
                } catch let error as DistributedError {
                    throw PipelineError(error.message)
                }
            }
        }
        if (format == .h5 || format == .hdf5) && !command.isVectorOperation && column == nil {
            return try readHDF5Planes(url, dataset: dataset)
        }
        // Whole-file readers on every rank (CSV/TSV, compressed .npz members, vector fields).
        let arrays = try communicator.collectively { () -> [AnyNDArray] in
            if let members, command.isVectorOperation {
                let all = try FieldFiles.readAll(url)
                return try members.map { name in
                    guard let found = all.first(where: { $0.name == name }) else { throw PipelineError("\(url.path): '\(name)' is missing") }
                    return found.array
                }
            }
            return [try FieldFiles.read(url, key: key, column: column)]
        }
        return try communicator.collectively {
            let shape = arrays[0].shape
            guard !shape.isEmpty else {
                throw PipelineError("\(url.path): cannot differentiate a 0-D array (a single number); the field needs at least one axis")
            }
            for a in arrays where a.shape != shape {
                throw PipelineError("\(url.path): components must share one shape; got \(arrays.map(\.shape))")
            }
            if arrays[0].dtype == .bool {
                throw PipelineError("\(url.path): holds booleans, which cannot be differentiated; convert the data to a number type")
            }
            switch arrays[0] {
            case .float32:
                return .float32(try arrays.map { try DistributedField(scattering: Float.unwrap($0)!, communicator: communicator) })
            case .float16:
                return .float16(try arrays.map { try DistributedField(scattering: Float16.unwrap($0)!, communicator: communicator) })
            default:
                return .float64(try arrays.map { try DistributedField(scattering: $0.asDouble(), communicator: communicator) })
            }
        }
    }
}

extension DistributedJob {
    /// An HDF5 dataset read by hyperslab: each rank opens the file (serial libhdf5, read-only) and reads
    /// only the planes of axis 0 it owns (FFTW-MPI's block split); the halos travel by MPI as for .npy.
    private func readHDF5Planes(_ url: URL, dataset: String?) throws -> Input {
        let file = FieldFiles.location(of: url).file
        let reader = try communicator.collectively { () throws -> HDF5.PlaneReader in
            if let key, let dataset, key.trimmingPrefix("/") != dataset.trimmingPrefix("/") {
                throw PipelineError("\(file.path): the path names dataset '\(dataset)' but --key names '\(key)'; give one")
            }
            let reader: HDF5.PlaneReader
            do { reader = try HDF5.PlaneReader(file, dataset: key ?? dataset) } catch { throw PipelineError.wrapping(error, file: file.path) }
            // nabla's messages (FieldDispatch.checkDifferentiable).
            if reader.dtype == .bool {
                throw PipelineError("\(url.path): boolean arrays cannot be differentiated; convert the data to a number type")
            }
            if reader.shape.isEmpty {
                throw PipelineError("\(url.path): the array is 0-D (a single number); a derivative needs at least one axis")
            }
            if reader.dtype.isComplex {
                throw PipelineError("\(url.path): holds \(reader.dtype.name) values; nabla-mpi differentiates real fields (use nabla for complex ones)")
            }
            return reader
        }
        let shape = reader.shape
        let counts = SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
        let start = counts[..<communicator.rank].reduce(0, +)
        let planes = start..<start + counts[communicator.rank]
        let local = try communicator.collectively { () throws -> AnyNDArray in
            do { return try reader.read(planes: planes) } catch { throw PipelineError.wrapping(error, file: file.path) }
        }
        func field<T: FieldScalar>(_ values: NDArray<T>) throws -> [DistributedField<T>] {
            [try DistributedField(shape: shape, communicator: communicator, counts: counts, local: values)]
        }
        switch local {
        case let .float32(values): return .float32(try field(values))
        case let .float16(values): return .float16(try field(values))
        default: return .float64(try field(local.asDouble()))
        }
    }
}

extension DistributedJob.Command {
    var isVectorOperation: Bool {
        switch self {
        case .divergence, .curl: true
        default: false
        }
    }
    var isCurl: Bool { if case .curl = self { true } else { false } }
}

extension PipelineError {
    /// An error of `file` with the underlying error's message (prefixed by the file unless it is already).
    static func wrapping(_ error: any Error, file: String) -> PipelineError {
        if let e = error as? PipelineError { return e }
        let text = "\(error)"
        return PipelineError(text.hasPrefix(file + ":") ? text : "\(file): \(text)")
    }
}
