/// Errors from building or writing pictures, with messages that name the value at fault and the fix.
public enum PictureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data handed to a plot do not fit together (shapes, coordinates, values).
    case invalidData(String)
    /// libpng refused to encode or decode an image; the message is libpng's.
    case png(String)
    /// The operating system refused a file operation on `path`.
    case fileSystem(path: String, message: String)

    /// The message, naming the value at fault.
    public var description: String {
        switch self {
        case let .invalidData(message): "invalid plot data: \(message)"
        case let .png(message): "PNG error: \(message)"
        case let .fileSystem(path, message): "cannot write \(path): \(message)"
        }
    }
}
