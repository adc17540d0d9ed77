import Foundation
import Nabla

// Gradient checks for functions whose gradients people write by hand, after scipy.optimize.approx_fprime,
// scipy.optimize.check_grad and Theano's verify_grad.
//
// Value semantics make the aliasing trap of hand-written checkers impossible: every evaluation receives
// its own `[Double]` (a copy of the point with one element moved), the function cannot change the caller's
// point, and whatever the function keeps (the argument itself, or an array it returns that *is* its
// argument) is never changed afterwards by the checker.

/// The finite-difference formula.
public enum DifferenceMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// `(f(x + hᵢeᵢ) − f(x)) / hᵢ`: one extra evaluation per element, error O(h)
    /// (scipy's approx_fprime and check_grad, Theano's verify_grad).
    case forward
    /// `(f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ)`: two evaluations per element, error O(h²)
    /// (torch.autograd.gradcheck, jax check_grads).
    case central

    /// The default relative step: `√ε ≈ 1.49e-8` forward, `∛ε ≈ 6.06e-6` central (ε = `Double.ulpOfOne`),
    /// which balance truncation and rounding error.
    public var defaultRelativeStep: Double {
        switch self {
        case .forward: Double.ulpOfOne.squareRoot()
        case .central: Foundation.cbrt(Double.ulpOfOne)
        }
    }
}

/// The step of a finite-difference approximation.
public enum DifferenceStep: Sendable, Hashable, Codable {
    /// `hᵢ = r · max(1, |xᵢ|)` (sign of `xᵢ`) with `r` the method's ``DifferenceMethod/defaultRelativeStep``:
    /// scipy's `approx_derivative` rule. For `|xᵢ| ≤ 1` it is scipy's `approx_fprime` / `check_grad` default
    /// `epsilon = √ε`; larger elements get proportionally larger steps, so that `xᵢ + hᵢ ≠ xᵢ`.
    case automatic
    /// The same absolute step for every element (scipy's scalar `epsilon`).
    case scalar(Double)
    /// One absolute step per element (scipy's array `epsilon`).
    case perElement([Double])
}

/// Approximates the gradient of a scalar function by finite differences, like scipy.optimize.approx_fprime.
///
/// ```
/// forward:  gᵢ = (f(x + hᵢeᵢ) − f(x)) / hᵢ'               hᵢ' = (xᵢ + hᵢ) − xᵢ
/// central:  gᵢ = (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / hᵢ'        hᵢ' = (xᵢ + hᵢ) − (xᵢ − hᵢ)
/// ```
/// `hᵢ'` is the step actually taken after rounding `xᵢ ± hᵢ`, so the quotient is not polluted by the
/// representation error of the step (numerical recipes §5.7). The truncation error is `O(h)` forward,
/// `O(h²)` central.
///
/// - Parameters:
///   - f: the function. It receives its own copy of the point each time; `x` is never modified.
///   - x: the point.
///   - method: `.forward` (default, as scipy) or `.central`.
///   - step: see ``DifferenceStep``; `.automatic` by default.
/// - Returns: `n` partial derivatives.
/// - Throws: `NablaError.invalidArgument(_:)` for a step list of the wrong length or a step that vanishes
///   (is zero, or is too small to change `xᵢ`), and whatever `f` throws.
public func approximateGradient(
    of f: ([Double]) throws -> Double, at x: [Double], method: DifferenceMethod = .forward,
    step: DifferenceStep = .automatic
) throws -> [Double] {
    try approximateJacobian(of: { [try f($0)] }, at: x, method: method, step: step)[0]
}

/// Approximates the Jacobian `J[i][j] = ∂fᵢ/∂xⱼ` of a vector function by finite differences (same formulas
/// and steps as ``approximateGradient(of:at:method:step:)``, one column per element of `x`).
///
/// - Throws: as ``approximateGradient(of:at:method:step:)``, and `NablaError.shapeMismatch(expected:actual:)`
///   if `f` returns arrays of different lengths.
public func approximateJacobian(
    of f: ([Double]) throws -> [Double], at x: [Double], method: DifferenceMethod = .forward,
    step: DifferenceStep = .automatic
) throws -> [[Double]] {
    let h = try nominalSteps(for: x, method: method, step: step)
    // A copy of the point per evaluation: whatever `f` keeps of its argument stays as it was.
    let f0: [Double]? = method == .forward ? try f(x) : nil
    var columns: [[Double]] = []
    columns.reserveCapacity(x.count)
    var outputs = f0?.count
    func checked(_ y: [Double]) throws -> [Double] {
        if let m = outputs, y.count != m {
            throw NablaError.shapeMismatch(expected: [m], actual: "the function returned \(y.count) values at one point and \(m) at another")
        }
        outputs = y.count
        return y
    }
    for i in x.indices {
        var plus = x
        plus[i] = x[i] + h[i]
        let fPlus = try checked(f(plus))
        let column: [Double]
        switch method {
        case .forward:
            let taken = plus[i] - x[i]
            guard taken != 0 else { throw vanishingStep(i, x: x[i], h: h[i]) }
            column = zip(fPlus, f0!).map { ($0 - $1) / taken }
        case .central:
            var minus = x
            minus[i] = x[i] - h[i]
            let fMinus = try checked(f(minus))
            let taken = plus[i] - minus[i]
            guard taken != 0 else { throw vanishingStep(i, x: x[i], h: h[i]) }
            column = zip(fPlus, fMinus).map { ($0 - $1) / taken }
        }
        columns.append(column)
    }
    let m = outputs ?? 0
    return (0..<m).map { r in columns.map { $0[r] } }
}

/// The nominal steps `hᵢ` for a point.
func nominalSteps(for x: [Double], method: DifferenceMethod, step: DifferenceStep) throws(NablaError) -> [Double] {
    switch step {
    case .automatic:
        let r = method.defaultRelativeStep
        return x.map { xi in (xi < 0 ? -r : r) * max(1, abs(xi)) }
    case let .scalar(h):
        guard h.isFinite, h != 0 else { throw .invalidArgument("the step \(h) must be finite and non-zero") }
        return Array(repeating: h, count: x.count)
    case let .perElement(h):
        guard h.count == x.count else {
            throw .invalidArgument("\(h.count) steps for a point of \(x.count) elements; give one step per element")
        }
        if let i = h.firstIndex(where: { !$0.isFinite || $0 == 0 }) {
            throw .invalidArgument("step \(i) is \(h[i]); steps must be finite and non-zero")
        }
        return h
    }
}

func vanishingStep(_ i: Int, x: Double, h: Double) -> NablaError {
    .invalidArgument("element \(i): the step \(h) does not change x[\(i)] = \(x) (below its resolution \(x.ulp)); use a larger step or .automatic")
}

// MARK: check_grad

/// Along which directions ``checkGradient(of:gradient:at:direction:method:step:shape:)`` compares.
public enum CheckDirection: Sendable, Hashable, Codable {
    /// Every coordinate direction: the whole gradient (scipy's `direction='all'`).
    case all
    /// One random unit vector `v` drawn from a seeded generator: the directional derivative `∇f·v`
    /// (scipy's `direction='random'`, whose vector is not normalised). Cheap for long `x`: two or three
    /// evaluations of `f`.
    case random(seed: UInt64)
}

/// The analytic and numerical values at one element of a gradient check.
public struct ElementError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The flat position of the element in `x` (or in the projection's output for `verifyGradient`).
    public var index: Int
    /// The multi-index of the element when a shape was given.
    public var multiIndex: [Int]?
    /// The projection (random output weighting) it belongs to, for `verifyGradient`.
    public var projection: Int?
    /// The value of the gradient being checked.
    public var analytic: Double
    /// The finite-difference value.
    public var numerical: Double
    /// `|analytic − numerical|`.
    public var absoluteError: Double
    /// `|analytic − numerical| / max(|analytic| + |numerical|, 1e-8)` (Theano's).
    public var relativeError: Double

    /// An element's comparison.
    public init(index: Int, multiIndex: [Int]? = nil, projection: Int? = nil, analytic: Double, numerical: Double) {
        self.index = index
        self.multiIndex = multiIndex
        self.projection = projection
        self.analytic = analytic
        self.numerical = numerical
        let d = abs(analytic - numerical)
        absoluteError = d.isNaN ? .infinity : d
        relativeError = d.isNaN ? .infinity : (d == 0 ? 0 : d / max(abs(analytic) + abs(numerical), 1e-8))
    }

    /// `"[1, 0] (flat 2)"` or `"2"`.
    public var location: String {
        if let m = multiIndex { return ReportFormat.index(m) + " (flat \(index))" }
        return "\(index)"
    }

    /// An aligned, human-readable report.
    public var description: String {
        "element \(location): analytic \(ReportFormat.value(analytic)), numerical \(ReportFormat.value(numerical)), abs error \(ReportFormat.number(absoluteError)), rel error \(ReportFormat.number(relativeError))"
    }

    private enum CodingKeys: String, CodingKey {
        case index, multiIndex = "multi_index", projection, analytic, numerical, absoluteError = "absolute_error",
             relativeError = "relative_error"
    }
}

/// The result of ``checkGradient(of:gradient:at:direction:method:step:shape:)``.
public struct GradientCheck: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `‖g − ĝ‖₂`: the 2-norm of the difference between the analytic and the numerical gradient (scipy
    /// check_grad's return value). For a random direction, `|g·v − ĝᵥ|`.
    public var error: Double
    /// `‖g − ĝ‖₂ / max(‖g‖₂ + ‖ĝ‖₂, 1e-8)`: the same, relative (Theano's formula on the norms).
    public var relativeError: Double
    /// The analytic gradient (`[g·v]` for a random direction).
    public var analytic: [Double]
    /// The finite-difference gradient (`[ĝᵥ]` for a random direction).
    public var numerical: [Double]
    /// The random unit direction, if one was used.
    public var direction: [Double]?
    /// The element with the largest `|gᵢ − ĝᵢ|` (first occurrence); for a random direction, the
    /// directional derivative (index 0).
    public var worst: ElementError?
    /// The finite-difference formula used.
    public var method: DifferenceMethod

    private enum CodingKeys: String, CodingKey {
        case error, relativeError = "relative_error", analytic, numerical, direction, worst, method
    }

    /// An aligned, human-readable report.
    public var description: String {
        var s = "gradient check (\(method.rawValue) differences\(direction == nil ? "" : ", random direction")): ‖analytic − numerical‖₂ = \(ReportFormat.number(error)) (relative \(ReportFormat.number(relativeError)))"
        if let w = worst {
            s += direction == nil ? "\n  worst \(w)" : "\n  directional derivative: analytic \(ReportFormat.value(w.analytic)), numerical \(ReportFormat.value(w.numerical))"
        }
        return s
    }
}

/// Checks a hand-written gradient against finite differences, like scipy.optimize.check_grad.
///
/// ```swift
/// let f = { (x: [Double]) in x[0] * x[0] - 0.5 * x[1] * x[1] * x[1] }
/// let g = { (x: [Double]) in [2 * x[0], -1.5 * x[1] * x[1]] }
/// let check = try checkGradient(of: f, gradient: g, at: [1.5, -1.5])
/// check.error       // ≈ 3e-8, as scipy's docs show
/// ```
/// - Parameters:
///   - f: the function. It receives its own copy of the point.
///   - gradient: its claimed gradient, one partial derivative per element of `x`.
///   - x: the point; never modified.
///   - direction: `.all` compares the whole gradient; `.random(seed:)` one directional derivative.
///   - method: the finite-difference formula (``approximateGradient(of:at:method:step:)``); forward by
///     default, as scipy.
///   - step: the finite-difference step; `.automatic` by default, as scipy. For a random direction the
///     step `t` along `v` is `.scalar(t)`, or `r·max(1, maxᵢ|xᵢ|)` for `.automatic`; `.perElement` is refused.
///   - shape: the shape of `x` when it is a flattened array, so that the worst element is also reported
///     as a multi-index.
/// - Throws: `NablaError.invalidArgument(_:)` when the gradient's length differs from `x`'s, for
///   invalid steps, and whatever the closures throw.
public func checkGradient(
    of f: ([Double]) throws -> Double, gradient: ([Double]) throws -> [Double], at x: [Double],
    direction: CheckDirection = .all, method: DifferenceMethod = .forward, step: DifferenceStep = .automatic,
    shape: [Int]? = nil
) throws -> GradientCheck {
    try checkShape(shape, count: x.count)
    let g = try gradient(x)
    guard g.count == x.count else {
        throw NablaError.invalidArgument("the gradient has \(g.count) elements but the point has \(x.count); return one partial derivative per element")
    }
    switch direction {
    case .all:
        let numerical = try approximateGradient(of: f, at: x, method: method, step: step)
        let elements = x.indices.map { i in
            ElementError(index: i, multiIndex: shape.map { FieldScorer.multiIndex(i, shape: $0) }, analytic: g[i], numerical: numerical[i])
        }
        var worst: ElementError?
        for e in elements where worst == nil || e.absoluteError > worst!.absoluteError { worst = e }
        let error = norm(zip(g, numerical).map { $0 - $1 })
        return GradientCheck(error: error, relativeError: relative(error, norm(g) + norm(numerical)),
                             analytic: g, numerical: numerical, direction: nil, worst: worst, method: method)
    case let .random(seed):
        var generator = SplitMix64(seed: seed)
        let v = generator.unitVector(count: x.count)
        let t: Double
        switch step {
        case .automatic: t = method.defaultRelativeStep * max(1, x.map(abs).max() ?? 0)
        case let .scalar(h):
            guard h.isFinite, h != 0 else { throw NablaError.invalidArgument("the step \(h) must be finite and non-zero") }
            t = h
        case .perElement:
            throw NablaError.invalidArgument("per-element steps do not apply to a random direction; use .scalar(t) or .automatic")
        }
        // φ(s) = f(x + s·v); its derivative at 0 is ∇f·v.
        func phi(_ s: Double) throws -> Double { try f(zip(x, v).map { $0 + s * $1 }) }
        let numerical: Double = switch method {
        case .forward: (try phi(t) - (try phi(0))) / t
        case .central: (try phi(t) - (try phi(-t))) / (2 * t)
        }
        let analytic = zip(g, v).reduce(0) { $0 + $1.0 * $1.1 }
        let element = ElementError(index: 0, analytic: analytic, numerical: numerical)
        return GradientCheck(error: element.absoluteError, relativeError: element.relativeError, analytic: [analytic],
                             numerical: [numerical], direction: v, worst: element, method: method)
    }
}

// MARK: verify_grad

/// The result of ``verifyGradient(of:vectorJacobianProduct:at:projections:seed:absoluteTolerance:relativeTolerance:method:step:shape:)``.
public struct GradientVerification: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Whether no element exceeded both tolerances.
    public var passed: Bool
    /// The absolute tolerance.
    public var absoluteTolerance: Double
    /// The relative tolerance.
    public var relativeTolerance: Double
    /// The number of random projections checked.
    public var projections: Int
    /// The largest absolute error over every projection and element.
    public var maxAbsoluteError: Double
    /// The largest relative error over every projection and element.
    public var maxRelativeError: Double
    /// The element with the largest violation `min(absErr / absTol, relErr / relTol)` (Theano's
    /// `max_err`); the check fails when it exceeds 1.
    public var worst: ElementError?
    /// The worst element's violation.
    public var violation: Double

    private enum CodingKeys: String, CodingKey {
        case passed, absoluteTolerance = "absolute_tolerance", relativeTolerance = "relative_tolerance", projections,
             maxAbsoluteError = "max_absolute_error", maxRelativeError = "max_relative_error", worst, violation
    }

    /// An aligned, human-readable report.
    public var description: String {
        var s = "gradient verification \(passed ? "PASSED" : "FAILED") (\(projections) random projection\(projections == 1 ? "" : "s"), abs tol \(ReportFormat.value(absoluteTolerance)), rel tol \(ReportFormat.value(relativeTolerance))): max abs error \(ReportFormat.number(maxAbsoluteError)), max rel error \(ReportFormat.number(maxRelativeError))"
        if let w = worst {
            s += "\n  worst \(w) in projection \(w.projection ?? 0)"
            if !passed {
                s += "\n  both tolerances exceeded: abs \(ReportFormat.number(w.absoluteError)) > \(ReportFormat.value(absoluteTolerance)) and rel \(ReportFormat.number(w.relativeError)) > \(ReportFormat.value(relativeTolerance))"
            }
        }
        return s
    }
}

/// Verifies a hand-written vector-Jacobian product with random projections, like Theano's verify_grad.
///
/// For each projection a random weight vector `u` (uniform in [0.5, 1.5), Theano's choice: no weight near
/// zero hides an output) turns `f` into the scalar `c(x) = u · f(x)`. Its gradient `Jᵀu` from
/// `vectorJacobianProduct(x, u)` is compared element by element with finite differences of `c`:
/// ```
/// absErr = |a − n|      relErr = |a − n| / max(|a| + |n|, 1e-8)
/// fail  ⇔  absErr > absoluteTolerance  AND  relErr > relativeTolerance   (for some element)
/// ```
/// The worst element is the one with the largest `min(absErr / absTol, relErr / relTol)` (Theano's
/// `max_err`). A NaN on either side counts as an infinite error.
///
/// - Parameters:
///   - f: the function `ℝⁿ → ℝᵐ`; receives its own copy of the point.
///   - vectorJacobianProduct: `(x, u) ↦ Jᵀu`, of `x`'s length.
///   - projections: the number of random projections (default 1, as Theano).
///   - seed: the seed of the projections' generator (deterministic).
///   - x: the point; never modified.
///   - absoluteTolerance: the absolute tolerance; default 1e-4 (Theano's float64 default).
///   - relativeTolerance: the relative tolerance; default 1e-4 (Theano's float64 default).
///   - method: the finite-difference formula; central by default (Theano uses forward, `eps = 1e-7`).
///   - step: the finite-difference step (``DifferenceStep``); `.automatic` by default.
///   - shape: the shape of `x` when it is a flattened array, for the report.
/// - Throws: `NablaError.invalidArgument(_:)` for lengths that do not match, invalid steps or
///   tolerances, and whatever the closures throw.
public func verifyGradient(
    of f: ([Double]) throws -> [Double], vectorJacobianProduct: ([Double], [Double]) throws -> [Double],
    at x: [Double], projections: Int = 1, seed: UInt64 = 0, absoluteTolerance: Double = 1e-4,
    relativeTolerance: Double = 1e-4, method: DifferenceMethod = .central, step: DifferenceStep = .automatic,
    shape: [Int]? = nil
) throws -> GradientVerification {
    try checkShape(shape, count: x.count)
    guard projections >= 1 else { throw NablaError.invalidArgument("projections is \(projections); check at least 1") }
    for (name, t) in [("absolute", absoluteTolerance), ("relative", relativeTolerance)] where !(t >= 0 && t.isFinite) {
        throw NablaError.invalidArgument("the \(name) tolerance is \(t); it must be a finite number ≥ 0")
    }
    let m = try f(x).count
    var generator = SplitMix64(seed: seed)
    var worst: ElementError?
    var worstViolation = -Double.infinity
    var maxAbs = 0.0, maxRel = 0.0
    for p in 0..<projections {
        let u = (0..<m).map { _ in 0.5 + generator.nextUniform() }
        func cost(_ point: [Double]) throws -> Double {
            let y = try f(point)
            guard y.count == m else {
                throw NablaError.invalidArgument("the function returned \(y.count) values at one point and \(m) at another")
            }
            return zip(u, y).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let analytic = try vectorJacobianProduct(x, u)
        guard analytic.count == x.count else {
            throw NablaError.invalidArgument("the vector-Jacobian product has \(analytic.count) elements but the point has \(x.count); return one per element of x")
        }
        let numerical = try approximateGradient(of: cost, at: x, method: method, step: step)
        for i in x.indices {
            let e = ElementError(index: i, multiIndex: shape.map { FieldScorer.multiIndex(i, shape: $0) }, projection: p,
                                 analytic: analytic[i], numerical: numerical[i])
            maxAbs = max(maxAbs, e.absoluteError)
            maxRel = max(maxRel, e.relativeError)
            let violation = min(ratio(e.absoluteError, absoluteTolerance), ratio(e.relativeError, relativeTolerance))
            if violation > worstViolation {
                worstViolation = violation
                worst = e
            }
        }
    }
    let violation = max(worstViolation, 0)
    return GradientVerification(passed: violation <= 1, absoluteTolerance: absoluteTolerance,
                                relativeTolerance: relativeTolerance, projections: projections, maxAbsoluteError: maxAbs,
                                maxRelativeError: maxRel, worst: worst, violation: violation)
}

/// Verifies a hand-written Jacobian (`jacobian(x)[i][j] = ∂fᵢ/∂xⱼ`, one row per output) with random
/// projections; see ``verifyGradient(of:vectorJacobianProduct:at:projections:seed:absoluteTolerance:relativeTolerance:method:step:shape:)``.
public func verifyGradient(
    of f: ([Double]) throws -> [Double], jacobian: ([Double]) throws -> [[Double]], at x: [Double],
    projections: Int = 1, seed: UInt64 = 0, absoluteTolerance: Double = 1e-4, relativeTolerance: Double = 1e-4,
    method: DifferenceMethod = .central, step: DifferenceStep = .automatic, shape: [Int]? = nil
) throws -> GradientVerification {
    try verifyGradient(
        of: f,
        vectorJacobianProduct: { point, u in
            let j = try jacobian(point)
            guard j.count == u.count else {
                throw NablaError.invalidArgument("the Jacobian has \(j.count) rows but the function has \(u.count) outputs; give one row per output")
            }
            var result = [Double](repeating: 0, count: point.count)
            for (r, row) in j.enumerated() {
                guard row.count == point.count else {
                    throw NablaError.invalidArgument("row \(r) of the Jacobian has \(row.count) elements but the point has \(point.count)")
                }
                for c in row.indices { result[c] += u[r] * row[c] }
            }
            return result
        },
        at: x, projections: projections, seed: seed, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, method: method, step: step, shape: shape)
}

/// Verifies a hand-written gradient of a scalar function with Theano's tolerance rule (fails only where the
/// absolute and the relative error both exceed their tolerances); see
/// ``verifyGradient(of:vectorJacobianProduct:at:projections:seed:absoluteTolerance:relativeTolerance:method:step:shape:)``.
public func verifyGradient(
    of f: ([Double]) throws -> Double, gradient: ([Double]) throws -> [Double], at x: [Double],
    projections: Int = 1, seed: UInt64 = 0, absoluteTolerance: Double = 1e-4, relativeTolerance: Double = 1e-4,
    method: DifferenceMethod = .central, step: DifferenceStep = .automatic, shape: [Int]? = nil
) throws -> GradientVerification {
    try verifyGradient(
        of: { [try f($0)] },
        vectorJacobianProduct: { point, u in try gradient(point).map { $0 * u[0] } },
        at: x, projections: projections, seed: seed, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, method: method, step: step, shape: shape)
}

// MARK: Helpers

func checkShape(_ shape: [Int]?, count: Int) throws(NablaError) {
    guard let shape else { return }
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == count else {
        throw .shapeMismatch(expected: shape, actual: "a point of \(count) elements")
    }
}

func norm(_ v: [Double]) -> Double {
    var s = ScaledSumOfSquares()
    for x in v { s.add(x) }
    return v.contains(where: \.isNaN) ? .nan : s.norm
}

func relative(_ d: Double, _ size: Double) -> Double { d == 0 ? 0 : d / max(size, 1e-8) }

/// `value / tolerance`, with `0 / 0 = 0` and `x / 0 = ∞`.
func ratio(_ value: Double, _ tolerance: Double) -> Double {
    if value == 0 { return 0 }
    return tolerance == 0 ? .infinity : value / tolerance
}

/// A small, fast, seeded generator (SplitMix64, Steele, Lea & Flood 2014): reproducible projections and
/// directions on every platform.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal deviate (Box–Muller).
    mutating func nextNormal() -> Double {
        let u1 = 1 - nextUniform()          // (0, 1]
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A uniformly distributed unit vector (normalised normal deviates).
    mutating func unitVector(count: Int) -> [Double] {
        guard count > 0 else { return [] }
        while true {
            let v = (0..<count).map { _ in nextNormal() }
            let n = norm(v)
            if n > 0 { return v.map { $0 / n } }
        }
    }
}
