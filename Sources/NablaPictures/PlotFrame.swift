/// The rectangle a plot draws its data in, its two scales, and the axes around it.
///
/// The data area covers the pixels `x ..< x + width` by `y ..< y + height`; the frame is the one-pixel
/// ring just outside it.
struct PlotFrame {
    /// Left edge of the data area, in pixels.
    var x: Int
    /// Top edge of the data area, in pixels.
    var y: Int
    var width: Int
    var height: Int
    var xScale: AxisScale
    var yScale: AxisScale

    static let axisColor = RGBAColor(hex: 0x262626)
    static let gridColor = RGBAColor(hex: 0xE3E3E3)
    static let minorGridColor = RGBAColor(hex: 0xF2F2F2)
    static let majorTickLength = 6.0
    static let minorTickLength = 3.5
    /// Between a tick's end and its label.
    static let labelGap = 4.0
    /// Between the tick labels and the axis title.
    static let titleGap = 10.0

    /// The horizontal coordinate of data value `v` (the left edge is `lo`, the right edge `hi`).
    func px(_ v: Double) -> Double { Double(x) + xScale.fraction(v) * Double(width) }
    /// The vertical coordinate of data value `v` (the bottom edge is `lo`).
    func py(_ v: Double) -> Double { Double(y + height) - yScale.fraction(v) * Double(height) }

    /// The centre line of the pixel column of a tick at `v`, or nil outside the frame.
    func column(_ v: Double) -> Double? {
        let p = px(v)
        guard p.isFinite, p >= Double(x) - 0.5, p <= Double(x + width) + 0.5 else { return nil }
        return Double(min(x + width, max(x - 1, Int(p.rounded(.down))))) + 0.5
    }

    /// The centre line of the pixel row of a tick at `v`, or nil outside the frame.
    func row(_ v: Double) -> Double? {
        let p = py(v)
        guard p.isFinite, p >= Double(y) - 0.5, p <= Double(y + height) + 0.5 else { return nil }
        return Double(min(y + height, max(y - 1, Int(p.rounded(.down))))) + 0.5
    }

    /// Runs `body` with drawing clipped to the data area.
    func clipped(on dc: DrawingContext, _ body: () -> Void) {
        dc.clipped(x: Double(x), y: Double(y), width: Double(width), height: Double(height), body)
    }

    /// Light grid lines at the ticks, drawn under the data.
    func drawGrid(on dc: DrawingContext, xTicks: [AxisScale.Tick], yTicks: [AxisScale.Tick]) {
        for isMajor in [false, true] {
            for t in xTicks where t.isMajor == isMajor {
                guard let c = column(t.value), c > Double(x) + 1, c < Double(x + width - 1) else { continue }
                dc.addLines([Point(c, Double(y)), Point(c, Double(y + height))])
            }
            for t in yTicks where t.isMajor == isMajor {
                guard let r = row(t.value), r > Double(y) + 1, r < Double(y + height - 1) else { continue }
                dc.addLines([Point(Double(x), r), Point(Double(x + width), r)])
            }
            dc.stroke(isMajor ? Self.gridColor : Self.minorGridColor)
        }
    }

    /// The widest tick label.
    static func labelWidth(_ ticks: [AxisScale.Tick], on dc: DrawingContext) -> Double {
        ticks.compactMap(\.label).map { dc.measure($0, font: .tick).width }.max() ?? 0
    }

    /// The tallest tick label (capitals and superscripts).
    static func labelHeight(_ ticks: [AxisScale.Tick], on dc: DrawingContext) -> Double {
        ticks.compactMap(\.label).map { dc.measure($0, font: .tick).height }.max() ?? dc.capHeight(of: .tick)
    }

    /// The room under the data area for x tick marks, their labels and the axis title.
    static func bottomMargin(_ xTicks: [AxisScale.Tick], on dc: DrawingContext) -> Double {
        1 + majorTickLength + labelGap + labelHeight(xTicks, on: dc) + dc.descent(of: .tick) + titleGap
            + dc.capHeight(of: .label) + dc.descent(of: .label) + 10
    }

    /// The room left of the data area for y tick marks, their labels and the rotated axis title.
    static func leftMargin(_ yTicks: [AxisScale.Tick], on dc: DrawingContext) -> Double {
        1 + majorTickLength + labelGap + labelWidth(yTicks, on: dc) + titleGap
            + dc.descent(of: .label) + dc.capHeight(of: .label) + 12
    }

    /// The frame, outward ticks, tick labels (thinned so none overlap) and the axis titles.
    func drawAxes(on dc: DrawingContext, xTicks: [AxisScale.Tick], yTicks: [AxisScale.Tick],
                  xTitle: String, yTitle: String) {
        let left = Double(x), top = Double(y), right = Double(x + width), bottom = Double(y + height)
        dc.addRectangle(x: left - 0.5, y: top - 0.5, width: Double(width) + 1, height: Double(height) + 1)
        dc.stroke(Self.axisColor)
        // x axis.
        let labelTop = bottom + 1 + Self.majorTickLength + Self.labelGap
        var taken: [ClosedRange<Double>] = []
        for t in Self.labelOrder(xTicks) {
            guard let c = column(t.value) else { continue }
            dc.addLines([Point(c, bottom + 1), Point(c, bottom + 1 + (t.isMajor ? Self.majorTickLength : Self.minorTickLength))])
            dc.stroke(Self.axisColor)
            guard let label = t.label else { continue }
            let w = dc.measure(label, font: .tick).width
            let span = (c - w / 2 - 5)...(c + w / 2 + 5)
            guard span.lowerBound >= 0, span.upperBound <= Double(dc.width), !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            dc.drawText(label, at: Point(c, labelTop), font: .tick, anchor: .top)
        }
        let xTitleTop = labelTop + Self.labelHeight(xTicks, on: dc) + dc.descent(of: .tick) + Self.titleGap
        dc.drawText(xTitle, at: Point((left + right) / 2, xTitleTop), font: .label, anchor: .top)
        // y axis.
        let labelRight = left - 1 - Self.majorTickLength - Self.labelGap
        let labelHeight = Self.labelHeight(yTicks, on: dc)
        taken = []
        for t in Self.labelOrder(yTicks) {
            guard let r = row(t.value) else { continue }
            dc.addLines([Point(left - 1, r), Point(left - 1 - (t.isMajor ? Self.majorTickLength : Self.minorTickLength), r)])
            dc.stroke(Self.axisColor)
            guard let label = t.label else { continue }
            let span = (r - labelHeight / 2 - 3)...(r + labelHeight / 2 + 3)
            guard span.lowerBound >= 0, span.upperBound <= Double(dc.height), !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            dc.drawText(label, at: Point(labelRight, r), font: .tick, anchor: .right)
        }
        // Rotated, reading upwards: the baseline is the title's right-hand side.
        let baseline = labelRight - Self.labelWidth(yTicks, on: dc) - Self.titleGap - dc.descent(of: .label)
        dc.drawText(yTitle, at: Point(max(dc.capHeight(of: .label) + 4, baseline), (top + bottom) / 2),
                    font: .label, anchor: .bottom, rotated: true)
    }

    /// Unlabelled ticks first, then labelled majors before labelled minors, so thinning keeps the
    /// important labels.
    static func labelOrder(_ ticks: [AxisScale.Tick]) -> [AxisScale.Tick] {
        ticks.filter { $0.label == nil } + ticks.filter { $0.label != nil && $0.isMajor }
            + ticks.filter { $0.label != nil && !$0.isMajor }
    }

    /// The part of segment `a`–`b` inside the box `lo…hi` (Liang–Barsky), or nil if none is.
    static func clipped(_ a: Point, _ b: Point, to lo: Point, _ hi: Point) -> (Point, Point)? {
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
}
