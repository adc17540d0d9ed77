/// The file formats a plot renders to.
///
/// ```swift
/// let svg: [UInt8] = try plot.render(as: .svg)
/// ```
/// Plots return the bytes; writing them to a file (atomically) is the caller's business.
public enum PictureFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// An 8-bit RGB PNG raster, one pixel per unit of the plot's `width` × `height`.
    case png
    /// A scalable SVG 1.1 drawing, `width` × `height` points; text is drawn as glyph outlines, so it
    /// looks the same without the fonts installed. The colour image inside is a raster.
    case svg
    /// A one-page PDF, `width` × `height` points, with the plot's title in the document's metadata.
    case pdf

    /// The usual file name extension, without the dot: `"png"`, `"svg"`, `"pdf"`.
    public var fileExtension: String { rawValue }

    /// The MIME type: `image/png`, `image/svg+xml`, `application/pdf`.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .svg: "image/svg+xml"
        case .pdf: "application/pdf"
        }
    }

    public var description: String { rawValue }
}
