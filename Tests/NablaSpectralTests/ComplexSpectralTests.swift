import ComplexModule
import Foundation
import Nabla
import NablaSpectral
import Testing

/// Spectral derivatives of complex fields (FFTW c2c): accuracy, negative frequencies, and the Nyquist rule.
@Suite("complex spectral derivatives")
struct ComplexSpectralTests {
    /// e^{i k x} sampled on N points of [0, L).
    static func exponential(k: Double, n: Int, period: Double) -> NDArray<Complex<Double>> {
        NDArray((0..<n).map { j in
            let x = Double(j) * period / Double(n)
            return Complex(cos(k * x), sin(k * x))
        })
    }

    static func maxError(_ a: NDArray<Complex<Double>>, _ b: NDArray<Complex<Double>>) -> Double {
        zip(a.scalars, b.scalars).map { ($0 - $1).length }.max() ?? 0
    }

    @Test("Σ c e^{ikx} with positive and negative k up to the highest resolved, odd and even N: within 10·N·ε·max|f^(m)|",
          arguments: [15, 16, 33, 64])
    func exponentials(n: Int) throws {
        let L = 2 * Double.pi
        let d = (n + 1) / 2 - 1
        // Distinct positive and negative modes (no Hermitian symmetry): a sign error in k is an O(1) error.
        let modes: [(k: Int, c: Complex<Double>)] = [(d, Complex(1, 0.5)), (-d, Complex(-0.3, 0.8)), (-2, Complex(0.7, 0)), (1, Complex(0, -1.2))]
        func sample(_ m: Int) -> NDArray<Complex<Double>> {
            NDArray((0..<n).map { j in
                let x = Double(j) * L / Double(n)
                var sum = Complex<Double>.zero
                for (k, c) in modes {
                    var factor = Complex<Double>(1, 0)
                    for _ in 0..<m { factor = factor * Complex(0, Double(k)) }
                    sum = sum + c * factor * Complex(cos(Double(k) * x), sin(Double(k) * x))
                }
                return sum
            })
        }
        let f = sample(0)
        for m in 1...4 {
            let result = try spectralDerivative(of: f, along: 0, order: m, spacing: .uniform(L / Double(n)))
            let expected = sample(m)
            let scale = expected.scalars.map(\.length).max()!
            #expect(Self.maxError(result, expected) <= 10 * Double(n) * Double.ulpOfOne * scale, "N = \(n), m = \(m)")
        }
    }

    @Test("the Nyquist mode of a complex field: zero for odd orders, (-1)^(m/2)(πN/L)^m for even orders")
    func nyquistRule() throws {
        // f_j = c · (-1)^j = c · e^{iπ j}: the complex exponential at the Nyquist frequency, c complex.
        let n = 8, L = 2.0
        let c = Complex(1.5, -2.0)
        let f = NDArray((0..<n).map { j in c * (j % 2 == 0 ? 1 : -1) })
        let kN = Double.pi * Double(n) / L
        for m in 1...4 {
            let d = try spectralDerivative(of: f, along: 0, order: m, spacing: .uniform(L / Double(n)))
            let expected: NDArray<Complex<Double>> = m % 2 == 1
                ? NDArray(Array(repeating: .zero, count: n))
                : NDArray(f.scalars.map { $0 * Complex((m / 2) % 2 == 0 ? pow(kN, Double(m)) : -pow(kN, Double(m)), 0) })
            let scale = pow(kN, Double(m))
            #expect(Self.maxError(d, expected) <= 1e-13 * scale, "m = \(m): the Nyquist rule for complex data is broken")
        }
        // The Laplacian keeps the Nyquist mode: ∇²f = -(πN/L)² f.
        let lap = try spectralLaplacian(of: f, spacing: [.uniform(L / Double(n))])
        #expect(Self.maxError(lap, NDArray(f.scalars.map { $0 * Complex(-kN * kN, 0) })) <= 1e-13 * kN * kN)
    }

    @Test("complex equals real and imaginary parts differentiated separately (3-D, Float and Double)")
    func matchesRealParts() throws {
        let shape = [6, 5, 8]
        let count = shape.reduce(1, *)
        let re = try NDArray(shape: shape, scalars: (0..<count).map { sin(Double($0) * 0.37) })
        let im = try NDArray(shape: shape, scalars: (0..<count).map { cos(Double($0) * 0.11) })
        let z = try NDArray(shape: shape, scalars: zip(re.scalars, im.scalars).map { Complex($0, $1) })
        let dz = try spectralGradient(of: z, spacing: [0.3], derivative: 2)
        let dr = try spectralGradient(of: re, spacing: [0.3], derivative: 2)
        let di = try spectralGradient(of: im, spacing: [0.3], derivative: 2)
        for a in 0..<3 {
            let worst = zip(dz[a].scalars, zip(dr[a].scalars, di[a].scalars)).map { max(abs($0.real - $1.0), abs($0.imaginary - $1.1)) }.max()!
            #expect(worst <= 1e-11, "axis \(a): \(worst)")
        }
        let zf = z.map { Complex(Float($0.real), Float($0.imaginary)) }
        let df = try spectralGradient(of: zf, spacing: [0.3], derivative: 1)
        let dd = try spectralGradient(of: z, spacing: [0.3], derivative: 1)
        for a in 0..<3 {
            let worst = zip(df[a].scalars, dd[a].scalars).map { abs(Double($0.real) - $1.real) + abs(Double($0.imaginary) - $1.imaginary) }.max()!
            #expect(worst <= 1e-3, "Float axis \(a): \(worst)")
        }
    }

    @Test("plans are cached: a second call on the same shape makes no new plan; non-finite input is refused")
    func cachingAndErrors() throws {
        let f = Self.exponential(k: 3, n: 48, period: 1)
        _ = try spectralDerivative(of: f, along: 0, spacing: .uniform(1.0 / 48), rigour: .estimate)
        let plans = SpectralFFT.planCount(forShape: [48])
        _ = try spectralDerivative(of: f, along: 0, order: 2, spacing: .uniform(1.0 / 48), rigour: .estimate)
        #expect(SpectralFFT.planCount(forShape: [48]) == plans)
        var bad = f
        bad[5] = Complex(.nan, 0)
        #expect(throws: NablaError.self) { try spectralDerivative(of: bad, along: 0) }
    }
}
