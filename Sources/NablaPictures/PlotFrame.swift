/// The rectangle a plot draws its data in, its two scales, and the axes around it.
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
    static let majorTickLength = 6
    static let minorTickLength = 3
    static let labelGap = 4

    /// The horizontal pixel coordinate of data value `v` (the left edge is `lo`, the right edge `hi`).
    func px(_ v: Double) -> Double { Double(x) + xScale.fraction(v) * Double(width) }
    /// The vertical pixel coordinate of data value `v` (the bottom edge is `lo`).
    func py(_ v: Double) -> Double { Double(y + height) - yScale.fraction(v) * Double(height) }

    /// The pixel column of a tick at `v`, or nil outside the frame.
    func column(_ v: Double) -> Int? {
        let p = px(v)
        guard p.isFinite, p >= Double(x) - 0.5, p <= Double(x + width) + 0.5 else { return nil }
        return min(x + width, max(x - 1, Int(p.rounded(.down))))
    }

    /// The pixel row of a tick at `v`, or nil outside the frame.
    func row(_ v: Double) -> Int? {
        let p = py(v)
        guard p.isFinite, p >= Double(y) - 0.5, p <= Double(y + height) + 0.5 else { return nil }
        return min(y + height, max(y - 1, Int(p.rounded(.down))))
    }

    /// Light grid lines at the ticks, drawn under the data.
    func drawGrid(on canvas: inout Canvas, xTicks: [AxisScale.Tick], yTicks: [AxisScale.Tick]) {
        for t in xTicks {
            guard let c = column(t.value), c > x, c < x + width - 1 else { continue }
            canvas.fillRectangle(x: c, y: y, width: 1, height: height,
                                 color: t.isMajor ? Self.gridColor : Self.minorGridColor)
        }
        for t in yTicks {
            guard let r = row(t.value), r > y, r < y + height - 1 else { continue }
            canvas.fillRectangle(x: x, y: r, width: width, height: 1,
                                 color: t.isMajor ? Self.gridColor : Self.minorGridColor)
        }
    }

    /// The width the y tick labels take.
    static func labelWidth(_ ticks: [AxisScale.Tick]) -> Int {
        ticks.compactMap(\.label).map { Canvas.textSize($0).width }.max() ?? 0
    }

    /// The frame, outward ticks, tick labels (thinned so none overlap) and the axis titles.
    func drawAxes(on canvas: inout Canvas, xTicks: [AxisScale.Tick], yTicks: [AxisScale.Tick],
                  xTitle: String, yTitle: String) {
        canvas.strokeRectangle(x: x - 1, y: y - 1, width: width + 2, height: height + 2, color: Self.axisColor)
        // x axis.
        let labelTop = y + height + 1 + Self.majorTickLength + Self.labelGap
        var taken: [ClosedRange<Int>] = []
        for t in Self.labelOrder(xTicks) {
            guard let c = column(t.value) else { continue }
            let length = t.isMajor ? Self.majorTickLength : Self.minorTickLength
            canvas.fillRectangle(x: c, y: y + height + 1, width: 1, height: length, color: Self.axisColor)
            guard let label = t.label else { continue }
            let w = Canvas.textSize(label).width
            let span = (c - w / 2 - 4)...(c + w - w / 2 + 4)
            guard span.lowerBound >= 0, span.upperBound < canvas.width, !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            canvas.drawText(label, at: SIMD2(Double(c) + 0.5, Double(labelTop)), color: Self.axisColor, anchor: .top)
        }
        let xTitleTop = labelTop + 9 + 14
        canvas.drawText(xTitle, at: SIMD2(Double(x) + Double(width) / 2, Double(xTitleTop)),
                        color: Self.axisColor, anchor: .top)
        // y axis.
        let labelRight = x - 1 - Self.majorTickLength - Self.labelGap
        taken = []
        for t in Self.labelOrder(yTicks) {
            guard let r = row(t.value) else { continue }
            let length = t.isMajor ? Self.majorTickLength : Self.minorTickLength
            canvas.fillRectangle(x: x - 1 - length, y: r, width: length, height: 1, color: Self.axisColor)
            guard let label = t.label else { continue }
            let span = (r - 9)...(r + 9)
            guard span.lowerBound >= 0, span.upperBound < canvas.height, !taken.contains(where: { $0.overlaps(span) }) else { continue }
            taken.append(span)
            canvas.drawText(label, at: SIMD2(Double(labelRight), Double(r) + 0.5), color: Self.axisColor, anchor: .right)
        }
        let yTitleLeft = labelRight - Self.labelWidth(yTicks) - 14 - 13
        canvas.drawText(yTitle, at: SIMD2(Double(max(4, yTitleLeft)), Double(y) + Double(height) / 2),
                        color: Self.axisColor, anchor: .top, rotated: true)
    }

    /// Labelled ticks first (majors before minors), so thinning keeps the important labels.
    static func labelOrder(_ ticks: [AxisScale.Tick]) -> [AxisScale.Tick] {
        ticks.filter { $0.label == nil } + ticks.filter { $0.label != nil && $0.isMajor }
            + ticks.filter { $0.label != nil && !$0.isMajor }
    }
}
