#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Nabla

/// A colour-map picture of a 2-D slice of a field, such as `|E|` on a plane, with optional arrows
/// showing the direction of a vector field, a colour bar, labelled axes and a title.
///
/// The slice is indexed like a `Grid` sample with 'ij' indexing: `magnitude[i, j]` is the value at
/// `(x[i], y[j])`, so `x` runs along array axis 0 and is drawn to the right, `y` along axis 1 and is
/// drawn upwards.
///
/// ```swift
/// var plot = try FieldSlicePlot(magnitude: E, x: xs, y: ys, vectors: (x: Ex, y: Ey))
/// plot.title = "|E| of a dipole"
/// plot.isLogarithmic = true
/// try plot.render().writePNG(to: "dipole.png")
/// ```
/// Values that are NaN or ±∞ (and, on a log scale, values ≤ 0 are clamped to the bottom colour) are
/// drawn in ``RGBAColor/notFiniteGray`` and left out of the colour range.
public struct FieldSlicePlot: Sendable {
    /// The values drawn as colours, shape `[x.count, y.count]`.
    public let magnitude: NDArray<Double>
    /// The positions of the samples along array axis 0, increasing.
    public let x: [Double]
    /// The positions of the samples along array axis 1, increasing.
    public let y: [Double]
    /// The vector components whose direction the arrows show, each shaped like `magnitude`.
    public let vectors: (x: NDArray<Double>, y: NDArray<Double>)?

    /// The title above the picture.
    public var title = ""
    /// The title of the colour bar, such as `"|E|"`.
    public var colorBarTitle = ""
    /// The title of the horizontal axis.
    public var xLabel = "x"
    /// The title of the vertical axis.
    public var yLabel = "y"
    /// Whether colours follow `log10` of the values (for fields spanning decades).
    public var isLogarithmic = false
    /// The values at the two ends of the colour map; `nil` uses the finite (positive, on a log scale)
    /// minimum and maximum of `magnitude`. Values outside are clamped to the end colours.
    public var range: ClosedRange<Double>? = nil
    /// The colour map.
    public var colorMap: ColorMap = .viridis
    /// Whether colours are interpolated bilinearly between samples (`false`: each sample fills the
    /// nearest-neighbour cell around it).
    public var isSmooth = true
    /// Whether one unit of `x` and of `y` are drawn the same length, so shapes are not distorted.
    public var preservesAspectRatio = true
    /// The distance between arrows, in pixels.
    public var arrowSpacing = 30
    /// The size of the picture in pixels.
    public var width = 800
    /// The size of the picture in pixels.
    public var height = 640

    /// A plot of `magnitude` sampled at `x × y`, with arrows along `vectors` if given.
    ///
    /// Coordinates may be given increasing or decreasing; they are stored increasing (with the data
    /// reversed to match).
    /// - Throws: ``PictureError/invalidData(_:)`` when `magnitude` is not 2-D of shape
    ///   `[x.count, y.count]`, an axis has fewer than 2 samples or coordinates that are not finite and
    ///   strictly monotonic, or a vector component has another shape.
    public init(magnitude: NDArray<Double>, x: [Double], y: [Double],
                vectors: (x: NDArray<Double>, y: NDArray<Double>)? = nil) throws(PictureError) {
        guard magnitude.rank == 2 else {
            throw .invalidData("the magnitude must be a 2-D slice, got shape \(magnitude.shape); take a slice of a 3-D field first")
        }
        guard magnitude.shape == [x.count, y.count] else {
            throw .invalidData("the magnitude has shape \(magnitude.shape) but there are \(x.count) x and \(y.count) y coordinates; the shape must be [x.count, y.count]")
        }
        for (name, c) in [("x", x), ("y", y)] {
            guard c.count >= 2 else { throw .invalidData("\(name) has \(c.count) coordinate(s); a picture needs at least 2 per axis") }
            guard c.allSatisfy(\.isFinite) else { throw .invalidData("\(name) coordinates must be finite") }
            let increasing = c[1] > c[0]
            for i in 1..<c.count where !(increasing ? c[i] > c[i - 1] : c[i] < c[i - 1]) {
                throw .invalidData("\(name) coordinates are not strictly monotonic at index \(i) (\(c[i - 1]) then \(c[i]))")
            }
        }
        if let vectors {
            for (name, v) in [("x", vectors.x), ("y", vectors.y)] where v.shape != magnitude.shape {
                throw .invalidData("the \(name) vector component has shape \(v.shape); it must match the magnitude's \(magnitude.shape)")
            }
        }
        let flipX = x[1] < x[0], flipY = y[1] < y[0]
        func oriented(_ a: NDArray<Double>) -> NDArray<Double> {
            guard flipX || flipY else { return a }
            let nx = x.count, ny = y.count
            var s = a.scalars
            for i in 0..<nx {
                for j in 0..<ny {
                    s[i * ny + j] = a.scalars[(flipX ? nx - 1 - i : i) * ny + (flipY ? ny - 1 - j : j)]
                }
            }
            // Same shape, same count: the reorientation cannot fail; fall back to the input if it did.
            return (try? NDArray(shape: a.shape, scalars: s)) ?? a
        }
        self.magnitude = oriented(magnitude)
        self.x = flipX ? x.reversed() : x
        self.y = flipY ? y.reversed() : y
        self.vectors = vectors.map { (oriented($0.x), oriented($0.y)) }
    }

    /// The colour range actually used: ``range`` or the finite extent of the data.
    var colorRange: ClosedRange<Double> {
        if let range, range.lowerBound.isFinite, range.upperBound.isFinite, !isLogarithmic || range.lowerBound > 0 {
            return range
        }
        var lo = Double.infinity, hi = -Double.infinity
        for v in magnitude.scalars where v.isFinite && (!isLogarithmic || v > 0) {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        if lo > hi { return isLogarithmic ? 1...10 : 0...1 }
        return lo...hi
    }

    /// Draws the picture.
    ///
    /// - Precondition: `width ≥ 320`, `height ≥ 240`.
    public func render() -> Canvas {
        precondition(width >= 320 && height >= 240, "a field picture needs at least 320×240 pixels, got \(width)×\(height)")
        var canvas = Canvas(width: width, height: height, background: .white)
        let (frame, bar, barRect) = layout()
        let xScale = frame.xScale, yScale = frame.yScale
        let yTicks = yScale.ticks(count: 6)
        let barScale = bar.scale
        let plotW = frame.width
        drawImage(on: &canvas, frame: frame, scale: barScale)
        if vectors != nil {
            canvas.clip = (frame.x, frame.y, frame.x + frame.width, frame.y + frame.height)
            drawArrows(on: &canvas, frame: frame)
            canvas.clip = nil
        }
        frame.drawAxes(on: &canvas, xTicks: xScale.ticks(count: max(3, plotW / 90)), yTicks: yTicks,
                       xTitle: xLabel, yTitle: yLabel)
        let barX = barRect.x, barWidth = barRect.width
        bar.draw(on: &canvas, x: barX, y: barRect.y, width: barWidth, height: barRect.height)
        if magnitude.scalars.contains(where: { !$0.isFinite }) {
            // A key for the grey: a swatch under the colour bar.
            let sy = barRect.y + barRect.height + 14
            canvas.fillRectangle(x: barX, y: sy, width: barWidth, height: 12, color: .notFiniteGray)
            canvas.strokeRectangle(x: barX - 1, y: sy - 1, width: barWidth + 2, height: 14, color: PlotFrame.axisColor)
            canvas.drawText("NaN/∞", at: SIMD2(Double(barX + barWidth + 1 + PlotFrame.labelGap + 2), Double(sy) + 6.5),
                            color: PlotFrame.axisColor, anchor: .left)
        }
        if !title.isEmpty {
            let w = Canvas.textSize(title, scale: 2).width
            let group = Double(frame.x) + Double(frame.width) / 2
            let cx = min(max(group, Double(w / 2 + 8)), Double(width - w / 2 - 8))
            canvas.drawText(title, at: SIMD2(cx, 22), color: .black, scale: 2, anchor: .top)
        }
        return canvas
    }

    /// Where the data area and the colour bar go.
    func layout() -> (frame: PlotFrame, bar: ColorBar, barRect: (x: Int, y: Int, width: Int, height: Int)) {
        let bar = ColorBar(colorMap: colorMap, range: colorRange, isLogarithmic: isLogarithmic, title: colorBarTitle)
        // Title on top, the data area (aspect-correct) with its axes, the colour bar to its right.
        let top = title.isEmpty ? 40 : 72
        let bottom = 1 + PlotFrame.majorTickLength + PlotFrame.labelGap + 9 + 14 + 13 + 16
        // `init` guarantees at least two increasing coordinates per axis.
        let (x0, x1) = (x[0], x[x.count - 1]), (y0, y1) = (y[0], y[y.count - 1])
        let xScale = AxisScale(lo: x0, hi: x1, isLogarithmic: false)
        let yScale = AxisScale(lo: y0, hi: y1, isLogarithmic: false)
        let yTicks = yScale.ticks(count: 6)
        let left = 1 + PlotFrame.majorTickLength + PlotFrame.labelGap + PlotFrame.labelWidth(yTicks) + 14 + 13 + 14
        let barGap = 24, barWidth = 18
        let right = barGap + barWidth + 1 + bar.labelsWidth + 20
        var plotW = width - left - right, plotH = height - top - bottom
        if preservesAspectRatio {
            // Equal units along x and y, unless that would squash the data into a sliver (a domain
            // more than about 4 times as long one way as the space allows): then fill the space.
            let aspect = (x1 - x0) / (y1 - y0)
            if Double(plotW) / Double(plotH) > aspect {
                let w = Int((Double(plotH) * aspect).rounded())
                if w * 4 >= plotW { plotW = max(1, w) }
            } else {
                let h = Int((Double(plotW) / aspect).rounded())
                if h * 4 >= plotH { plotH = max(1, h) }
            }
        }
        // Centre the group (axes, data, bar) horizontally and the data area vertically.
        let spare = width - left - right - plotW
        let frame = PlotFrame(x: left + spare / 2, y: top + (height - top - bottom - plotH) / 2,
                              width: plotW, height: plotH, xScale: xScale, yScale: yScale)
        // The bar is as tall as the data area, but never shorter than 240 pixels if there is room.
        let barHeight = max(plotH, min(height - top - bottom, 240))
        let barY = frame.y + plotH / 2 - barHeight / 2
        return (frame, bar, (frame.x + frame.width + 1 + barGap, barY, barWidth, barHeight))
    }

    /// For a coordinate inside the data area, the sample index below it and the fraction
    /// towards the next sample.
    private static func locate(_ v: Double, in c: [Double]) -> (index: Int, t: Double) {
        if v <= c[0] { return (0, 0) }
        if v >= c[c.count - 1] { return (c.count - 2, 1) }
        var lo = 0, hi = c.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if c[mid] <= v { lo = mid } else { hi = mid }
        }
        return (lo, (v - c[lo]) / (c[lo + 1] - c[lo]))
    }

    /// Samples `values` (shape [nx, ny], NaN where invalid) at fractional indices: bilinear where the
    /// four neighbours are valid, otherwise the nearest sample (possibly NaN).
    private static func sample(_ values: [Double], ny: Int, _ i: (index: Int, t: Double), _ j: (index: Int, t: Double),
                               smooth: Bool) -> Double {
        let i0 = i.index, j0 = j.index
        let v00 = values[i0 * ny + j0], v10 = values[(i0 + 1) * ny + j0]
        let v01 = values[i0 * ny + j0 + 1], v11 = values[(i0 + 1) * ny + j0 + 1]
        if smooth, !v00.isNaN, !v10.isNaN, !v01.isNaN, !v11.isNaN {
            let a = v00 + (v10 - v00) * i.t, b = v01 + (v11 - v01) * i.t
            return a + (b - a) * j.t
        }
        let ni = i.t < 0.5 ? i0 : i0 + 1, nj = j.t < 0.5 ? j0 : j0 + 1
        return values[ni * ny + nj]
    }

    private func drawImage(on canvas: inout Canvas, frame: PlotFrame, scale: AxisScale) {
        // Values mapped to 0…1 along the colour map; NaN marks samples drawn grey.
        let lo = isLogarithmic ? log10(scale.lo) : scale.lo
        let hi = isLogarithmic ? log10(scale.hi) : scale.hi
        let positions = magnitude.scalars.map { v -> Double in
            guard v.isFinite else { return .nan }
            let t = isLogarithmic ? (v > 0 ? log10(v) : -Double.infinity) : v
            return max(0, min(1, (t - lo) / (hi - lo)))
        }
        let ny = y.count
        let columns = (0..<frame.width).map { c in
            Self.locate(x[0] + (Double(c) + 0.5) / Double(frame.width) * (x[x.count - 1] - x[0]), in: x)
        }
        for r in 0..<frame.height {
            let yv = y[ny - 1] - (Double(r) + 0.5) / Double(frame.height) * (y[ny - 1] - y[0])
            let j = Self.locate(yv, in: y)
            for c in 0..<frame.width {
                let f = Self.sample(positions, ny: ny, columns[c], j, smooth: isSmooth)
                canvas[frame.x + c, frame.y + r] = f.isNaN ? .notFiniteGray : colorMap.color(at: f)
            }
        }
    }

    private func drawArrows(on canvas: inout Canvas, frame: PlotFrame) {
        guard let vectors, arrowSpacing >= 8 else { return }
        let ny = y.count
        let mask = magnitude.scalars.map { $0.isFinite ? 0.0 : .nan }
        let vx = zip(vectors.x.scalars, mask).map { $0 + $1 }, vy = zip(vectors.y.scalars, mask).map { $0 + $1 }
        let nx = max(1, frame.width / arrowSpacing), nyA = max(1, frame.height / arrowSpacing)
        let dx = Double(frame.width) / Double(nx), dy = Double(frame.height) / Double(nyA)
        let length = 0.72 * min(dx, dy)
        // Pixels per data unit, to turn a data-space direction into a screen direction.
        let sx = Double(frame.width) / (x[x.count - 1] - x[0]), sy = Double(frame.height) / (y[ny - 1] - y[0])
        for a in 0..<nx {
            for b in 0..<nyA {
                let c = SIMD2(Double(frame.x) + (Double(a) + 0.5) * dx, Double(frame.y) + (Double(b) + 0.5) * dy)
                let i = Self.locate(x[0] + (c.x - Double(frame.x)) / sx, in: x)
                let j = Self.locate(y[ny - 1] - (c.y - Double(frame.y)) / sy, in: y)
                let ex = Self.sample(vx, ny: ny, i, j, smooth: true), ey = Self.sample(vy, ny: ny, i, j, smooth: true)
                var d = SIMD2(ex * sx, -ey * sy)
                let n = (d * d).sum().squareRoot()
                guard n.isFinite, n > 0 else { continue }
                d /= n
                canvas.drawArrow(from: c - d * (length / 2), to: c + d * (length / 2), color: .white,
                                 width: 1.6, headLength: 7, headWidth: 7.5, outline: RGBAColor(hex: 0x141414))
            }
        }
    }
}
