import Foundation
import Nabla
import NablaVerification
import Testing

/// The bit patterns of a point, to compare "bit for bit".
func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }

/// Records every argument a function receives (a reference type, so closures share it).
final class ArgumentLog: @unchecked Sendable {
    var arguments: [[Double]] = []
}

@Suite("approximateGradient (scipy.optimize.approx_fprime)")
struct ApproximateGradientTests {
    static func f(_ x: [Double]) -> Double { exp(x[0]) + sin(x[1]) * x[0] }
    static func g(_ x: [Double]) -> [Double] { [exp(x[0]) + sin(x[1]), cos(x[1]) * x[0]] }
    static let x = [0.3, 1.1]

    static func error(_ method: DifferenceMethod, _ h: Double) throws -> Double {
        let n = try approximateGradient(of: f, at: x, method: method, step: .scalar(h))
        return zip(n, g(x)).map { abs($0 - $1) }.max()!
    }

    @Test("forward differences are O(h), central O(h²)")
    func orders() throws {
        let forward = try ConvergenceStudy(steps: [1e-2, 5e-3, 2.5e-3], errors: [1e-2, 5e-3, 2.5e-3].map { try Self.error(.forward, $0) })
        let central = try ConvergenceStudy(steps: [1e-2, 5e-3, 2.5e-3], errors: [1e-2, 5e-3, 2.5e-3].map { try Self.error(.central, $0) })
        #expect(abs(forward.observedOrder - 1) < 0.05, "\(forward)")
        #expect(abs(central.observedOrder - 2) < 0.05, "\(central)")
    }

    @Test("default steps √ε (forward) and ∛ε (central) are near the best accuracy")
    func defaults() throws {
        let forward = try approximateGradient(of: Self.f, at: Self.x)
        let central = try approximateGradient(of: Self.f, at: Self.x, method: .central)
        for (n, e) in zip(forward, Self.g(Self.x)) { #expect(abs(n - e) < 1e-7) }
        for (n, e) in zip(central, Self.g(Self.x)) { #expect(abs(n - e) < 1e-9) }
        #expect(DifferenceMethod.forward.defaultRelativeStep == Double.ulpOfOne.squareRoot())
        // Steps scale with |x|: at x = 1e8 a fixed step of √ε would not move x at all.
        let big = try approximateGradient(of: { $0[0] * $0[0] }, at: [1e8], method: .central)
        #expect(abs(big[0] - 2e8) / 2e8 < 1e-8)
        #expect(throws: NablaError.self) { try approximateGradient(of: { $0[0] }, at: [1e8], step: .scalar(1e-10)) }
    }

    @Test("per-element steps, and their validation")
    func perElement() throws {
        let n = try approximateGradient(of: Self.f, at: Self.x, method: .central, step: .perElement([1e-5, 1e-4]))
        for (a, e) in zip(n, Self.g(Self.x)) { #expect(abs(a - e) < 1e-8) }
        #expect(throws: NablaError.self) { try approximateGradient(of: Self.f, at: Self.x, step: .perElement([1e-5])) }
        #expect(throws: NablaError.self) { try approximateGradient(of: Self.f, at: Self.x, step: .perElement([1e-5, 0])) }
        #expect(throws: NablaError.self) { try approximateGradient(of: Self.f, at: Self.x, step: .scalar(.nan)) }
    }

    @Test("Jacobian of a vector function")
    func jacobian() throws {
        let j = try approximateJacobian(of: { [$0[0] * $0[1], $0[0] + 2 * $0[1], 7] }, at: [2, 3], method: .central)
        let expected: [[Double]] = [[3, 2], [1, 2], [0, 0]]
        for (row, e) in zip(j, expected) { for (a, b) in zip(row, e) { #expect(abs(a - b) < 1e-9) } }
    }
}

@Suite("checkGradient (scipy.optimize.check_grad)")
struct CheckGradientTests {
    // scipy's docstring example.
    static func f(_ x: [Double]) -> Double { x[0] * x[0] - 0.5 * x[1] * x[1] * x[1] }
    static func g(_ x: [Double]) -> [Double] { [2 * x[0], -1.5 * x[1] * x[1]] }

    @Test("a correct gradient: a tiny 2-norm, as scipy's 2.98e-08")
    func correct() throws {
        let c = try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5])
        #expect(c.error < 1e-6, "\(c)")
        #expect(c.relativeError < 1e-7)
        #expect(c.analytic == Self.g([1.5, -1.5]))
        let central = try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5], method: .central)
        #expect(central.error < 1e-9)
        let random = try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5], direction: .random(seed: 7))
        #expect(random.error < 1e-6, "\(random)")
        let v = try #require(random.direction)
        #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-15)
        // Same seed, same direction.
        #expect(try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5], direction: .random(seed: 7)).direction == v)
    }

    @Test("a wrong gradient: a large 2-norm and the worst element")
    func wrong() throws {
        let bad = { (x: [Double]) in [2 * x[0], -1.5 * x[1]] }  // forgot the square
        let c = try checkGradient(of: Self.f, gradient: bad, at: [1.5, -1.5])
        // ‖[3, 2.25] − [3, −3.375]‖ = 5.625
        #expect(abs(c.error - 5.625) < 1e-5)
        #expect(c.worst?.index == 1)
        #expect("\(c)".contains("worst element 1: analytic 2.25"))
        let random = try checkGradient(of: Self.f, gradient: bad, at: [1.5, -1.5], direction: .random(seed: 1))
        #expect(random.error > 0.1)
    }

    @Test("argument checks")
    func arguments() throws {
        #expect(throws: NablaError.self) { try checkGradient(of: Self.f, gradient: { _ in [1] }, at: [1.5, -1.5]) }
        #expect(throws: NablaError.self) {
            try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5], direction: .random(seed: 0), step: .perElement([1, 1]))
        }
        #expect(throws: NablaError.self) { try checkGradient(of: Self.f, gradient: Self.g, at: [1.5, -1.5], shape: [3]) }
    }
}

@Suite("verifyGradient (Theano's verify_grad)")
struct VerifyGradientTests {
    // f(x) = [1000·x0, x0·x1, sin(x1)]; x2 does not enter, so ∂/∂x2 = 0.
    static func f(_ x: [Double]) -> [Double] { [1000 * x[0], x[0] * x[1], sin(x[1])] }
    static func vjp(_ x: [Double], _ u: [Double]) -> [Double] {
        [1000 * u[0] + u[1] * x[1], u[1] * x[0] + u[2] * cos(x[1]), 0]
    }
    static let x = [0.5, -0.7, 2.0]

    /// The correct product with `delta` added to element `k`.
    static func perturbed(_ k: Int, _ delta: Double) -> ([Double], [Double]) -> [Double] {
        { x, u in var r = vjp(x, u); r[k] += delta; return r }
    }

    @Test("a correct product passes, over several projections")
    func correct() throws {
        let v = try verifyGradient(of: Self.f, vectorJacobianProduct: Self.vjp, at: Self.x, projections: 5, seed: 3)
        #expect(v.passed, "\(v)")
        #expect(v.projections == 5)
        #expect(v.maxAbsoluteError < 1e-6)
    }

    @Test("fails only when BOTH the absolute and the relative tolerance are exceeded")
    func bothTolerances() throws {
        // Element 0 is ~500…1500: an absolute error of 0.01 is a relative error of ~5e-6 → passes.
        let absOnly = try verifyGradient(of: Self.f, vectorJacobianProduct: Self.perturbed(0, 0.01), at: Self.x)
        #expect(absOnly.passed, "\(absOnly)")
        #expect(absOnly.maxAbsoluteError > 1e-4)
        // Element 2 is 0: an error of 1e-5 is a relative error of 1 but below the absolute tolerance → passes.
        let relOnly = try verifyGradient(of: Self.f, vectorJacobianProduct: Self.perturbed(2, 1e-5), at: Self.x)
        #expect(relOnly.passed, "\(relOnly)")
        #expect(relOnly.maxRelativeError > 1e-4)
        // Element 1 is ~1: an error of 0.1 exceeds both → fails, pointing at element 1.
        let both = try verifyGradient(of: Self.f, vectorJacobianProduct: Self.perturbed(1, 0.1), at: Self.x)
        #expect(!both.passed)
        #expect(both.worst?.index == 1)
        #expect(both.violation > 1)
        #expect("\(both)".contains("both tolerances exceeded"))
        // Tighter tolerances turn the first two into failures.
        #expect(try !verifyGradient(of: Self.f, vectorJacobianProduct: Self.perturbed(0, 0.01), at: Self.x,
                                    relativeTolerance: 1e-7).passed)
        #expect(try !verifyGradient(of: Self.f, vectorJacobianProduct: Self.perturbed(2, 1e-5), at: Self.x,
                                    absoluteTolerance: 1e-7).passed)
    }

    @Test("Jacobian and scalar forms; NaN is never a pass")
    func forms() throws {
        let jacobian = { (x: [Double]) -> [[Double]] in [[1000, 0, 0], [x[1], x[0], 0], [0, cos(x[1]), 0]] }
        #expect(try verifyGradient(of: Self.f, jacobian: jacobian, at: Self.x, projections: 3).passed)
        #expect(try verifyGradient(of: { x in x[0] * x[0] * x[1] }, gradient: { x in [2 * x[0] * x[1], x[0] * x[0]] }, at: [1.2, 3]).passed)
        let nan = try verifyGradient(of: { x in x[0] * x[0] }, gradient: { _ in [.nan] }, at: [1])
        #expect(!nan.passed)
        #expect(throws: NablaError.self) { try verifyGradient(of: Self.f, jacobian: { _ in [[1, 2, 3]] }, at: Self.x) }
        #expect(throws: NablaError.self) { try verifyGradient(of: Self.f, vectorJacobianProduct: { _, _ in [0] }, at: Self.x) }
    }
}

/// Seed 002: a numpy gradient checker that perturbs `x` in place and a function that returns its argument
/// (`lin(x) = x`) — f(x+h) and f(x−h) are the same array, so the derivative comes out 0. With value
/// semantics the caller's point is never changed and whatever the function keeps stays as it was.
@Suite("Aliasing (seeds/002): the point is never shared or modified")
struct AliasingTests {
    @Test("the derivative of lin(x) = x at 0.001 is 1, not 0")
    func identity() throws {
        let x = [0.001]
        let j = try approximateJacobian(of: { $0 }, at: x, method: .central, step: .scalar(1e-5))
        #expect(abs(j[0][0] - 1) < 1e-9)
        let v = try verifyGradient(of: { $0 }, vectorJacobianProduct: { _, u in u }, at: [0.001, -2, 5])
        #expect(v.passed, "\(v)")
    }

    @Test("a function that keeps and tries to change its argument cannot affect the check", arguments: [DifferenceMethod.forward, .central])
    func capture(method: DifferenceMethod) throws {
        let x = [0.25, -1.5, 3.0, 1e-300, -0.0]
        let before = bits(x)
        let log = ArgumentLog()
        let f = { (point: [Double]) -> Double in
            log.arguments.append(point)        // keep it
            var mine = point                   // and try to change it
            mine[0] = 1e9
            mine.removeAll()
            return point.enumerated().reduce(0) { $0 + Double($1.offset + 1) * $1.element }
        }
        let g = try approximateGradient(of: f, at: x, method: method)
        #expect(bits(x) == before)
        for (i, gi) in g.enumerated() { #expect(abs(gi - Double(i + 1)) < 1e-6) }
        // Every kept argument is still what it was when passed: x with at most one element moved.
        let expectedCalls = method == .forward ? x.count + 1 : 2 * x.count
        #expect(log.arguments.count == expectedCalls)
        for point in log.arguments {
            #expect(point.count == x.count)
            let moved = zip(point, x).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(moved <= 1, "argument \(point) differs from x in \(moved) places")
        }
        #expect(Set(log.arguments.map(bits)).count == expectedCalls, "every evaluation had its own point")

        _ = try checkGradient(of: f, gradient: { p in p.indices.map { Double($0 + 1) } }, at: x, direction: .all, method: method)
        _ = try checkGradient(of: f, gradient: { p in p.indices.map { Double($0 + 1) } }, at: x, direction: .random(seed: 9), method: method)
        _ = try verifyGradient(of: { p in [f(p), f(p)] }, vectorJacobianProduct: { p, u in p.indices.map { Double($0 + 1) * (u[0] + u[1]) } }, at: x)
        #expect(bits(x) == before)
    }

    @Test("a gradient closure that returns (part of) the point does not alias it")
    func gradientReturnsPoint() throws {
        let x = [1.0, 2.0]
        let before = bits(x)
        // f = ½‖x‖², ∇f = x: the gradient is the argument itself.
        let c = try checkGradient(of: { p in 0.5 * (p[0] * p[0] + p[1] * p[1]) }, gradient: { $0 }, at: x, method: .central)
        #expect(c.error < 1e-9)
        #expect(c.analytic == x)
        #expect(bits(x) == before)
    }
}

/// Seed 004: a numpy gradient check that "does not work" because the hand-written gradient mixed up the
/// matrix product and the element-wise product.
@Suite("Seed 004: dot vs element-wise product")
struct DotVersusElementwiseTests {
    // W (2×2), X (2×2), both row-major.
    static let w: [Double] = [2, 4, 3, 9]

    /// Σ (X · W)ᵢⱼ: the matrix product.
    static func sumOfDot(_ x: [Double]) -> Double {
        var s = 0.0
        for i in 0..<2 { for j in 0..<2 { for k in 0..<2 { s += x[2 * i + k] * w[2 * k + j] } } }
        return s
    }

    /// Σ (W ∗ X)ᵢⱼ: the element-wise product, whose gradient is W.
    static func sumOfElementwise(_ x: [Double]) -> Double { zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } }

    static let x: [Double] = [1, 7, 5, -1]

    @Test("W is the gradient of sum(W * X), and the check passes")
    func elementwise() throws {
        let c = try checkGradient(of: Self.sumOfElementwise, gradient: { _ in Self.w }, at: Self.x, shape: [2, 2])
        #expect(c.error < 1e-5, "\(c)")
    }

    @Test("W is NOT the gradient of sum(X · W): the check fails and points at element [0, 1]")
    func dot() throws {
        // The seed's mistake: the element-wise gradient W for a matrix product.
        let c = try checkGradient(of: Self.sumOfDot, gradient: { _ in Self.w }, at: Self.x, shape: [2, 2])
        // The true gradient is ones · Wᵀ = [[6, 12], [6, 12]]; the differences are [4, 8, 3, 3].
        #expect(abs(c.error - (16.0 + 64 + 9 + 9).squareRoot()) < 1e-5)
        let worst = try #require(c.worst)
        #expect(worst.index == 1 && worst.multiIndex == [0, 1])
        #expect(worst.analytic == 4 && abs(worst.numerical - 12) < 1e-5)
        #expect("\(c)".contains("worst element [0, 1] (flat 1): analytic 4.0, numerical 12.0"), "\(c)")

        // verify_grad says the same, and passes with the right gradient, ones · Wᵀ.
        let v = try verifyGradient(of: Self.sumOfDot, gradient: { _ in Self.w }, at: Self.x, shape: [2, 2])
        // Theano ranks elements by min(absErr/absTol, relErr/relTol): here the relative errors decide, and
        // [0, 0] (2 vs 6) and [0, 1] (4 vs 12) tie at 0.5, so the first is reported.
        #expect(!v.passed, "\(v)")
        #expect(v.worst?.multiIndex == [0, 0] && abs(v.worst!.relativeError - 0.5) < 1e-9, "\(v)")
        let right: [Double] = [Self.w[0] + Self.w[1], Self.w[2] + Self.w[3], Self.w[0] + Self.w[1], Self.w[2] + Self.w[3]]
        #expect(try checkGradient(of: Self.sumOfDot, gradient: { _ in right }, at: Self.x).error < 1e-5)
        #expect(try verifyGradient(of: Self.sumOfDot, gradient: { _ in right }, at: Self.x).passed)
    }
}
