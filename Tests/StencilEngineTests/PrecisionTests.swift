import Foundation
import Nabla
import Testing

/// Float against Double on the same (Float) samples, so only the arithmetic differs.
@Suite("Float versus Double")
struct PrecisionTests {
    /// A step given as a number is used in the field's type (numpy's NEP 50 "weak" scalar): Float weights
    /// and Float sums. Each product and partial sum rounds once, and the weights are rounded, so
    /// `|r_f − r_d| ≤ (terms + 2)/2 · eps_f · Σ|w·f|`, bounded here by `max|f| · Σ|w| / hᵐ` for the worst row.
    @Test("Float weights and sums: within (terms+2)/2 Float ulps of the terms",
          arguments: [(1, 2, false), (1, 4, false), (2, 2, false), (2, 4, false), (1, 8, false), (2, 8, false),
                      (1, 4, true), (2, 6, true), (3, 4, false)])
    func floatArithmetic(m: Int, p: Int, periodic: Bool) throws {
        let grid = Grid(.linspace(0, 1, count: 37), .periodic(period: 2 * Double.pi, count: 41))
        let sampled: NDArray<Double> = grid.sample { x, y in exp(sin(y)) * (1 + x * x) + cos(3 * x) }
        let f: NDArray<Float> = sampled.converted()
        let fd: NDArray<Double> = f.converted()
        var worst = 0.0
        for axis in 0..<2 {
            let isPeriodic = axis == 1 && periodic
            let h = axis == 0 ? 1.0 / 36 : 2 * Double.pi / 41
            let rf = try derivative(of: f, along: axis, order: m, spacing: .uniform(h), accuracy: p, edgeOrder: 2, periodic: isPeriodic)
            let rd = try derivative(of: fd, along: axis, order: m, spacing: .uniform(h), accuracy: p, edgeOrder: 2, periodic: isPeriodic)
            let terms = Double(m + p + 1)
            let w = isPeriodic ? Stencil.central(derivative: m, accuracy: p).weights.reduce(0) { $0 + abs($1) }
                               : worstWeightSum(derivative: m, accuracy: p)
            let scale = maxAbs(f.scalars) * w / pow(h, Double(m))
            let ratio = maxDifference(rf.scalars, rd.scalars) / (epsilon(Float.self) * scale)
            worst = max(worst, ratio)
            #expect(ratio <= (terms + 2) / 2, "axis \(axis), m=\(m), p=\(p): |Float − Double| = \(ratio) eps_f·max|f|·Σ|w|/hᵐ")
            // Sanity: the Float result is no worse than the Double one by more than that, relative to the result.
            #expect(maxAbs(rf.scalars) > 0)
        }
        print("[float vs double] m=\(m) p=\(p) periodic=\(periodic): worst |Δ| = \(fixed(worst)) eps_f·max|f|·Σ|w|/hᵐ (allowed \(fixed(Double(m + p + 3) / 2)))")
    }

    /// Coordinates (uniform or not) are Double, so Float data is differentiated in Double and rounded once
    /// at the end: the Float result is the Double result on the same samples, rounded — bit for bit.
    @Test("coordinates: Float result is the rounded Double result", arguments: [(1, 2), (1, 4), (2, 2), (2, 6), (1, 8)])
    func coordinatesInDouble(m: Int, p: Int) throws {
        let n = 50
        let equal: [Double] = (0..<n).map { Double($0) * 0.125 }
        let stretched: [Double] = (0..<n).map { Double($0) * 0.125 + 0.02 * sin(Double($0)) }
        let samples: [Float] = (0..<n).map { (i: Int) -> Float in
            let t = Double(i)
            return Float(sin(0.3 * t) + 0.001 * t * t)
        }
        let f = NDArray<Float>(samples)
        let fd: NDArray<Double> = f.converted()
        for x in [equal, stretched] {
            let rf = try derivative(of: f, along: 0, order: m, spacing: .coordinates(x), accuracy: p, edgeOrder: 2)
            let rd = try derivative(of: fd, along: 0, order: m, spacing: .coordinates(x), accuracy: p, edgeOrder: 2)
            #expect(rf.scalars == rd.scalars.map { Float($0) }, "m=\(m) p=\(p): Float differs from Float(Double result)")
        }
    }

    /// Float against the exact derivative: the Float error is the truncation error plus a rounding error
    /// of the expected size, so coarse-grid accuracy is the same in both types.
    @Test("Float and Double agree to Float precision on a smooth field", arguments: [2, 4])
    func smoothField(p: Int) throws {
        let grid = Grid(.linspace(-1, 2, count: 64), .linspace(0, 1, count: 48))
        let sampled: NDArray<Double> = grid.sample { x, y in sin(2 * x) * exp(y) }
        let f: NDArray<Float> = sampled.converted()
        let gf = try grid.gradient(of: f, edgeOrder: 2, accuracy: p)
        let gd = try grid.gradient(of: sampled, edgeOrder: 2, accuracy: p)
        let lf = try grid.laplacian(of: f, accuracy: p), ld = try grid.laplacian(of: sampled, accuracy: p)
        for k in 0..<2 {
            let h = k == 0 ? 3.0 / 63 : 1.0 / 47
            // Input rounding (eps_f/2·|f|) and arithmetic, both amplified by Σ|w|/h.
            let tolerance = 4 * epsilon(Float.self) * maxAbs(sampled.scalars) * worstWeightSum(derivative: 1, accuracy: p) / h
            #expect(maxDifference(gf[k].scalars, gd[k].scalars) <= tolerance, "gradient axis \(k), p=\(p)")
        }
        let hMin = 1.0 / 47
        let tolerance = 4 * epsilon(Float.self) * maxAbs(sampled.scalars) * 2 * worstWeightSum(derivative: 2, accuracy: p) / (hMin * hMin)
        #expect(maxDifference(lf.scalars, ld.scalars) <= tolerance, "laplacian p=\(p)")
    }
}
