import Foundation
import Nabla
import Testing

/// Polynomial exactness: edge order 1 differentiates linear fields exactly (to rounding) and edge order 2
/// quadratic ones, everywhere, on random non-uniform grids. Interior points are second order for both.
///
/// Grid positions are multiples of 1/64 and coefficients small integers, so the sampled fields are exact
/// in `Float` and `Double`; only the differentiation rounds.
@Suite("Gradient exactness on polynomials")
struct GradientExactnessTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 2024]

    /// Strictly monotonic positions `k_i / 64`, steps of 1 to 24 sixty-fourths; decreasing half the time.
    static func randomAxis(count: Int, using rng: inout SplitMix64) -> [Double] {
        var k = Int.random(in: -64...64, using: &rng)
        var x: [Double] = []
        for _ in 0..<count {
            x.append(Double(k) / 64)
            k += Int.random(in: 1...24, using: &rng)
        }
        return Bool.random(using: &rng) ? x.reversed() : x
    }

    /// `|got - exact| <= 2 ulp(exact) in T + 64 eps(Double) * scale`, `scale` bounding |w_i f_i| sums.
    static func expectClose<T: FieldScalar>(
        _ got: T, _ exact: Double, scale: Double, _ comment: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let tolerance = 2 * Double(T(exact).ulp) + 64 * Double.ulpOfOne * scale
        #expect(abs(Double(got) - exact) <= tolerance, "\(comment()): got \(got), exact \(exact)",
                sourceLocation: sourceLocation)
    }

    @Test("edge order 1 is exact on linear fields (non-uniform grids)", arguments: seeds)
    func linearEdgeOrder1(seed: UInt64) throws {
        try checkPolynomial(Double.self, degree: 1, edgeOrder: 1, seed: seed)
        try checkPolynomial(Float.self, degree: 1, edgeOrder: 1, seed: seed)
    }

    @Test("edge order 2 is exact on quadratic fields (non-uniform grids)", arguments: seeds)
    func quadraticEdgeOrder2(seed: UInt64) throws {
        try checkPolynomial(Double.self, degree: 2, edgeOrder: 2, seed: seed)
        try checkPolynomial(Float.self, degree: 2, edgeOrder: 2, seed: seed)
    }

    @Test("edge order 2 is exact on linear fields", arguments: seeds)
    func linearEdgeOrder2(seed: UInt64) throws {
        try checkPolynomial(Double.self, degree: 1, edgeOrder: 2, seed: seed)
        try checkPolynomial(Float.self, degree: 1, edgeOrder: 2, seed: seed)
    }

    /// A 3-D field `Σ_k p_k(x_k)` (p_k of the given degree) on a random non-uniform grid: the gradient along
    /// axis k is p_k' exactly, at every point for the edge order matching the degree, and in the interior
    /// for quadratics with edge order 1.
    private func checkPolynomial<T: FieldScalar>(_: T.Type, degree: Int, edgeOrder: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let shape = [Int.random(in: 3...6, using: &rng), Int.random(in: 3...6, using: &rng), Int.random(in: 3...7, using: &rng)]
        let x = shape.map { Self.randomAxis(count: $0, using: &rng) }
        // p_k(t) = a_k t² + b_k t + c_k
        let a = (0..<3).map { _ in degree >= 2 ? Double(Int.random(in: -3...3, using: &rng)) : 0 }
        let b = (0..<3).map { _ in Double(Int.random(in: -5...5, using: &rng)) }
        let c = (0..<3).map { _ in Double(Int.random(in: -4...4, using: &rng)) }
        let f = try NDArray<T>(shape: shape) { i in
            var sum = 0.0
            for k in 0..<3 { sum += a[k] * x[k][i[k]] * x[k][i[k]] + b[k] * x[k][i[k]] + c[k] }
            let t = T(sum)
            precondition(Double(t) == sum, "the sampled field must be exact in \(T.self)")
            return t
        }
        let minStep = x.flatMap { axis in zip(axis, axis.dropFirst()).map { abs($1 - $0) } }.min()!
        let maxF = f.scalars.map { abs(Double($0)) }.max()!
        let scale = 8 * maxF / minStep
        let g = try gradient(of: f, spacing: x.map { .coordinates($0) }, edgeOrder: edgeOrder)
        #expect(g.count == 3)
        for k in 0..<3 {
            for flat in 0..<f.count {
                let i = f.multiIndex(ofFlatOffset: flat)
                let exact = 2 * a[k] * x[k][i[k]] + b[k]
                Self.expectClose(g[k].scalars[flat], exact, scale: scale,
                                 "\(T.self) seed \(seed) degree \(degree) edge order \(edgeOrder) axis \(k) at \(i)")
            }
        }
    }

    @Test("uniform dyadic steps: exact to the bit", arguments: [0.125, 0.5, -0.25, 2.0])
    func uniformDyadic(step: Double) throws {
        try checkUniform(Double.self, step: step)
        try checkUniform(Float.self, step: step)
        // Float16 has 11 significant bits: the weighted edge sums stay exact only for these steps
        if [0.5, 0.125].contains(step) { try checkUniform(Float16.self, step: step) }
    }

    /// f = 3x² - 2x + 1 on x_i = i·h (h a power of two): every operation is exact, so the gradient equals
    /// the derivative bitwise — with edge order 2 everywhere, with edge order 1 in the interior and, for the
    /// linear part, at the edges.
    private func checkUniform<T: FieldScalar>(_: T.Type, step h: Double) throws {
        let n = 9
        let x = (0..<n).map { Double($0) * h }
        let f = NDArray(x.map { T(3 * $0 * $0 - 2 * $0 + 1) })
        let exact = NDArray(x.map { T(6 * $0 - 2) })
        // numeric step (the field's type) and equally spaced coordinates (Double arithmetic)
        for spacing in [Spacing.uniform(h), .coordinates(x)] {
            let g2 = try derivative(of: f, along: 0, spacing: spacing, edgeOrder: 2)
            expectBitwise(g2, exact, "\(T.self) h = \(h) \(spacing) edge order 2")
            let g1 = try derivative(of: f, along: 0, spacing: spacing, edgeOrder: 1)
            expectBitwise(NDArray(Array(g1.scalars[1..<(n - 1)])), NDArray(Array(exact.scalars[1..<(n - 1)])),
                          "\(T.self) h = \(h) \(spacing) edge order 1 interior")
            // edges of edge order 1 on a quadratic: the one-sided difference 6x + 3h - 2 / 6x - 3h - 2
            #expect(g1.scalars[0] == T(3 * h - 2) && g1.scalars[n - 1] == T(6 * x[n - 1] - 3 * h - 2))
        }
    }

    @Test("second order convergence: the error falls 4× when the grid is refined 2×")
    func convergence() throws {
        func maxError(_ n: Int, edgeOrder: Int) throws -> Double {
            let x = (0..<n).map { Double($0) / Double(n - 1) }
            let f = NDArray(x.map { sin(3 * $0) })
            let g = try derivative(of: f, along: 0, spacing: .uniform(x[1] - x[0]), edgeOrder: edgeOrder)
            return zip(g.scalars, x).map { abs($0 - 3 * cos(3 * $1)) }.max()!
        }
        let e1 = try maxError(41, edgeOrder: 2), e2 = try maxError(81, edgeOrder: 2)
        #expect((3.5...4.5).contains(e1 / e2), "ratio \(e1 / e2)")
        let f1 = try maxError(41, edgeOrder: 1), f2 = try maxError(81, edgeOrder: 1)
        #expect((1.8...2.2).contains(f1 / f2), "edge order 1 is first order at the edges: ratio \(f1 / f2)")
    }
}
