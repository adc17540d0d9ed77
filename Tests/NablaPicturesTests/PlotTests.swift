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

    @Test func dipolePictureHasTheExpectedParts() throws {
        let plot = try dipolePlot()
        let canvas = plot.render()
        #expect(canvas.width == 800 && canvas.height == 640)
        let (frame, _, bar) = plot.layout()
        // Equal aspect: 4 units of x by 3 units of y.
        #expect(abs(Double(frame.width) / Double(frame.height) - 4.0 / 3.0) < 0.01)
        // The colour bar follows the map from bottom to top.
        for k in 0...10 {
            let f = (Double(k) + 0.5) / 11
            let row = bar.y + bar.height - 1 - Int(f * Double(bar.height))
            let expected = ColorMap.viridis.color(at: (Double(bar.y + bar.height - 1 - row) + 0.5) / Double(bar.height))
            #expect(canvas[bar.x + bar.width / 2 + 3, row].distance(to: expected) <= 2, "bar row \(row)")
        }
        // The electrodes (NaN) are grey: the charge at (−0.6, 0).
        let cx = Int(frame.px(-0.6)), cy = Int(frame.py(0))
        #expect(canvas[cx + 2, cy - 2] == .notFiniteGray)
        // Far from the charges the field is weak: dark colours at the corner region.
        let corner = canvas[frame.x + 3, frame.y + 3]
        #expect(corner.distance(to: ColorMap.viridis.color(at: 0)) < 90)
        // Between the charges it is strong: bright colours (allowing for arrows).
        let between = (-4...4).map { canvas[Int(frame.px(0)) + $0, Int(frame.py(0.35))] }
        #expect(between.contains { $0.green > 150 })
        // Arrows: white pixels inside the data area.
        var white = 0
        for y in frame.y..<(frame.y + frame.height) {
            for x in frame.x..<(frame.x + frame.width) where canvas[x, y] == .white { white += 1 }
        }
        #expect(white > 500)
        try canvas.writePNG(to: pictureFolder + "/dipole.png")
    }

    @Test func linearScaleAndNoArrows() throws {
        let d = dipole()
        var plot = try FieldSlicePlot(magnitude: d.magnitude.map { min($0, 6) }, x: d.x, y: d.y)
        plot.title = "|E| clipped at 6, linear scale"
        plot.colorBarTitle = "|E|"
        plot.isSmooth = false
        let canvas = plot.render()
        let (frame, _, _) = plot.layout()
        var white = 0
        for y in frame.y..<(frame.y + frame.height) {
            for x in frame.x..<(frame.x + frame.width) where canvas[x, y] == .white { white += 1 }
        }
        #expect(white == 0)
        try canvas.writePNG(to: pictureFolder + "/dipole-linear.png")
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
        do {
            _ = try FieldSlicePlot(magnitude: m, x: [0, 1, 2], y: [0, 1])
        } catch {
            #expect(error.description.contains("[x.count, y.count]"))
        }
    }

    @Test func allNaNStillRenders() throws {
        let m = try NDArray<Double>(repeating: .nan, shape: [3, 3])
        let plot = try FieldSlicePlot(magnitude: m, x: [0, 1, 2], y: [0, 1, 2])
        let canvas = plot.render()
        let (frame, _, _) = plot.layout()
        #expect(canvas[frame.x + frame.width / 2, frame.y + frame.height / 2] == .notFiniteGray)
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
        let canvas = plot.render()
        #expect(canvas.width == 800 && canvas.height == 640)
        func count(_ color: RGBAColor) -> Int {
            var n = 0
            for y in 0..<canvas.height { for x in 0..<canvas.width where canvas[x, y] == color { n += 1 } }
            return n
        }
        for color in ConvergencePlot.palette.prefix(3) { #expect(count(color) > 200, "colour \(color)") }
        try canvas.writePNG(to: pictureFolder + "/convergence.png")
    }

    @Test func emptyAndDegenerateSeriesRender() {
        _ = ConvergencePlot(series: []).render()
        _ = ConvergencePlot(series: [.init("flat", points: [(0.1, 1e-3), (0.1, 1e-3)])]).render()
    }
}

@Suite struct PlotEdgeCaseTests {
    @Test func awkwardDataRenders() throws {
        // Elongated domain, huge values, a constant field, small canvas, non-uniform coordinates.
        let x = (0..<50).map { Double($0 * $0) / 24.5 }, y = [0, 0.5, 1]
        let big = try NDArray(shape: [50, 3]) { i in 1e12 * Double(i[0] + 1) + Double(i[1]) }
        var plot = try FieldSlicePlot(magnitude: big, x: x, y: y, vectors: (x: big, y: big.map { -$0 }))
        plot.title = "elongated, 10^{12} values"
        plot.colorBarTitle = "u"
        try plot.render().writePNG(to: pictureFolder + "/edge-elongated.png")
        var small = try FieldSlicePlot(magnitude: try NDArray(repeating: 3, shape: [4, 4]), x: [0, 1, 2, 3], y: [0, 1, 2, 3])
        small.width = 320
        small.height = 240
        small.isLogarithmic = true
        _ = small.render()
        let signed = try NDArray(shape: [20, 20]) { i in Double(i[0] - 10) * 1e-6 }
        var log = try FieldSlicePlot(magnitude: signed, x: (0..<20).map(Double.init), y: (0..<20).map(Double.init))
        log.isLogarithmic = true
        log.title = "non-positive values on a log scale"
        try log.render().writePNG(to: pictureFolder + "/edge-log-nonpositive.png")
    }

    @Test func convergenceEdgeCases() throws {
        var one = ConvergencePlot(series: [.init("single point", points: [(0.1, 1e-3)])])
        one.referenceSlopes = [2]
        _ = one.render()
        var narrow = ConvergencePlot(series: [.init("narrow", points: [(0.1, 2e-3), (0.08, 1.3e-3), (0.06, 7e-4)])])
        narrow.referenceSlopes = [2]
        try narrow.render().writePNG(to: pictureFolder + "/edge-convergence-narrow.png")
    }
}
