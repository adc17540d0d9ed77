import Foundation
import Nabla
import Testing

/// Vector calculus on sampled fields: identities, exactness on polynomials, convergence to analytic
/// results.
@Suite("Vector calculus")
struct VectorCalculusTests {
    // MARK: Identities

    enum Layout: String, CaseIterable, Sendable { case uniform, nonUniform, periodic }

    static func grid3(_ layout: Layout, count n: Int) throws -> Grid {
        switch layout {
        case .uniform:
            return Grid(.linspace(0, 1, count: n), .linspace(0, 1.5, count: n + 1), .linspace(-0.5, 0.5, count: n + 2))
        case .nonUniform:
            func axis(_ count: Int, _ phase: Double) throws -> GridAxis {
                try .coordinates((0..<count).map { i in
                    let t = Double(i) / Double(count - 1)
                    return t + 0.04 * sin(2 * Double.pi * t + phase)
                })
            }
            return Grid(try axis(n, 0), try axis(n + 1, 1), try axis(n + 2, 2))
        case .periodic:
            let twoPi = 2 * Double.pi
            return Grid(.periodic(period: twoPi, count: n), .periodic(period: twoPi, count: n + 1),
                        .periodic(period: twoPi, count: n + 2))
        }
    }

    /// Differences along different axes commute exactly in exact arithmetic — the stencil along one axis
    /// does not depend on the position along the others, on any rectilinear grid, edges included — so
    /// curl(grad f) and div(curl F) vanish to ROUNDING everywhere, not just to O(hᵖ). Measured against
    /// eps · max|f| · (Σ|w|)² / h_min².
    @Test("curl(grad f) = 0 and div(curl F) = 0 to rounding", arguments: Layout.allCases, [2, 4])
    func identities(layout: Layout, p: Int) throws {
        var table = "[identities] \(layout.rawValue) p=\(p)\n      N   max|curl grad f|   max|div curl F|   bound\n"
        for n in [10, 20, 40] {
            let grid = try Self.grid3(layout, count: n)
            let f: NDArray<Double> = grid.sample { x, y, z in sin(3 * x) * cos(2 * y) * exp(sin(z)) }
            let F: [NDArray<Double>] = [
                grid.sample { x, y, z in sin(y * z) + cos(x) },
                grid.sample { x, y, z in cos(x * z) * sin(y) },
                grid.sample { x, y, z in sin(x * y) + z * z },
            ]
            let grad = try grid.gradient(of: f, accuracy: p)
            let curlGrad = try grid.curl(of: grad, accuracy: p)
            let divCurl = try grid.divergence(of: try grid.curl(of: F, accuracy: p), accuracy: p)
            let residual1 = curlGrad.map { maxAbs($0.scalars) }.max() ?? 0
            let residual2 = maxAbs(divCurl.scalars)
            let hMin = grid.axes.map { axis in
                zip(axis.coordinates.dropFirst(), axis.coordinates).map { abs($0 - $1) }.min()!
            }.min()!
            let w = layout == .periodic ? Stencil.central(derivative: 1, accuracy: p).weights.reduce(0) { $0 + abs($1) }
                                        : worstWeightSum(derivative: 1, accuracy: p)
            let bound = 64 * Double.ulpOfOne * w * w / (hMin * hMin)
            table += String(format: "  %5d   %.3e          %.3e         %.3e\n", n, residual1, residual2, bound)
            #expect(residual1 <= bound * maxAbs(f.scalars), "curl(grad f) = \(residual1) at n = \(n)")
            #expect(residual2 <= bound * F.map { maxAbs($0.scalars) }.max()!, "div(curl F) = \(residual2) at n = \(n)")
        }
        print(table)
    }

    /// The Laplacian's compact stencils and div∘grad's wide ones are different operators (they differ by
    /// O(hᵖ)), and both converge at order p to the analytic Laplacian — div∘grad only away from the edges,
    /// where its one-sided first derivatives are differentiated again.
    @Test("divergence(gradient) and laplacian differ, and both converge", arguments: [2, 4])
    func divGradVersusLaplacian(p: Int) throws {
        var hs: [Double] = [], lapErrors: [Double] = [], divGradErrors: [Double] = [], differences: [Double] = []
        var lapInteriorErrors: [Double] = []
        var table = "[div grad vs laplacian] p=\(p)\n      N   laplacian err   div∘grad err (interior)   |difference|\n"
        for n in [32, 64, 128, 256] {
            let grid = Grid(.linspace(-1, 2, count: n), .linspace(0, 1, count: n))
            let f: NDArray<Double> = grid.sample { x, y in sin(2 * x) * exp(y / 3) }
            let exact: NDArray<Double> = grid.sample { x, y in (-4 + 1.0 / 9) * sin(2 * x) * exp(y / 3) }
            let lap = try grid.laplacian(of: f, accuracy: p)
            let divGrad = try grid.divergence(of: try grid.gradient(of: f, edgeOrder: 2, accuracy: p), edgeOrder: 2, accuracy: p)
            let margin = 2 * Stencil.centralHalfWidth(derivative: 1, accuracy: p)
            var eLap = 0.0, eLapInterior = 0.0, eDivGrad = 0.0, diff = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    eLap = max(eLap, abs(lap[i, j] - exact[i, j]))
                    if i >= margin && i < n - margin && j >= margin && j < n - margin {
                        eDivGrad = max(eDivGrad, abs(divGrad[i, j] - exact[i, j]))
                        eLapInterior = max(eLapInterior, abs(lap[i, j] - exact[i, j]))
                        diff = max(diff, abs(divGrad[i, j] - lap[i, j]))
                    }
                }
            }
            hs.append(3.0 / Double(n - 1)); lapErrors.append(eLap); divGradErrors.append(eDivGrad)
            differences.append(diff); lapInteriorErrors.append(eLapInterior)
            table += String(format: "  %5d   %.3e       %.3e                 %.3e\n", n, eLap, eDivGrad, diff)
        }
        let oLap = observedOrder(h: hs, error: lapErrors), oDivGrad = observedOrder(h: hs, error: divGradErrors)
        table += "  slopes: laplacian \(fixed(oLap))  div∘grad \(fixed(oDivGrad))"
        print(table)
        #expect(oLap >= Double(p) - 0.2, "laplacian order \(oLap)")
        #expect(oDivGrad >= Double(p) - 0.2, "div∘grad interior order \(oDivGrad)")
        // Different discretisations: in the interior they differ by as much as their truncation errors.
        for (d, e) in zip(differences, lapInteriorErrors) {
            #expect(d > 0.1 * e, "div∘grad and laplacian agree too closely: \(d) vs interior laplacian error \(e)")
        }
    }

    // MARK: Exactness on polynomials

    static func expectClose<T: FieldScalar>(_ got: NDArray<T>, _ exact: NDArray<Double>, scale: Double, _ what: String,
                                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.shape == exact.shape, "\(what): shape \(got.shape) vs \(exact.shape)", sourceLocation: sourceLocation)
        let error = maxDifference(got.scalars, exact.scalars)
        let tolerance = 32 * epsilon(T.self) * scale
        #expect(error <= tolerance, "\(what) (\(T.self)): max error \(error) > \(tolerance)", sourceLocation: sourceLocation)
    }

    /// A 3-D grid, uniform or with non-uniform explicit coordinates (steps 0.1 to 0.2).
    static func polynomialGrid(nonUniform: Bool) throws -> Grid {
        if !nonUniform { return Grid(.linspace(-1, 1, count: 9), .linspace(-0.5, 1, count: 7), .linspace(0, 1, count: 6)) }
        var rng = SplitMix64(seed: 99)
        func axis(_ start: Double, _ count: Int) throws -> GridAxis {
            var x = start
            return try .coordinates((0..<count).map { _ in defer { x += Double.random(in: 0.1...0.2, using: &rng) }; return x })
        }
        return Grid(try axis(-1, 9), try axis(-0.5, 7), try axis(0, 6))
    }

    @Test("laplacian, Jacobian and Hessian are exact on polynomials", arguments: Precision.allCases, [false, true])
    func polynomialExactness(precision: Precision, nonUniform: Bool) throws {
        switch precision {
        case .double: try checkPolynomials(Double.self, nonUniform: nonUniform)
        case .float: try checkPolynomials(Float.self, nonUniform: nonUniform)
        }
    }

    func checkPolynomials<T: FieldScalar>(_: T.Type, nonUniform: Bool) throws {
        let grid = try Self.polynomialGrid(nonUniform: nonUniform)
        let hMin = nonUniform ? 0.1 : 1.0 / 5
        // Quadratic q = 2x² - 3y² + 2z² + xy - 2yz + 0.5xz + x - 1: Laplacian 4 - 6 + 4 = 2.
        let q: NDArray<Double> = grid.sample { x, y, z in 2 * x * x - 3 * y * y + 2 * z * z + x * y - 2 * y * z + 0.5 * x * z + x - 1 }
        let f: NDArray<T> = q.converted()
        let fScale = maxAbs(q.scalars)
        for p in [2, 4] {
            let w2 = worstWeightSum(derivative: 2, accuracy: p), w1 = worstWeightSum(derivative: 1, accuracy: p)
            let lap = try grid.laplacian(of: f, accuracy: p)
            Self.expectClose(lap, try NDArray(repeating: 2.0, shape: grid.shape), scale: fScale * w2 * 3 / (hMin * hMin) * 8,
                             "laplacian of a quadratic, p=\(p), non-uniform=\(nonUniform)")
            let H = try Nabla.hessian(of: f, spacing: grid.spacing, accuracy: p)
            let exactH: [[Double]] = [[4, 1, 0.5], [1, -6, -2], [0.5, -2, 4]]
            for i in 0..<3 {
                for j in 0..<3 {
                    #expect(H[i][j] == H[j][i], "Hessian not symmetric at (\(i), \(j))")
                    Self.expectClose(H[i][j], try NDArray(repeating: exactH[i][j], shape: grid.shape),
                                     scale: fScale * max(w2, w1 * w1) / (hMin * hMin) * 8, "H[\(i)][\(j)], p=\(p)")
                }
            }
        }
        // Linear map F = A x + b: the Jacobian is A, exactly, with the default (numpy) scheme and edge order 1.
        let A: [[Double]] = [[1, -2, 0.5], [3, 0, -1], [-0.25, 4, 2]]
        let bias: [Double] = [0.5, -1, 2]
        let F: [NDArray<T>] = (0..<3).map { i in
            let c: NDArray<Double> = grid.sample { x, y, z in A[i][0] * x + A[i][1] * y + A[i][2] * z + bias[i] }
            return c.converted()
        }
        let J = try Nabla.jacobian(of: F, spacing: grid.spacing)
        for i in 0..<3 {
            for j in 0..<3 {
                Self.expectClose(J[i][j], try NDArray(repeating: A[i][j], shape: grid.shape),
                                 scale: maxAbs(F[i].scalars) * 2 / hMin * 4, "J[\(i)][\(j)], non-uniform=\(nonUniform)")
            }
        }
        let divF = try grid.divergence(of: F)
        Self.expectClose(divF, try NDArray(repeating: A[0][0] + A[1][1] + A[2][2], shape: grid.shape),
                         scale: 3 * F.map { maxAbs($0.scalars) }.max()! * 2 / hMin * 4, "divergence of a linear map")
    }

    @Test("2-D scalar curl: sign convention and exactness", arguments: Precision.allCases)
    func scalarCurl(precision: Precision) throws {
        switch precision {
        case .double: try checkScalarCurl(Double.self)
        case .float: try checkScalarCurl(Float.self)
        }
    }

    func checkScalarCurl<T: FieldScalar>(_: T.Type) throws {
        let grid = Grid(.linspace(-1, 1, count: 11), .linspace(0, 2, count: 9))
        let h = 0.2
        // Rotation (−y, x): curl = ∂F1/∂x0 − ∂F0/∂x1 = 2.
        let rotation: [NDArray<T>] = [grid.sample { _, y in T(-y) }, grid.sample { x, _ in T(x) }]
        let c = try grid.curl(of: rotation)
        #expect(c.count == 1 && c[0].shape == grid.shape)
        Self.expectClose(c[0], try NDArray(repeating: 2.0, shape: grid.shape), scale: 4 / h * 4, "curl(−y, x)")
        // (x²y, x y³): each component is linear along the axis it is differentiated along → exact: y³ − x².
        let P: NDArray<Double> = grid.sample { x, y in x * x * y }
        let Q: NDArray<Double> = grid.sample { x, y in x * y * y * y }
        let c2 = try grid.curl(of: [P.converted(), Q.converted()] as [NDArray<T>])
        let exact: NDArray<Double> = grid.sample { x, y in y * y * y - x * x }
        Self.expectClose(c2[0], exact, scale: 8 / h * 4, "curl(x²y, xy³)")
    }

    @Test("3-D curl: component order and exactness at accuracy 4")
    func vectorCurl() throws {
        let grid = Grid(.linspace(-1, 1, count: 9), .linspace(-1, 1.5, count: 11), .linspace(0, 1, count: 8))
        let F: [NDArray<Double>] = [
            grid.sample { _, y, z in y * z * z },
            grid.sample { x, _, z in x * x * x * z },
            grid.sample { x, y, _ in x * y },
        ]
        let c = try grid.curl(of: F, accuracy: 4)
        let exact: [NDArray<Double>] = [
            grid.sample { x, _, _ in x - x * x * x },
            grid.sample { _, y, z in 2 * y * z - y },
            grid.sample { x, _, z in 3 * x * x * z - z * z },
        ]
        #expect(c.count == 3)
        for k in 0..<3 { Self.expectClose(c[k], exact[k], scale: 4 * 11 / (1.0 / 7) * 4, "curl component \(k)") }
        // Rotation about x2: (−x1, x0, 0) → (0, 0, 2) with the default scheme.
        let R: [NDArray<Double>] = [grid.sample { _, y, _ in -y }, grid.sample { x, _, _ in x }, try NDArray(repeating: 0, shape: grid.shape)]
        let cr = try grid.curl(of: R)
        Self.expectClose(cr[0], try NDArray(repeating: 0, shape: grid.shape), scale: 100, "rotation curl x")
        Self.expectClose(cr[1], try NDArray(repeating: 0, shape: grid.shape), scale: 100, "rotation curl y")
        Self.expectClose(cr[2], try NDArray(repeating: 2, shape: grid.shape), scale: 100, "rotation curl z")
    }

    // MARK: Mixed partials

    @Test("∂²/∂x∂y of sin(x)cos(y) converges at order p", arguments: [2, 4, 6])
    func mixedPartial(p: Int) throws {
        var hs: [Double] = [], errors: [Double] = []
        var table = "[mixed partial] p=\(p)\n      N   max err   |partialDerivative − hessian[0][1]|\n"
        // p = 6 reaches the rounding floor (≈ eps·(Σ|w|)²/h²) near N = 128.
        for n in p >= 6 ? [16, 24, 32, 48, 64] : [16, 32, 64, 128] {
            let grid = Grid(.linspace(0, 2, count: n), .linspace(-1, 1, count: n))
            let f: NDArray<Double> = grid.sample { x, y in sin(x) * cos(y) }
            let exact: NDArray<Double> = grid.sample { x, y in -cos(x) * sin(y) }
            let d = try partialDerivative(of: f, orders: [1, 1], spacing: grid.spacing, accuracy: p, edgeOrder: 2)
            let H = try Nabla.hessian(of: f, spacing: grid.spacing, accuracy: p)
            let e = maxDifference(d.scalars, exact.scalars)
            let agreement = maxDifference(d.scalars, H[0][1].scalars)
            hs.append(2.0 / Double(n - 1)); errors.append(e)
            table += String(format: "  %5d   %.3e   %.3e\n", n, e, agreement)
            // Same operator applied in the other order: equal up to rounding.
            #expect(agreement <= 1e3 * Double.ulpOfOne * Double((n - 1) * (n - 1)), "mixed partial vs Hessian: \(agreement)")
            // A pure second partial is the second-derivative stencil, bit for bit.
            let dxx = try partialDerivative(of: f, orders: [2, 0], spacing: grid.spacing, accuracy: p)
            #expect(dxx == (try Nabla.derivative(of: f, along: 0, order: 2, spacing: grid.spacing[0], accuracy: p)))
        }
        let order = observedOrder(h: hs, error: errors)
        table += "  slope: \(fixed(order))"
        print(table)
        #expect(order >= Double(p) - 0.2, "mixed partial order \(order)")
    }
}
