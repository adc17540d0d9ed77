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
/// let png: [UInt8] = try plot.render()        // or render(as: .svg), render(as: .pdf)
/// ```
/// Values that are NaN or ±∞ are drawn in ``RGBAColor/notFiniteGray``, keyed under the colour bar
/// by ``notFiniteLabel``, and left out of the colour range (on a log scale, values ≤ 0 are clamped
/// to the bottom colour). The plot returns bytes and writes no file.
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
    /// The key for grey (non-finite) values under the colour bar, such as `"excluded"`.
    public var notFiniteLabel = "NaN/∞"
    /// The distance between arrows, in pixels.
    public var arrowSpacing = 30
    /// The width of the picture: pixels for PNG, points for SVG and PDF; 320…16384.
    public var width = 800
    /// The height of the picture: pixels for PNG, points for SVG and PDF; 240…16384.
    public var height = 640

    /// A plot of `magnitude` sampled at `x × y`, with arrows along `vectors` if given.
    ///
    /// Coordinates may be given increasing or decreasing; they are stored increasing (with the data
    /// reversed to match).
    /// - Throws: ``PictureError/invalidData(_:)`` when `magnitude` is not 2-D of shape
    ///   `[x.count, y.count]`, an axis has fewer than 2 samples or coordinates that are not finite and
    ///   strictly monotonic, no value is finite (nothing to colour), or a vector component has another
    ///   shape.
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
        guard magnitude.scalars.contains(where: \.isFinite) else {
            throw .invalidData("all \(magnitude.scalars.count) values of the magnitude are NaN or ±∞; there is nothing to colour")
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

    /// Draws the picture and returns it encoded as `format`: PNG (pixels), SVG or PDF (points).
    ///
    /// ```swift
    /// let png = try plot.render()            // [UInt8], starts with the PNG signature
    /// let pdf = try plot.render(as: .pdf)
    /// ```
    /// - Throws: ``PictureError/invalidSize(width:height:)`` unless `320 ≤ width ≤ 16384` and
    ///   `240 ≤ height ≤ 16384`; ``PictureError/cairo(_:)`` if cairo fails.
    public func render(as format: PictureFormat = .png) throws(PictureError) -> [UInt8] {
        let dc = try DrawingContext(format: format, width: width, height: height, title: Markup.plain(title))
        try draw(on: dc)
        return try dc.encoded()
    }

    /// The parts of the picture and where they go, in pixels.
    struct Layout {
        var frame: PlotFrame
        var bar: ColorBar
        /// The colour bar's strip.
        var barRect: (x: Int, y: Int, width: Int, height: Int)
        /// The grey swatch that keys non-finite values, under the bar; nil when every value is finite.
        var keyRect: (x: Int, y: Int, width: Int, height: Int)?
        /// The top of the title's capitals.
        var titleY: Double
    }

    /// Whether some values are drawn grey.
    var hasNonFiniteValues: Bool { magnitude.scalars.contains { !$0.isFinite } }

    /// The title's font: the title font, smaller if needed to fit the picture's width.
    func titleFont(on dc: DrawingContext) -> Font {
        let w = dc.measure(title, font: .title).width
        let room = Double(width) - 16
        return w <= room ? .title : Font(size: Font.title.size * room / w, isBold: true)
    }

    /// Where the data area and the colour bar go.
    func layout(on dc: DrawingContext) -> Layout {
        let bar = ColorBar(colorMap: colorMap, range: colorRange, isLogarithmic: isLogarithmic, title: colorBarTitle)
        // `init` guarantees at least two increasing coordinates per axis.
        let (x0, x1) = (x[0], x[x.count - 1]), (y0, y1) = (y[0], y[y.count - 1])
        let xScale = AxisScale(lo: x0, hi: x1, isLogarithmic: false)
        let yScale = AxisScale(lo: y0, hi: y1, isLogarithmic: false)
        // Title on top, the data area (aspect-correct) with its axes, the colour bar to its right.
        let titleFont = titleFont(on: dc)
        var top = title.isEmpty ? 20.0 : 16 + dc.capHeight(of: titleFont) + dc.descent(of: titleFont) + 16
        if !colorBarTitle.isEmpty { top += dc.measure(colorBarTitle, font: .label).height + 14 }
        let bottom = PlotFrame.bottomMargin(xScale.ticks(count: 6), on: dc)
        let left = PlotFrame.leftMargin(yScale.ticks(count: 6), on: dc)
        let barGap = 24.0, barWidth = ColorBar.stripWidth
        let keyLabelWidth = hasNonFiniteValues ? 1 + PlotFrame.majorTickLength + PlotFrame.labelGap
            + dc.measure(notFiniteLabel, font: .tick).width : 0
        let right = barGap + Double(barWidth) + max(bar.labelsWidth(on: dc), keyLabelWidth) + 16
        let spaceW = Int(Double(width) - left - right), spaceH = Int(Double(height) - top - bottom)
        var plotW = max(1, spaceW), plotH = max(1, spaceH)
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
        // The bar is as tall as the data area, but never shorter than 240 pixels if there is room;
        // the key for grey values goes under it, in the bottom margin.
        let barHeight = max(plotH, min(240, spaceH))
        // Centre the group (axes, data, bar) horizontally, and everything, title included, vertically.
        let groupH = max(plotH, barHeight)
        let shift = max(0, spaceH - groupH) / 2
        let frameX = Int(left) + max(0, spaceW - plotW) / 2
        let frameY = Int(top) + shift + (groupH - plotH) / 2
        let frame = PlotFrame(x: frameX, y: frameY, width: plotW, height: plotH, xScale: xScale, yScale: yScale)
        let barY = min(max(frameY + plotH / 2 - barHeight / 2, Int(top) + shift), Int(top) + shift + groupH - barHeight)
        let barX = frameX + plotW + 1 + Int(barGap)
        let key = hasNonFiniteValues ? (x: barX, y: barY + barHeight + 14, width: barWidth, height: 12) : nil
        return Layout(frame: frame, bar: bar, barRect: (barX, barY, barWidth, barHeight), keyRect: key, titleY: 16 + Double(shift))
    }

    /// Draws the picture on `dc`.
    func draw(on dc: DrawingContext) throws(PictureError) {
        let layout = layout(on: dc)
        let frame = layout.frame
        try drawImage(on: dc, frame: frame, scale: layout.bar.scale)
        if vectors != nil {
            frame.clipped(on: dc) { drawArrows(on: dc, frame: frame) }
        }
        let xTicks = frame.xScale.ticks(count: max(3, frame.width / 90))
        frame.drawAxes(on: dc, xTicks: xTicks, yTicks: frame.yScale.ticks(count: 6), xTitle: xLabel, yTitle: yLabel)
        let b = layout.barRect
        try layout.bar.draw(on: dc, x: b.x, y: b.y, width: b.width, height: b.height)
        if let k = layout.keyRect {
            dc.addRectangle(x: Double(k.x), y: Double(k.y), width: Double(k.width), height: Double(k.height))
            dc.fill(.notFiniteGray)
            dc.addRectangle(x: Double(k.x) - 0.5, y: Double(k.y) - 0.5, width: Double(k.width) + 1, height: Double(k.height) + 1)
            dc.stroke(PlotFrame.axisColor)
            dc.drawText(notFiniteLabel, at: Point(Double(k.x + k.width) + 1 + PlotFrame.majorTickLength + PlotFrame.labelGap,
                                                  Double(k.y) + Double(k.height) / 2), font: .tick, anchor: .left)
        }
        if !title.isEmpty {
            let font = titleFont(on: dc)
            let w = dc.measure(title, font: font).width
            let cx = min(max(Double(frame.x) + Double(frame.width) / 2, w / 2 + 8), Double(width) - w / 2 - 8)
            dc.drawText(title, at: Point(cx, layout.titleY), font: font, color: .black, anchor: .top)
        }
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

    /// The colour-mapped data, resampled to the data area's pixels (twice as fine for SVG and PDF, so
    /// they stay sharp when zoomed).
    private func drawImage(on dc: DrawingContext, frame: PlotFrame, scale: AxisScale) throws(PictureError) {
        // Values mapped to 0…1 along the colour map; NaN marks samples drawn grey.
        let lo = isLogarithmic ? log10(scale.lo) : scale.lo
        let hi = isLogarithmic ? log10(scale.hi) : scale.hi
        let positions = magnitude.scalars.map { v -> Double in
            guard v.isFinite else { return .nan }
            let t = isLogarithmic ? (v > 0 ? log10(v) : -Double.infinity) : v
            return max(0, min(1, (t - lo) / (hi - lo)))
        }
        let density = dc.format == .png ? 1 : 2
        let columns = frame.width * density, rows = frame.height * density
        let ny = y.count
        let located = (0..<columns).map { c in
            Self.locate(x[0] + (Double(c) + 0.5) / Double(columns) * (x[x.count - 1] - x[0]), in: x)
        }
        var pixels: [RGBAColor] = []
        pixels.reserveCapacity(columns * rows)
        for r in 0..<rows {
            let yv = y[ny - 1] - (Double(r) + 0.5) / Double(rows) * (y[ny - 1] - y[0])
            let j = Self.locate(yv, in: y)
            for c in 0..<columns {
                pixels.append(colorMap.color(at: Self.sample(positions, ny: ny, located[c], j, smooth: isSmooth)))
            }
        }
        try dc.drawRaster(pixels, columns: columns, rows: rows, x: Double(frame.x), y: Double(frame.y),
                          pixelsPerUnit: Double(density))
    }

    /// Arrows of one length every ``arrowSpacing`` pixels, pointing along `vectors`: white, outlined.
    private func drawArrows(on dc: DrawingContext, frame: PlotFrame) {
        guard let vectors, arrowSpacing >= 8 else { return }
        let ny = y.count
        let mask = magnitude.scalars.map { $0.isFinite ? 0.0 : .nan }
        let vx = zip(vectors.x.scalars, mask).map { $0 + $1 }, vy = zip(vectors.y.scalars, mask).map { $0 + $1 }
        let nx = max(1, frame.width / arrowSpacing), nyA = max(1, frame.height / arrowSpacing)
        let dx = Double(frame.width) / Double(nx), dy = Double(frame.height) / Double(nyA)
        let length = 0.72 * min(dx, dy)
        // Pixels per data unit, to turn a data-space direction into a screen direction.
        let sx = Double(frame.width) / (x[x.count - 1] - x[0]), sy = Double(frame.height) / (y[ny - 1] - y[0])
        let headLength = min(7, 0.4 * length), headHalfWidth = 0.55 * min(7, 0.4 * length), shaftHalfWidth = 0.8
        for a in 0..<nx {
            for b in 0..<nyA {
                let c = Point(Double(frame.x) + (Double(a) + 0.5) * dx, Double(frame.y) + (Double(b) + 0.5) * dy)
                let i = Self.locate(x[0] + (c.x - Double(frame.x)) / sx, in: x)
                let j = Self.locate(y[ny - 1] - (c.y - Double(frame.y)) / sy, in: y)
                let ex = Self.sample(vx, ny: ny, i, j, smooth: true), ey = Self.sample(vy, ny: ny, i, j, smooth: true)
                var d = Point(ex * sx, -ey * sy)
                let n = (d * d).sum().squareRoot()
                guard n.isFinite, n > 0 else { continue }
                d /= n
                let normal = Point(-d.y, d.x)
                let tail = c - d * (length / 2), tip = c + d * (length / 2), neck = tip - d * headLength
                let outline = [tail + normal * shaftHalfWidth, neck + normal * shaftHalfWidth, neck + normal * headHalfWidth, tip,
                               neck - normal * headHalfWidth, neck - normal * shaftHalfWidth, tail - normal * shaftHalfWidth]
                // A dark edge (the outer half of a stroke under the fill) keeps white arrows visible on yellow.
                dc.addLines(outline, closed: true)
                dc.stroke(RGBAColor(hex: 0x141414).withOpacity(0.9), width: 1.6)
                dc.addLines(outline, closed: true)
                dc.fill(.white)
            }
        }
    }
}
