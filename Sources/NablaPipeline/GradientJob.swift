import Foundation
import Nabla
import NablaFormats

/// `nabla gradient`: differentiate one array file along selected axes and write one array per axis,
/// named `axis0`, `axis1`, … after the axis index.
public struct GradientJob: Sendable {
    public var input: URL
    public var key: String?
    public var axes: [Int]?
    public var options: DifferenceOptions
    public var output: URL

    public init(input: URL, key: String? = nil, axes: [Int]? = nil, options: DifferenceOptions = .init(), output: URL) {
        self.input = input
        self.key = key
        self.axes = axes
        self.options = options
        self.output = output
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
        let results = try Self.gradient(of: field, axes: axes, options: options, spacing: spacing, file: input.path)
        if outputFormat == .npy && results.count != 1 {
            throw PipelineError("\(output.path): a .npy output holds one array, but \(results.count) axes are selected; select one with --axis N or write a .npz")
        }
        try FieldFiles.write(results, to: output)
        return results.map(\.name)
    }

    /// The gradient of a file's array, named `axis<k>` per selected axis `k`.
    public static func gradient(of field: AnyNDArray, axes: [Int]?, options: DifferenceOptions, spacing: [Spacing],
                                file: String) throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        struct Op: FieldOperation {
            let axes: [Int]?, options: DifferenceOptions, spacing: [Spacing], rank: Int
            func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
                try Nabla.gradient(of: fields[0], spacing: spacing, axes: axes, edgeOrder: options.edgeOrder,
                                   accuracy: options.accuracy, derivative: options.derivative,
                                   periodicAxes: options.periodic.indices(selected: axes, rank: rank))
            }
        }
        let rank = field.shape.count
        let results = try FieldDispatch.run(Op(axes: axes, options: options, spacing: spacing, rank: rank), on: [field], file: file)
        let selected = (axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 }
        return zip(selected, results).map { ("axis\($0)", $1) }
    }
}
