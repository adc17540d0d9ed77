/// Errors a caller can act on. Each description names the offending value and what was expected.
///
/// Programmer errors (an index out of range in a subscript) are preconditions instead.
public enum NablaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The number of elements does not match the shape.
    case shapeMismatch(expected: [Int], actual: String)
    /// A shape with a negative axis length or too many elements.
    case invalidShape(String)
    /// An axis index outside `-rank..<rank`, or repeated.
    case invalidAxis(String)
    /// The spacing arguments do not fit the selected axes.
    case invalidSpacing(String)
    /// An axis is too short for the requested stencil.
    case axisTooShort(String)
    /// Any other argument outside its domain (edge order, accuracy, derivative order, …).
    case invalidArgument(String)

    /// A message naming the offending value and what was expected.
    public var description: String {
        switch self {
        case let .shapeMismatch(expected, actual): "shape mismatch: expected shape \(expected), got \(actual)"
        case let .invalidShape(message): "invalid shape: \(message)"
        case let .invalidAxis(message): "invalid axis: \(message)"
        case let .invalidSpacing(message): "invalid spacing: \(message)"
        case let .axisTooShort(message): "axis too short: \(message)"
        case let .invalidArgument(message): "invalid argument: \(message)"
        }
    }
}
