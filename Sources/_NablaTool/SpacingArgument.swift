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
            self = .coordinates(FileSystem.fileURL(text))
        }
    }

    /// The number, or the file's path.
    package var description: String {
        switch self {
        case let .number(v): "\(v)"
        case let .coordinates(url): url.path
        }
    }

    /// The library's ``Spacing``, as numpy reads its varargs: a 0-D array is a scalar step (numpy accepts
    /// `np.array(3.)`); a 1-D array is coordinates — float32 ones kept in float32 (numpy computes their
    /// weights in float32), every other type converted to `Double` (integers first, as numpy does).
    func resolve() throws(PipelineError) -> Spacing {
        switch self {
        case let .number(v):
            return .uniform(v)
        case let .coordinates(url):
            let array = try FieldFiles.read(url)
            if array.dtype == .bool {
                throw PipelineError("\(url.path): coordinates must be numbers, not booleans")
            }
            if array.dtype.isComplex {
                throw PipelineError("\(url.path): coordinates must be real numbers, but this array is \(array.dtype.name)")
            }
            if array.shape.isEmpty {
                // A 0-D array is a scalar spacing, as in numpy. (A float32 scalar is a strong float32 step
                // there; Nabla uses it as a number, exact in Double.)
                return .uniform(array.asDouble().scalars[0])
            }
            guard array.shape.count == 1 else {
                throw PipelineError("\(url.path): coordinates must be a 1-D array (or a 0-D scalar spacing), but this one has shape \(array.shape)")
            }
            if case let .float32(x) = array { return .floatCoordinates(x.scalars) }
            return .coordinates(array.asDouble().scalars)
        }
    }
}

