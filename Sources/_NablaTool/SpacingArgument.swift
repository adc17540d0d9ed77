import Foundation
import Nabla
import NablaFormats

/// One spacing argument of `nabla gradient --spacing V`: a number, or the path of a 1-D `.npy` file of
/// coordinates — numpy.gradient's varargs.
package enum SpacingArgument: Sendable, Equatable, CustomStringConvertible {
    /// A uniform step `h`.
    case number(Double)
    /// A 1-D `.npy` file holding the coordinates of the samples along the axis.
    case coordinates(URL)

    /// Parses a command-line value: a number if it reads as one, otherwise a file path.
    package init(parsing text: String) {
        if let value = Double(text.trimmingCharacters(in: .whitespaces)) {
            self = .number(value)
        } else {
            self = .coordinates(URL(fileURLWithPath: text))
        }
    }

    /// The number, or the file's path.
    package var description: String {
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

