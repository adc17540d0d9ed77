import Foundation
import Nabla
import NablaFormats

/// One spacing argument of `nabla gradient --spacing V`: a number, or the path of a 1-D `.npy` file of
/// coordinates — numpy.gradient's varargs.
public enum SpacingArgument: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case coordinates(URL)

    /// Parses a command-line value: a number if it reads as one, otherwise a file path.
    public init(parsing text: String) {
        if let value = Double(text.trimmingCharacters(in: .whitespaces)) {
            self = .number(value)
        } else {
            self = .coordinates(URL(fileURLWithPath: text))
        }
    }

    public var description: String {
        switch self {
        case let .number(v): "\(v)"
        case let .coordinates(url): url.path
        }
    }

    /// The library's ``Spacing``: coordinate files are read, checked to be 1-D and numeric, and
    /// converted to `Double` (integers first, as numpy does).
    func resolve() throws(PipelineError) -> Spacing {
        switch self {
        case let .number(v):
            return .uniform(v)
        case let .coordinates(url):
            let array = try FieldFiles.read(url)
            guard array.shape.count == 1 else {
                throw PipelineError("\(url.path): coordinates must be a 1-D array, but this one has shape \(array.shape)")
            }
            if array.dtype == .bool {
                throw PipelineError("\(url.path): coordinates must be numbers, not booleans")
            }
            return .coordinates(array.asDouble().scalars)
        }
    }
}

/// `nabla gradient`: differentiate one array file along selected axes and write one array per axis.
public struct GradientJob: Sendable {
    public var input: URL
    public var key: String?
    public var spacing: [SpacingArgument]
    public var axes: [Int]?
    public var edgeOrder: Int
    public var output: URL

    public init(input: URL, key: String? = nil, spacing: [SpacingArgument] = [], axes: [Int]? = nil,
                edgeOrder: Int = 1, output: URL) {
        self.input = input
        self.key = key
        self.spacing = spacing
        self.axes = axes
        self.edgeOrder = edgeOrder
        self.output = output
    }

    /// Reads, differentiates and writes. Nothing is written unless every step succeeds; the output appears
    /// under its name only when complete.
    ///
    /// - Returns: the names of the arrays written (`axis0`, `axis1`, … after each axis index).
    @discardableResult
    public func run() throws(PipelineError) -> [String] {
        let outputFormat = try FieldFiles.Format(of: output)
        // Argument checks that need no data come first, so a bad call reads nothing.
        guard edgeOrder == 1 || edgeOrder == 2 else {
            throw PipelineError("edge order \(edgeOrder) is not supported; use 1 or 2")
        }
        let field = try FieldFiles.read(input, key: key)
        let results = try Self.gradient(of: field, spacing: spacing.map { s throws(PipelineError) in try s.resolve() },
                                        axes: axes, edgeOrder: edgeOrder, file: input.path)
        if outputFormat == .npy && results.count != 1 {
            throw PipelineError("\(output.path): a .npy output holds one array, but \(results.count) axes are selected; select one with --axis N or write a .npz")
        }
        try FieldFiles.write(results, to: output)
        return results.map(\.name)
    }

    /// numpy.gradient on a file's array, dispatched on its dtype: floating types keep their type,
    /// integers become `Double`, booleans are refused (numpy cannot subtract them either).
    public static func gradient(of field: AnyNDArray, spacing: [Spacing], axes: [Int]?, edgeOrder: Int,
                                file: String) throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        do {
            let rank = field.shape.count
            guard rank > 0 else {
                throw PipelineError("\(file): the array is 0-D (a single number); a gradient needs at least one axis")
            }
            let results: [AnyNDArray]
            switch field {
            case let .float64(a): results = try Nabla.gradient(of: a, spacing: spacing, axes: axes, edgeOrder: edgeOrder).map(AnyNDArray.init)
            case let .float32(a): results = try Nabla.gradient(of: a, spacing: spacing, axes: axes, edgeOrder: edgeOrder).map(AnyNDArray.init)
            case let .float16(a): results = try Nabla.gradient(of: a, spacing: spacing, axes: axes, edgeOrder: edgeOrder).map(AnyNDArray.init)
            case .bool:
                throw PipelineError("\(file): boolean arrays cannot be differentiated; convert the data to a number type")
            default:
                // Every integer type: converted to float64 before differencing, as numpy does.
                results = try Nabla.gradient(of: field.asDouble(), spacing: spacing, axes: axes, edgeOrder: edgeOrder).map(AnyNDArray.init)
            }
            let selected = axes.map { $0.map { $0 < 0 ? $0 + rank : $0 } } ?? Array(0..<rank)
            return zip(selected, results).map { ("axis\($0)", $1) }
        } catch {
            throw PipelineError.wrap(error, file: file)
        }
    }
}
