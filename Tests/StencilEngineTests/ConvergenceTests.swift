import Foundation
import Nabla
import Testing

/// Observed order of convergence: the least-squares slope of log(max error) against log(h) over several
/// resolutions, for the interior rows (at least the stencil half-width from each end) and the edge rows
/// (the rest) separately, for every accuracy p ∈ {2, 4, 6, 8} and derivative m ∈ {1, 2}.
///
/// Bounded axes: f(x) = sin(2x)·exp(x/3) on [-1, 2]. Periodic axis: f(x) = exp(sin x) on [0, 2π).
/// The first derivative at accuracy 2 on a bounded axis is numpy's scheme, run with `edgeOrder: 2`
/// (its edges are first order with the default `edgeOrder: 1`; see `numpyEdgeOrderOne`).
@Suite("Observed convergence order")
struct ConvergenceTests {
    enum Layout: String, CaseIterable, Sendable {
        /// x_i = a + i·h.
        case uniform
        /// x = a + L·(ξ + 0.05·sin(2πξ)), ξ uniform in [0, 1]: smoothly stretched (steps vary by ±31%).
        case stretched
        /// x_i = a + h·(i + δ_i), δ_i uniform in [-0.25, 0.25] (0 at the ends): rough, random steps.
        case perturbed
        /// One period of a periodic field, endpoint not repeated.
        case periodic
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let layout: Layout
        let m: Int
        let p: Int
        var testDescription: String { "\(layout.rawValue) m=\(m) p=\(p)" }
    }

    static let cases: [Case] = Layout.allCases.flatMap { layout in
        [1, 2].flatMap { m in [2, 4, 6, 8].map { p in Case(layout: layout, m: m, p: p) } }
    }

    static let a = -1.0, b = 2.0

    static func f(_ x: Double) -> Double { sin(2 * x) * exp(x / 3) }
    static func df(_ x: Double, _ m: Int) -> Double {
        let e = exp(x / 3), s = sin(2 * x), c = cos(2 * x)
        return m == 1 ? e * (2 * c + s / 3) : e * (-35.0 / 9 * s + 4.0 / 3 * c)
    }
    /// Periodic field; shifted so that no derivative vanishes at the wrapped rows near x = 0
    /// (exp(sin x) has f‴(0) = 0, which makes the rows near 0 converge one order faster).
    static func g(_ x: Double) -> Double { exp(sin(x + 1)) }
    static func dg(_ x: Double, _ m: Int) -> Double {
        let s = sin(x + 1), c = cos(x + 1)
        return m == 1 ? c * exp(s) : (c * c - s) * exp(s)
    }

    /// Candidate resolutions. Those whose error is not at least `floorFactor` times the rounding
    /// estimate `eps · max|f| · Σ|w| / h_minᵐ` are dropped (separately for interior and edges), so every
    /// slope is fitted on truncation error only; at least 3 must remain.
    static let candidates = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    static let floorFactor = 30.0

    /// Rows computed by one-sided (bounded) or wrapped (periodic) stencils at each end.
    static func halfWidth(_ c: Case) -> Int {
        switch c.layout {
        case .uniform, .periodic: Stencil.centralHalfWidth(derivative: c.m, accuracy: c.p)
        case .stretched, .perturbed: c.m == 1 && c.p == 2 ? 1 : (c.m + c.p) / 2
        }
    }

    static func coordinates(_ layout: Layout, count n: Int, seed: UInt64 = 0) -> [Double] {
        let length = b - a
        switch layout {
        case .uniform:
            return uniformPoints(a, b, count: n)
        case .stretched:
            return (0..<n).map { i in
                let xi = Double(i) / Double(n - 1)
                return a + length * (xi + 0.05 * sin(2 * Double.pi * xi))
            }
        case .perturbed:
            var rng = SplitMix64(seed: UInt64(n) &* 1000 &+ seed)
            let h = length / Double(n - 1)
            return (0..<n).map { i in
                let delta = i == 0 || i == n - 1 ? 0 : Double.random(in: -0.25...0.25, using: &rng)
                return a + h * (Double(i) + delta)
            }
        case .periodic:
            return (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        }
    }

    struct Row {
        let n: Int, h: Double
        let interior: Double, edge: Double
        let interiorFloor: Double, edgeFloor: Double
        var interiorUsable: Bool { interior >= floorFactor * interiorFloor }
        var edgeUsable: Bool { edge >= floorFactor * edgeFloor }
    }

    static func measure(_ c: Case, field: (Double) -> Double, exact: (Double) -> Double,
                        resolutions: [Int]) throws -> [Row] {
        let q = halfWidth(c)
        let periodic = c.layout == .periodic
        let centralSum = Stencil.central(derivative: c.m, accuracy: c.p).weights.reduce(0) { $0 + abs($1) }
        let worstSum = periodic ? centralSum : worstWeightSum(derivative: c.m, accuracy: c.p)
        // Perturbed grids: the worst of 3 random grids per N, which steadies the fitted slope.
        let seeds: [UInt64] = c.layout == .perturbed ? [1, 2, 3] : [0]
        return try resolutions.map { n in try seeds.map { seed in
            let x = coordinates(c.layout, count: n, seed: seed)
            let values = x.map(field)
            let h: Double
            let spacing: Spacing
            switch c.layout {
            case .uniform: h = (b - a) / Double(n - 1); spacing = .uniform(h)
            case .periodic: h = 2 * Double.pi / Double(n); spacing = .uniform(h)
            case .stretched, .perturbed: h = (b - a) / Double(n - 1); spacing = .coordinates(x)
            }
            let result = try Nabla.derivative(of: NDArray(values), along: 0, order: c.m, spacing: spacing,
                                              accuracy: c.p, edgeOrder: 2, periodic: periodic)
            var interior = 0.0, edge = 0.0
            for i in 0..<n {
                let e = abs(result.scalars[i] - exact(x[i]))
                if i >= q && i < n - q { interior = max(interior, e) } else { edge = max(edge, e) }
            }
            // Rounding scale; non-uniform weights are larger than the unit-step ones (factor 4 allowed).
            let hMin = zip(x.dropFirst(), x).map { $0 - $1 }.min()!
            let scale = Double.ulpOfOne * maxAbs(values) / pow(hMin, Double(c.m))
            let nonUniformFactor = c.layout == .uniform || periodic ? 1.0 : 4.0
            return Row(n: n, h: h, interior: interior, edge: edge,
                       interiorFloor: scale * centralSum * nonUniformFactor,
                       edgeFloor: scale * worstSum * nonUniformFactor)
        }.reduce(nil) { (worst: Row?, r: Row) -> Row? in
            guard let worst else { return r }
            return Row(n: r.n, h: r.h, interior: max(worst.interior, r.interior), edge: max(worst.edge, r.edge),
                       interiorFloor: max(worst.interiorFloor, r.interiorFloor), edgeFloor: max(worst.edgeFloor, r.edgeFloor))
        }! }
    }

    /// Fits the slope on the finest resolutions above the rounding floor (the most asymptotic ones),
    /// going coarser until they number at least 3 and span a factor `span` in N (2; 4 on randomly
    /// perturbed grids, whose max error scatters from one grid to the next).
    static func fit(_ rows: [Row], _ usable: (Row) -> Bool, _ error: (Row) -> Double,
                    span: Int = 2) throws -> (order: Double, fitted: Set<Int>) {
        let above = rows.filter(usable)
        var chosen: [Row] = []
        for r in above.reversed() {
            chosen.insert(r, at: 0)
            if chosen.count >= 3 && chosen.last!.n >= span * chosen[0].n { break }
        }
        try #require(chosen.count >= 3, "fewer than 3 resolutions above the rounding floor")
        return (observedOrder(h: chosen.map(\.h), error: chosen.map(error)), Set(chosen.map(\.n)))
    }

    static func report(_ title: String, _ rows: [Row], _ interior: (order: Double, fitted: Set<Int>),
                       _ edge: (order: Double, fitted: Set<Int>)) -> String {
        var table = "[convergence] \(title)\n      N   interior err   edge err     (* = fitted)\n"
        for r in rows {
            table += String(format: "  %5d   %.3e", r.n, r.interior) + (interior.fitted.contains(r.n) ? "*" : " ")
                + String(format: "     %.3e", r.edge) + (edge.fitted.contains(r.n) ? "*" : " ") + "\n"
        }
        return table + "  slopes: interior \(fixed(interior.order))  edge \(fixed(edge.order))"
    }

    /// Bounded p = 8 (and the stretched interior at p = 8) never reach their asymptotic range in Double
    /// before rounding takes over: the next error term is ≈ 3.6·k·h times the leading one for the
    /// 9-point one-sided stencils (k ≈ 2 the field's wavenumber), while truncation only beats rounding
    /// for k·h ≳ 0.1, so the slopes fitted there are 7.3–7.7. The polynomial test below shows order p
    /// exactly at those rows; here p = 8 on bounded axes is held to p - 1.
    static func slack(_ c: Case) -> Double { c.p == 8 && c.layout != .periodic ? 1.0 : 0.2 }

    @Test("observed order of a smooth analytic field, interior and edges", arguments: cases)
    func observedOrders(c: Case) throws {
        let periodic = c.layout == .periodic
        let rows = try Self.measure(c, field: periodic ? Self.g : Self.f,
                                    exact: { periodic ? Self.dg($0, c.m) : Self.df($0, c.m) },
                                    resolutions: Self.candidates)
        let span = c.layout == .perturbed ? 4 : 2
        let interior = try Self.fit(rows, \.interiorUsable, \.interior, span: span)
        let edge = try Self.fit(rows, \.edgeUsable, \.edge, span: span)
        print(Self.report("\(c.testDescription)  (half-width \(Self.halfWidth(c)))", rows, interior, edge))
        let p = Double(c.p), slack = Self.slack(c)
        #expect(interior.order >= p - slack, "interior order \(interior.order) < \(p - slack)")
        #expect(edge.order >= p - slack, "edge order \(edge.order) < \(p - slack)")
        if c.layout == .uniform || periodic {
            #expect(interior.order <= p + 0.6, "interior order \(interior.order) > \(p + 0.6)")
            #expect(edge.order <= p + 0.6, "edge order \(edge.order) > \(p + 0.6)")
        }
    }

    /// On the monomial ((x + 1)/3)^(m+p) every error term past the leading one vanishes on a uniform
    /// axis: the error at each row is exactly C_row·hᵖ, so the slope is p up to rounding — also for
    /// the p = 8 one-sided rows, on coarse grids the analytic field cannot use. Non-uniform rows depend on the local step ratios (smoothly for the
    /// stretched grid, randomly for the perturbed one). Non-uniform interior windows of even m hold
    /// m + p + 1 points and are exact on this polynomial (checked instead of a slope).
    @Test("order p exactly on a monomial of degree m + p", arguments: cases.filter { $0.layout != .periodic })
    func polynomialOrders(c: Case) throws {
        let degree = Double(c.m + c.p)
        func f(_ x: Double) -> Double { pow((x + 1) / 3, degree) }
        func df(_ x: Double) -> Double {
            var falling = 1.0
            for j in 0..<c.m { falling *= degree - Double(j) }
            return falling * pow((x + 1) / 3, degree - Double(c.m)) / pow(3, Double(c.m))
        }
        let rows = try Self.measure(c, field: f, exact: df, resolutions: [16, 20, 24, 32, 40, 48, 64, 96, 128, 192])
        let exactInterior = c.layout != .uniform && c.m % 2 == 0
        let span = c.layout == .perturbed ? 4 : 2
        let interior = exactInterior ? (order: Double.nan, fitted: Set<Int>())
                                     : try Self.fit(rows, \.interiorUsable, \.interior, span: span)
        let edge = try Self.fit(rows, \.edgeUsable, \.edge, span: span)
        print(Self.report("monomial degree \(c.m + c.p), \(c.testDescription)", rows, interior, edge))
        // Non-uniform rows at p = 8 carry O(h) corrections from the changing step ratios, and reach the
        // rounding floor before those fade (fitted slopes ≈ 7.3–7.7): held to p - 1 like the analytic field.
        let p = Double(c.p), slack = c.p == 8 && c.layout != .uniform ? 1.0 : 0.2
        if exactInterior {
            for r in rows { #expect(r.interior <= 1e3 * r.interiorFloor, "interior not exact at N=\(r.n): \(r.interior)") }
        } else {
            #expect(interior.order >= p - slack, "interior order \(interior.order)")
        }
        #expect(edge.order >= p - slack, "edge order \(edge.order)")
        if c.layout == .uniform {
            #expect(interior.order <= p + 0.6, "interior order \(interior.order)")
            #expect(edge.order <= p + 0.6, "edge order \(edge.order)")
        }
    }

    /// numpy's default edges (`edgeOrder: 1`) are first order; the interior stays second order.
    @Test("numpy scheme with edgeOrder 1: edges first order, interior second")
    func numpyEdgeOrderOne() throws {
        var hs: [Double] = [], interior: [Double] = [], edge: [Double] = []
        for n in [32, 64, 128, 256] {
            let x = uniformPoints(Self.a, Self.b, count: n)
            let h = (Self.b - Self.a) / Double(n - 1)
            let d = try Nabla.gradient(of: NDArray(x.map(Self.f)), spacing: [.uniform(h)])[0]
            let e = zip(d.scalars, x).map { abs($0 - Self.df($1, 1)) }
            hs.append(h)
            interior.append(maxAbs(e[1..<(n - 1)]))
            edge.append(max(e[0], e[n - 1]))
        }
        let pi = observedOrder(h: hs, error: interior), pe = observedOrder(h: hs, error: edge)
        print("[convergence] numpy edgeOrder 1: interior \(fixed(pi)), edge \(fixed(pe))")
        #expect(abs(pi - 2) < 0.2)
        #expect(abs(pe - 1) < 0.2)
    }
}
