/// Which point of a text's box is placed at the given position.
///
/// The box spans the glyphs' advance horizontally and, vertically, the capitals: from the top of a
/// capital letter (or of a superscript, if higher) to the baseline. Descenders (g, p, y) hang below
/// it, so centring a label centres its digits and capitals, and labels in a row line up.
enum TextAnchor: Hashable {
    /// The top edge: its left end, middle, right end.
    case topLeft, top, topRight
    /// The vertical middle: left end, centre, right end.
    case left, center, right
    /// The baseline: its left end, middle, right end.
    case bottomLeft, bottom, bottomRight
}

/// The fonts of the plots, in user-space units (pixels for PNG).
extension Font {
    /// Tick labels, legend entries, colour-bar labels.
    static let tick = Font(size: 13)
    /// Axis titles and the colour bar's title.
    static let label = Font(size: 14.5)
    /// The plot's title.
    static let title = Font(size: 17, isBold: true)
}

/// Text with `^{…}` marking superscripts: `"10^{−3}"`, `"h^{4}"`.
enum Markup {
    /// A superscript's size relative to the text around it.
    static let superscriptScale = 0.72
    /// How far a superscript's baseline is raised, relative to the size of the text around it.
    static let superscriptRise = 0.40

    /// Splits `text` at `^{…}` into runs of normal and superscript characters. An unclosed `^{` runs
    /// to the end of the text.
    static func runs(_ text: String) -> [(text: String, isSuperscript: Bool)] {
        var runs: [(text: String, isSuperscript: Bool)] = []
        var current = ""
        var inSuper = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if !inSuper, chars[i] == "^", i + 1 < chars.count, chars[i + 1] == "{" {
                if !current.isEmpty { runs.append((current, false)) }
                current = ""
                inSuper = true
                i += 2
                continue
            }
            if inSuper, chars[i] == "}" {
                if !current.isEmpty { runs.append((current, true)) }
                current = ""
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

    /// The text without markup, as a reader would say it: `"10^{−3}"` → `"10−3"`.
    static func plain(_ text: String) -> String { runs(text).map(\.text).joined() }
}

extension DrawingContext {
    /// The box of a text with markup (see ``TextAnchor``): its width, and its height from the top of
    /// the capitals (or superscripts) to the baseline.
    func measure(_ text: String, font: Font) -> (width: Double, height: Double) {
        let runs = Markup.runs(text)
        guard !runs.isEmpty else { return (0, 0) }
        let small = Font(size: font.size * Markup.superscriptScale, isBold: font.isBold)
        var width = 0.0, height = capHeight(of: font)
        for run in runs {
            if run.isSuperscript {
                width += advance(of: run.text, font: small)
                height = max(height, font.size * Markup.superscriptRise + capHeight(of: small))
            } else {
                width += advance(of: run.text, font: font)
            }
        }
        return (width, height)
    }

    /// Draws text with `^{…}` superscripts so that the `anchor` point of its box lands on `point`.
    ///
    /// - Parameter rotated: turn the text 90° anticlockwise about `point`, reading upwards (for
    ///   vertical axis titles); `anchor` then refers to the text's own frame, whose top faces left.
    func drawText(_ text: String, at point: Point, font: Font, color: RGBAColor = PlotFrame.axisColor,
                  anchor: TextAnchor = .topLeft, rotated: Bool = false) {
        let box = measure(text, font: font)
        guard box.width > 0 else { return }
        // The baseline's left end relative to the anchor, in the text's own frame.
        let dx: Double = switch anchor {
        case .topLeft, .left, .bottomLeft: 0
        case .top, .center, .bottom: -box.width / 2
        case .topRight, .right, .bottomRight: -box.width
        }
        let dy: Double = switch anchor {
        case .topLeft, .top, .topRight: box.height
        case .left, .center, .right: box.height / 2
        case .bottomLeft, .bottom, .bottomRight: 0
        }
        // Text frame → user space: unrotated (u, v) ↦ (u, v); rotated (u, v) ↦ (v, −u).
        func place(_ u: Double, _ v: Double) -> Point { rotated ? point + Point(v, -u) : point + Point(u, v) }
        let small = Font(size: font.size * Markup.superscriptScale, isBold: font.isBold)
        var u = dx
        for run in Markup.runs(text) {
            let f = run.isSuperscript ? small : font
            let v = dy - (run.isSuperscript ? font.size * Markup.superscriptRise : 0)
            showText(run.text, baselineAt: place(u, v), font: f, color: color, rotated: rotated)
            u += advance(of: run.text, font: f)
        }
    }
}
