/// A vertical colour bar: the colour map as a gradient strip (low values at the bottom), ticks and
/// labels on its right, and a title above it.
struct ColorBar {
    /// The colours, bottom (0) to top (1).
    var colorMap: ColorMap
    /// The data values at the bottom and top of the strip.
    var range: ClosedRange<Double>
    /// Whether values are spaced logarithmically along the strip (`range` must then be positive).
    var isLogarithmic: Bool
    /// The title drawn above the strip, such as `"|E|"`.
    var title: String

    /// The width of the strip.
    static let stripWidth = 18

    /// A colour bar for values in `range`.
    ///
    /// - Precondition: `range` is finite, and positive when `isLogarithmic`.
    init(colorMap: ColorMap = .viridis, range: ClosedRange<Double>, isLogarithmic: Bool = false, title: String = "") {
        precondition(range.lowerBound.isFinite && range.upperBound.isFinite, "a colour bar range must be finite, got \(range)")
        precondition(!isLogarithmic || range.lowerBound > 0, "a logarithmic colour bar needs a positive range, got \(range)")
        self.colorMap = colorMap
        self.range = range
        self.isLogarithmic = isLogarithmic
        self.title = title
    }

    /// The scale along the strip; a range of one value is widened so the strip has an extent.
    var scale: AxisScale {
        var lo = range.lowerBound, hi = range.upperBound
        if hi <= lo {
            if isLogarithmic { lo /= 2; hi *= 2 } else { lo -= max(0.5, abs(lo) * 0.1); hi += max(0.5, abs(hi) * 0.1) }
        }
        return AxisScale(lo: lo, hi: hi, isLogarithmic: isLogarithmic)
    }

    var ticks: [AxisScale.Tick] { scale.ticks(count: 6) }

    /// The width the tick marks and labels to the right of the strip need.
    func labelsWidth(on dc: DrawingContext) -> Double {
        1 + PlotFrame.majorTickLength + PlotFrame.labelGap + PlotFrame.labelWidth(ticks, on: dc)
    }

    /// Draws the bar with its strip filling the pixels `x ..< x + width`, `y ..< y + height`; the
    /// outline is just outside, labels extend to the right and the title above.
    func draw(on dc: DrawingContext, x: Int, y: Int, width: Int, height: Int) throws(PictureError) {
        guard width > 0, height > 1 else { return }
        let left = Double(x), top = Double(y), right = Double(x + width), bottom = Double(y + height)
        // The strip: the map's colours as gradient stops, bottom to top.
        let n = colorMap.colors.count
        try dc.fillVerticalGradient(x: left, y: top, width: Double(width), height: Double(height),
                                    stops: colorMap.colors.enumerated().map { (Double($0.offset) / Double(n - 1), $0.element) })
        dc.addRectangle(x: left - 0.5, y: top - 0.5, width: Double(width) + 1, height: Double(height) + 1)
        dc.stroke(PlotFrame.axisColor)
        let scale = self.scale
        let labelHeight = PlotFrame.labelHeight(ticks, on: dc)
        var taken: [ClosedRange<Double>] = []
        for t in PlotFrame.labelOrder(ticks) {
            let f = scale.fraction(t.value)
            guard f.isFinite, f >= -1e-9, f <= 1 + 1e-9 else { continue }
            let r = Double(min(y + height, max(y - 1, Int((bottom - f * Double(height)).rounded(.down))))) + 0.5
            let length = t.isMajor ? PlotFrame.majorTickLength : PlotFrame.minorTickLength
            dc.addLines([Point(right + 1, r), Point(right + 1 + length, r)])
            dc.stroke(PlotFrame.axisColor)
            // A short inner tick marks the value on the gradient itself.
            dc.addLines([Point(left, r), Point(left + (t.isMajor ? 4 : 2), r)])
            dc.stroke(PlotFrame.axisColor.withOpacity(0.8))
            guard let label = t.label else { continue }
            let span = (r - labelHeight / 2 - 3)...(r + labelHeight / 2 + 3)
            guard !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            dc.drawText(label, at: Point(right + 1 + PlotFrame.majorTickLength + PlotFrame.labelGap, r), font: .tick, anchor: .left)
        }
        if !title.isEmpty {
            let w = dc.measure(title, font: .label).width
            let cx = min(max((left + right) / 2, w / 2 + 4), Double(dc.width) - w / 2 - 4)
            dc.drawText(title, at: Point(cx, top - 10), font: .label, anchor: .bottom)
        }
    }
}
