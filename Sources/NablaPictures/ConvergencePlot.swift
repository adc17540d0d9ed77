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
/// try plot.render().writePNG(to: "convergence.png")
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
    /// The size of the picture in pixels.
    public var width = 800
    /// The size of the picture in pixels.
    public var height = 640

    /// A plot of `series`.
    public init(series: [Series]) {
        self.series = series
    }

    /// Line and marker colours: the Okabe–Ito palette, distinguishable by colour-blind viewers.
    static let palette: [RGBAColor] = [0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000]
        .map { RGBAColor(hex: $0) }

    /// Draws the plot.
    ///
    /// - Precondition: `width ≥ 320`, `height ≥ 240`.
    public func render() -> Canvas {
        precondition(width >= 320 && height >= 240, "a convergence plot needs at least 320×240 pixels, got \(width)×\(height)")
        var canvas = Canvas(width: width, height: height, background: .white)
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
        let xTicks = xScale.ticks(count: 6), yTicks = yScale.ticks(count: 8)

        let top = title.isEmpty ? 32 : 68
        let bottom = 1 + PlotFrame.majorTickLength + PlotFrame.labelGap + 9 + 14 + 13 + 18
        let left = 1 + PlotFrame.majorTickLength + PlotFrame.labelGap + max(30, PlotFrame.labelWidth(yTicks)) + 14 + 13 + 16
        let right = 28
        let frame = PlotFrame(x: left, y: top, width: width - left - right, height: height - top - bottom,
                              xScale: xScale, yScale: yScale)
        frame.drawGrid(on: &canvas, xTicks: xTicks, yTicks: yTicks)

        // Reference slopes, dashed, half a decade under the series they fit best.
        var referenceLabels: [(String, SIMD2<Double>)] = []
        for p in referenceSlopes where p.isFinite {
            let candidates = series.filter { $0.drawablePoints.count >= 2 }
            guard let s = candidates.min(by: { abs(($0.fittedSlope ?? .infinity) - p) < abs(($1.fittedSlope ?? .infinity) - p) }) else { continue }
            let pts = s.drawablePoints
            let anchor = pts[pts.count - 1]
            let e0 = anchor.error / 3
            func at(_ h: Double) -> SIMD2<Double> { SIMD2(frame.px(h), frame.py(e0 * pow(h / anchor.h, p))) }
            let lo = SIMD2(Double(frame.x), Double(frame.y)), hi = SIMD2(Double(frame.x + frame.width), Double(frame.y + frame.height))
            guard let (a, b) = Canvas.clipped(at(pts[0].h), at(anchor.h), to: lo, hi) else { continue }
            canvas.drawLine(from: a, to: b, color: RGBAColor(hex: 0x6E6E6E), width: 1.3, dash: (6, 4))
            let pText = Ticks.fixed(p, decimals: p == p.rounded() ? 0 : 1)
            referenceLabels.append(("h^{\(pText)}", a))
        }

        // Series: lines, then markers on top, kept inside the frame.
        canvas.clip = (frame.x, frame.y, frame.x + frame.width, frame.y + frame.height)
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let pts = s.drawablePoints.map { SIMD2(frame.px($0.h), frame.py($0.error)) }
            canvas.drawPolyline(pts, color: color, width: 2)
            for p in pts { Self.drawMarker(k, at: p, color: color, on: &canvas) }
        }
        canvas.clip = nil
        for (text, a) in referenceLabels {
            let w = Double(Canvas.textSize(text).width)
            // Left of where the line starts, or above it when it starts at the frame's edge.
            var p = SIMD2(a.x - 6 - w, a.y)
            if p.x < Double(frame.x) + 4 { p = SIMD2(a.x + 6, a.y - 12) }
            p.y = min(max(p.y, Double(frame.y) + 10), Double(frame.y + frame.height) - 10)
            canvas.drawText(text, at: p, color: RGBAColor(hex: 0x4A4A4A), anchor: .left)
        }
        frame.drawAxes(on: &canvas, xTicks: xTicks, yTicks: yTicks, xTitle: xLabel, yTitle: yLabel)
        drawLegend(on: &canvas, frame: frame)
        if !title.isEmpty {
            canvas.drawText(title, at: SIMD2(Double(frame.x) + Double(frame.width) / 2, 22), color: .black, scale: 2, anchor: .top)
        }
        return canvas
    }

    /// The legend text of a series: `"accuracy 4: slope 3.98"`.
    static func legendText(_ s: Series) -> String {
        guard let slope = s.fittedSlope else { return "\(s.label): slope n/a" }
        return "\(s.label): slope \(Ticks.fixed(slope, decimals: 2))"
    }

    private func drawLegend(on canvas: inout Canvas, frame: PlotFrame) {
        guard !series.isEmpty else { return }
        let texts = series.map(Self.legendText)
        let rowHeight = 20, sample = 34, pad = 10
        let w = pad + sample + 8 + (texts.map { Canvas.textSize($0).width }.max() ?? 0) + pad
        let h = pad + rowHeight * texts.count - 6 + pad
        // The corner whose box covers the fewest points of the curves.
        let curves = series.map { $0.drawablePoints.map { SIMD2(frame.px($0.h), frame.py($0.error)) } }
        let inset = 12
        let corners = [(frame.x + inset, frame.y + inset), (frame.x + frame.width - inset - w, frame.y + inset),
                       (frame.x + inset, frame.y + frame.height - inset - h),
                       (frame.x + frame.width - inset - w, frame.y + frame.height - inset - h)]
        func cost(_ c: (Int, Int)) -> Int {
            var n = 0
            for pts in curves {
                for k in pts.indices {
                    // Points along each segment, so lines crossing the box count too.
                    let a = pts[k], b = k + 1 < pts.count ? pts[k + 1] : pts[k]
                    for s in 0...8 {
                        let p = a + (b - a) * (Double(s) / 8)
                        if p.x >= Double(c.0 - 4), p.x <= Double(c.0 + w + 4), p.y >= Double(c.1 - 4), p.y <= Double(c.1 + h + 4) { n += 1 }
                    }
                }
            }
            return n
        }
        let (bx, by) = corners.min { cost($0) < cost($1) }!
        canvas.fillRectangle(x: bx, y: by, width: w, height: h, color: RGBAColor.white.withOpacity(0.92))
        canvas.strokeRectangle(x: bx, y: by, width: w, height: h, color: RGBAColor(hex: 0xB0B0B0))
        for (k, text) in texts.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let cy = Double(by + pad + k * rowHeight) + 7.5
            let x0 = Double(bx + pad)
            canvas.drawLine(from: SIMD2(x0, cy), to: SIMD2(x0 + Double(sample), cy), color: color, width: 2)
            Self.drawMarker(k, at: SIMD2(x0 + Double(sample) / 2, cy), color: color, on: &canvas)
            canvas.drawText(text, at: SIMD2(x0 + Double(sample + 8), cy), color: PlotFrame.axisColor, anchor: .left)
        }
    }

    /// Marker `k`: circle, square, triangle, diamond, inverted triangle, repeating; white-edged.
    static func drawMarker(_ k: Int, at p: SIMD2<Double>, color: RGBAColor, on canvas: inout Canvas) {
        func shape(_ r: Double) -> [SIMD2<Double>]? {
            switch k % 5 {
            case 1: return [p + SIMD2(-r, -r), p + SIMD2(r, -r), p + SIMD2(r, r), p + SIMD2(-r, r)].map { p + ($0 - p) * 0.85 }
            case 2: return [p + SIMD2(0, -1.2 * r), p + SIMD2(1.1 * r, 0.75 * r), p + SIMD2(-1.1 * r, 0.75 * r)]
            case 3: return [p + SIMD2(0, -1.25 * r), p + SIMD2(r, 0), p + SIMD2(0, 1.25 * r), p + SIMD2(-r, 0)]
            case 4: return [p + SIMD2(0, 1.2 * r), p + SIMD2(1.1 * r, -0.75 * r), p + SIMD2(-1.1 * r, -0.75 * r)]
            default: return nil
            }
        }
        let r = 4.5
        if let outer = shape(r + 1.6), let inner = shape(r) {
            canvas.fillPolygon(outer, color: .white)
            canvas.fillPolygon(inner, color: color)
        } else {
            canvas.fillCircle(center: p, radius: r + 1.3, color: .white)
            canvas.fillCircle(center: p, radius: r, color: color)
        }
    }
}
