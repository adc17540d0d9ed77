import Foundation
import Nabla
import Testing
@testable import NablaPictures

@Suite struct FieldSlicePlotTests {
    func dipolePlot() throws -> FieldSlicePlot {
        let d = dipole()
        var plot = try FieldSlicePlot(magnitude: d.magnitude, x: d.x, y: d.y, vectors: (x: d.ex, y: d.ey))
        plot.title = "|E| of a 2-D dipole"
        plot.colorBarTitle = "|E|"
        plot.isLogarithmic = true
        return plot
    }

    /// The layout the PNG of `plot` has.
    func layout(_ plot: FieldSlicePlot) throws -> FieldSlicePlot.Layout {
        plot.layout(on: try DrawingContext(format: .png, width: plot.width, height: plot.height))
    }

    @Test func dipolePictureHasTheExpectedParts() throws {
        let plot = try dipolePlot()
        let png = try plot.render()
        keep(png, as: "dipole.png")
        let picture = try Picture(png: png)
        #expect(picture.width == 800 && picture.height == 640)
        let layout = try layout(plot)
        let frame = layout.frame, bar = layout.barRect
        // Equal aspect: 4 units of x by 3 units of y.
        #expect(abs(Double(frame.width) / Double(frame.height) - 4.0 / 3.0) < 0.01)
        // The colour bar runs from viridis's first colour at the bottom to its last at the top.
        let middle = bar.x + bar.width / 2 + 3
        #expect(picture[middle, bar.y + bar.height - 1].distance(to: RGBAColor(hex: 0x440154)) <= 2)
        #expect(picture[middle, bar.y].distance(to: RGBAColor(hex: 0xFDE725)) <= 2)
        for k in 1...10 {
            let row = bar.y + bar.height - 1 - k * bar.height / 11
            let expected = ColorMap.viridis.color(at: (Double(bar.y + bar.height - 1 - row) + 0.5) / Double(bar.height))
            #expect(picture[middle, row].distance(to: expected) <= 3, "bar row \(row)")
        }
        // The electrodes (NaN) are grey: around the charge at (−0.6, 0), between the arrows.
        let cx = Int(frame.px(-0.6)), cy = Int(frame.py(0))
        #expect(picture.count(.notFiniteGray, x: (cx - 8)..<(cx + 8), y: (cy - 8)..<(cy + 8)) > 100)
        // … and so is the key under the colour bar.
        let key = try #require(layout.keyRect)
        #expect(picture[key.x + key.width / 2, key.y + key.height / 2] == .notFiniteGray)
        // Far from the charges the field is weak: dark colours at the corner.
        #expect(picture[frame.x + 3, frame.y + 3].distance(to: ColorMap.viridis.color(at: 0)) < 90)
        // Between the charges it is strong: bright colours (allowing for arrows).
        let between = (-4...4).map { picture[Int(frame.px(0)) + $0, Int(frame.py(0.35))] }
        #expect(between.contains { $0.green > 150 })
        // Arrows: white pixels inside the data area, none outside it (they are clipped).
        #expect(picture.count(.white, x: frame.x..<(frame.x + frame.width), y: frame.y..<(frame.y + frame.height)) > 500)
        // Text: dark pixels where the title, the tick labels and the axis titles go.
        let dark = { (xs: Range<Int>, ys: Range<Int>) in
            ys.contains { y in xs.contains { x in picture[x, y].red < 80 && picture[x, y].green < 80 } }
        }
        #expect(dark(200..<600, 0..<frame.y - 10), "title")
        #expect(dark(frame.x..<(frame.x + frame.width), (frame.y + frame.height + 8)..<640), "x ticks and title")
        #expect(dark(0..<(frame.x - 8), frame.y..<(frame.y + frame.height)), "y ticks and title")
        #expect(dark((bar.x + bar.width + 6)..<800, bar.y..<(bar.y + bar.height)), "colour-bar labels")
    }

    @Test func linearScaleAndNoArrows() throws {
        let d = dipole()
        var plot = try FieldSlicePlot(magnitude: d.magnitude.map { min($0, 6) }, x: d.x, y: d.y)
        plot.title = "|E| clipped at 6, linear scale"
        plot.colorBarTitle = "|E|"
        plot.isSmooth = false
        let png = try plot.render()
        keep(png, as: "dipole-linear.png")
        let picture = try Picture(png: png)
        let frame = try layout(plot).frame
        #expect(picture.count(.white, x: frame.x..<(frame.x + frame.width), y: frame.y..<(frame.y + frame.height)) == 0)
        // Next to a charge the field exceeds 6: the top colour.
        #expect(picture[Int(frame.px(-0.42)), Int(frame.py(0))].distance(to: RGBAColor(hex: 0xFDE725)) <= 2)
    }

    @Test func decreasingCoordinatesAreFlipped() throws {
        let m = try NDArray<Double>([[1, 2], [3, 4]])
        let plot = try FieldSlicePlot(magnitude: m, x: [1, 0], y: [0, 1])
        #expect(plot.x == [0, 1])
        #expect(plot.magnitude == (try NDArray<Double>([[3, 4], [1, 2]])))
    }

    @Test func badShapesThrowUsefulErrors() throws {
        let m = try NDArray<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(throws: PictureError.self) { try FieldSlicePlot(magnitude: m, x: [0, 1, 2], y: [0, 1]) }
        #expect(throws: PictureError.self) { try FieldSlicePlot(magnitude: m, x: [0, 1], y: [0, 1, 1]) }
        #expect(throws: PictureError.self) { try FieldSlicePlot(magnitude: NDArray([1.0, 2]), x: [0, 1], y: []) }
        #expect(throws: PictureError.self) {
            try FieldSlicePlot(magnitude: m, x: [0, 1], y: [0, 1, 2], vectors: (x: m, y: NDArray([1.0])))
        }
        #expect { try FieldSlicePlot(magnitude: m, x: [0, 1, 2], y: [0, 1]) } throws: { error in
            (error as? PictureError)?.description.contains("[x.count, y.count]") == true
        }
    }

    @Test func anEmptyFieldIsRejected() throws {
        let empty = try NDArray<Double>(repeating: 0, shape: [0, 0])
        #expect { try FieldSlicePlot(magnitude: empty, x: [], y: []) } throws: { error in
            (error as? PictureError)?.description.contains("at least 2") == true
        }
    }

    @Test func aFieldWithoutFiniteValuesIsRejected() throws {
        let m = try NDArray<Double>(repeating: .nan, shape: [3, 3])
        #expect { try FieldSlicePlot(magnitude: m, x: [0, 1, 2], y: [0, 1, 2]) } throws: { error in
            (error as? PictureError)?.description.contains("nothing to colour") == true
        }
        let infinite = try NDArray<Double>(repeating: .infinity, shape: [2, 2])
        #expect(throws: PictureError.self) { try FieldSlicePlot(magnitude: infinite, x: [0, 1], y: [0, 1]) }
        // One finite value is enough.
        var one = m
        one[1, 1] = 2
        _ = try FieldSlicePlot(magnitude: one, x: [0, 1, 2], y: [0, 1, 2]).render()
    }

    @Test(arguments: [(0, 0), (0, 480), (800, 0), (319, 480), (800, 239), (-5, 480), (20_000, 600)])
    func sizesOutsideTheLimitsThrow(width: Int, height: Int) throws {
        var plot = try dipolePlot()
        plot.width = width
        plot.height = height
        for format in PictureFormat.allCases {
            #expect(throws: PictureError.invalidSize(width: width, height: height)) { try plot.render(as: format) }
        }
    }
}

@Suite struct ConvergencePlotTests {
    /// Errors C·h^p with a little deterministic wobble, for p = 2, 4, 6; accuracy 6 meets round-off.
    static func synthetic() -> [ConvergencePlot.Series] {
        let hs = (0..<6).map { 0.2 / Double(1 << $0) }
        func series(_ p: Int, _ c: Double) -> ConvergencePlot.Series {
            .init("accuracy \(p)", points: hs.enumerated().map { k, h in
                (h, max(c * pow(h, Double(p)) * (1 + 0.04 * sin(Double(3 * k + p))), p == 6 ? 4e-14 / h : 0))
            })
        }
        return [series(2, 0.8), series(4, 0.5), series(6, 0.3)]
    }

    @Test func fittedSlopesMatchTheOrders() {
        let s = Self.synthetic()
        #expect(abs(s[0].fittedSlope! - 2) < 0.05)
        #expect(abs(s[1].fittedSlope! - 4) < 0.05)
        #expect(ConvergencePlot.legendText(s[1]).hasPrefix("accuracy 4: slope 4.0") || ConvergencePlot.legendText(s[1]).hasPrefix("accuracy 4: slope 3.9"))
        #expect(ConvergencePlot.Series("one", points: [(0.1, 1)]).fittedSlope == nil)
        #expect(ConvergencePlot.Series("bad", points: [(0.1, 0), (0.2, .nan), (0.3, 1)]).fittedSlope == nil)
        let exact = ConvergencePlot.Series("exact", points: [(0.1, 3e-4), (0.05, 0.75e-4), (0.025, 0.1875e-4)])
        #expect(abs(exact.fittedSlope! - 2) < 1e-12)
    }

    @Test func plotHasCurvesInTheirColoursAndALegend() throws {
        var plot = ConvergencePlot(series: Self.synthetic())
        plot.title = "Convergence of d/dx sin(x)"
        plot.referenceSlopes = [2, 4, 6]
        let png = try plot.render()
        keep(png, as: "convergence.png")
        let picture = try Picture(png: png)
        #expect(picture.width == 800 && picture.height == 640)
        for color in ConvergencePlot.palette.prefix(3) { #expect(picture.count(color) > 150, "colour \(color)") }
        // The legend's box is white (over the grid) and holds a sample of each series' colour.
        let dc = try DrawingContext(format: .png, width: 800, height: 640)
        let box = try #require(plot.legendRect(on: dc, frame: plot.frame(on: dc)))
        let xs = Int(box.x + 2)..<Int(box.x + box.width - 2), ys = Int(box.y + 2)..<Int(box.y + box.height - 2)
        for color in ConvergencePlot.palette.prefix(3) { #expect(picture.count(color, x: xs, y: ys) > 20, "legend \(color)") }
        #expect(picture.count(.white, x: xs, y: ys) > xs.count * ys.count / 2)
    }

    @Test func emptyAndDegenerateSeriesRender() throws {
        _ = try ConvergencePlot(series: []).render()
        _ = try ConvergencePlot(series: [.init("flat", points: [(0.1, 1e-3), (0.1, 1e-3)])]).render(as: .svg)
        _ = try ConvergencePlot(series: [.init("no drawable points", points: [(0, 0), (.nan, 1)])]).render(as: .pdf)
    }

    @Test func sizesOutsideTheLimitsThrow() {
        var plot = ConvergencePlot(series: Self.synthetic())
        plot.width = 0
        #expect(throws: PictureError.invalidSize(width: 0, height: 640)) { try plot.render() }
    }
}

@Suite struct PlotEdgeCaseTests {
    @Test func awkwardDataRenders() throws {
        // Elongated domain, huge values, a constant field, small picture, non-uniform coordinates.
        let x = (0..<50).map { Double($0 * $0) / 24.5 }, y = [0, 0.5, 1]
        let big = try NDArray(shape: [50, 3]) { i in 1e12 * Double(i[0] + 1) + Double(i[1]) }
        var plot = try FieldSlicePlot(magnitude: big, x: x, y: y, vectors: (x: big, y: big.map { -$0 }))
        plot.title = "elongated, 10^{12} values"
        plot.colorBarTitle = "u"
        keep(try plot.render(), as: "edge-elongated.png")
        var small = try FieldSlicePlot(magnitude: try NDArray(repeating: 3, shape: [4, 4]), x: [0, 1, 2, 3], y: [0, 1, 2, 3])
        small.width = 320
        small.height = 240
        small.isLogarithmic = true
        small.title = "a constant field in a small picture, with a title far too long to fit"
        keep(try small.render(), as: "edge-small.png")
        let signed = try NDArray(shape: [20, 20]) { i in Double(i[0] - 10) * 1e-6 }
        var log = try FieldSlicePlot(magnitude: signed, x: (0..<20).map(Double.init), y: (0..<20).map(Double.init))
        log.isLogarithmic = true
        log.title = "non-positive values on a log scale"
        keep(try log.render(), as: "edge-log-nonpositive.png")
    }

    @Test func convergenceEdgeCases() throws {
        var one = ConvergencePlot(series: [.init("single point", points: [(0.1, 1e-3)])])
        one.referenceSlopes = [2]
        _ = try one.render()
        var narrow = ConvergencePlot(series: [.init("narrow", points: [(0.1, 2e-3), (0.08, 1.3e-3), (0.06, 7e-4)])])
        narrow.referenceSlopes = [2]
        keep(try narrow.render(), as: "edge-convergence-narrow.png")
    }
}
