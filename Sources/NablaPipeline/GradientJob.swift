import Foundation
import Nabla
import NablaFormats
import NablaSpectral

/// `nabla gradient`: differentiate one array file along selected axes and write one array per axis,
/// named `axis0`, `axis1`, … after the axis index.
public struct GradientJob: Sendable {
    public var input: URL
    public var key: String?
    public var axes: [Int]?
    public var options: DifferenceOptions
    public var output: URL
    /// Receives warnings (e.g. data that does not look periodic along a spectral axis).
    public var onWarning: @Sendable (String) -> Void

    public init(input: URL, key: String? = nil, axes: [Int]? = nil, options: DifferenceOptions = .init(), output: URL,
                onWarning: @escaping @Sendable (String) -> Void = PipelineWarnings.printToStandardError) {
        self.input = input
        self.key = key
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
    public func run() throws(PipelineError) -> [String] {
        let outputFormat = try FieldFiles.Format(of: output)
        try options.validate()
        let field = try FieldFiles.read(input, key: key)
        let spacing = try options.resolvedSpacing()
        try options.checkCoordinateFiles(spacing, shape: field.shape, axes: axes, input: input.path)
        let rank = field.shape.count
        let selected = axes ?? Array(0..<rank)
        if outputFormat == .npz && selected.count > 1 && field.count * field.dtype.itemSize >= Self.streamingThreshold,
           let perAxis = Self.spacingPerAxis(spacing, count: selected.count) {
            // Large inputs: one axis at a time, each written as soon as it is computed, so memory holds the
            // input and one result instead of the input and every result.
            var names: [String] = []
            do {
                try NPZ.write(to: output) { sink in
                    for (axis, axisSpacing) in zip(selected, perAxis) {
                        let result = try Self.gradient(of: field, axes: [axis], options: options, spacing: axisSpacing,
                                                       file: input.path, onWarning: onWarning)
                        try sink.append(result[0].name, result[0].array)
                        names.append(result[0].name)
                    }
                }
            } catch {
                throw PipelineError.wrap(error, file: output.path)
            }
            return names
        }
        let results = try Self.gradient(of: field, axes: axes, options: options, spacing: spacing, file: input.path,
                                        onWarning: onWarning)
        if outputFormat == .npy && results.count != 1 {
            throw PipelineError("\(output.path): a .npy output holds one array, but \(results.count) axes are selected; select one with --axis N or write a .npz")
        }
        try FieldFiles.write(results, to: output)
        return results.map(\.name)
    }

    /// Inputs at least this large (in bytes) are differentiated one axis at a time and written as they come
    /// (`.npz` output), bounding peak memory to about twice the input.
    public static let streamingThreshold = 256 << 20

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
    public static func gradient(of field: AnyNDArray, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing],
                                file: String, onWarning: @escaping @Sendable (String) -> Void = { _ in })
        throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        struct Op: FieldOperation {
            let axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], rank: Int
            func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
                try Nabla.gradient(of: fields[0], spacing: spacing, axes: axes, edgeOrder: options.edgeOrder,
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
        }
        let rank = field.shape.count
        let results: [AnyNDArray]
        switch options.method {
        case .finiteDifference:
            results = try FieldDispatch.run(Op(axes: axes, options: options, spacing: spacing, rank: rank), on: [field], file: file)
        case .spectral:
            results = try FieldDispatch.run(SpectralOp(axes: axes, options: options, spacing: spacing, file: file, onWarning: onWarning),
                                            on: [field], file: file)
        }
        let selected = (axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 }
        return zip(selected, results).map { ("axis\($0)", $1) }
    }
}
