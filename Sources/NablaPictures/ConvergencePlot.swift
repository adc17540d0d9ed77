#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A log–log plot of error against grid spacing: one line with markers per series, the fitted slope
/// of each series in the legend, and optional dashed reference slopes.
///
/// ```swift
/// var plot = ConvergencePlot(series: [
///     .init("accuracy 2", points: [(0.1, 3.2e-3), (0.05, 8.1e-4), (0.025, 2.0e-4)]),
///     .init("accuracy 4", points: [(0.1, 1.1e-5), (0.05, 6.9e-7), (0.025, 4.3e-8)]),
/// ])
/// plot.referenceSlopes = [2, 4]
/// let svg: [UInt8] = try plot.render(as: .svg)
/// ```
public struct ConvergencePlot: Sendable {
    /// One curve: errors measured at several grid spacings.
    public struct Series: Sendable {
        /// The legend label, such as `"accuracy 4"`.
        public var label: String
        /// The measurements. Points whose `h` or `error` is not finite and positive cannot be drawn on
        /// log axes and are skipped.
        public var points: [(h: Double, error: Double)]

        /// A series from its label and points.
        public init(_ label: String, points: [(h: Double, error: Double)]) {
            self.label = label
            self.points = points
        }

        /// The least-squares slope of `log10(error)` against `log10(h)` over the drawable points — the
        /// observed order of accuracy — or `nil` with fewer than two distinct `h`:
        /// ```
        /// slope = Σ (X − X̄)(Y − Ȳ) / Σ (X − X̄)²,   X = log10 h,  Y = log10 error
        /// ```
        public var fittedSlope: Double? {
            let p = drawablePoints.map { (log10($0.h), log10($0.error)) }
            guard p.count >= 2 else { return nil }
            let mx = p.map(\.0).reduce(0, +) / Double(p.count), my = p.map(\.1).reduce(0, +) / Double(p.count)
            let sxx = p.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
            guard sxx > 0 else { return nil }
            return p.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
        }

        var drawablePoints: [(h: Double, error: Double)] {
            points.filter { $0.h.isFinite && $0.h > 0 && $0.error.isFinite && $0.error > 0 }.sorted { $0.h < $1.h }
        }
    }

    /// The curves.
    public var series: [Series]
    /// Slopes drawn as dashed grey reference lines `error ∝ h^p`, each under the series whose fitted
    /// slope is closest, labelled `h^p`.
    public var referenceSlopes: [Double] = []
    /// The title above the plot.
    public var title = "Convergence"
    /// The title of the horizontal axis.
    public var xLabel = "grid spacing h"
    /// The title of the vertical axis.
    public var yLabel = "max error"
    /// The width of the picture: pixels for PNG, points for SVG and PDF; 320…16384.
    public var width = 800
    /// The height of the picture: pixels for PNG, points for SVG and PDF; 240…16384.
    public var height = 640

    /// A plot of `series`.
    public init(series: [Series]) {
        self.series = series
    }

    /// Line and marker colours: the Okabe–Ito palette, distinguishable by colour-blind viewers.
    static let palette: [RGBAColor] = [0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000]
        .map { RGBAColor(hex: $0) }

    /// Draws the plot and returns it encoded as `format`: PNG (pixels), SVG or PDF (points).
    ///
    /// A plot without drawable points draws empty axes.
    /// - Throws: ``PictureError/invalidSize(width:height:)`` unless `320 ≤ width ≤ 16384` and
    ///   `240 ≤ height ≤ 16384`; ``PictureError/cairo(_:)`` if cairo fails.
    public func render(as format: PictureFormat = .png) throws(PictureError) -> [UInt8] {
        let dc = try DrawingContext(format: format, width: width, height: height, title: Markup.plain(title))
        draw(on: dc)
        return try dc.encoded()
    }

    /// The data area and its log–log scales.
    func frame(on dc: DrawingContext) -> PlotFrame {
        let all = series.flatMap(\.drawablePoints)
        var hs = (lo: all.map(\.h).min() ?? 0.01, hi: all.map(\.h).max() ?? 1)
        var es = (lo: all.map(\.error).min() ?? 1e-6, hi: all.map(\.error).max() ?? 1)
        // Room for the reference lines under the data.
        if !referenceSlopes.isEmpty { es.lo /= 4 }
        func padded(_ r: (lo: Double, hi: Double), _ fraction: Double) -> (lo: Double, hi: Double) {
            var l0 = log10(r.lo), l1 = log10(r.hi)
            if l1 - l0 < 0.3 { let m = (l0 + l1) / 2; l0 = m - 0.15; l1 = m + 0.15 }
            let pad = (l1 - l0) * fraction
            return (pow(10, l0 - pad), pow(10, l1 + pad))
        }
        hs = padded(hs, 0.06)
        es = padded(es, 0.08)
        let xScale = AxisScale(lo: hs.lo, hi: hs.hi, isLogarithmic: true)
        let yScale = AxisScale(lo: es.lo, hi: es.hi, isLogarithmic: true)
        let top = title.isEmpty ? 20 : 16 + dc.capHeight(of: .title) + dc.descent(of: .title) + 16
        let bottom = PlotFrame.bottomMargin(xScale.ticks(count: 6), on: dc)
        let left = PlotFrame.leftMargin(yScale.ticks(count: 8), on: dc)
        let right = 28.0
        return PlotFrame(x: Int(left), y: Int(top), width: Int(Double(width) - left - right),
                         height: Int(Double(height) - top - bottom), xScale: xScale, yScale: yScale)
    }

    /// Draws the plot on `dc`.
    func draw(on dc: DrawingContext) {
        let frame = frame(on: dc)
        let xTicks = frame.xScale.ticks(count: 6), yTicks = frame.yScale.ticks(count: 8)
        frame.drawGrid(on: dc, xTicks: xTicks, yTicks: yTicks)

        // Reference slopes, dashed, a third under the series they fit best.
        var referenceLabels: [(String, Point)] = []
        for p in referenceSlopes where p.isFinite {
            let candidates = series.filter { $0.drawablePoints.count >= 2 }
            guard let s = candidates.min(by: { abs(($0.fittedSlope ?? .infinity) - p) < abs(($1.fittedSlope ?? .infinity) - p) }) else { continue }
            let pts = s.drawablePoints
            let anchor = pts[pts.count - 1]
            let e0 = anchor.error / 3
            func at(_ h: Double) -> Point { Point(frame.px(h), frame.py(e0 * pow(h / anchor.h, p))) }
            let lo = Point(Double(frame.x), Double(frame.y)), hi = Point(Double(frame.x + frame.width), Double(frame.y + frame.height))
            guard let (a, b) = PlotFrame.clipped(at(pts[0].h), at(anchor.h), to: lo, hi) else { continue }
            dc.addLines([a, b])
            dc.stroke(Self.referenceColor, width: 1.3, dash: [6, 4])
            let pText = Ticks.fixed(p, decimals: p == p.rounded() ? 0 : 1)
            referenceLabels.append(("h^{\(pText)}", a))
        }

        // Series: lines, then markers on top, kept inside the frame.
        frame.clipped(on: dc) {
            for (k, s) in series.enumerated() {
                let color = Self.palette[k % Self.palette.count]
                let pts = s.drawablePoints.map { Point(frame.px($0.h), frame.py($0.error)) }
                if pts.count >= 2 {
                    dc.addLines(pts)
                    dc.stroke(color, width: 2, round: true)
                }
                for p in pts { Self.drawMarker(k, at: p, color: color, on: dc) }
            }
        }
        for (text, a) in referenceLabels {
            let box = dc.measure(text, font: .tick)
            // Left of where the line starts, or above it when it starts at the frame's edge.
            var p = Point(a.x - 6 - box.width, a.y)
            if p.x < Double(frame.x) + 4 { p = Point(a.x + 6, a.y - 12) }
            p.y = min(max(p.y, Double(frame.y) + box.height / 2 + 4), Double(frame.y + frame.height) - box.height / 2 - 4)
            dc.drawText(text, at: p, font: .tick, color: Self.referenceLabelColor, anchor: .left)
        }
        frame.drawAxes(on: dc, xTicks: xTicks, yTicks: yTicks, xTitle: xLabel, yTitle: yLabel)
        drawLegend(on: dc, frame: frame)
        if !title.isEmpty {
            let w = dc.measure(title, font: .title).width
            let font = w <= Double(width) - 16 ? Font.title : Font(size: Font.title.size * (Double(width) - 16) / w, isBold: true)
            let cx = min(max(Double(frame.x) + Double(frame.width) / 2, min(w, Double(width) - 16) / 2 + 8),
                         Double(width) - min(w, Double(width) - 16) / 2 - 8)
            dc.drawText(title, at: Point(cx, 16), font: font, color: .black, anchor: .top)
        }
    }

    static let referenceColor = RGBAColor(hex: 0x6E6E6E)
    static let referenceLabelColor = RGBAColor(hex: 0x4A4A4A)

    /// The legend text of a series: `"accuracy 4: slope 3.98"`.
    static func legendText(_ s: Series) -> String {
        guard let slope = s.fittedSlope else { return "\(s.label): slope n/a" }
        return "\(s.label): slope \(Ticks.fixed(slope, decimals: 2))"
    }

    /// The legend's box: in the corner of the data area whose box covers the fewest points of the curves.
    func legendRect(on dc: DrawingContext, frame: PlotFrame) -> (x: Double, y: Double, width: Double, height: Double)? {
        guard !series.isEmpty else { return nil }
        let texts = series.map(Self.legendText)
        let w = Self.legendPad + Self.legendSample + 8 + (texts.map { dc.measure($0, font: .tick).width }.max() ?? 0) + Self.legendPad
        let h = Self.legendPad * 2 + Self.legendRow * Double(texts.count) - 6
        let curves = series.map { $0.drawablePoints.map { Point(frame.px($0.h), frame.py($0.error)) } }
        let inset = 12.0
        let (fx, fy, fw, fh) = (Double(frame.x), Double(frame.y), Double(frame.width), Double(frame.height))
        let corners = [(fx + inset, fy + inset), (fx + fw - inset - w, fy + inset),
                       (fx + inset, fy + fh - inset - h), (fx + fw - inset - w, fy + fh - inset - h)]
        func cost(_ c: (Double, Double)) -> Int {
            var n = 0
            for pts in curves {
                for k in pts.indices {
                    // Points along each segment, so lines crossing the box count too.
                    let a = pts[k], b = k + 1 < pts.count ? pts[k + 1] : pts[k]
                    for s in 0...8 {
                        let p = a + (b - a) * (Double(s) / 8)
                        if p.x >= c.0 - 4, p.x <= c.0 + w + 4, p.y >= c.1 - 4, p.y <= c.1 + h + 4 { n += 1 }
                    }
                }
            }
            return n
        }
        let (bx, by) = corners.min { cost($0) < cost($1) }!
        return (bx.rounded(), by.rounded(), w.rounded(.up), h.rounded(.up))
    }

    static let legendRow = 20.0, legendSample = 34.0, legendPad = 10.0

    private func drawLegend(on dc: DrawingContext, frame: PlotFrame) {
        guard let box = legendRect(on: dc, frame: frame) else { return }
        dc.addRectangle(x: box.x + 0.5, y: box.y + 0.5, width: box.width, height: box.height)
        dc.fill(RGBAColor.white.withOpacity(0.92), keepingPath: true)
        dc.stroke(RGBAColor(hex: 0xB0B0B0))
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let cy = box.y + Self.legendPad + Double(k) * Self.legendRow + 7.5
            let x0 = box.x + Self.legendPad
            dc.addLines([Point(x0, cy), Point(x0 + Self.legendSample, cy)])
            dc.stroke(color, width: 2)
            Self.drawMarker(k, at: Point(x0 + Self.legendSample / 2, cy), color: color, on: dc)
            dc.drawText(Self.legendText(s), at: Point(x0 + Self.legendSample + 8, cy), font: .tick, anchor: .left)
        }
    }

    /// Marker `k`: circle, square, triangle, diamond, inverted triangle, repeating; white-edged.
    static func drawMarker(_ k: Int, at p: Point, color: RGBAColor, on dc: DrawingContext) {
        let r = 4.5
        switch k % 5 {
        case 1: dc.addLines([p + Point(-r, -r), p + Point(r, -r), p + Point(r, r), p + Point(-r, r)].map { p + ($0 - p) * 0.85 }, closed: true)
        case 2: dc.addLines([p + Point(0, -1.2 * r), p + Point(1.1 * r, 0.75 * r), p + Point(-1.1 * r, 0.75 * r)], closed: true)
        case 3: dc.addLines([p + Point(0, -1.25 * r), p + Point(r, 0), p + Point(0, 1.25 * r), p + Point(-r, 0)], closed: true)
        case 4: dc.addLines([p + Point(0, 1.2 * r), p + Point(1.1 * r, -0.75 * r), p + Point(-1.1 * r, -0.75 * r)], closed: true)
        default: dc.addCircle(center: p, radius: r)
        }
        dc.fill(color, keepingPath: true)
        dc.stroke(.white, width: 1.4)
    }
}
