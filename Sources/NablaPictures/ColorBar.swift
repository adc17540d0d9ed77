/// A vertical colour bar: the colour map as a gradient strip (low values at the bottom), ticks and
/// labels on its right, and a title above it.
public struct ColorBar: Sendable {
    /// The colours, bottom (0) to top (1).
    public var colorMap: ColorMap
    /// The data values at the bottom and top of the strip.
    public var range: ClosedRange<Double>
    /// Whether values are spaced logarithmically along the strip (`range` must then be positive).
    public var isLogarithmic: Bool
    /// The title drawn above the strip, such as `"|E|"`.
    public var title: String

    /// A colour bar for values in `range`.
    ///
    /// - Precondition: `range` is finite, and positive when `isLogarithmic`.
    public init(colorMap: ColorMap = .viridis, range: ClosedRange<Double>, isLogarithmic: Bool = false, title: String = "") {
        precondition(range.lowerBound.isFinite && range.upperBound.isFinite, "a colour bar range must be finite, got \(range)")
        precondition(!isLogarithmic || range.lowerBound > 0, "a logarithmic colour bar needs a positive range, got \(range)")
        self.colorMap = colorMap
        self.range = range
        self.isLogarithmic = isLogarithmic
        self.title = title
    }

    var scale: AxisScale {
        var lo = range.lowerBound, hi = range.upperBound
        if hi <= lo {
            if isLogarithmic { lo /= 2; hi *= 2 } else { lo -= max(0.5, abs(lo) * 0.1); hi += max(0.5, abs(hi) * 0.1) }
        }
        return AxisScale(lo: lo, hi: hi, isLogarithmic: isLogarithmic)
    }

    var ticks: [AxisScale.Tick] { scale.ticks(count: 6) }

    /// The width the tick labels to the right of the strip need, tick marks included.
    var labelsWidth: Int { PlotFrame.majorTickLength + PlotFrame.labelGap + PlotFrame.labelWidth(ticks) }

    /// Draws the bar with its strip in the given rectangle; labels extend to the right of it and the
    /// title above it.
    public func draw(on canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
        guard width > 0, height > 1 else { return }
        let scale = self.scale
        for row in 0..<height {
            let f = (Double(height - 1 - row) + 0.5) / Double(height)
            canvas.fillRectangle(x: x, y: y + row, width: width, height: 1, color: colorMap.color(at: f))
        }
        canvas.strokeRectangle(x: x - 1, y: y - 1, width: width + 2, height: height + 2, color: PlotFrame.axisColor)
        var taken: [ClosedRange<Int>] = []
        for t in PlotFrame.labelOrder(ticks) {
            let f = scale.fraction(t.value)
            guard f.isFinite, f >= -1e-9, f <= 1 + 1e-9 else { continue }
            let r = min(y + height, max(y - 1, Int((Double(y + height) - f * Double(height)).rounded(.down))))
            let length = t.isMajor ? PlotFrame.majorTickLength : PlotFrame.minorTickLength
            canvas.fillRectangle(x: x + width + 1, y: r, width: length, height: 1, color: PlotFrame.axisColor)
            // A short inner tick, in the bar's outline colour, marks the value on the gradient itself.
            canvas.fillRectangle(x: x, y: r, width: t.isMajor ? 4 : 2, height: 1, color: PlotFrame.axisColor.withOpacity(0.8))
            guard let label = t.label else { continue }
            let span = (r - 9)...(r + 9)
            guard !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            canvas.drawText(label, at: SIMD2(Double(x + width + 1 + PlotFrame.majorTickLength + PlotFrame.labelGap), Double(r) + 0.5),
                            color: PlotFrame.axisColor, anchor: .left)
        }
        if !title.isEmpty {
            let w = Canvas.textSize(title).width
            let cx = min(max(Double(x) + Double(width) / 2, Double(w / 2 + 4)), Double(canvas.width - w / 2 - 4))
            canvas.drawText(title, at: SIMD2(cx, Double(y - 12)), color: PlotFrame.axisColor, anchor: .bottom)
        }
    }
}
