import Nabla
import Testing

/// Every error of the gradient API: the case thrown and a description naming the offending value.
@Suite("Gradient errors")
struct GradientErrorTests {
    static let f2 = try! NDArray<Double>(shape: [4, 5]) { i in Double(i[0] * 5 + i[1]) }
    static let f1 = NDArray<Double>([0, 1, 4, 9, 16])

    @Test func zeroDimensionalInput() {
        expectNablaError("invalidShape", mentioning: ["0-D"]) { try gradient(of: NDArray(scalar: 1.0)) }
        expectNablaError("invalidShape", mentioning: ["0-D"]) { try gradient(of: NDArray(scalar: Int32(1))) }
        expectNablaError("invalidShape", mentioning: ["0-D"]) { try derivative(of: NDArray(scalar: Float(1)), along: 0) }
    }

    @Test(arguments: [2, 3, 17, -3, -4, Int.max, Int.min])
    func axisOutOfRange(axis: Int) {
        expectNablaError("invalidAxis", mentioning: ["axis \(axis)", "dimension 2"]) { try gradient(of: Self.f2, axes: [axis]) }
        expectNablaError("invalidAxis", mentioning: ["axis \(axis)"]) { try derivative(of: Self.f2, along: axis) }
        expectNablaError("invalidAxis", mentioning: ["axis \(axis)"]) { try gradient(of: Self.f2, axes: [0, axis]) }
    }

    @Test(arguments: [[0, 0], [1, -1], [-2, 0], [1, 0, 1]])
    func repeatedAxis(axes: [Int]) {
        expectNablaError("invalidAxis", mentioning: ["repeated"]) { try gradient(of: Self.f2, axes: axes) }
    }

    @Test func wrongSpacingCount() {
        expectNablaError("invalidSpacing", mentioning: ["3 spacings", "2 selected axes"]) {
            try gradient(of: Self.f2, spacing: [1, 2, 3])
        }
        expectNablaError("invalidSpacing", mentioning: ["2 spacings", "1 selected axis"]) {
            try gradient(of: Self.f2, spacing: [1, 2], axes: [0])
        }
        expectNablaError("invalidSpacing", mentioning: ["2 spacings"]) { try gradient(of: Self.f1, spacing: [1, 2]) }
        // one coordinate array for two axes (numpy's TypeError "invalid number of arguments")
        expectNablaError("invalidSpacing", mentioning: ["one coordinate array"]) {
            try gradient(of: Self.f2, spacing: [.coordinates([0, 1, 2, 3])])
        }
    }

    @Test func coordinateArrayOfWrongLength() {
        expectNablaError("invalidSpacing", mentioning: ["length 5", "4 elements"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([0, 1, 2, 3])])
        }
        expectNablaError("invalidSpacing", mentioning: ["axis 1", "length 5", "6 elements"]) {
            try gradient(of: Self.f2, spacing: [1, .coordinates([0, 1, 2, 3, 4, 5])])
        }
        expectNablaError("invalidSpacing", mentioning: ["axis 0", "length 4", "5 elements"]) {
            try derivative(of: Self.f2, along: 0, spacing: .coordinates([0, 1, 2, 3, 4]))
        }
        // the order of `axes` decides which axis each coordinate array belongs to
        expectNablaError("invalidSpacing", mentioning: ["axis 1", "4 elements"]) {
            try gradient(of: Self.f2, spacing: [.coordinates([0, 1, 2, 3]), .coordinates([0, 1, 2, 3])], axes: [1, 0])
        }
    }

    @Test func coordinatesNotMonotonic() {
        expectNablaError("invalidSpacing", mentioning: ["monotonic", "0.5"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([0, 1, 0.5, 2, 3])])
        }
        expectNablaError("invalidSpacing", mentioning: ["monotonic", "4.0"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([5, 4, 3, 2, 4])])
        }
    }

    @Test func coordinatesWithZeroStep() {
        expectNablaError("invalidSpacing", mentioning: ["1.5", "non-zero"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([0, 1, 1.5, 1.5, 3])])
        }
        // all equal: numpy would divide by zero
        expectNablaError("invalidSpacing", mentioning: ["2.0"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([2, 2, 2, 2, 2])])
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func coordinatesNotFinite(bad: Double) {
        expectNablaError("invalidSpacing", mentioning: ["\(bad)", "finite"]) {
            try gradient(of: Self.f1, spacing: [.coordinates([0, 1, bad, 3, 4])])
        }
        expectNablaError("invalidSpacing", mentioning: ["\(bad)"]) {
            try GridAxis.coordinates([0, 1, bad])
        }
    }

    @Test(arguments: [0.0, -0.0, Double.nan, .infinity, -.infinity])
    func invalidScalarSpacing(h: Double) {
        expectNablaError("invalidSpacing", mentioning: ["\(h)"]) { try gradient(of: Self.f1, spacing: [.uniform(h)]) }
        expectNablaError("invalidSpacing", mentioning: ["\(h)"]) { try gradient(of: Self.f2, spacing: [.uniform(h)]) }
        expectNablaError("invalidSpacing", mentioning: ["\(h)"]) { try gradient(of: Self.f2, spacing: [1, .uniform(h)]) }
        expectNablaError("invalidSpacing", mentioning: ["\(h)"]) { try derivative(of: Self.f2, along: 1, spacing: .uniform(h)) }
    }

    @Test(arguments: [0, 3, -1, 4, Int.min])
    func unsupportedEdgeOrder(edgeOrder: Int) {
        expectNablaError("invalidArgument", mentioning: ["edge order \(edgeOrder)", "1 or 2"]) {
            try gradient(of: Self.f1, edgeOrder: edgeOrder)
        }
        expectNablaError("invalidArgument", mentioning: ["\(edgeOrder)"]) {
            try derivative(of: Self.f2, along: 0, edgeOrder: edgeOrder)
        }
        expectNablaError("invalidArgument", mentioning: ["\(edgeOrder)"]) {
            try gradient(of: NDArray<Int16>([1, 2, 3, 4]), edgeOrder: edgeOrder)
        }
    }

    @Test(arguments: [(0, 1), (1, 1), (0, 2), (1, 2), (2, 2)])
    func axisTooShortForEdgeOrder(length: Int, edgeOrder: Int) throws {
        let f = try NDArray<Double>(repeating: 1, shape: [3, length])
        expectNablaError("axisTooShort", mentioning: ["axis 1", "\(length) point", "\(edgeOrder + 1)"]) {
            try gradient(of: f, edgeOrder: edgeOrder)
        }
        expectNablaError("axisTooShort", mentioning: ["axis 1", "\(edgeOrder + 1)"]) {
            try derivative(of: f, along: -1, spacing: 0.5, edgeOrder: edgeOrder)
        }
        // with a coordinate array of the axis's length (numpy raises an IndexError for lengths 0 and 1)
        let x = (0..<length).map(Double.init)
        expectNablaError("axisTooShort", mentioning: ["axis 1", "\(length) point"]) {
            try gradient(of: f, spacing: [1, .coordinates(x)], edgeOrder: edgeOrder)
        }
        expectNablaError("axisTooShort", mentioning: ["axis 1"]) {
            try derivative(of: f, along: 1, spacing: .coordinates(x), edgeOrder: edgeOrder)
        }
        // axes that are not selected are not checked
        let g = try gradient(of: f.transposed(), spacing: [.coordinates([0, 1, 3])], axes: [1], edgeOrder: edgeOrder)
        #expect(g.count == 1 && g[0].shape == [length, 3])
    }

    @Test func gridFieldOfWrongShape() throws {
        let grid = Grid(.arange(0, 4, step: 1), .arange(0, 5, step: 1))
        expectNablaError("shapeMismatch", mentioning: ["[4, 5]", "[5, 4]"]) {
            try grid.gradient(of: try! Self.f2.transposed())
        }
        expectNablaError("invalidAxis", mentioning: ["axis 2"]) { try grid.gradient(of: Self.f2, axes: [2]) }
        expectNablaError("invalidAxis", mentioning: ["repeated"]) { try grid.gradient(of: Self.f2, axes: [0, -2]) }
        expectNablaError("invalidArgument", mentioning: ["edge order 3"]) { try grid.gradient(of: Self.f2, edgeOrder: 3) }
    }

    @Test func errorDescriptionsNameTheirCase() {
        #expect(NablaError.invalidAxis("x").description == "invalid axis: x")
        #expect(NablaError.invalidSpacing("x").description == "invalid spacing: x")
        #expect(NablaError.axisTooShort("x").description == "axis too short: x")
        #expect(NablaError.invalidArgument("x").description == "invalid argument: x")
        #expect(NablaError.invalidShape("x").description == "invalid shape: x")
        #expect(NablaError.shapeMismatch(expected: [2, 3], actual: "5 elements").description
                == "shape mismatch: expected shape [2, 3], got 5 elements")
    }
}
