import Foundation
import Nabla
import NablaComplex
import NablaFormats
import NablaHDF5
import NablaSpectral

/// `nabla laplacian`: the Laplacian of one array file, from true second-derivative stencils.
package struct LaplacianJob: Sendable {
    /// The array file to read.
    package var input: URL
    /// The `.npz` member or HDF5 dataset to read, when the file holds several arrays.
    package var key: String?
    /// The scheme (spacing, accuracy, periodic axes, method); `edgeOrder` and `derivative` do not apply.
    package var options: DifferenceOptions
    /// The file to write, holding one array named `laplacian`.
    package var output: URL
    /// Receives warnings (e.g. data that does not look periodic for the spectral method).
    package var onWarning: @Sendable (String) -> Void
    /// Replace a dataset that already exists in an HDF5 output (`--overwrite`).
    package var overwrite = false
    /// Read HDF5 data stored outside the input file (`--allow-external`).
    package var allowExternal = false
    /// Take an openPMD mesh's grid in metres: `gridSpacing` and `gridGlobalOffset` × `gridUnitSI` (`--si`).
    package var si = false

    /// A job; every argument sets the property of the same name. Warnings go to standard error by default.
    package init(input: URL, key: String? = nil, options: DifferenceOptions = .init(), output: URL,
                onWarning: @escaping @Sendable (String) -> Void = PipelineWarnings.printToStandardError) {
        self.input = input
        self.key = key
        self.options = options
        self.output = output
        self.onWarning = onWarning
    }

    /// Reads, computes and writes one array named `laplacian`.
    package func run() throws(PipelineError) {
        _ = try FieldFiles.Format(of: output)
        try options.validate()
        try FileSafety.check(input: input, options: options, output: output)
        struct Op: FieldOperation {
            let options: DifferenceOptions, spacing: [Spacing], rank: Int
            func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
                [try Nabla.laplacian(of: fields[0], spacing: spacing, accuracy: options.accuracy ?? 2,
                                     periodicAxes: options.periodic.indices(selected: nil, rank: rank))]
            }
            func applyComplex<T: ComplexFieldScalar>(_ fields: [NDArray<Complex<T>>]) throws(NablaError) -> [NDArray<Complex<T>>] {
                [try NablaComplex.laplacian(of: fields[0], spacing: spacing, accuracy: options.accuracy ?? 2,
                                            periodicAxes: options.periodic.indices(selected: nil, rank: rank))]
            }
        }
        struct SpectralOp: SpectralFieldOperation {
            let spacing: [Spacing], file: String, onWarning: (String) -> Void
            func apply<T: SpectralScalar>(_ fields: [NDArray<T>]) throws -> [NDArray<T>] {
                [try spectralLaplacian(of: fields[0], spacing: spacing, onWarning: { onWarning("\(file): \($0)") })]
            }
            func applyComplex<T: SpectralScalar & Real>(_ fields: [NDArray<Complex<T>>]) throws -> [NDArray<Complex<T>>] {
                [try spectralLaplacian(of: fields[0], spacing: spacing, onWarning: { onWarning("\(file): \($0)") })]
            }
        }
        if options.method == .finiteDifference, SlabJob.writes(output), let locations = SlabJob.locate(input, key: key) {
            let shape = locations[0].header.shape
            let operation = SlabbedOperation(.laplacian, spacing: try options.resolvedSpacing(), accuracy: options.accuracy,
                                             periodicAxes: options.periodic.indices(selected: nil, rank: shape.count))
            try SlabJob.run(operation, on: locations, names: ["laplacian"], output: output, memory: options.memoryBudget,
                            file: input.path)
            return
        }
        // A file's grid (netCDF coordinates, HDF5 dimension scales, openPMD) gives the spacing of every axis.
        let gridded = try FieldFiles.readGridded(input, key: key, allowExternal: allowExternal, si: si)
        let field = gridded.values
        let (spacing, notes) = FieldFiles.chosenSpacing(try options.resolvedSpacing(), grid: gridded, axes: nil, file: input)
        let result: [AnyNDArray]
        switch options.method {
        case .finiteDifference:
            result = try FieldDispatch.run(Op(options: options, spacing: spacing, rank: field.shape.count),
                                           on: [field], file: input.path)
        case .spectral:
            result = try FieldDispatch.run(SpectralOp(spacing: spacing, file: input.path, onWarning: onWarning),
                                           on: [field], file: input.path)
            // FFTW wisdom cache problems (the library keeps them instead of printing).
            SpectralFFT.takeWisdomWarnings().forEach { onWarning("\($0)") }
        }
        try FieldFiles.write([("laplacian", result[0])], to: output, overwrite: overwrite)
        notes.forEach(PipelineWarnings.printNote)
    }
}

/// The components of a vector field stored as `axis0`, `axis1`, … in a `.npz` (the names
/// `nabla gradient` writes).
func readVectorField(_ url: URL, allowExternal: Bool = false) throws(PipelineError) -> [AnyNDArray] {
    let members = try FieldFiles.readAll(url, allowExternal: allowExternal)
    guard let first = members.first else {
        throw PipelineError("\(url.path): the archive holds no arrays; a vector field needs arrays axis0, axis1, …")
    }
    let rank = first.array.shape.count
    guard rank > 0 else {
        throw PipelineError("\(url.path): '\(first.name)' is 0-D; vector field components must be N-D arrays")
    }
    var components: [AnyNDArray] = []
    for k in 0..<rank {
        guard let member = members.first(where: { $0.name == "axis\(k)" }) else {
            throw PipelineError("\(url.path): a \(rank)-D vector field needs arrays axis0…axis\(rank - 1); 'axis\(k)' is missing (the archive holds \(FieldFiles.names(members)))")
        }
        guard member.array.shape == first.array.shape else {
            throw PipelineError("\(url.path): 'axis\(k)' has shape \(member.array.shape) but '\(first.name)' has shape \(first.array.shape); components must share one shape")
        }
        components.append(member.array)
    }
    return components
}

/// The components of a vector field and, for an openPMD vector mesh record (`sim.h5:/data/100/meshes/E`,
/// components ordered by `axisLabels`), its grid; any other input as ``readVectorField(_:allowExternal:)``
/// reads it, without a grid. `notes` name the record's components that lie along no axis (not used).
func readGriddedVectorField(_ url: URL, allowExternal: Bool = false, si: Bool = false)
    throws(PipelineError) -> (components: [AnyNDArray], grid: GriddedArray?, notes: [String]) {
    let (file, dataset) = FieldFiles.location(of: url)
    if (try FieldFiles.Format(of: url)).isHDF5, let dataset {
        try FileSafety.checkReadable(file)
        let record: GriddedVectorField?
        do {
            record = try HDF5.readGriddedVectorField(from: file, record: dataset, allowingExternalData: allowExternal, si: si)
        } catch {
            throw PipelineError.wrap(error, file: file.path)
        }
        if let record, let first = record.components.first {
            let notes = record.unusedComponents.map {
                "\(file.path): component '\($0)' of '\(record.name)' lies along none of the axes (\(record.axes.map(\.name).joined(separator: ", "))) and is not used"
            }
            return (record.components.map(\.values), first, notes)
        }
    }
    return (try readVectorField(url, allowExternal: allowExternal), nil, [])
}

/// `nabla divergence` and `nabla curl`: operators on a vector field read from a `.npz` of components.
package struct VectorFieldJob: Sendable {
    /// The operator: `divergence` (`Σ_k ∂F_k/∂x_k`) or `curl` (3-D: three components; 2-D: the scalar
    /// `∂F1/∂x0 − ∂F0/∂x1`).
    package enum Operator: String, Sendable { case divergence, curl }

    /// Which operator to apply.
    package var operation: Operator
    /// A `.npz` (or HDF5 file) holding one component per axis, in axis order (`axis0`, `axis1`, … as
    /// `nabla gradient` writes them).
    package var input: URL
    /// The scheme (spacing, edge order, accuracy, periodic axes).
    package var options: DifferenceOptions
    /// The file to write.
    package var output: URL
    /// Replace datasets that already exist in an HDF5 output (`--overwrite`).
    package var overwrite = false
    /// Read HDF5 data stored outside the input file (`--allow-external`).
    package var allowExternal = false
    /// Take an openPMD mesh's grid in metres: `gridSpacing` and `gridGlobalOffset` × `gridUnitSI` (`--si`).
    package var si = false

    /// A job; every argument sets the property of the same name.
    package init(_ operation: Operator, input: URL, options: DifferenceOptions = .init(), output: URL) {
        self.operation = operation
        self.input = input
        self.options = options
        self.output = output
    }

    /// Reads, computes and writes: the divergence as one array `divergence`; the curl of a 3-D field as
    /// `axis0`, `axis1`, `axis2`, of a 2-D field as one array `curl`.
    @discardableResult
    package func run() throws(PipelineError) -> [String] {
        let format = try FieldFiles.Format(of: output)
        try options.validate()
        try FileSafety.check(input: input, options: options, output: output)
        struct Op: FieldOperation {
            let operation: Operator, options: DifferenceOptions, spacing: [Spacing], rank: Int
            func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
                let periodic = options.periodic.indices(selected: nil, rank: rank)
                switch operation {
                case .divergence:
                    return [try Nabla.divergence(of: fields, spacing: spacing, edgeOrder: options.edgeOrder,
                                                 accuracy: options.accuracy, periodicAxes: periodic)]
                case .curl:
                    return try Nabla.curl(of: fields, spacing: spacing, edgeOrder: options.edgeOrder,
                                          accuracy: options.accuracy, periodicAxes: periodic)
                }
            }
            func applyComplex<T: ComplexFieldScalar>(_ fields: [NDArray<Complex<T>>]) throws(NablaError) -> [NDArray<Complex<T>>] {
                let periodic = options.periodic.indices(selected: nil, rank: rank)
                switch operation {
                case .divergence:
                    return [try NablaComplex.divergence(of: fields, spacing: spacing, edgeOrder: options.edgeOrder,
                                                        accuracy: options.accuracy, periodicAxes: periodic)]
                case .curl:
                    return try NablaComplex.curl(of: fields, spacing: spacing, edgeOrder: options.edgeOrder,
                                                 accuracy: options.accuracy, periodicAxes: periodic)
                }
            }
        }
        if let headers = try? NPZ.headers(from: input), SlabJob.writes(output),
           let rank = headers.first(where: { $0.name == "axis0" })?.header.shape.count, rank > 0,
           let locations = SlabJob.locate(input, key: nil, components: (0..<rank).map { "axis\($0)" }),
           locations.allSatisfy({ $0.header.shape == locations[0].header.shape }),
           Set(locations.map(\.header.dtype)).count == 1, operation == .divergence || rank == 2 || rank == 3 {
            let names = operation == .divergence ? ["divergence"] : rank == 3 ? ["axis0", "axis1", "axis2"] : ["curl"]
            if format == .npy && names.count != 1 {
                throw PipelineError("\(output.path): a .npy output holds one array, but the curl of a 3-D field has 3 components; write a .npz")
            }
            let operation = SlabbedOperation(operation == .divergence ? .divergence : .curl, spacing: try options.resolvedSpacing(),
                                             edgeOrder: options.edgeOrder, accuracy: options.accuracy,
                                             periodicAxes: options.periodic.indices(selected: nil, rank: rank))
            try SlabJob.run(operation, on: locations, names: names, output: output, memory: options.memoryBudget, file: input.path)
            return names
        }
        let (components, grid, unused) = try readGriddedVectorField(input, allowExternal: allowExternal, si: si)
        let rank = components.count
        if operation == .curl && rank != 2 && rank != 3 {
            throw PipelineError("\(input.path): curl needs a 2-D or 3-D vector field; these components are \(rank)-D")
        }
        var (spacing, notes) = (try options.resolvedSpacing(), [String]())
        if let grid {
            // An openPMD record: its grid gives the spacing unless --spacing overrides it.
            (spacing, notes) = FieldFiles.chosenSpacing(spacing, grid: grid, axes: nil, file: input)
        }
        notes = unused + notes
        let results = try FieldDispatch.run(Op(operation: operation, options: options, spacing: spacing, rank: rank),
                                            on: components, file: input.path)
        let named: [(name: String, array: AnyNDArray)]
        switch (operation, results.count) {
        case (.divergence, _): named = [("divergence", results[0])]
        case (.curl, 1): named = [("curl", results[0])]
        default: named = results.enumerated().map { ("axis\($0.offset)", $0.element) }
        }
        if format == .npy && named.count != 1 {
            throw PipelineError("\(output.path): a .npy output holds one array, but the curl of a 3-D field has 3 components; write a .npz")
        }
        try FieldFiles.write(named, to: output, overwrite: overwrite)
        notes.forEach(PipelineWarnings.printNote)
        return named.map(\.name)
    }
}
