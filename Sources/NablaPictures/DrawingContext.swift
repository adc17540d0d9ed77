// DrawingContext.swift — the only file of NablaPictures that talks to cairo, and therefore the only one
// allowed to use `Unsafe…Pointer`, `withUnsafe…` or `baseAddress`.
//
// Why the unsafe code: cairo is a C library. Its surfaces and contexts are opaque pointers whose
// lifetimes Swift cannot see; its stream callbacks receive a `void *` closure and raw byte buffers; the
// colour-mapped raster is written straight into an image surface's pixel memory. All of that is kept
// here, in the manner of SwiftPM's SQLite wrapper: this file creates the surface and the context (in
// `init`) and destroys them (in `deinit`), checks cairo's status and turns it into `PictureError`, and
// offers the plots a small safe vocabulary — paths, fills, strokes, text, a raster — in user-space
// units (pixels for PNG, points for SVG and PDF). Everything else in the module is safe Swift.

import _CCairo

/// A point in user space: `x` to the right, `y` downwards, in pixels (PNG) or points (SVG, PDF).
typealias Point = SIMD2<Double>

/// A font for ``DrawingContext``: DejaVu Sans (or fontconfig's nearest sans-serif) at `size`.
struct Font: Hashable {
    /// The size (em height), in user-space units.
    var size: Double
    /// Bold or regular weight.
    var isBold = false
}

/// A cairo surface of one picture and a drawing context on it, collecting the encoded picture in memory.
///
/// Drawing calls do not throw: cairo's errors are sticky (the first one puts the context in an error
/// state and later calls do nothing), so ``encoded()`` checks the context's status once, before
/// encoding, and throws the first error. Only calls that create objects (the surface, a raster) check
/// their status immediately.
///
/// ```swift
/// let dc = try DrawingContext(format: .svg, width: 400, height: 300)
/// dc.addRectangle(x: 10, y: 10, width: 100, height: 50)
/// dc.fill(.black)
/// let bytes = try dc.encoded()
/// ```
final class DrawingContext {
    /// The format ``encoded()`` produces.
    let format: PictureFormat
    /// The size of the picture in user-space units.
    let width: Int
    /// The size of the picture in user-space units.
    let height: Int

    private let surface: OpaquePointer
    private let cr: OpaquePointer
    /// Receives the bytes of stream surfaces (SVG, PDF while drawing; PNG when encoded). The surface
    /// holds an unretained pointer to it, so it must outlive the surface: `deinit` destroys the surface
    /// first, while `sink` is still a live property.
    private let sink: ByteSink
    private var isEncoded = false

    /// A blank (white) picture of `width × height` units.
    ///
    /// - Parameter title: for PDF, the document title in its metadata; ignored otherwise.
    /// - Throws: ``PictureError/invalidSize(width:height:)`` for a size outside 320 × 240 … 16384 ×
    ///   16384, ``PictureError/cairo(_:)`` if cairo cannot create the surface.
    init(format: PictureFormat, width: Int, height: Int, title: String = "") throws(PictureError) {
        try PictureSize.check(width: width, height: height)
        let sink = ByteSink()
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let surface: OpaquePointer? = switch format {
        case .png: cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        case .svg: cairo_svg_surface_create_for_stream(appendToSink, closure, Double(width), Double(height))
        case .pdf: cairo_pdf_surface_create_for_stream(appendToSink, closure, Double(width), Double(height))
        }
        // cairo returns an "error surface" rather than NULL; check both.
        guard let surface else { throw .cairo("cannot create a \(format) surface of \(width)×\(height)") }
        let surfaceStatus = cairo_surface_status(surface)
        guard surfaceStatus == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw Self.error(surfaceStatus, "creating a \(width)×\(height) \(format) surface")
        }
        if format == .pdf {
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Nabla (NablaPictures, cairo)")
            if !title.isEmpty { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title) }
        }
        guard let cr = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw .cairo("cannot create a drawing context")
        }
        let contextStatus = cairo_status(cr)
        guard contextStatus == CAIRO_STATUS_SUCCESS else {
            cairo_destroy(cr)
            cairo_surface_destroy(surface)
            throw Self.error(contextStatus, "creating a drawing context")
        }
        self.format = format
        self.width = width
        self.height = height
        self.sink = sink
        self.surface = surface
        self.cr = cr
        // Crisp 1-unit lines at half-integer coordinates; round caps look odd on ticks.
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
        setColor(.white)
        cairo_paint(cr)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Finishes the picture and returns the encoded file: PNG, SVG or PDF bytes. Call once, last.
    ///
    /// - Throws: ``PictureError/cairo(_:)`` with the first error cairo met while drawing or encoding.
    func encoded() throws(PictureError) -> [UInt8] {
        precondition(!isEncoded, "a DrawingContext is encoded once")
        isEncoded = true
        try Self.check(cairo_status(cr), "drawing the picture")
        switch format {
        case .png:
            cairo_surface_flush(surface)
            try Self.check(cairo_surface_write_to_png_stream(surface, appendToSink, Unmanaged.passUnretained(sink).toOpaque()),
                           "encoding the PNG")
        case .svg, .pdf:
            cairo_surface_finish(surface)
            try Self.check(cairo_surface_status(surface), "writing the \(format.rawValue.uppercased())")
        }
        return sink.bytes
    }

    // MARK: Paths, fills and strokes

    /// Sets the colour later fills, strokes and text use.
    func setColor(_ c: RGBAColor) {
        cairo_set_source_rgba(cr, Double(c.red) / 255, Double(c.green) / 255, Double(c.blue) / 255, Double(c.alpha) / 255)
    }

    /// Starts a new sub-path at `p`.
    func move(to p: Point) { cairo_move_to(cr, p.x, p.y) }

    /// Adds a straight segment to `p` (starting the path at `p` if there is none).
    func line(to p: Point) { cairo_line_to(cr, p.x, p.y) }

    /// Closes the current sub-path.
    func closePath() { cairo_close_path(cr) }

    /// Adds a closed rectangle.
    func addRectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cr, x, y, width, height)
    }

    /// Adds a closed circle.
    func addCircle(center c: Point, radius r: Double) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, c.x, c.y, r, 0, 2 * Double.pi)
        cairo_close_path(cr)
    }

    /// Adds the polyline through `points`, closed if `closed`.
    func addLines(_ points: [Point], closed: Bool = false) {
        guard let first = points.first else { return }
        move(to: first)
        for p in points.dropFirst() { line(to: p) }
        if closed { closePath() }
    }

    /// Fills the current path with `color` and clears it (`keepingPath`: keeps it for a stroke).
    func fill(_ color: RGBAColor, keepingPath: Bool = false) {
        setColor(color)
        if keepingPath { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
    }

    /// Strokes the current path and clears it.
    ///
    /// - Parameters:
    ///   - width: the line width in user-space units.
    ///   - dash: alternating on and off lengths; empty for a solid line.
    ///   - round: round caps and joins (for data lines) instead of butt caps and mitre joins.
    func stroke(_ color: RGBAColor, width: Double = 1, dash: [Double] = [], round: Bool = false) {
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_set_line_cap(cr, round ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        cairo_set_line_join(cr, round ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_MITER)
        cairo_stroke(cr)
        cairo_set_dash(cr, [], 0, 0)
    }

    /// Runs `body` with drawing clipped to a rectangle.
    func clipped(x: Double, y: Double, width: Double, height: Double, _ body: () -> Void) {
        cairo_save(cr)
        cairo_new_path(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }

    /// Fills a rectangle with a vertical linear gradient through `stops` (offset 0 at the bottom edge,
    /// 1 at the top), interpolated in sRGB like ``ColorMap``.
    func fillVerticalGradient(x: Double, y: Double, width: Double, height: Double,
                              stops: [(offset: Double, color: RGBAColor)]) throws(PictureError) {
        guard let pattern = cairo_pattern_create_linear(0, y + height, 0, y) else {
            throw .cairo("cannot create a gradient")
        }
        defer { cairo_pattern_destroy(pattern) }
        for s in stops {
            let c = s.color
            cairo_pattern_add_color_stop_rgba(pattern, s.offset, Double(c.red) / 255, Double(c.green) / 255,
                                              Double(c.blue) / 255, Double(c.alpha) / 255)
        }
        try Self.check(cairo_pattern_status(pattern), "creating the colour-bar gradient")
        cairo_set_source(cr, pattern)
        cairo_new_path(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    // MARK: Raster images

    /// Draws `pixels` (row-major, `columns × rows`, top row first) with its top-left corner at `(x, y)`,
    /// each pixel `1 / pixelsPerUnit` units wide, sampled with the nearest-pixel filter so cells stay sharp.
    ///
    /// - Precondition: `pixels.count == columns × rows`.
    /// - Throws: ``PictureError/cairo(_:)`` if cairo cannot create the image (too large: cairo's limit
    ///   is 32767 pixels per side).
    func drawRaster(_ pixels: [RGBAColor], columns: Int, rows: Int, x: Double, y: Double,
                    pixelsPerUnit: Double = 1) throws(PictureError) {
        precondition(pixels.count == columns * rows, "a \(columns)×\(rows) raster needs \(columns * rows) pixels, got \(pixels.count)")
        precondition(pixelsPerUnit > 0, "pixelsPerUnit must be positive, got \(pixelsPerUnit)")
        guard columns > 0, rows > 0 else { return }
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows)) else {
            throw .cairo("cannot create a \(columns)×\(rows) image")
        }
        defer { cairo_surface_destroy(image) }
        try Self.check(cairo_surface_status(image), "creating a \(columns)×\(rows) image")
        cairo_surface_flush(image)
        guard let data = cairo_image_surface_get_data(image) else {
            throw .cairo("the \(columns)×\(rows) image has no pixel memory")
        }
        let stride = Int(cairo_image_surface_get_stride(image))
        let raw = UnsafeMutableRawPointer(data)
        // CAIRO_FORMAT_ARGB32: one native-endian UInt32 per pixel, alpha premultiplied, rows `stride` apart.
        for r in 0..<rows {
            for c in 0..<columns {
                let p = pixels[r * columns + c]
                let a = UInt32(p.alpha)
                func premultiplied(_ v: UInt8) -> UInt32 { (UInt32(v) * a + 127) / 255 }
                let argb = a << 24 | premultiplied(p.red) << 16 | premultiplied(p.green) << 8 | premultiplied(p.blue)
                let offset = r * stride + c * 4
                assert(c * 4 + 4 <= stride && offset + 4 <= rows * stride, "pixel (\(c), \(r)) outside the image memory")
                raw.storeBytes(of: argb, toByteOffset: offset, as: UInt32.self)
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, 1 / pixelsPerUnit, 1 / pixelsPerUnit)
        cairo_set_source_surface(cr, image, 0, 0)
        if let pattern = cairo_get_source(cr) {
            cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST)
            // Without this, the edge pixels fade into transparency when scaled.
            cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
        }
        cairo_new_path(cr)
        cairo_rectangle(cr, 0, 0, Double(columns), Double(rows))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    // MARK: Text (cairo's "toy" font API: one font, no shaping — enough for labels)

    private func select(_ font: Font) {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               font.isBold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, font.size)
    }

    /// The advance width of `text` (no markup) in `font`.
    func advance(of text: String, font: Font) -> Double {
        guard !text.isEmpty else { return 0 }
        select(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// The height of the capital letters of `font` above the baseline (the ink of "H").
    func capHeight(of font: Font) -> Double {
        select(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, "H", &extents)
        return -extents.y_bearing
    }

    /// How far descenders reach below the baseline in `font`.
    func descent(of font: Font) -> Double {
        select(font)
        var extents = cairo_font_extents_t()
        cairo_font_extents(cr, &extents)
        return extents.descent
    }

    /// Draws `text` (no markup) with its baseline starting at `origin`; `rotated` turns it 90°
    /// anticlockwise about `origin`, so it reads upwards.
    func showText(_ text: String, baselineAt origin: Point, font: Font, color: RGBAColor, rotated: Bool = false) {
        guard !text.isEmpty else { return }
        select(font)
        setColor(color)
        cairo_save(cr)
        cairo_new_path(cr)
        cairo_translate(cr, origin.x, origin.y)
        if rotated { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, 0, 0)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    // MARK: Reading PNG back (tests, tools)

    /// Decodes a PNG (as ``encoded()`` writes) into straight-alpha pixels, row-major, top row first.
    ///
    /// - Throws: ``PictureError/cairo(_:)`` when the bytes are not a PNG cairo can read.
    package static func decodePNG(_ bytes: [UInt8]) throws(PictureError) -> (width: Int, height: Int, pixels: [RGBAColor]) {
        let source = ByteSource(bytes)
        guard let image = cairo_image_surface_create_from_png_stream(readFromSource, Unmanaged.passUnretained(source).toOpaque()) else {
            throw .cairo("cannot read the PNG")
        }
        defer { cairo_surface_destroy(image) }
        try check(cairo_surface_status(image), "reading the PNG")
        let format = cairo_image_surface_get_format(image)
        guard format == CAIRO_FORMAT_RGB24 || format == CAIRO_FORMAT_ARGB32 else {
            throw .cairo("reading the PNG: unexpected pixel format \(format.rawValue)")
        }
        let width = Int(cairo_image_surface_get_width(image)), height = Int(cairo_image_surface_get_height(image))
        let stride = Int(cairo_image_surface_get_stride(image))
        guard let data = cairo_image_surface_get_data(image) else { throw .cairo("reading the PNG: no pixel memory") }
        let raw = UnsafeRawPointer(data)
        var pixels: [RGBAColor] = []
        pixels.reserveCapacity(width * height)
        for r in 0..<height {
            for c in 0..<width {
                assert(c * 4 + 4 <= stride, "pixel (\(c), \(r)) outside its row")
                let argb = raw.load(fromByteOffset: r * stride + c * 4, as: UInt32.self)
                let a = format == CAIRO_FORMAT_RGB24 ? 255 : UInt32(argb >> 24)
                func straight(_ v: UInt32) -> UInt8 { a == 0 ? 0 : UInt8(min(255, (v * 255 + a / 2) / a)) }
                pixels.append(RGBAColor(red: straight((argb >> 16) & 0xFF), green: straight((argb >> 8) & 0xFF),
                                        blue: straight(argb & 0xFF), alpha: UInt8(a)))
            }
        }
        return (width, height, pixels)
    }

    // MARK: Status

    private static func error(_ status: cairo_status_t, _ doing: String) -> PictureError {
        .cairo("\(doing): \(String(cString: cairo_status_to_string(status)))")
    }

    private static func check(_ status: cairo_status_t, _ doing: String) throws(PictureError) {
        guard status == CAIRO_STATUS_SUCCESS else { throw error(status, doing) }
    }
}

// MARK: - Stream callbacks

/// Bytes written by a cairo stream surface.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// Bytes read by cairo's PNG reader, and how far it has read.
private final class ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// `cairo_write_func_t`: appends `length` bytes at `data` to the ``ByteSink`` that `closure` points to.
private func appendToSink(_ closure: UnsafeMutableRawPointer?, _ data: UnsafePointer<UInt8>?, _ length: UInt32) -> cairo_status_t {
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    guard length > 0 else { return CAIRO_STATUS_SUCCESS }
    guard let data else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
}

/// `cairo_read_func_t`: copies the next `length` bytes of the ``ByteSource`` that `closure` points to
/// into `data`; a read past the end is an error, as cairo expects.
private func readFromSource(_ closure: UnsafeMutableRawPointer?, _ data: UnsafeMutablePointer<UInt8>?, _ length: UInt32) -> cairo_status_t {
    guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
    let source = Unmanaged<ByteSource>.fromOpaque(closure).takeUnretainedValue()
    let n = Int(length)
    guard source.offset + n <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
    source.bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        data.update(from: base + source.offset, count: n)
    }
    source.offset += n
    return CAIRO_STATUS_SUCCESS
}
