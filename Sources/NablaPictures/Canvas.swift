/// An RGBA raster to draw plots on, with anti-aliased shapes and a bitmap font.
///
/// Coordinates are in pixels, `x` to the right and `y` down, with the origin at the top-left corner.
/// Pixel `(i, j)` covers the square `[i, i+1) × [j, j+1)`, so its centre is `(i + 0.5, j + 0.5)`: a
/// 1-pixel line through pixel centres, such as `(0, 10.5)–(20, 10.5)`, is exactly one pixel row wide.
///
/// Shapes are drawn with source-over compositing; their edges are anti-aliased by the distance of each
/// pixel centre to the shape:
/// ```
/// coverage = clamp(halfWidth + 0.5 − distance, 0, 1)
/// ```
/// `Canvas` is a value type: copies are independent.
public struct Canvas: Sendable {
    /// The width in pixels.
    public let width: Int
    /// The height in pixels.
    public let height: Int
    /// The pixels, row by row from the top, 4 bytes (R, G, B, A) per pixel: `width · height · 4` bytes.
    public private(set) var pixels: [UInt8]
    /// When set, shapes and text only change pixels inside `x0..<x1`, `y0..<y1` (plots clip their
    /// data to the axes with it).
    var clip: (x0: Int, y0: Int, x1: Int, y1: Int)?

    /// A canvas filled with `background`.
    ///
    /// - Precondition: `1 ≤ width, height ≤ 16384`.
    public init(width: Int, height: Int, background: RGBAColor = .white) {
        precondition((1...16384).contains(width) && (1...16384).contains(height),
                     "a canvas needs 1…16384 pixels per side, got \(width)×\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 4)
        fill(background)
    }

    /// Reads or writes one pixel (writing replaces it, without blending).
    ///
    /// - Precondition: `0 ≤ x < width`, `0 ≤ y < height`.
    public subscript(x: Int, y: Int) -> RGBAColor {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the \(width)×\(height) canvas")
            let o = (y * width + x) * 4
            return RGBAColor(red: pixels[o], green: pixels[o + 1], blue: pixels[o + 2], alpha: pixels[o + 3])
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the \(width)×\(height) canvas")
            let o = (y * width + x) * 4
            pixels[o] = newValue.red
            pixels[o + 1] = newValue.green
            pixels[o + 2] = newValue.blue
            pixels[o + 3] = newValue.alpha
        }
    }

    /// Whether every pixel is opaque.
    public var isOpaque: Bool {
        stride(from: 3, to: pixels.count, by: 4).allSatisfy { pixels[$0] == 255 }
    }

    // MARK: Compositing

    /// Blends `color` over pixel `(x, y)` with the given coverage (0…1); pixels outside are ignored.
    @inline(__always)
    mutating func blend(_ x: Int, _ y: Int, _ color: RGBAColor, coverage: Double) {
        guard x >= 0, x < width, y >= 0, y < height, coverage > 0 else { return }
        if let clip, x < clip.x0 || x >= clip.x1 || y < clip.y0 || y >= clip.y1 { return }
        let a = Double(color.alpha) / 255 * min(coverage, 1)
        guard a > 0 else { return }
        let o = (y * width + x) * 4
        if a >= 1 {
            pixels[o] = color.red
            pixels[o + 1] = color.green
            pixels[o + 2] = color.blue
            pixels[o + 3] = 255
            return
        }
        let da = Double(pixels[o + 3]) / 255
        let outA = a + da * (1 - a)
        func mix(_ s: UInt8, _ d: UInt8) -> UInt8 {
            UInt8(((Double(s) * a + Double(d) * da * (1 - a)) / outA).rounded())
        }
        pixels[o] = mix(color.red, pixels[o])
        pixels[o + 1] = mix(color.green, pixels[o + 1])
        pixels[o + 2] = mix(color.blue, pixels[o + 2])
        pixels[o + 3] = UInt8((outA * 255).rounded())
    }

    /// Calls `body(x, y, centre)` for every pixel whose centre lies in the box, clipped to the canvas.
    @inline(__always)
    private mutating func forEachPixel(minX: Double, minY: Double, maxX: Double, maxY: Double,
                                       _ body: (inout Canvas, Int, Int, SIMD2<Double>) -> Void) {
        guard minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite else { return }
        let x0 = max(0, Int((minX - 0.5).rounded(.down))), x1 = min(width - 1, Int((maxX + 0.5).rounded(.up)))
        let y0 = max(0, Int((minY - 0.5).rounded(.down))), y1 = min(height - 1, Int((maxY + 0.5).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                body(&self, x, y, SIMD2(Double(x) + 0.5, Double(y) + 0.5))
            }
        }
    }

    // MARK: Primitives

    /// Replaces every pixel with `color`.
    public mutating func fill(_ color: RGBAColor) {
        for o in stride(from: 0, to: pixels.count, by: 4) {
            pixels[o] = color.red
            pixels[o + 1] = color.green
            pixels[o + 2] = color.blue
            pixels[o + 3] = color.alpha
        }
    }

    /// Fills the whole-pixel rectangle `x ..< x + width`, `y ..< y + height` (clipped to the canvas),
    /// blending `color` over it.
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: RGBAColor) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for py in y0..<y1 {
            for px in x0..<x1 { blend(px, py, color, coverage: 1) }
        }
    }

    /// Draws the outline of a whole-pixel rectangle, `lineWidth` pixels thick, inside its bounds.
    public mutating func strokeRectangle(x: Int, y: Int, width w: Int, height h: Int,
                                         color: RGBAColor, lineWidth: Int = 1) {
        guard w > 0, h > 0, lineWidth > 0 else { return }
        let t = min(lineWidth, (min(w, h) + 1) / 2)
        fillRectangle(x: x, y: y, width: w, height: t, color: color)
        fillRectangle(x: x, y: y + h - t, width: w, height: t, color: color)
        fillRectangle(x: x, y: y + t, width: t, height: h - 2 * t, color: color)
        fillRectangle(x: x + w - t, y: y + t, width: t, height: h - 2 * t, color: color)
    }

    /// Draws an anti-aliased straight line with round ends, optionally dashed.
    ///
    /// - Parameters:
    ///   - a: the start point, in pixels.
    ///   - b: the end point, in pixels.
    ///   - color: the line colour (its alpha is respected).
    ///   - width: the line width in pixels (any positive value; 1 and 2 give clean lines).
    ///   - dash: lengths of the drawn and skipped parts, in pixels, or `nil` for a solid line.
    public mutating func drawLine(from a: SIMD2<Double>, to b: SIMD2<Double>, color: RGBAColor,
                                  width: Double = 1, dash: (on: Double, off: Double)? = nil) {
        guard width > 0 else { return }
        if let dash, dash.on > 0, dash.off >= 0 {
            let length = ((b - a) * (b - a)).sum().squareRoot()
            guard length > 0 else { return }
            let u = (b - a) / length
            var s = 0.0
            while s < length {
                let e = min(s + dash.on, length)
                segment(a + u * s, a + u * e, color: color, halfWidth: width / 2)
                s = e + dash.off
            }
        } else {
            segment(a, b, color: color, halfWidth: width / 2)
        }
    }

    /// Draws a polyline through `points`.
    public mutating func drawPolyline(_ points: [SIMD2<Double>], color: RGBAColor, width: Double = 1) {
        // Each pixel takes the largest coverage of any segment, so joints are not drawn twice.
        guard points.count >= 2 else { return }
        let h = width / 2
        let minP = points.reduce(points[0]) { SIMD2(min($0.x, $1.x), min($0.y, $1.y)) } - h
        let maxP = points.reduce(points[0]) { SIMD2(max($0.x, $1.x), max($0.y, $1.y)) } + h
        forEachPixel(minX: minP.x, minY: minP.y, maxX: maxP.x, maxY: maxP.y) { canvas, x, y, p in
            var d = Double.infinity
            for k in 1..<points.count { d = min(d, Self.distance(p, points[k - 1], points[k])) }
            canvas.blend(x, y, color, coverage: h + 0.5 - d)
        }
    }

    private mutating func segment(_ a: SIMD2<Double>, _ b: SIMD2<Double>, color: RGBAColor, halfWidth h: Double) {
        forEachPixel(minX: min(a.x, b.x) - h, minY: min(a.y, b.y) - h,
                     maxX: max(a.x, b.x) + h, maxY: max(a.y, b.y) + h) { canvas, x, y, p in
            canvas.blend(x, y, color, coverage: h + 0.5 - Self.distance(p, a, b))
        }
    }

    /// The part of segment `a`–`b` inside the box `lo…hi` (Liang–Barsky), or nil if none is.
    static func clipped(_ a: SIMD2<Double>, _ b: SIMD2<Double>, to lo: SIMD2<Double>, _ hi: SIMD2<Double>)
        -> (SIMD2<Double>, SIMD2<Double>)? {
        var t0 = 0.0, t1 = 1.0
        let d = b - a
        for (p, q) in [(-d.x, a.x - lo.x), (d.x, hi.x - a.x), (-d.y, a.y - lo.y), (d.y, hi.y - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
            }
        }
        guard t0 <= t1 else { return nil }
        return (a + d * t0, a + d * t1)
    }

    /// The distance from `p` to the segment `a`–`b`.
    static func distance(_ p: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
        let ab = b - a, ap = p - a
        let len2 = (ab * ab).sum()
        let t = len2 > 0 ? max(0, min(1, (ap * ab).sum() / len2)) : 0
        let q = ap - ab * t
        return (q * q).sum().squareRoot()
    }

    /// Fills an anti-aliased disc.
    public mutating func fillCircle(center c: SIMD2<Double>, radius r: Double, color: RGBAColor) {
        guard r > 0 else { return }
        forEachPixel(minX: c.x - r, minY: c.y - r, maxX: c.x + r, maxY: c.y + r) { canvas, x, y, p in
            let d = ((p - c) * (p - c)).sum().squareRoot()
            canvas.blend(x, y, color, coverage: r + 0.5 - d)
        }
    }

    /// Draws an anti-aliased circle outline of the given line width, centred on the radius.
    public mutating func strokeCircle(center c: SIMD2<Double>, radius r: Double, color: RGBAColor, width: Double = 1) {
        let h = width / 2
        forEachPixel(minX: c.x - r - h, minY: c.y - r - h, maxX: c.x + r + h, maxY: c.y + r + h) { canvas, x, y, p in
            let d = ((p - c) * (p - c)).sum().squareRoot()
            canvas.blend(x, y, color, coverage: h + 0.5 - abs(d - r))
        }
    }

    /// Fills a simple polygon (even–odd rule), anti-aliased by 4×4 supersampling.
    public mutating func fillPolygon(_ points: [SIMD2<Double>], color: RGBAColor) {
        guard points.count >= 3 else { return }
        let minP = points.reduce(points[0]) { SIMD2(min($0.x, $1.x), min($0.y, $1.y)) }
        let maxP = points.reduce(points[0]) { SIMD2(max($0.x, $1.x), max($0.y, $1.y)) }
        forEachPixel(minX: minP.x, minY: minP.y, maxX: maxP.x, maxY: maxP.y) { canvas, x, y, p in
            var inside = 0
            for sy in 0..<4 {
                for sx in 0..<4 {
                    let q = SIMD2(Double(x) + (Double(sx) + 0.5) / 4, Double(y) + (Double(sy) + 0.5) / 4)
                    if Self.contains(points, q) { inside += 1 }
                }
            }
            canvas.blend(x, y, color, coverage: Double(inside) / 16)
        }
    }

    static func contains(_ polygon: [SIMD2<Double>], _ q: SIMD2<Double>) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in 0..<polygon.count {
            let a = polygon[i], b = polygon[j]
            if (a.y > q.y) != (b.y > q.y), q.x < (b.x - a.x) * (q.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Draws an arrow from `tail` to `tip`: a shaft and a filled triangular head, optionally with an
    /// outline (drawn 1 pixel wider all round, under the arrow) so it stays visible on any background.
    ///
    /// The head is at most half the arrow's length, so short arrows keep a visible shaft.
    public mutating func drawArrow(from tail: SIMD2<Double>, to tip: SIMD2<Double>, color: RGBAColor,
                                   width: Double = 1.5, headLength: Double = 7, headWidth: Double = 7,
                                   outline: RGBAColor? = nil) {
        let v = tip - tail
        let length = (v * v).sum().squareRoot()
        guard length > 0, length.isFinite else { return }
        let u = v / length, n = SIMD2(-u.y, u.x)
        let hl = min(headLength, length / 2), hw = min(headWidth, hl * 1.4) / 2
        let base = tip - u * hl
        let head = [tip, base + n * hw, base - n * hw]
        // The shaft stops inside the head, so its round end never pokes out past the tip.
        let shaftEnd = tip - u * (hl * 0.6)
        if let outline {
            segment(tail, shaftEnd, color: outline, halfWidth: width / 2 + 1)
            fillPolygon(head, color: outline)
            for k in 0..<3 { segment(head[k], head[(k + 1) % 3], color: outline, halfWidth: 1) }
        }
        segment(tail, shaftEnd, color: color, halfWidth: width / 2)
        fillPolygon(head, color: color)
    }
}
