/// Errors from drawing pictures, with messages that name the value at fault and the fix.
public enum PictureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data handed to a plot do not fit together (shapes, coordinates, values).
    case invalidData(String)
    /// The plot's `width` × `height` is outside 320 × 240 … 16384 × 16384.
    case invalidSize(width: Int, height: Int)
    /// cairo refused to draw or encode the picture; the message is cairo's, with what was being done.
    case cairo(String)

    /// The message, naming the value at fault.
    public var description: String {
        switch self {
        case let .invalidData(message):
            "invalid plot data: \(message)"
        case let .invalidSize(width, height):
            "a picture of \(width)×\(height) pixels cannot be drawn; set width to \(PictureSize.minimum.width)…\(PictureSize.maximum.width) and height to \(PictureSize.minimum.height)…\(PictureSize.maximum.height)"
        case let .cairo(message):
            "cairo error: \(message)"
        }
    }
}

/// The sizes a picture may have, in pixels (PNG) or points (SVG, PDF).
enum PictureSize {
    /// The smallest picture with room for axes, labels and a colour bar: 320 × 240.
    static let minimum = (width: 320, height: 240)
    /// The largest picture: 16384 × 16384 (cairo's own limit is 32767).
    static let maximum = (width: 16_384, height: 16_384)

    /// Throws unless `width × height` is within ``minimum`` … ``maximum``.
    static func check(width: Int, height: Int) throws(PictureError) {
        guard (minimum.width...maximum.width).contains(width), (minimum.height...maximum.height).contains(height) else {
            throw .invalidSize(width: width, height: height)
        }
    }
}
