import Foundation
import Nabla
import NablaComplex
import NablaFormats
import NablaNetCDF
import NablaSpectral

/// `nabla gradient`: differentiate one array file along selected axes and write one array per axis,
/// named `axis0`, `axis1`, … after the axis index.
package struct GradientJob: Sendable {
    /// The array file to read (`.npy`, `.npz`, `.csv`, `.tsv`, `.h5`, `.hdf5`; see ``FieldFiles``).
    package var input: URL
    /// The `.npz` member or HDF5 dataset to read, when the file holds several arrays.
    package var key: String?
    /// The column of a CSV/TSV table with a header to read (a 1-D field); `nil` reads the whole table.
    package var column: String?
    /// The axes to differentiate along, in the order of the results; `nil`: every axis.
    package var axes: [Int]?
    /// The scheme: spacing, accuracy, edge order, derivative order, periodic axes, method.
    package var options: DifferenceOptions
    /// The file to write (its extension picks the format): one array per selected axis.
    package var output: URL
    /// Receives warnings (e.g. data that does not look periodic along a spectral axis).
    package var onWarning: @Sendable (String) -> Void
    /// Whether a VTK output also holds the input field (`--include-input`).
    package var includeInput = false
    /// Replace datasets that already exist in an HDF5 output (`--overwrite`); other outputs are replaced whole.
    package var overwrite = false
    /// Read HDF5 data stored outside the input file (`--allow-external`).
    package var allowExternal = false
    /// Take an openPMD mesh's grid in metres: `gridSpacing` and `gridGlobalOffset` × `gridUnitSI` (`--si`).
    package var si = false

    /// A job; every argument sets the property of the same name. Warnings go to standard error by default.
    package init(input: URL, key: String? = nil, column: String? = nil, axes: [Int]? = nil,
                options: DifferenceOptions = .init(), output: URL,
                onWarning: @escaping @Sendable (String) -> Void = PipelineWarnings.printToStandardError) {
        self.input = input
        self.key = key
        self.column = column
        self.axes = axes
        self.options = options
        self.output = output
        self.onWarning = onWarning
    }

    /// Reads, differentiates and writes. Nothing is written unless every step succeeds; the output appears
    /// under its name only when complete.
    ///
    /// - Returns: the names of the arrays written.
    @discardableResult
    package func run() throws(PipelineError) -> [String] {
        let outputFormat = try FieldFiles.Format(of: output)
        try options.validate()
        try FileSafety.check(input: input, options: options, output: output)
        if options.method == .finiteDifference, column == nil, SlabJob.writes(output),
           let locations = SlabJob.locate(input, key: key) {
            // A slab at a time: the same checks and results as below, in bounded memory.
            let shape = locations[0].header.shape
            let spacing = try options.resolvedSpacing()
            let selectedCount = axes?.count ?? shape.count
            if !outputFormat.holdsSeveralArrays && selectedCount != 1 {
                throw PipelineError("\(output.path): a .\(outputFormat.rawValue) output holds one array, but \(selectedCount) axes are selected; select one with --axis N or write a .npz or .h5")
            }
            try options.checkCoordinateFiles(spacing, shape: shape, axes: axes, input: input.path)
            let names: [String]
            do { names = try normalizedAxes(axes, rank: shape.count).map { "axis\($0)" } } catch {
                throw PipelineError.wrap(error, file: input.path)
            }
            let operation = SlabbedOperation(.gradient(axes: axes, derivative: options.derivative), spacing: spacing,
                                             edgeOrder: options.edgeOrder, accuracy: options.accuracy,
                                             periodicAxes: options.periodic.indices(selected: axes, rank: shape.count))
            try SlabJob.run(operation, on: locations, names: names, output: output, memory: options.memoryBudget, file: input.path)
            return names
        }
        let gridded = try FieldFiles.readGridded(input, key: key, column: column, allowExternal: allowExternal, si: si)
        let field = gridded.values
        // Notes are printed once the output is written, so a failure stays one line.
        let (spacing, notes) = FieldFiles.chosenSpacing(try options.resolvedSpacing(), grid: gridded, axes: axes, file: input)
        try FieldDispatch.checkDifferentiable([field], file: input.path)
        let selectedCount = axes?.count ?? field.shape.count
        if !outputFormat.holdsSeveralArrays && selectedCount != 1 {
            throw PipelineError("\(output.path): a .\(outputFormat.rawValue) output holds one array, but \(selectedCount) axes are selected; select one with --axis N or write a .npz or .h5")
        }
        try options.checkCoordinateFiles(spacing, shape: field.shape, axes: axes, input: input.path)
        if outputFormat == .nc || outputFormat.isVTK {
            // Files with a grid: the results on the input's dimensions, with the coordinates used.
            var grid = gridded
            grid.axes = FieldFiles.usedAxes(gridded, axes: axes, spacing: spacing)
            if outputFormat == .vti, let bad = grid.axes.firstIndex(where: { $0.uniformStep == nil }) {
                throw PipelineError("\(output.path): axis \(bad) ('\(grid.axes[bad].name)') is not uniformly spaced, and VTK ImageData needs uniform spacing; write a .vtr (RectilinearGrid) instead")
            }
            let results = try Self.gradient(of: field, axes: axes, options: options, spacing: spacing, file: input.path,
                                            onWarning: onWarning)
            let selected = (try? normalizedAxes(axes, rank: field.shape.count)) ?? []
            let fields = zip(selected, results).map { NetCDF.Field(derivativeOf: grid, along: $0, values: $1.array) }
            let arrays = results + (includeInput ? [(gridded.name, field)] : [])
            try FieldFiles.writeGridded(arrays, axes: grid.axes, to: output, netCDFFields: fields, overwrite: overwrite)
            notes.forEach(PipelineWarnings.printNote)
            return outputFormat == .nc ? fields.map(\.name) : arrays.map(\.name)
        }
        let names = try Self.differentiateAndWrite(field, axes: axes, options: options, spacing: spacing, file: input.path,
                                                   to: output, overwrite: overwrite, onWarning: onWarning).names
        notes.forEach(PipelineWarnings.printNote)
        return names
    }

    /// Differentiates `field` and writes the results to `output` atomically (one array per selected axis).
    /// Inputs of ``streamingThreshold`` bytes or more written to `.npz` are differentiated one axis at a
    /// time, each result written as soon as it is computed, so memory holds the input and one result
    /// instead of the input and every result.
    ///
    /// - Returns: the names written and the number of non-finite values in the results.
    package static func differentiateAndWrite(
        _ field: AnyNDArray, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], file: String, to output: URL,
        overwrite: Bool = false, onWarning: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(PipelineError) -> (names: [String], nonFinite: Int) {
        let outputFormat = try FieldFiles.Format(of: output)
        let selected = axes ?? Array(0..<field.shape.count)
        if streams(field, axisCount: selected.count, to: output), let perAxis = spacingPerAxis(spacing, count: selected.count) {
            var names: [String] = []
            var nonFinite = 0
            do throws(NPZ.StreamingWriteError<any Error>) {
                try NPZ.write(to: output) { sink in
                    for (axis, axisSpacing) in zip(selected, perAxis) {
                        let result = try gradient(of: field, axes: [axis], options: options, spacing: axisSpacing,
                                                  file: file, onWarning: onWarning)
                        nonFinite += result[0].array.nonFiniteCount
                        try sink.append(result[0].name, result[0].array)
                        names.append(result[0].name)
                    }
                }
            } catch {
                throw PipelineError.wrap(error.underlying, file: output.path)
            }
            return (names, nonFinite)
        }
        let results = try gradient(of: field, axes: axes, options: options, spacing: spacing, file: file, onWarning: onWarning)
        if !outputFormat.holdsSeveralArrays && results.count != 1 {
            throw PipelineError("\(output.path): a .\(outputFormat.rawValue) output holds one array, but \(results.count) axes are selected; select one with --axis N or write a .npz or .h5")
        }
        let nonFinite = results.reduce(0) { $0 + $1.array.nonFiniteCount }
        try FieldFiles.write(results, to: output, overwrite: overwrite)
        return (results.map(\.name), nonFinite)
    }

    /// Whether ``differentiateAndWrite(_:axes:options:spacing:file:to:overwrite:onWarning:)`` writes this input one
    /// axis at a time.
    package static func streams(_ field: AnyNDArray, axisCount: Int, to output: URL) -> Bool {
        guard let format = try? FieldFiles.Format(of: output) else { return false }
        return streams(inputBytes: field.count * field.dtype.itemSize, axisCount: axisCount, format: format)
    }

    /// Whether an input of `inputBytes` written as `format` is written one axis at a time.
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

    /// The gradient of a file's array, named `axis<k>` per selected axis `k`, by finite differences or
    /// spectrally (`options.method`).
    package static func gradient(of field: AnyNDArray, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing],
                                file: String, onWarning: @escaping @Sendable (String) -> Void = { _ in })
        throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        struct Op: FieldOperation {
            let axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], rank: Int
            func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
                try Nabla.gradient(of: fields[0], spacing: spacing, axes: axes, edgeOrder: options.edgeOrder,
                                   accuracy: options.accuracy, derivative: options.derivative,
                                   periodicAxes: options.periodic.indices(selected: axes, rank: rank))
            }
            func applyComplex<T: ComplexFieldScalar>(_ fields: [NDArray<Complex<T>>]) throws(NablaError) -> [NDArray<Complex<T>>] {
                try NablaComplex.gradient(of: fields[0], spacing: spacing, axes: axes, edgeOrder: options.edgeOrder,
                                          accuracy: options.accuracy, derivative: options.derivative,
                                          periodicAxes: options.periodic.indices(selected: axes, rank: rank))
            }
        }
        struct SpectralOp: SpectralFieldOperation {
            let axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], file: String
            let onWarning: (String) -> Void
            func apply<T: SpectralScalar>(_ fields: [NDArray<T>]) throws -> [NDArray<T>] {
                try spectralGradient(of: fields[0], spacing: spacing, axes: axes, derivative: options.derivative,
                                     onWarning: { onWarning("\(file): \($0)") })
            }
            func applyComplex<T: SpectralScalar & Real>(_ fields: [NDArray<Complex<T>>]) throws -> [NDArray<Complex<T>>] {
                try spectralGradient(of: fields[0], spacing: spacing, axes: axes, derivative: options.derivative,
                                     onWarning: { onWarning("\(file): \($0)") })
            }
        }
        let rank = field.shape.count
        let results: [AnyNDArray]
        switch options.method {
        case .finiteDifference:
            results = try FieldDispatch.run(Op(axes: axes, options: options, spacing: spacing, rank: rank), on: [field], file: file)
        case .spectral:
            results = try FieldDispatch.run(SpectralOp(axes: axes, options: options, spacing: spacing, file: file, onWarning: onWarning),
                                            on: [field], file: file)
            // FFTW wisdom cache problems (the library keeps them instead of printing).
            SpectralFFT.takeWisdomWarnings().forEach { onWarning("\($0)") }
        }
        // The computation succeeded, so the axes are valid.
        let selected = (try? normalizedAxes(axes, rank: rank)) ?? []
        return zip(selected, results).map { ("axis\($0)", $1) }
    }
}
