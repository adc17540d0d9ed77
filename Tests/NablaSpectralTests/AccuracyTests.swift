import Foundation
import Nabla
import NablaSpectral
import Testing

@Suite("Spectral accuracy")
struct AccuracyTests {
    // MARK: Nyquist rules

    @Test("cos(4x), N = 8: first derivative 0 at the samples, second −16 cos(4x)")
    func nyquistCosine() throws {
        let grid = Grid(.periodic(period: 2 * .pi, count: 8))
        let f: NDArray<Double> = grid.sample { x in cos(4 * x) }
        let d1 = try spectralDerivative(of: f, along: 0, order: 1, spacing: .uniform(2 * .pi / 8))
        #expect(maxAbs(d1) < 1e-14)
        let d2 = try spectralDerivative(of: f, along: 0, order: 2, spacing: .uniform(2 * .pi / 8))
        let expected: NDArray<Double> = grid.sample { x in -16 * cos(4 * x) }
        #expect(maxError(d2, expected) < 1e-13)
        // Orders 3 and 4: the Nyquist bin is zeroed for odd, kept with sign (−1)^(m/2) for even m.
        let d3 = try spectralDerivative(of: f, along: 0, order: 3, spacing: .uniform(2 * .pi / 8))
        #expect(maxAbs(d3) < 1e-12)
        let d4 = try spectralDerivative(of: f, along: 0, order: 4, spacing: .uniform(2 * .pi / 8))
        #expect(maxError(d4, grid.sample { x in 256 * cos(4 * x) }) < 1e-11)
    }

    @Test("d²/dx² is not (d/dx)² at the Nyquist mode")
    func secondDerivativeIsNotFirstTwice() throws {
        let f = try randomField(Double.self, shape: [8])
        let h = 2 * Double.pi / 8
        let twice = try spectralDerivative(of: spectralDerivative(of: f, along: 0, spacing: .uniform(h)), along: 0, spacing: .uniform(h))
        let second = try spectralDerivative(of: f, along: 0, order: 2, spacing: .uniform(h))
        #expect(maxError(twice, second) > 1e-3)
    }

    @Test("trigonometric polynomials are exact, even and odd N, orders 1…4", arguments: [7, 8, 9, 10, 15, 16])
    func trigonometricPolynomials(n: Int) throws {
        try trigonometric(Double.self, n: n)
        try trigonometric(Float.self, n: n)
    }

    func trigonometric<T: SpectralScalar>(_: T.Type, n: Int) throws {
        // Degree d = ceil(N/2) - 1, the highest resolved in both sines and cosines (Nyquist: nyquistCosine).
        let d = (n + 1) / 2 - 1
        let L = 2 * Double.pi
        let grid = Grid(.periodic(period: L, count: n))
        func f(_ x: Double) -> Double { 0.5 + sin(Double(d) * x) + cos(Double(d) * x - 0.3) + 0.7 * sin(x) }
        func derivative(_ x: Double, _ m: Int) -> Double {
            // d^m/dx^m sin(a x + φ) = a^m sin(a x + φ + mπ/2)
            let dd = Double(d)
            return pow(dd, Double(m)) * (sin(dd * x + Double(m) * .pi / 2) + cos(dd * x - 0.3 + Double(m) * .pi / 2))
                + 0.7 * sin(x + Double(m) * .pi / 2)
        }
        let samples: NDArray<Double> = grid.sample(f)
        let input: NDArray<T> = samples.converted()
        for m in 1...4 {
            let expected: NDArray<Double> = grid.sample { x in derivative(x, m) }
            let result = try spectralDerivative(of: input, along: 0, order: m, spacing: .uniform(L / Double(n)))
            let error = maxError(result.converted(to: Double.self), expected)
            #expect(error <= bound(T.self, n: n, scale: maxAbs(expected)), "N=\(n) m=\(m) \(T.self): error \(error)")
        }
    }

    // MARK: Convergence

    @Test("exp(sin x) converges geometrically: N = 32 error ~1e-14")
    func geometricConvergence() throws {
        var errors: [Double] = []
        for n in [8, 16, 32] {
            let grid = Grid(.periodic(period: 2 * .pi, count: n))
            let f: NDArray<Double> = grid.sample { x in exp(sin(x)) }
            let d = try spectralDerivative(of: f, along: 0, spacing: .uniform(2 * .pi / Double(n)))
            errors.append(maxError(d, grid.sample { x in cos(x) * exp(sin(x)) }))
        }
        #expect(errors[2] < 1e-13)
        #expect(errors[1] < errors[0] * 1e-3)
    }

    @Test("periods other than 2π, negative steps")
    func otherPeriods() throws {
        let L = 3.0
        let grid = Grid(.periodic(start: -1, period: L, count: 12))
        let w = 2 * Double.pi / L
        let f: NDArray<Double> = grid.sample { x in sin(2 * w * x) + cos(5 * w * x) }
        let d = try spectralDerivative(of: f, along: 0, spacing: .uniform(L / 12))
        let expected: NDArray<Double> = grid.sample { (x: Double) -> Double in
            let a: Double = 2 * w * cos(2 * w * x)
            return a - 5 * w * sin(5 * w * x)
        }
        #expect(maxError(d, expected) < bound(Double.self, n: 12, scale: maxAbs(expected)))
        // The same samples read backwards (x decreasing, step −h): the derivative changes sign with the step.
        let reversed = try NDArray(f.scalars.reversed())
        let dr = try spectralDerivative(of: reversed, along: 0, spacing: .uniform(-L / 12))
        #expect(maxError(dr, try NDArray(d.scalars.reversed())) < 1e-12)
        // Coordinates that are uniform are accepted as the step.
        let dc = try spectralDerivative(of: f, along: 0, spacing: .coordinates(grid.axes[0].coordinates))
        #expect(maxError(dc, d) < 1e-12)
    }

    // MARK: N-D

    @Test("3-D gradient, different lengths and periods per axis, Float and Double")
    func gradient3D() throws {
        try gradient3D(Double.self)
        try gradient3D(Float.self)
    }

    func gradient3D<T: SpectralScalar>(_: T.Type) throws {
        let (Lx, Ly, Lz) = (2.0, 5.0, 2 * Double.pi)
        let grid = Grid(.periodic(period: Lx, count: 8), .periodic(start: 1, period: Ly, count: 11),
                        .periodic(period: Lz, count: 6))
        let (a, b, c) = (2 * Double.pi / Lx, 2 * 2 * Double.pi / Ly, 1.0)
        let f: NDArray<Double> = grid.sample { (x: Double, y: Double, z: Double) -> Double in
            let p: Double = sin(a * x) * cos(b * y) * sin(c * z + 0.2)
            return p + cos(3 * a * x)
        }
        let fx: NDArray<Double> = grid.sample { (x: Double, y: Double, z: Double) -> Double in
            let p: Double = a * cos(a * x) * cos(b * y) * sin(c * z + 0.2)
            return p - 3 * a * sin(3 * a * x)
        }
        let fy: NDArray<Double> = grid.sample { (x: Double, y: Double, z: Double) -> Double in
            let p: Double = -b * sin(a * x) * sin(b * y)
            return p * sin(c * z + 0.2)
        }
        let fz: NDArray<Double> = grid.sample { (x: Double, y: Double, z: Double) -> Double in
            let p: Double = c * sin(a * x) * cos(b * y)
            return p * cos(c * z + 0.2)
        }
        let expected = [fx, fy, fz]
        let g = try spectralGradient(of: f.converted(to: T.self), spacing: [.uniform(Lx / 8), .uniform(Ly / 11), .uniform(Lz / 6)])
        #expect(g.count == 3)
        for k in 0..<3 {
            let n = grid.shape[k]
            #expect(maxError(g[k].converted(to: Double.self), expected[k]) <= bound(T.self, n: n, scale: maxAbs(expected[k])),
                    "axis \(k) \(T.self)")
        }
        // Selected axes, in the caller's order, negative indices.
        let g2 = try spectralGradient(of: f.converted(to: T.self), spacing: [.uniform(Lz / 6), .uniform(Lx / 8)], axes: [-1, 0])
        #expect(g2[0] == g[2] && g2[1] == g[0])
    }

    @Test("2-D second derivatives and mixed partials")
    func mixedPartials() throws {
        let (Lx, Ly) = (4.0, 2 * Double.pi)
        let grid = Grid(.periodic(period: Lx, count: 10), .periodic(period: Ly, count: 9))
        let a = 2 * Double.pi / Lx
        let f: NDArray<Double> = grid.sample { x, y in sin(2 * a * x) * cos(3 * y) + cos(a * x) }
        let spacing: [Spacing] = [.uniform(Lx / 10), .uniform(Ly / 9)]
        let fxy = try spectralDerivative(of: f, orders: [1, 1], spacing: spacing)
        let e1: NDArray<Double> = grid.sample { x, y in -6 * a * cos(2 * a * x) * sin(3 * y) }
        #expect(maxError(fxy, e1) < bound(Double.self, n: 10, scale: maxAbs(e1)))
        let fxxy = try spectralDerivative(of: f, orders: [2, 1], spacing: spacing)
        let e2: NDArray<Double> = grid.sample { x, y in 12 * a * a * sin(2 * a * x) * sin(3 * y) }
        #expect(maxError(fxxy, e2) < bound(Double.self, n: 10, scale: maxAbs(e2)))
        let fyy = try spectralDerivative(of: f, orders: [0, 2], spacing: spacing)
        let e3: NDArray<Double> = grid.sample { x, y in -9 * sin(2 * a * x) * cos(3 * y) }
        #expect(maxError(fyy, e3) < bound(Double.self, n: 9, scale: maxAbs(e3)))
        let second = try spectralGradient(of: f, spacing: spacing, derivative: 2)
        #expect(maxError(second[1], fyy) < 1e-13)
    }

    @Test("Laplacian equals the sum of second derivatives (Nyquist kept), Float and Double")
    func laplacian() throws {
        for shape in [[16], [8, 9], [6, 5, 8]] {
            let f = try randomField(Double.self, shape: shape)
            let spacing: [Spacing] = shape.indices.map { .uniform(0.3 + 0.1 * Double($0)) }
            let lap = try spectralLaplacian(of: f, spacing: spacing)
            let seconds = try spectralGradient(of: f, spacing: spacing, derivative: 2)
            var sum = seconds[0]
            for k in 1..<seconds.count { sum = try NDArray(shape: shape, scalars: zip(sum.scalars, seconds[k].scalars).map(+)) }
            #expect(maxError(lap, sum) < 1e-12 * maxAbs(sum))
            let lapFloat = try spectralLaplacian(of: f.converted(to: Float.self), spacing: spacing)
            #expect(maxError(lapFloat.converted(to: Double.self), sum) < 1e-5 * maxAbs(sum))
        }
    }

    @Test("band-limited random 1-D fields: error within 10·N·ε·max|f^(m)|", arguments: [31, 64, 256, 2048])
    func bandLimited(n: Int) throws {
        try bandLimited(Double.self, n: n)
        try bandLimited(Float.self, n: n)
    }

    func bandLimited<T: SpectralScalar>(_: T.Type, n: Int) throws {
        let L = 2 * Double.pi
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let top = (n - 1) / 2
        let modes = (0..<6).map { _ in (Int(Double(top) * (0.5 + next())) + 1, next(), next()) }
        let grid = Grid(.periodic(period: L, count: n))
        for m in 1...2 {
            let f: NDArray<Double> = grid.sample { (x: Double) -> Double in
                var s = 0.0
                for (k, a, b) in modes { s += a * cos(Double(k) * x) + b * sin(Double(k) * x) }
                return s
            }
            let expected: NDArray<Double> = grid.sample { (x: Double) -> Double in
                var s = 0.0
                for (k, a, b) in modes {
                    let kk = Double(k), p = Double(m) * .pi / 2
                    let wave: Double = a * cos(kk * x + p) + b * sin(kk * x + p)
                    s += pow(kk, Double(m)) * wave
                }
                return s
            }
            // Float: the input is rounded to Float, which is part of the error budget (ε|f| per sample).
            let d = try spectralDerivative(of: f.converted(to: T.self), along: 0, order: m, spacing: .uniform(L / Double(n)))
            let error = maxError(d.converted(to: Double.self), expected)
            #expect(error <= bound(T.self, n: n, scale: maxAbs(expected)), "N=\(n) m=\(m) \(T.self): \(error)")
        }
    }
}
