/// Which point of a text's box is placed at the given position.
///
/// The box spans the glyphs horizontally and, vertically, the capitals: from the top of a capital
/// letter to the baseline. Descenders (g, p, y) hang below it and superscripts rise above it, so
/// centring a label centres its digits and capitals.
public enum TextAnchor: Sendable, Hashable {
    /// The top edge (capital height): its left end, middle, right end.
    case topLeft, top, topRight
    /// The vertical middle of the capitals: left end, centre, right end.
    case left, center, right
    /// The baseline: its left end, middle, right end.
    case bottomLeft, bottom, bottomRight
}

extension Canvas {
    /// Draws text with the built-in 6×13 bitmap font (ASCII, `° ± ² ³ µ · ¹ − × ∇ Δ ∞`; other characters
    /// show as a box), each font pixel drawn as `scale × scale` pixels (smoothed at scale 2).
    ///
    /// `^{…}` typesets its contents as a superscript: `"10^{-3}"`, `"O(h^{4})"`.
    ///
    /// - Parameters:
    ///   - text: the text; `^{…}` marks a superscript.
    ///   - point: where the anchor point of the text's box lands, in pixels.
    ///   - color: the colour of the glyphs.
    ///   - scale: the size of one font pixel, in pixels (1…8).
    ///   - anchor: the point of the text's box (see ``TextAnchor``) that lands on `point`.
    ///   - rotated: draw the text turned 90° anticlockwise, reading upwards (for vertical axis titles);
    ///     `anchor` then refers to the text's own frame, whose top faces left.
    /// - Precondition: `1 ≤ scale ≤ 8`.
    public mutating func drawText(_ text: String, at point: SIMD2<Double>, color: RGBAColor = .black,
                                  scale: Int = 1, anchor: TextAnchor = .topLeft, rotated: Bool = false) {
        precondition((1...8).contains(scale), "text scale must be 1…8, got \(scale)")
        let mask = TextMask(text, scale: scale)
        guard mask.width > 0 else { return }
        let ax: Int
        switch anchor {
        case .topLeft, .left, .bottomLeft: ax = 0
        case .top, .center, .bottom: ax = mask.boxWidth / 2
        case .topRight, .right, .bottomRight: ax = mask.boxWidth
        }
        let ay: Int
        switch anchor {
        case .topLeft, .top, .topRight: ay = mask.boxTop
        case .left, .center, .right: ay = (mask.boxTop + mask.boxBottom) / 2
        case .bottomLeft, .bottom, .bottomRight: ay = mask.boxBottom
        }
        let px = Int(point.x.rounded(.down)), py = Int(point.y.rounded(.down))
        for my in 0..<mask.height {
            for mx in 0..<mask.width where mask.bits[my * mask.width + mx] {
                if rotated {
                    blend(px + (my - ay), py - (mx - ax), color, coverage: 1)
                } else {
                    blend(px + (mx - ax), py + (my - ay), color, coverage: 1)
                }
            }
        }
    }

    /// The size of a text's box (see ``TextAnchor``) when drawn unrotated at `scale`: the width of its
    /// glyphs and the height of its capitals.
    public static func textSize(_ text: String, scale: Int = 1) -> (width: Int, height: Int) {
        let mask = TextMask(text, scale: scale)
        return (mask.boxWidth, mask.boxBottom - mask.boxTop)
    }
}

/// A text rendered to a 1-bit mask, with the box that anchors refer to.
struct TextMask {
    var width = 0
    var height = 0
    var bits: [Bool] = []
    /// Width of the glyphs, without the trailing gap of the last one.
    var boxWidth = 0
    var boxTop = 0
    var boxBottom = 0

    /// Splits `text` at `^{…}` into runs of normal and superscript characters.
    static func runs(_ text: String) -> [(text: [Character], isSuperscript: Bool)] {
        var runs: [(text: [Character], isSuperscript: Bool)] = []
        var current: [Character] = []
        var inSuper = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if !inSuper, chars[i] == "^", i + 1 < chars.count, chars[i + 1] == "{" {
                if !current.isEmpty { runs.append((current, false)) }
                current = []
                inSuper = true
                i += 2
                continue
            }
            if inSuper, chars[i] == "}" {
                runs.append((current, true))
                current = []
                inSuper = false
                i += 1
                continue
            }
            current.append(chars[i])
            i += 1
        }
        if !current.isEmpty { runs.append((current, inSuper)) }
        return runs
    }

    init(_ text: String, scale s: Int) {
        let superScale = max(1, s - 1)
        // Cell tops relative to the normal cell top (y = 0). A superscript's baseline sits a little
        // above the middle of the capitals.
        let superBaseline = BitmapFont.baseline * s - (BitmapFont.baseline - BitmapFont.capTop) * s * 5 / 9
        let superTop = superBaseline - BitmapFont.baseline * superScale
        let shift = max(0, -superTop)
        var placed: [(glyph: ArraySlice<UInt8>, x: Int, y: Int, scale: Int)] = []
        var x = 0
        var lastScale = s
        var bottom = BitmapFont.cellHeight * s
        for run in Self.runs(text) {
            let sc = run.isSuperscript ? superScale : s
            let top = run.isSuperscript ? superTop + shift : shift
            for c in run.text {
                placed.append((BitmapFont.rows(of: c), x, top, sc))
                x += BitmapFont.advance * sc
                lastScale = sc
            }
            bottom = max(bottom, top + BitmapFont.cellHeight * sc)
        }
        guard x > 0 else { return }
        width = x
        height = bottom + shift
        boxWidth = x - lastScale
        boxTop = BitmapFont.capTop * s + shift
        boxBottom = BitmapFont.baseline * s + shift
        bits = [Bool](repeating: false, count: width * height)
        for p in placed {
            let scaled = Self.scaledGlyph(p.glyph, scale: p.scale)
            let gw = BitmapFont.advance * p.scale
            for gy in 0..<(BitmapFont.cellHeight * p.scale) {
                for gx in 0..<gw where scaled[gy * gw + gx] {
                    let mx = p.x + gx, my = p.y + gy
                    if mx < width, my < height { bits[my * width + mx] = true }
                }
            }
        }
    }

    /// A glyph as a `6s × 13s` mask: nearest-neighbour, except scale 2, which uses EPX (Scale2x) so
    /// diagonals come out smooth instead of stair-stepped.
    static func scaledGlyph(_ rows: ArraySlice<UInt8>, scale s: Int) -> [Bool] {
        let w = BitmapFont.advance, h = BitmapFont.cellHeight
        let base = rows.startIndex
        func on(_ x: Int, _ y: Int) -> Bool {
            guard x >= 0, x < w, y >= 0, y < h else { return false }
            return rows[base + y] & (0x80 >> UInt8(x)) != 0
        }
        var out = [Bool](repeating: false, count: w * s * h * s)
        for y in 0..<h {
            for x in 0..<w {
                let p = on(x, y)
                if s == 2 {
                    let a = on(x, y - 1), b = on(x + 1, y), c = on(x - 1, y), d = on(x, y + 1)
                    let e1 = (c == a && c != d && a != b) ? a : p
                    let e2 = (a == b && a != c && b != d) ? b : p
                    let e3 = (d == c && d != b && c != a) ? c : p
                    let e4 = (b == d && b != a && d != c) ? d : p
                    let ow = w * 2
                    out[(2 * y) * ow + 2 * x] = e1
                    out[(2 * y) * ow + 2 * x + 1] = e2
                    out[(2 * y + 1) * ow + 2 * x] = e3
                    out[(2 * y + 1) * ow + 2 * x + 1] = e4
                } else if p {
                    for dy in 0..<s {
                        for dx in 0..<s { out[(y * s + dy) * (w * s) + x * s + dx] = true }
                    }
                }
            }
        }
        return out
    }
}
