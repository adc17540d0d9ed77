import Foundation
import Nabla
import NablaComplex
import Testing

/// Complex operators against the real operators on the real and imaginary parts: where numpy's complex
/// arithmetic is part by part (real weights), the results must be bitwise those of the parts.
@Suite("complex operators")
struct ComplexOperatorTests {
    static func field<T: ComplexFieldScalar>(_ shape: [Int], seed: UInt64, _: T.Type) -> NDArray<Complex<T>> {
        var state = seed
        func next() -> T {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(state >> 11) / Double(1 << 53) * 4 - 2)
        }
        return try! NDArray(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Complex(next(), next()) })
    }

    static func parts<T: ComplexFieldScalar>(_ z: NDArray<Complex<T>>) -> (NDArray<T>, NDArray<T>) {
        (z.map(\.real), z.map(\.imaginary))
    }

    static func join<T: ComplexFieldScalar>(_ re: NDArray<T>, _ im: NDArray<T>) -> NDArray<Complex<T>> {
        try! NDArray(shape: re.shape, scalars: zip(re.scalars, im.scalars).map { Complex($0, $1) })
    }

    static func bitwise<T: ComplexFieldScalar>(_ a: NDArray<Complex<T>>, _ b: NDArray<Complex<T>>) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy {
            ulp($0.real, $1.real) == 0 && ulp($0.imaginary, $1.imaginary) == 0
        }
    }

    /// Shapes that exercise every loop: 1-D (pairs along the axis), last axis of 2-D/3-D, and a first axis
    /// long enough for the fused several-axes pass.
    static let shapes: [[Int]] = [[17], [8, 9], [40, 7, 8], [9, 8, 7]]

    func checkGradientByParts<T: ComplexFieldScalar>(_: T.Type) throws {
        for shape in Self.shapes {
            let f = Self.field(shape, seed: UInt64(shape.reduce(7, *)), T.self)
            let (re, im) = Self.parts(f)
            let coordinates = Spacing.coordinates((0..<shape.last!).map { Double($0 * $0) * 0.1 + Double($0) })
            let spacing = Array(repeating: Spacing.uniform(0.3), count: shape.count - 1) + [coordinates]
            for (accuracy, derivative, periodic) in [(4, 1, false), (2, 2, false), (6, 1, true), (2, 3, false)] {
                let periodicAxes = periodic ? [0] : []
                let s = periodic ? Array(repeating: Spacing.uniform(0.3), count: shape.count) : spacing
                let z = try gradient(of: f, spacing: s, accuracy: accuracy, derivative: derivative, periodicAxes: periodicAxes)
                let r = try gradient(of: re, spacing: s, accuracy: accuracy, derivative: derivative, periodicAxes: periodicAxes)
                let i = try gradient(of: im, spacing: s, accuracy: accuracy, derivative: derivative, periodicAxes: periodicAxes)
                for k in z.indices {
                    #expect(Self.bitwise(z[k], Self.join(r[k], i[k])), "\(T.self) \(shape) p=\(accuracy) m=\(derivative) axis \(k)")
                }
            }
            let lap = try laplacian(of: f, spacing: [0.5], accuracy: 4)
            #expect(Self.bitwise(lap, Self.join(try laplacian(of: re, spacing: [0.5], accuracy: 4),
                                                try laplacian(of: im, spacing: [0.5], accuracy: 4))))
            let h = try hessian(of: f, spacing: [0.5])
            let hr = try hessian(of: re, spacing: [0.5]), hi = try hessian(of: im, spacing: [0.5])
            for a in h.indices { for b in h.indices { #expect(Self.bitwise(h[a][b], Self.join(hr[a][b], hi[a][b]))) } }
        }
    }

    @Test("Fornberg stencils, Laplacian and Hessian act on the parts independently (Double)")
    func byPartsDouble() throws { try checkGradientByParts(Double.self) }

    @Test("Fornberg stencils, Laplacian and Hessian act on the parts independently (Float)")
    func byPartsFloat() throws { try checkGradientByParts(Float.self) }

    /// numpy's scheme on coordinates (weights computed from the steps on each row, one weight triple per
    /// complex pair along the last axis): edge order 2, whose edges are weighted sums too, so every value
    /// is the parts' value.
    func checkNumpyCoordinatesByParts<T: ComplexFieldScalar>(_: T.Type) throws {
        for shape in Self.shapes + [[1001], [5, 67]] {
            let f = Self.field(shape, seed: UInt64(shape.reduce(5, *)), T.self)
            let (re, im) = Self.parts(f)
            let xs = shape.map { n in (0..<n).map { Double($0) * 0.1 + 0.03 * sin(1.7 * Double($0)) } }
            for float in [false, true] {
                let spacing = xs.map { float ? Spacing.floatCoordinates($0.map { Float($0) }) : .coordinates($0) }
                let z = try gradient(of: f, spacing: spacing, edgeOrder: 2)
                let r = try gradient(of: re, spacing: spacing, edgeOrder: 2)
                let i = try gradient(of: im, spacing: spacing, edgeOrder: 2)
                for k in z.indices {
                    #expect(Self.bitwise(z[k], Self.join(r[k], i[k])), "\(T.self) \(shape) axis \(k) float coordinates: \(float)")
                }
            }
        }
    }

    @Test("numpy's scheme on Double and Float coordinates acts on the parts independently (Double and Float)")
    func numpyCoordinatesByParts() throws {
        try checkNumpyCoordinatesByParts(Double.self)
        try checkNumpyCoordinatesByParts(Float.self)
    }

    func checkVectorOperators<T: ComplexFieldScalar>(_: T.Type) throws {
        for shape in [[6, 5, 4], [40, 3, 5]] {
            let F = (0..<3).map { Self.field(shape, seed: UInt64(11 + $0), T.self) }
            let spacing: [Spacing] = [0.5, .coordinates([0, 0.3, 1, 1.2, 2][..<shape[1]].map { $0 }), 2]
            let g = try F.map { try gradient(of: $0, spacing: spacing) }
            // divergence = Σ_k ∂F_k/∂x_k, summed left to right as numpy's sum.
            var sum = g[0][0]
            for k in 1..<3 { sum = try NDArray(shape: shape, scalars: zip(sum.scalars, g[k][k].scalars).map { $0 + $1 }) }
            #expect(Self.bitwise(try divergence(of: F, spacing: spacing), sum))
            let c = try curl(of: F, spacing: spacing)
            for (n, (a, b)) in [(2, 1), (0, 2), (1, 0)].enumerated() {
                let expected = try NDArray(shape: shape, scalars: zip(g[a][b].scalars, g[b][a].scalars).map { $0 - $1 })
                #expect(Self.bitwise(c[n], expected), "curl component \(n)")
            }
            let j = try jacobian(of: F, spacing: spacing)
            for a in 0..<3 { for b in 0..<3 { #expect(Self.bitwise(j[a][b], g[a][b])) } }
            var out: [NDArray<Complex<T>>] = []
            try gradient(of: F[0], spacing: spacing, into: &out)
            for k in 0..<3 { #expect(Self.bitwise(out[k], g[0][k])) }
            #expect(Self.bitwise(try derivative(of: F[1], along: -1, spacing: 2), g[1][2]))
        }
    }

    @Test("divergence, curl, Jacobian and the into: form agree with the complex gradient (Double)")
    func vectorDouble() throws { try checkVectorOperators(Double.self) }

    @Test("divergence, curl, Jacobian and the into: form agree with the complex gradient (Float)")
    func vectorFloat() throws { try checkVectorOperators(Float.self) }

    @Test("numpy's quotient: the uniform interior multiplies by 1/(2h), not divides")
    func reciprocalQuotient() throws {
        let f = Self.field([1000], seed: 3, Double.self)
        let h = 0.37
        let g = try gradient(of: f, spacing: [.uniform(h)])[0]
        let r = 1 / (2 * h)
        var divides = 0
        for i in 1..<999 {
            let d = f.scalars[i + 1].real - f.scalars[i - 1].real
            #expect(g.scalars[i].real.bitPattern == (d * r).bitPattern)
            if (d / (2 * h)).bitPattern != (d * r).bitPattern { divides += 1 }
        }
        #expect(divides > 0, "the data should tell division and reciprocal multiplication apart")
    }

    @Test("errors are the real operators' errors")
    func errors() {
        let f = Self.field([1], seed: 1, Double.self)
        #expect(throws: NablaError.self) { try gradient(of: f) }
        let g = Self.field([4, 4], seed: 1, Float.self)
        #expect(throws: NablaError.self) { try gradient(of: g, edgeOrder: 3) }
        #expect(throws: NablaError.self) { try curl(of: [g]) }
    }
}
