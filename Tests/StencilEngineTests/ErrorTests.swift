import Foundation
import Nabla
import Testing

/// Invalid arguments throw a ``NablaError`` whose description names the offending value; the smallest
/// valid axis works.
@Suite("Errors and limits")
struct ErrorTests {
    /// Expects `body` to throw a NablaError of `kind` whose description contains every fragment.
    static func expectError(_ kind: (NablaError) -> Bool, _ fragments: [String],
                            sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        let error = #expect(throws: NablaError.self, sourceLocation: sourceLocation) { try body() }
        guard let error else { return }
        #expect(kind(error), "unexpected error case: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(error.description)\" does not mention \"\(fragment)\"",
                    sourceLocation: sourceLocation)
        }
    }

    static func isInvalidArgument(_ e: NablaError) -> Bool { if case .invalidArgument = e { true } else { false } }
    static func isInvalidSpacing(_ e: NablaError) -> Bool { if case .invalidSpacing = e { true } else { false } }
    static func isAxisTooShort(_ e: NablaError) -> Bool { if case .axisTooShort = e { true } else { false } }
    static func isInvalidShape(_ e: NablaError) -> Bool { if case .invalidShape = e { true } else { false } }
    static func isShapeMismatch(_ e: NablaError) -> Bool { if case .shapeMismatch = e { true } else { false } }
    static func isInvalidAxis(_ e: NablaError) -> Bool { if case .invalidAxis = e { true } else { false } }

    static let f1 = NDArray((0..<20).map { sin(Double($0) * 0.3) })
    static let f2 = try! NDArray<Double>(shape: [6, 7]) { Double($0[0] * 7 + $0[1]) }

    @Test("unsupported accuracy orders", arguments: [3, 0, 18, -2, 1, 17])
    func badAccuracy(p: Int) {
        let fragment = "accuracy order \(p)"
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try gradient(of: Self.f1, accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try derivative(of: Self.f1, along: 0, order: 2, accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try laplacian(of: Self.f2, accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try hessian(of: Self.f2, accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try divergence(of: [Self.f2, Self.f2], accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) { _ = try curl(of: [Self.f2, Self.f2], accuracy: p) }
        Self.expectError(Self.isInvalidArgument, [fragment]) {
            _ = try Grid(.linspace(0, 1, count: 20)).gradient(of: Self.f1, accuracy: p)
        }
    }

    @Test("accuracy 16 is the largest supported")
    func largestAccuracy() throws {
        let d = try derivative(of: Self.f1, along: 0, order: 1, accuracy: 16)
        #expect(d.shape == [20])
    }

    @Test("derivative orders below 1, and partial-derivative order lists")
    func badDerivativeOrders() {
        Self.expectError(Self.isInvalidArgument, ["derivative order 0"]) { _ = try gradient(of: Self.f1, derivative: 0) }
        Self.expectError(Self.isInvalidArgument, ["derivative order -1"]) { _ = try gradient(of: Self.f1, derivative: -1) }
        Self.expectError(Self.isInvalidArgument, ["derivative order 0"]) { _ = try derivative(of: Self.f1, along: 0, order: 0) }
        Self.expectError(Self.isInvalidArgument, ["derivative order -1"]) { _ = try partialDerivative(of: Self.f2, orders: [-1, 1]) }
        Self.expectError(Self.isInvalidArgument, ["every derivative order is 0"]) { _ = try partialDerivative(of: Self.f2, orders: [0, 0]) }
        Self.expectError(Self.isInvalidArgument, ["1 derivative orders", "2-D"]) { _ = try partialDerivative(of: Self.f2, orders: [1]) }
        Self.expectError(Self.isInvalidArgument, ["edge order 3"]) { _ = try gradient(of: Self.f1, edgeOrder: 3) }
    }

    @Test("a periodic axis with non-uniform coordinates")
    func periodicNonUniform() throws {
        let x = (0..<20).map { Double($0) + 0.1 * sin(Double($0)) }
        Self.expectError(Self.isInvalidSpacing, ["axis 0", "periodic", "uniform"]) {
            _ = try gradient(of: Self.f1, spacing: [.coordinates(x)], periodicAxes: [0])
        }
        Self.expectError(Self.isInvalidSpacing, ["axis 1", "periodic"]) {
            _ = try laplacian(of: Self.f2, spacing: [1, .coordinates([0, 1, 2, 3, 4, 5, 7])], periodicAxes: [1])
        }
        let grid = Grid(try GridAxis.coordinates(x).periodic())
        Self.expectError(Self.isInvalidSpacing, ["axis 0", "periodic"]) { _ = try grid.gradient(of: Self.f1, accuracy: 4) }
        // Equally spaced coordinates are a uniform step, so they are accepted on a periodic axis.
        let equal = (0..<20).map { Double($0) * 0.25 }
        let d = try gradient(of: Self.f1, spacing: [.coordinates(equal)], periodicAxes: [0])[0]
        #expect(d == (try gradient(of: Self.f1, spacing: [.uniform(0.25)], periodicAxes: [0])[0]))
    }

    @Test("an axis too short for the stencil", arguments: [(1, 4), (2, 2), (2, 4), (1, 8), (2, 8), (3, 2)])
    func tooShort(m: Int, p: Int) throws {
        let q = Stencil.centralHalfWidth(derivative: m, accuracy: p)
        let minimum = max(m + p, 2 * q + 1)
        let short = NDArray((0..<(minimum - 1)).map(Double.init))
        Self.expectError(Self.isAxisTooShort, ["axis 0 has \(minimum - 1) points", "at least \(minimum)"]) {
            _ = try derivative(of: short, along: 0, order: m, accuracy: p)
        }
        Self.expectError(Self.isAxisTooShort, ["axis 0 has \(minimum - 1) points", "at least \(minimum)"]) {
            _ = try derivative(of: short, along: 0, order: m, spacing: .coordinates((0..<(minimum - 1)).map { Double($0 * $0) }), accuracy: p)
        }
        // In 2-D the short axis is named.
        let wide = try NDArray<Double>(repeating: 1, shape: [minimum + 3, minimum - 1])
        Self.expectError(Self.isAxisTooShort, ["axis 1 has \(minimum - 1) points"]) {
            _ = try gradient(of: wide, accuracy: p, derivative: m)
        }
    }

    @Test("numpy scheme needs edge order + 1 points")
    func numpyTooShort() {
        Self.expectError(Self.isAxisTooShort, ["axis 0 has 2 points", "at least 3"]) {
            _ = try gradient(of: NDArray([1.0, 2.0]), edgeOrder: 2)
        }
        Self.expectError(Self.isAxisTooShort, ["axis 0 has 1 point", "at least 2"]) { _ = try gradient(of: NDArray([1.0])) }
    }

    /// At exactly the minimum length every row is one-sided (or, non-uniform, shares one window), and the
    /// result is still exact on polynomials of degree m + p - 1.
    @Test("the minimum length works and is exact on polynomials", arguments: [1, 2, 3], [2, 4, 6, 8])
    func minimumLength(m: Int, p: Int) throws {
        let q = Stencil.centralHalfWidth(derivative: m, accuracy: p)
        let n = m == 1 && p == 2 ? 3 : max(m + p, 2 * q + 1)
        let degree = m + p - 1
        for nonUniform in [false, true] {
            let xs: [Double] = (0..<n).map { (i: Int) -> Double in
                let t = -1 + 2 * Double(i) / Double(n - 1)
                return nonUniform && i > 0 && i < n - 1 ? t + 0.05 * sin(3 * Double(i)) / Double(n) : t
            }
            let values: [Double] = xs.map { pow($0, Double(degree)) - 0.5 * $0 }
            var falling = 1.0
            for j in 0..<m { falling *= Double(degree - j) }
            let exact: [Double] = xs.map { falling * pow($0, Double(degree - m)) - (m == 1 ? 0.5 : 0) }
            let spacing: Spacing = nonUniform ? .coordinates(xs) : .uniform(2 / Double(n - 1))
            let d = try derivative(of: NDArray(values), along: 0, order: m, spacing: spacing, accuracy: p, edgeOrder: 2)
            let h = 2 / Double(n - 1)
            let scale = worstWeightSum(derivative: m, accuracy: p) * pow(2, Double(m)) / pow(h, Double(m))
            let error = maxDifference(d.scalars, exact)
            #expect(error <= 1e4 * Double.ulpOfOne * scale, "n=\(n) m=\(m) p=\(p) non-uniform=\(nonUniform): error \(error)")
        }
    }

    /// A periodic axis shorter than the stencil wraps indices modulo the length (the circulant operator).
    @Test("periodic axes shorter than the stencil wrap modulo the length", arguments: [1, 2, 3, 5, 8])
    func shortPeriodic(n: Int) throws {
        let h = 0.5
        let values = (0..<n).map { 1 + Double($0 * $0 % 7) }
        for (m, p) in [(1, 8), (2, 6), (1, 2)] {
            let d = try derivative(of: NDArray(values), along: 0, order: m, spacing: .uniform(h), accuracy: p, periodic: true)
            let stencil = Stencil.central(derivative: m, accuracy: p)
            for i in 0..<n {
                var expected = 0.0
                for (o, w) in zip(stencil.offsets, stencil.weights) { expected += w * values[((i + o) % n + n) % n] }
                expected /= pow(h, Double(m))
                #expect(abs(d.scalars[i] - expected) <= 64 * Double.ulpOfOne * 8 * 16, "n=\(n) m=\(m) p=\(p) row \(i): \(d.scalars[i]) vs \(expected)")
            }
        }
    }

    @Test("vector fields of the wrong rank, count or shape")
    func vectorFieldShapes() throws {
        let four = try NDArray<Double>(repeating: 1, shape: [3, 3, 3, 3])
        Self.expectError(Self.isInvalidShape, ["2-D or 3-D", "[3, 3, 3, 3]"]) { _ = try curl(of: [four, four, four, four]) }
        let one = NDArray([1.0, 2, 3])
        Self.expectError(Self.isInvalidShape, ["[3]"]) { _ = try curl(of: [one]) }
        let cube = try NDArray<Double>(repeating: 1, shape: [4, 4, 4])
        Self.expectError(Self.isShapeMismatch, ["2 components", "3-D"]) { _ = try divergence(of: [cube, cube]) }
        Self.expectError(Self.isShapeMismatch, ["4 components", "3-D"]) { _ = try divergence(of: [cube, cube, cube, cube]) }
        Self.expectError(Self.isShapeMismatch, ["2 components", "3-D"]) { _ = try curl(of: [cube, cube]) }
        Self.expectError(Self.isShapeMismatch, ["2 components", "3-D"]) { _ = try jacobian(of: [cube, cube]) }
        let a = try NDArray<Double>(repeating: 1, shape: [4, 4]), b = try NDArray<Double>(repeating: 1, shape: [4, 5])
        Self.expectError(Self.isShapeMismatch, ["component 1", "[4, 5]"]) { _ = try divergence(of: [a, b]) }
        Self.expectError(Self.isShapeMismatch, ["component 1", "[4, 5]"]) { _ = try curl(of: [a, b]) }
        Self.expectError(Self.isInvalidArgument, ["at least one component"]) { _ = try divergence(of: [NDArray<Double>]()) }
        let grid = Grid(.linspace(0, 1, count: 4), .linspace(0, 1, count: 4))
        Self.expectError(Self.isShapeMismatch, ["[4, 5]"]) { _ = try grid.gradient(of: b) }
        Self.expectError(Self.isShapeMismatch, ["[4, 5]"]) { _ = try grid.laplacian(of: b) }
    }

    @Test("axes and spacings")
    func axesAndSpacings() {
        Self.expectError(Self.isInvalidAxis, ["axis 2", "dimension 2"]) { _ = try gradient(of: Self.f2, axes: [2]) }
        Self.expectError(Self.isInvalidAxis, ["axis -3"]) { _ = try gradient(of: Self.f2, axes: [-3]) }
        Self.expectError(Self.isInvalidAxis, ["axis -2 is repeated", "[0, -2]"]) { _ = try gradient(of: Self.f2, axes: [0, -2]) }
        Self.expectError(Self.isInvalidAxis, ["axis 5"]) { _ = try gradient(of: Self.f2, periodicAxes: [5]) }
        Self.expectError(Self.isInvalidSpacing, ["3 spacings", "2 selected axes"]) { _ = try gradient(of: Self.f2, spacing: [1, 2, 3]) }
        Self.expectError(Self.isInvalidSpacing, ["spacing 0.0", "axis 0"]) { _ = try derivative(of: Self.f1, along: 0, spacing: 0) }
        Self.expectError(Self.isInvalidSpacing, ["length 20", "3 elements"]) {
            _ = try derivative(of: Self.f1, along: 0, order: 2, spacing: .coordinates([0, 1, 2]), accuracy: 4)
        }
        Self.expectError(Self.isInvalidShape, ["0-D"]) { _ = try gradient(of: NDArray(scalar: 1.0)) }
    }
}
