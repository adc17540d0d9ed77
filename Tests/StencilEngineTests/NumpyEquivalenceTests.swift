import Foundation
import Nabla
import Testing

/// The default scheme is numpy.gradient's (same formulas, same bits); the periodic second-order first
/// derivative is the wrapped central difference; the engine gives the same bits along every axis.
@Suite("numpy equivalence and axis handling")
struct NumpyEquivalenceTests {
    static func field(count n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in sin(0.3 * Double(i)) + 0.1 * Double.random(in: -1...1, using: &rng) }
    }

    /// numpy.gradient, written out as numpy computes it (uniform step, the difference then the division).
    static func numpyGradient<T: FieldScalar>(_ f: [T], h: T, edgeOrder: Int) -> [T] {
        let n = f.count
        var out = [T](repeating: 0, count: n)
        for i in 1..<(n - 1) { out[i] = (f[i + 1] - f[i - 1]) / (2 * h) }
        if edgeOrder == 1 {
            out[0] = (f[1] - f[0]) / h
            out[n - 1] = (f[n - 1] - f[n - 2]) / h
        } else {
            // numpy: a = -1.5 / dx, b = 2 / dx, c = -0.5 / dx; out = a f0 + b f1 + c f2 (left to right).
            let a = T(-1.5 / Double(h)), b = T(2.0 / Double(h)), c = T(-0.5 / Double(h))
            out[0] = a * f[0] + b * f[1] + c * f[2]
            let a2 = T(0.5 / Double(h)), b2 = T(-2.0 / Double(h)), c2 = T(1.5 / Double(h))
            out[n - 1] = a2 * f[n - 3] + b2 * f[n - 2] + c2 * f[n - 1]
        }
        return out
    }

    @Test("gradient with accuracy 2, derivative 1 is numpy's scheme, bit for bit", arguments: Precision.allCases, [1, 2])
    func defaultsAreNumpy(precision: Precision, edgeOrder: Int) throws {
        switch precision {
        case .double: try checkDefaults(Double.self, edgeOrder: edgeOrder)
        case .float: try checkDefaults(Float.self, edgeOrder: edgeOrder)
        }
    }

    func checkDefaults<T: FieldScalar>(_: T.Type, edgeOrder: Int) throws {
        for n in [3, 4, 7, 100, 1000] where n > edgeOrder {
            let f = Self.field(count: n, seed: UInt64(n)).map { T($0) }
            let h = 0.1
            let expected = Self.numpyGradient(f, h: T(h), edgeOrder: edgeOrder)
            let byDefault = try Nabla.gradient(of: NDArray(f), spacing: [.uniform(h)], edgeOrder: edgeOrder)[0]
            let explicit = try Nabla.gradient(of: NDArray(f), spacing: [.uniform(h)], edgeOrder: edgeOrder,
                                              accuracy: 2, derivative: 1)[0]
            let alongAxis = try Nabla.derivative(of: NDArray(f), along: 0, order: 1, spacing: .uniform(h),
                                                 accuracy: 2, edgeOrder: edgeOrder)
            #expect(byDefault.scalars == expected, "n = \(n): defaults differ from numpy's formulas")
            #expect(explicit == byDefault, "n = \(n): accuracy: 2, derivative: 1 differs from the defaults")
            #expect(alongAxis == byDefault, "n = \(n): derivative(of:along:) differs from gradient")
        }
    }

    /// (f[i+1] - f[i-1]) / (2h) with indices modulo n, to rounding: the periodic path sums
    /// (-1/(2h))·f[i-1] + (1/(2h))·f[i+1], which rounds differently from the quotient by about an ulp of
    /// the terms.
    @Test("periodic accuracy-2 first derivative is the wrapped central difference", arguments: Precision.allCases)
    func periodicCentralDifference(precision: Precision) throws {
        switch precision {
        case .double: try checkPeriodic(Double.self)
        case .float: try checkPeriodic(Float.self)
        }
    }

    func checkPeriodic<T: FieldScalar>(_: T.Type) throws {
        for n in [3, 5, 64, 1001] {
            let h = 2 * Double.pi / Double(n)
            let f = (0..<n).map { T(exp(sin(Double($0) * h)) + 0.01 * Double($0 % 3)) }
            let d = try Nabla.derivative(of: NDArray(f), along: 0, spacing: .uniform(h), periodic: true).scalars
            var worst = 0.0
            for i in 0..<n {
                let plus = f[(i + 1) % n], minus = f[(i - 1 + n) % n]
                let expected = (plus - minus) / (2 * T(h))
                // One rounding of each product, of the sum and of the weight 1/(2h): ulps of the terms.
                let terms = (abs(Double(plus)) + abs(Double(minus))) / (2 * h)
                let ulps = abs(Double(d[i]) - Double(expected)) / (epsilon(T.self) * terms)
                worst = max(worst, ulps)
                #expect(ulps <= 2, "n = \(n), row \(i): \(d[i]) vs \(expected)")
            }
            print("[numpy] periodic central difference \(T.self) n=\(n): worst |Δ| = \(fixed(worst)) eps·(|f+|+|f-|)/(2h)")
        }
    }

    /// The strided kernel (an axis that is not the last) and the contiguous one give the same bits: every
    /// line of a 3-D array differentiated along each axis equals the 1-D derivative of that line.
    @Test("every axis gives the bits of the 1-D derivative of each line",
          arguments: [(1, 2, false), (1, 4, false), (2, 6, false), (1, 8, true), (2, 4, true), (1, 2, true), (3, 4, false)])
    func axisIndependence(m: Int, p: Int, nonUniform: Bool) throws {
        let shape = [23, 41, 70]  // large enough for the parallel chunks to split lines
        var rng = SplitMix64(seed: 7)
        let f = try NDArray<Double>(shape: shape) { idx in
            sin(0.2 * Double(idx[0])) * cos(0.15 * Double(idx[1])) + 0.01 * Double(idx[2]) + Double.random(in: 0...1e-3, using: &rng)
        }
        for axis in 0..<3 {
            let n = shape[axis]
            let spacing: Spacing = nonUniform
                ? .coordinates((0..<n).map { Double($0) * 0.1 + 0.02 * sin(Double($0)) })
                : .uniform(0.1)
            let full = try Nabla.derivative(of: f, along: axis, order: m, spacing: spacing, accuracy: p, edgeOrder: 2)
            var mismatches = 0
            let others = shape.enumerated().filter { $0.offset != axis }.map(\.element)
            for u in 0..<others[0] {
                for v in 0..<others[1] {
                    func index(_ i: Int) -> [Int] {
                        var idx = [u, v]
                        idx.insert(i, at: axis)
                        return idx
                    }
                    let line = (0..<n).map { f[index($0)] }
                    let d = try Nabla.derivative(of: NDArray(line), along: 0, order: m, spacing: spacing,
                                                 accuracy: p, edgeOrder: 2)
                    for i in 0..<n where full[index(i)] != d.scalars[i] { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "axis \(axis), m=\(m), p=\(p), non-uniform=\(nonUniform): \(mismatches) values differ")
        }
    }

    /// A 2-D field periodic along axis 0 and bounded along axis 1: each axis converges at its order, and
    /// the periodic axis has no one-sided rows (its error is uniform along the axis).
    @Test("periodic along axis 0, bounded along axis 1", arguments: [2, 4, 6])
    func periodicPerAxis(p: Int) throws {
        // f = sin(x)·y³ + sin(x)·sin(2y); ∂f/∂x = cos(x)·(y³ + sin 2y); ∂f/∂y = sin(x)·(3y² + 2 cos 2y).
        var hx: [Double] = [], errors0: [Double] = [], errors1: [Double] = []
        var table = "[periodic per axis] p=\(p)\n      N   err ∂/∂x (periodic)   err ∂/∂y (bounded)\n"
        for n in [16, 32, 64, 128] {
            let grid = Grid(.periodic(start: 0, period: 2 * Double.pi, count: n), .linspace(0, 1, count: n))
            let f: NDArray<Double> = grid.sample { x, y in sin(x) * (y * y * y + sin(2 * y)) }
            let d = try grid.gradient(of: f, edgeOrder: 2, accuracy: p)
            let viaFree = try Nabla.gradient(of: f, spacing: grid.spacing, edgeOrder: 2, accuracy: p, periodicAxes: [-2])
            #expect(d == viaFree, "grid.gradient differs from gradient(periodicAxes: [-2])")
            var e0 = 0.0, e1 = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    let x = grid.axes[0].coordinate(at: i), y = grid.axes[1].coordinate(at: j)
                    e0 = max(e0, abs(d[0][i, j] - cos(x) * (y * y * y + sin(2 * y))))
                    e1 = max(e1, abs(d[1][i, j] - sin(x) * (3 * y * y + 2 * cos(2 * y))))
                }
            }
            hx.append(1 / Double(n)); errors0.append(e0); errors1.append(e1)
            table += String(format: "  %5d   %.3e           %.3e\n", n, e0, e1)
        }
        let o0 = observedOrder(h: hx, error: errors0), o1 = observedOrder(h: hx, error: errors1)
        table += "  slopes: x \(fixed(o0))  y \(fixed(o1))"
        print(table)
        #expect(o0 >= Double(p) - 0.2 && o0 <= Double(p) + 0.6, "periodic axis order \(o0)")
        #expect(o1 >= Double(p) - 0.2, "bounded axis order \(o1)")

        // The y³ part alone is differentiated exactly along y from accuracy 4 on (m + p > 3 points at edges).
        if p >= 4 {
            let grid = Grid(.periodic(start: 0, period: 2 * Double.pi, count: 12), .linspace(-1, 1, count: 9))
            let f: NDArray<Double> = grid.sample { x, y in sin(x) * y * y * y }
            let dy = try grid.gradient(of: f, axes: [1], accuracy: p)[0]
            let exact: NDArray<Double> = grid.sample { x, y in 3 * sin(x) * y * y }
            let h = 0.25
            #expect(maxDifference(dy.scalars, exact.scalars) <= 1e3 * Double.ulpOfOne / h,
                    "y³ along the bounded axis at p=\(p): error \(maxDifference(dy.scalars, exact.scalars))")
        }
    }
}
