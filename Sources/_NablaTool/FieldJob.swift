import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import NablaNetCDF
import NablaSpectral

/// One `nabla` command on one file — `gradient`, `laplacian`, `divergence`, `curl`, `derivative`, `hessian`
/// or `jacobian`: read the field (or a vector field's components), differentiate, write the results.
///
/// Every command takes the same steps, in this order, so that the same mistake gets the same message from
/// every command: the output's format, the scheme, the paths (``FileSafety``); then either the slab engine
/// (``SlabJob``: a `.npy`, stored `.npz` or HDF5 input to a `.npy`/`.npz`/HDF5 output by finite
/// differences, in bounded memory, the in-memory results to the bit; ``SpectralSlabJob`` for `--method
/// spectral` from a `.npy`/stored `.npz` to a `.npy`/`.npz`) or the in-memory path: its need estimated from the
/// input's metadata and refused above `--memory` with the output's and the data type's checks, before anything
/// is read (``checkInMemory(_:)``, ``InMemoryNeed``), then the read, the spacing (`--spacing`, else the grid the
/// file stores), the checks of the data and of the output, the computation, the write.
/// Nothing is written unless every step succeeds; the output appears under its name only when complete.
package struct FieldJob: Sendable {
    /// What is computed, and the arrays written.
    package enum Operation: Sendable, Equatable {
        /// `∂^m f/∂x_k^m` along each selected axis `k` (`m`: `options.derivative`): arrays `axis<k>`.
        case gradient
        /// `∇²f = Σ_k ∂²f/∂x_k²` from true second-derivative stencils: one array, `laplacian`.
        case laplacian
        /// `∇·F = Σ_k ∂F_k/∂x_k` of a vector field: one array, `divergence`.
        case divergence
        /// The curl of a 3-D vector field (arrays `axis0`, `axis1`, `axis2`) or the scalar curl
        /// `∂F1/∂x0 − ∂F0/∂x1` of a 2-D one (one array, `curl`).
        case curl
        /// `∂^(Σm) f / ∂x_0^m0 ∂x_1^m1 …`, one order per axis: one array, `derivative`.
        case derivative(orders: [Int])
        /// Every `∂²f/∂x_i∂x_j` with `i ≤ j`: arrays `axis<i>_axis<j>`.
        case hessian
        /// Every `∂F_k/∂x_j` of a vector field: arrays `d<k>_axis<j>`.
        case jacobian
    }

    /// What is computed.
    package var operation: Operation
    /// The array file to read (`.npy`, `.npz`, `.csv`, `.tsv`, `.h5`, `.nc`; see ``FieldFiles``); for a vector
    /// field, a `.npz` (or HDF5 group) holding `axis0`, `axis1`, … as `nabla gradient` writes them, or (for
    /// divergence and curl) an openPMD vector mesh record.
    package var input: URL
    /// The `.npz` member or HDF5 dataset to read, when the file holds several arrays (not for vector fields).
    package var key: String?
    /// For the gradient: the column of a CSV/TSV table with a header to read (a 1-D field); `nil` reads the
    /// whole table.
    package var column: String?
    /// For the gradient: the axes to differentiate along, in the order of the results; `nil`: every axis.
    /// The other operations use every axis.
    package var axes: [Int]?
    /// The scheme: spacing, accuracy, edge order, derivative order, periodic axes, method (finite
    /// differences, or spectral for the gradient and the Laplacian), memory.
    package var options: DifferenceOptions
    /// The file to write (its extension picks the format).
    package var output: URL
    /// Receives warnings (e.g. data that does not look periodic along a spectral axis).
    package var onWarning: @Sendable (String) -> Void
    /// Whether a VTK output of the gradient also holds the input field (`--include-input`).
    package var includeInput = false
    /// Replace datasets that already exist in an HDF5 output (`--overwrite`); other outputs are replaced whole.
    package var overwrite = false
    /// Read HDF5 data stored outside the input file (`--allow-external`).
    package var allowExternal = false
    /// Take an openPMD mesh's grid in metres: `gridSpacing` and `gridGlobalOffset` × `gridUnitSI` (`--si`).
    package var si = false
    /// Whether finite differences go through the slab engine where it applies (``SlabJob``); false
    /// computes in memory, for comparisons (the results are the same to the bit). Default: true, unless
    /// the environment sets `NABLA_IN_MEMORY` (for benchmarks of the in-memory path).
    package var slabEngine = ProcessInfo.processInfo.environment["NABLA_IN_MEMORY"] == nil

    /// A job; every argument sets the property of the same name. Warnings go to standard error by default.
    package init(_ operation: Operation, input: URL, key: String? = nil, column: String? = nil, axes: [Int]? = nil,
                 options: DifferenceOptions = .init(), output: URL,
                 onWarning: @escaping @Sendable (String) -> Void = PipelineWarnings.printToStandardError) {
        self.operation = operation
        self.input = input
        self.key = key
        self.column = column
        self.axes = axes
        self.options = options
        self.output = output
        self.onWarning = onWarning
    }

    /// The axes the operation selects: the gradient's `axes`; every axis (`nil`) for the others.
    var selectedAxes: [Int]? { operation == .gradient ? axes : nil }

    /// Reads, computes and writes. Nothing is written unless every step succeeds; the output appears
    /// under its name only when complete.
    ///
    /// - Returns: the names of the arrays written.
    @discardableResult
    package func run() throws(PipelineError) -> [String] {
        let format = try checkedFormat()
        if let names = try runInSlabs(format) { return names }
        try checkInMemory(format)

        let (fields, grid, unused) = try read()
        // A vector field has one component per axis.
        let rank = operation.readsVectorField ? fields.count : fields[0].shape.count
        if operation == .curl && rank != 2 && rank != 3 {
            throw PipelineError("\(input.path): curl needs a 2-D or 3-D vector field; these components are \(rank)-D")
        }
        // Notes are printed once the output is written, so a failure stays one line.
        var (spacing, notes) = (try options.resolvedSpacing(), [String]())
        if let grid {
            // The file's grid gives the spacing unless --spacing overrides it.
            (spacing, notes) = FieldFiles.chosenSpacing(spacing, grid: (grid.name, grid.axes), axes: selectedAxes, file: input)
        }
        notes = unused + notes
        try FieldDispatch.checkDifferentiable(fields, file: input.path)
        try checkOutputHolds(operation.resultCount(rank: rank, axes: selectedAxes), format: format, rank: rank)
        if operation == .gradient {
            try options.checkCoordinateFiles(spacing, shape: fields[0].shape, axes: axes, input: input.path)
        }
        let names: [String]
        if operation == .gradient, format == .nc || format.isVTK, let grid {
            names = try writeGradientWithGrid(of: grid, spacing: spacing, format: format)
        } else {
            names = try Self.computeAndWrite(operation, of: fields, axes: selectedAxes, options: options, spacing: spacing,
                                             file: input.path, to: output, overwrite: overwrite, onWarning: onWarning).names
        }
        notes.forEach(PipelineWarnings.printNote)
        return names
    }

    // MARK: Steps

    /// The first steps of every command, before anything is read: the output's format (returned), the
    /// scheme, the derivative orders, the method, the paths (``FileSafety``).
    private func checkedFormat() throws(PipelineError) -> FieldFiles.Format {
        let format = try FieldFiles.Format(of: output)
        try options.validate()
        if case let .derivative(orders) = operation, orders.contains(where: { $0 > DifferenceOptions.maximumDerivative }) {
            throw PipelineError("derivative order \(orders.max() ?? 0) is not supported; use at most \(DifferenceOptions.maximumDerivative) per axis")
        }
        if options.method == .spectral && operation != .gradient && operation != .laplacian {
            throw PipelineError("--method spectral applies to the gradient and the Laplacian; use finite differences")
        }
        try FileSafety.check(input: input, options: options, output: output)
        return format
    }

    /// The slab paths, when they apply (finite differences: see ``slabPlan()``; spectral: see
    /// ``runSpectralInSlabs(format:)``), in memory bounded by `options.memory`. Returns the names
    /// written, or nil when the in-memory path must run.
    private func runInSlabs(_ format: FieldFiles.Format) throws(PipelineError) -> [String]? {
        guard slabEngine, SlabJob.writes(output) else { return nil }
        if options.method == .spectral { return try runSpectralInSlabs(format: format) }
        guard let plan = try slabPlan(format) else { return nil }
        try SlabJob.run(plan.operation, on: plan.input, names: plan.names, output: output, memory: options.memoryBudget,
                        overwrite: overwrite, file: input.path)
        plan.notes.forEach(PipelineWarnings.printNote)
        return plan.names
    }

    /// What the slab engine runs for this job by finite differences, or nil when the in-memory path must
    /// run (the slab engine switched off, spectral derivatives, the Jacobian, an input the engine cannot
    /// read — see ``SlabJob/input(of:)`` — or an output it does not write): the command's first checks
    /// (``checkedFormat()``), then the in-memory path's checks, spacing (the file's grid unless `--spacing`
    /// overrides it) and results. The one plan of `nabla`'s commands and of `nabla batch`, which sizes its
    /// slabs for each file's share of the batch's memory.
    ///
    /// - Throws: ``PipelineError`` as ``run()`` throws it for the same job.
    func slabPlan() throws(PipelineError) -> SlabJob.Plan? {
        try slabPlan(try checkedFormat())
    }

    /// ``slabPlan()`` after the command's checks, for an output of `format`.
    private func slabPlan(_ format: FieldFiles.Format) throws(PipelineError) -> SlabJob.Plan? {
        guard slabEngine, options.method == .finiteDifference, SlabJob.writes(output) else { return nil }
        let kind: SlabbedOperation.Kind
        switch operation {
        case .gradient: kind = .gradient(axes: axes, derivative: options.derivative)
        case .laplacian: kind = .laplacian
        case .divergence: kind = .divergence
        case .curl: kind = .curl
        case let .derivative(orders): kind = .derivative(orders: orders)
        case .hessian: kind = .hessian
        case .jacobian: kind = .jacobian
        }
        guard let (slabs, grid, unused) = SlabJob.input(of: self) else { return nil }
        let shape = slabs.shape
        var (spacing, notes) = (try options.resolvedSpacing(), [String]())
        if let grid {
            // The file's grid gives the spacing unless --spacing overrides it (as in memory).
            (spacing, notes) = FieldFiles.chosenSpacing(spacing, grid: grid, axes: selectedAxes, file: input)
        }
        let names = try slabChecks(spacing: spacing, shape: shape, format: format)
        let slabbed = SlabbedOperation(kind, spacing: spacing, edgeOrder: options.edgeOrder, accuracy: options.accuracy,
                                       periodicAxes: options.periodic.indices(selected: selectedAxes, rank: shape.count))
        return SlabJob.Plan(input: slabs, operation: slabbed, names: names, notes: unused + notes)
    }

    /// The in-memory path's checks for a slab path on a field of `shape` with `spacing`: an output that
    /// holds the results, coordinate files, the axes; returns the names of the results.
    private func slabChecks(spacing: [Spacing], shape: [Int], format: FieldFiles.Format) throws(PipelineError) -> [String] {
        try checkOutputHolds(operation.resultCount(rank: shape.count, axes: selectedAxes), format: format, rank: shape.count)
        if operation == .gradient {
            try options.checkCoordinateFiles(spacing, shape: shape, axes: axes, input: input.path)
        }
        let names: [String]
        do { names = try operation.checkedNames(rank: shape.count, axes: selectedAxes) } catch {
            throw PipelineError.wrap(error, file: input.path)
        }
        return names
    }

    /// The spectral gradient or Laplacian through NablaSpectral's slab path (``SpectralSlabJob``) from a
    /// `.npy` or stored `.npz` field to a `.npy`/`.npz` output, with the in-memory path's checks; nil when
    /// the input (HDF5 and other formats, a dtype such as float16) or the output takes the in-memory path.
    private func runSpectralInSlabs(format: FieldFiles.Format) throws(PipelineError) -> [String]? {
        guard format == .npy || format == .npz, operation == .gradient || operation == .laplacian,
              let (slabs, _, _) = SlabJob.input(of: self), case let .stored(locations) = slabs, locations.count == 1 else { return nil }
        let shape = locations[0].header.shape
        let spacing = try options.resolvedSpacing()
        let names = try slabChecks(spacing: spacing, shape: shape, format: format)
        let kind: SlabbedSpectralOperation.Kind = operation == .gradient ? .gradient(axes: axes, derivative: options.derivative) : .laplacian
        let done = try SpectralSlabJob.run(SlabbedSpectralOperation(kind, spacing: spacing), on: locations[0], names: names,
                                           output: output, memory: options.memoryBudget, file: input.path, onWarning: onWarning)
        return done ? names : nil
    }

    /// The input's arrays (one field, or a vector field's components), the grid the file stores for them
    /// (nil when the operation takes its spacing from `--spacing` only), and notes to print after success.
    private func read() throws(PipelineError) -> (fields: [AnyNDArray], grid: GriddedArray?, notes: [String]) {
        switch operation {
        case .gradient, .laplacian:
            // A file's grid (netCDF coordinates, HDF5 dimension scales, openPMD) gives the spacing.
            let gridded = try FieldFiles.readGridded(input, key: key, column: operation == .gradient ? column : nil,
                                                     allowExternal: allowExternal, si: si)
            return ([gridded.values], gridded, [])
        case .derivative, .hessian:
            return ([try FieldFiles.read(input, key: key, allowExternal: allowExternal)], nil, [])
        case .divergence, .curl, .jacobian:
            if key != nil {
                throw PipelineError("\(input.path): --key does not apply to \(operation.name); the components are the arrays axis0, axis1, …")
            }
            let (components, grid, notes) = try readGriddedVectorField(input, allowExternal: allowExternal, si: si)
            return (components, grid, notes)
        }
    }

    /// Refuses, before any work, an output that holds one array (`.npy`, `.csv`, `.tsv`) for `count` results.
    func checkOutputHolds(_ count: Int, format: FieldFiles.Format, rank: Int) throws(PipelineError) {
        guard !format.holdsSeveralArrays, count != 1 else { return }
        switch operation {
        case .gradient:
            throw PipelineError("\(output.path): a .\(format.rawValue) output holds one array, but \(count) axes are selected; select one with --axis N or write a .npz or .h5")
        case .curl:
            // A table: the writer says so.
            guard format == .npy else { return }
            throw PipelineError("\(output.path): a .npy output holds one array, but the curl of a 3-D field has 3 components; write a .npz")
        case .laplacian, .divergence, .derivative, .hessian, .jacobian:
            let names = (try? operation.checkedNames(rank: rank, axes: nil)) ?? []
            throw PipelineError("\(output.path): a .\(format.rawValue) output holds one array, but there are \(count) results (\(names.prefix(4).joined(separator: ", "))\(count > 4 ? ", …" : "")); write a .npz or .h5")
        }
    }

    /// The gradient written with the input's grid (netCDF: on the input's dimensions, with the coordinates
    /// used; VTK ImageData or RectilinearGrid).
    private func writeGradientWithGrid(of gridded: GriddedArray, spacing: [Spacing], format: FieldFiles.Format)
        throws(PipelineError) -> [String] {
        var grid = gridded
        grid.axes = FieldFiles.usedAxes(gridded, axes: axes, spacing: spacing)
        if format == .vti, let bad = grid.axes.firstIndex(where: { $0.uniformStep == nil }) {
            throw PipelineError("\(output.path): axis \(bad) ('\(grid.axes[bad].name)') is not uniformly spaced, and VTK ImageData needs uniform spacing; write a .vtr (RectilinearGrid) instead")
        }
        let field = gridded.values
        let results = try Self.compute(.gradient, of: [field], axes: axes, options: options, spacing: spacing,
                                       file: input.path, onWarning: onWarning)
        let named: [(name: String, array: AnyNDArray)] = Array(zip(operation.names(rank: field.shape.count, axes: axes) ?? [], results))
        let fields = zip((try? normalizedAxes(axes, rank: field.shape.count)) ?? [], results).map {
            NetCDF.Field(derivativeOf: grid, along: $0, values: $1)
        }
        let arrays = named + (includeInput ? [(gridded.name, field)] : [])
        try FieldFiles.writeGridded(arrays, axes: grid.axes, to: output, netCDFFields: fields, overwrite: overwrite)
        return format == .nc ? fields.map(\.name) : arrays.map(\.name)
    }

    // MARK: Computing

    /// Computes `operation` on `fields` and writes the results to `output` atomically, named as
    /// ``Operation/names(rank:axes:)`` says. A gradient of an input of ``streamingThreshold`` bytes or more
    /// written to `.npz` is computed one axis at a time, each result written as soon as it is computed, so
    /// memory holds the input and one result instead of the input and every result.
    ///
    /// - Returns: the names written and the number of non-finite values in the results.
    package static func computeAndWrite(
        _ operation: Operation, of fields: [AnyNDArray], axes: [Int]?, options: DifferenceOptions, spacing: [Spacing],
        file: String, to output: URL, overwrite: Bool = false, onWarning: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(PipelineError) -> (names: [String], nonFinite: Int) {
        let field = fields[0]
        let selected = axes ?? Array(0..<field.shape.count)
        if operation == .gradient, streams(field, axisCount: selected.count, to: output),
           let perAxis = spacingPerAxis(spacing, count: selected.count) {
            var names: [String] = []
            var nonFinite = 0
            do throws(NPZ.StreamingWriteError<any Error>) {
                try NPZ.write(to: output) { sink in
                    for (axis, axisSpacing) in zip(selected, perAxis) {
                        let result = try compute(.gradient, of: fields, axes: [axis], options: options, spacing: axisSpacing,
                                                 file: file, onWarning: onWarning)[0]
                        let name = operation.names(rank: field.shape.count, axes: [axis])?.first ?? "axis\(axis)"
                        nonFinite += result.nonFiniteCount
                        try sink.append(name, result)
                        names.append(name)
                    }
                }
            } catch {
                throw PipelineError.wrap(error.underlying, file: output.path)
            }
            return (names, nonFinite)
        }
        let results = try compute(operation, of: fields, axes: axes, options: options, spacing: spacing, file: file,
                                  onWarning: onWarning)
        // The computation succeeded, so the axes are valid.
        let rank = operation.readsVectorField ? fields.count : field.shape.count
        let named: [(name: String, array: AnyNDArray)] = Array(zip(operation.names(rank: rank, axes: axes) ?? [], results))
        let format = try FieldFiles.Format(of: output)
        if operation == .gradient && !format.holdsSeveralArrays && named.count != 1 {
            throw PipelineError("\(output.path): a .\(format.rawValue) output holds one array, but \(named.count) axes are selected; select one with --axis N or write a .npz or .h5")
        }
        try FieldFiles.write(named, to: output, overwrite: overwrite)
        return (named.map(\.name), results.reduce(0) { $0 + $1.nonFiniteCount })
    }

    /// The results of `operation` on `fields`, in the order of ``Operation/names(rank:axes:)``: by finite
    /// differences (real or complex fields alike), or spectrally (`options.method`; the gradient and the
    /// Laplacian), with every warning sent to `onWarning`.
    package static func compute(_ operation: Operation, of fields: [AnyNDArray], axes: [Int]?, options: DifferenceOptions,
                                spacing: [Spacing], file: String, onWarning: @escaping @Sendable (String) -> Void = { _ in })
        throws(PipelineError) -> [AnyNDArray] {
        let rank = operation.readsVectorField ? fields.count : fields[0].shape.count
        switch options.method {
        case .finiteDifference:
            return try FieldDispatch.run(Differences(operation: operation, axes: axes, options: options, spacing: spacing, rank: rank),
                                         on: fields, file: file)
        case .spectral:
            let results = try FieldDispatch.run(SpectralDifferences(operation: operation, axes: axes, options: options, spacing: spacing,
                                                                    file: file, onWarning: onWarning),
                                                on: fields, file: file)
            // FFTW wisdom cache problems (the library keeps them instead of printing).
            SpectralFFT.takeWisdomWarnings().forEach { onWarning("\($0)") }
            return results
        }
    }

    /// Whether ``computeAndWrite(_:of:axes:options:spacing:file:to:overwrite:onWarning:)`` writes this
    /// gradient one axis at a time.
    package static func streams(_ field: AnyNDArray, axisCount: Int, to output: URL) -> Bool {
        guard let format = try? FieldFiles.Format(of: output) else { return false }
        return streams(inputBytes: field.count * field.dtype.itemSize, axisCount: axisCount, format: format)
    }

    /// Whether a gradient of an input of `inputBytes` written as `format` is written one axis at a time.
    package static func streams(inputBytes: Int, axisCount: Int, format: FieldFiles.Format) -> Bool {
        format == .npz && axisCount > 1 && inputBytes >= streamingThreshold
    }

    /// Inputs at least this large (in bytes) are differentiated one axis at a time and written as they come
    /// (`.npz` output), bounding peak memory to about twice the input.
    package static let streamingThreshold = 256 << 20

    /// numpy's varargs split per selected axis (none, one number for all, or one each), or `nil` when they
    /// do not fit — the all-axes call then reports the error.
    static func spacingPerAxis(_ spacing: [Spacing], count: Int) -> [[Spacing]]? {
        switch spacing.count {
        case 0: return Array(repeating: [], count: count)
        case count: return spacing.map { [$0] }
        case 1:
            guard case .uniform = spacing[0] else { return nil }
            return Array(repeating: spacing, count: count)
        default: return nil
        }
    }
}

/// The finite-difference operations, one generic body for real and complex fields (the library's lane
/// functions, which its real and complex operators call).
private struct Differences: FieldOperation {
    let operation: FieldJob.Operation, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], rank: Int

    func apply<E: Sendable, T: FieldScalar>(_ fields: [NDArray<E>], lane: T.Type) throws(NablaError) -> [NDArray<E>] {
        let periodic = options.periodic.indices(selected: axes, rank: rank)
        let (edgeOrder, accuracy) = (options.edgeOrder, options.accuracy)
        switch operation {
        case .gradient:
            return try laneGradient(of: fields[0], lane: T.self, spacing: spacing, axes: axes, edgeOrder: edgeOrder,
                                    accuracy: accuracy, derivative: options.derivative, periodicAxes: periodic)
        case .laplacian:
            return [try laneLaplacian(of: fields[0], lane: T.self, spacing: spacing, accuracy: accuracy ?? 2, periodicAxes: periodic)]
        case .divergence:
            return [try laneDivergence(of: fields, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                                       periodicAxes: periodic)]
        case .curl:
            return try laneCurl(of: fields, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                                periodicAxes: periodic)
        case let .derivative(orders):
            return [try lanePartialDerivative(of: fields[0], lane: T.self, orders: orders, spacing: spacing, accuracy: accuracy,
                                              edgeOrder: edgeOrder, periodicAxes: periodic)]
        case .hessian:
            let h = try laneHessian(of: fields[0], lane: T.self, spacing: spacing, accuracy: accuracy ?? 2, periodicAxes: periodic)
            return (0..<rank).flatMap { i in (i..<rank).map { j in h[i][j] } }
        case .jacobian:
            return try laneJacobian(of: fields, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                                    periodicAxes: periodic).flatMap { $0 }
        }
    }
}

/// The spectral gradient and Laplacian (FFTW: r2c for real fields, c2c for complex ones).
private struct SpectralDifferences: SpectralFieldOperation {
    let operation: FieldJob.Operation, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], file: String
    let onWarning: (String) -> Void

    func apply<T: SpectralScalar>(_ fields: [NDArray<T>]) throws -> [NDArray<T>] {
        try operation == .gradient
            ? spectralGradient(of: fields[0], spacing: spacing, axes: axes, derivative: options.derivative, onWarning: warn)
            : [spectralLaplacian(of: fields[0], spacing: spacing, onWarning: warn)]
    }

    func applyComplex<T: SpectralScalar & Real>(_ fields: [NDArray<Complex<T>>]) throws -> [NDArray<Complex<T>>] {
        try operation == .gradient
            ? spectralGradient(of: fields[0], spacing: spacing, axes: axes, derivative: options.derivative, onWarning: warn)
            : [spectralLaplacian(of: fields[0], spacing: spacing, onWarning: warn)]
    }

    private func warn(_ warning: SpectralWarning) { onWarning("\(file): \(warning)") }
}

extension FieldJob.Operation {
    /// The command's name (`gradient`, `laplacian`, …).
    var name: String {
        switch self {
        case .gradient: "gradient"
        case .laplacian: "laplacian"
        case .divergence: "divergence"
        case .curl: "curl"
        case .derivative: "derivative"
        case .hessian: "hessian"
        case .jacobian: "jacobian"
        }
    }

    /// Whether the input is a vector field (arrays `axis0`, `axis1`, … of one shape) rather than one array.
    var readsVectorField: Bool { self == .divergence || self == .curl || self == .jacobian }

    /// The names of the results for a rank-`rank` input (`axes`: the gradient's selection), or nil when
    /// `axes` is out of range (the computation reports it).
    package func names(rank: Int, axes: [Int]?) -> [String]? {
        try? checkedNames(rank: rank, axes: axes)
    }

    /// ``names(rank:axes:)``, throwing the library's error for axes out of range.
    func checkedNames(rank: Int, axes: [Int]?) throws(NablaError) -> [String] {
        switch self {
        case .gradient: try normalizedAxes(axes, rank: rank).map { "axis\($0)" }
        case .laplacian, .divergence, .derivative: [name]
        case .curl: rank == 3 ? ["axis0", "axis1", "axis2"] : ["curl"]
        case .hessian: (0..<rank).flatMap { i in (i..<rank).map { j in "axis\(i)_axis\(j)" } }
        case .jacobian: (0..<rank).flatMap { k in (0..<rank).map { j in "d\(k)_axis\(j)" } }
        }
    }

    /// How many arrays the results are (the gradient: one per selected axis, counted before they are checked).
    func resultCount(rank: Int, axes: [Int]?) -> Int {
        if self == .gradient { return axes?.count ?? rank }
        return names(rank: rank, axes: nil)?.count ?? 0
    }
}

// MARK: Vector fields

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
