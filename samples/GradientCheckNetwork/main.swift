// GradientCheckNetwork — checking a hand-written backpropagation with finite differences.
//
// A 2-3-1 network, tanh hidden layer, linear output, squared loss over the four XOR samples:
//
//     z = W1·x + b1,   a = tanh z,   ŷ = W2·a + b2,   L(θ) = 1/(2n) Σₛ (ŷₛ − yₛ)²,   θ = (W1, b1, W2, b2)
//
// and its gradient by hand (backpropagation), per sample with r = (ŷ − y)/n:
//
//     ∂L/∂W2 = r·aᵀ    ∂L/∂b2 = r    δ = (W2ᵀ r) ⊙ (1 − a²)    ∂L/∂W1 = δ·xᵀ    ∂L/∂b1 = δ
//
// `⊙` is the elementwise product. Writing a dot product there instead (seeds/004: `np.dot` where `*`
// belongs) gives every hidden unit the same δ = Σⱼ (W2ᵀr)ⱼ(1 − aⱼ²): a gradient that is wrong only in the
// first layer. checkGradient (scipy's check_grad) and verifyGradient (Theano's verify_grad) confirm the
// correct gradient and point at the element the wrong one gets most wrong.
//
// Also shown: the finite differences' own orders (forward O(h), central O(h²)), fitted and asserted
// within ±0.3; and that a check can neither change the caller's parameters nor the values a function
// kept from its argument (seeds/002, where a numpy checker returned 0 for d/dx x because f(x) = x
// returned the very array the checker then reset).
import Foundation
import Nabla
import NablaVerification

// MARK: The network

/// The parameters, flattened in the order W1 (3×2), b1 (3), W2 (1×3), b2 (1).
enum Layout {
    static let inputs = 2, hidden = 3
    static let parts: [(name: String, shape: [Int])] = [("W1", [hidden, inputs]), ("b1", [hidden]), ("W2", [1, hidden]), ("b2", [1])]
    static let count = parts.reduce(0) { $0 + $1.shape.reduce(1, *) }

    /// `θ` split into its four arrays.
    static func unpack(_ theta: [Double]) -> [NDArray<Double>] {
        var offset = 0
        return parts.map { part in
            let n = part.shape.reduce(1, *)
            defer { offset += n }
            return try! NDArray(shape: part.shape, scalars: Array(theta[offset..<offset + n]))
        }
    }

    /// The four arrays flattened back into `θ`.
    static func pack(_ arrays: [NDArray<Double>]) -> [Double] { arrays.flatMap(\.scalars) }

    /// The name of element `i` of `θ`, e.g. `W1[2, 0]`.
    static func name(of i: Int) -> String {
        var offset = 0
        for part in parts {
            let n = part.shape.reduce(1, *)
            if i < offset + n {
                let a = try! NDArray(repeating: 0.0, shape: part.shape)
                return part.name + "[" + a.multiIndex(ofFlatOffset: i - offset).map(String.init).joined(separator: ", ") + "]"
            }
            offset += n
        }
        return "θ[\(i)]"
    }

    /// Whether element `i` belongs to the first layer (W1 or b1).
    static func isFirstLayer(_ i: Int) -> Bool { i < hidden * inputs + hidden }
}

/// The four XOR samples.
let inputs: [NDArray<Double>] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]].map { NDArray($0) }
let targets: [Double] = [0, 1, 1, 0]

/// `W·v` for a matrix `W` (rows × columns) and a vector `v`.
func product(_ w: NDArray<Double>, _ v: NDArray<Double>) -> NDArray<Double> {
    NDArray((0..<w.shape[0]).map { r in (0..<w.shape[1]).reduce(0) { $0 + w[r, $1] * v[$1] } })
}

/// `u·vᵀ`.
func outer(_ u: NDArray<Double>, _ v: NDArray<Double>) -> NDArray<Double> {
    try! NDArray(shape: [u.count, v.count]) { index in u[index[0]] * v[index[1]] }
}

/// The loss `L(θ)`.
func loss(_ theta: [Double]) -> Double {
    let p = Layout.unpack(theta)
    var total = 0.0
    for (x, y) in zip(inputs, targets) {
        let a = (product(p[0], x) + p[1]).map(tanh)
        let yHat = product(p[2], a)[0] + p[3][0]
        total += (yHat - y) * (yHat - y)
    }
    return total / (2 * Double(inputs.count))
}

/// The hand-written gradient. With `seed004Bug` the hidden layer's δ uses a dot product where the
/// elementwise product belongs.
func lossGradient(_ theta: [Double], seed004Bug: Bool = false) -> [Double] {
    let p = Layout.unpack(theta)
    var g = p.map { try! NDArray(repeating: 0.0, shape: $0.shape) }
    for (x, y) in zip(inputs, targets) {
        let a = (product(p[0], x) + p[1]).map(tanh)
        let yHat = product(p[2], a)[0] + p[3][0]
        let r = (yHat - y) / Double(inputs.count)
        g[2] += outer(NDArray([r]), a)
        g[3] += NDArray([r])
        let back = try! p[2].reshaped([Layout.hidden]).map { $0 * r }     // W2ᵀ r
        let slope = a.map { 1 - $0 * $0 }                                 // tanh' = 1 − a²
        let delta: NDArray<Double>
        if seed004Bug {
            let dot = (back * slope).sum()                                // a scalar: the dot product …
            delta = try! NDArray(repeating: dot, shape: [Layout.hidden])  // … broadcast to every unit
        } else {
            delta = back * slope                                          // NDArray `*` is elementwise
        }
        g[0] += outer(delta, x)
        g[1] += delta
    }
    return Layout.pack(g)
}

/// Deterministic initial parameters: `θᵢ = 0.8·sin(2.3·i + 1)`.
let initialTheta = (0..<Layout.count).map { 0.8 * sin(2.3 * Double($0) + 1) }

// MARK: The checks

func sci(_ x: Double) -> String { String(format: "%.2e", x) }

func run() throws -> [String] {
    var failures: [String] = []
    let theta = initialTheta
    let before = theta.map(\.bitPattern)
    print("GradientCheckNetwork — a 2-3-1 tanh network on XOR, squared loss, \(Layout.count) parameters, L(θ) = \(String(format: "%.6f", loss(theta)))")
    print("")

    // 1. The correct gradient.
    print("1. the correct backpropagation (δ = (W2ᵀr) ⊙ (1 − a²)):")
    let forward = try checkGradient(of: loss, gradient: { lossGradient($0) }, at: theta)
    let central = try checkGradient(of: loss, gradient: { lossGradient($0) }, at: theta, method: .central)
    let verified = try verifyGradient(of: loss, gradient: { lossGradient($0) }, at: theta, projections: 3, seed: 7)
    print("   checkGradient, forward (scipy's check_grad): ‖g − ĝ‖ = \(sci(forward.error)), relative \(sci(forward.relativeError))")
    print("   checkGradient, central:                      ‖g − ĝ‖ = \(sci(central.error)), relative \(sci(central.relativeError))")
    print("   " + verified.description.replacingOccurrences(of: "\n", with: "\n   "))
    if !(central.relativeError < 1e-8) { failures.append("correct gradient: central relative error \(sci(central.relativeError)) ≥ 1e-8") }
    if !(forward.relativeError < 1e-5) { failures.append("correct gradient: forward relative error \(sci(forward.relativeError)) ≥ 1e-5") }
    if !verified.passed { failures.append("correct gradient: verifyGradient failed") }
    print("")

    // 2. The seed-004 mistake.
    print("2. the seed-004 mistake (δ = dot(W2ᵀr, 1 − a²), one number broadcast to every hidden unit):")
    let buggy = { (x: [Double]) in lossGradient(x, seed004Bug: true) }
    let caught = try checkGradient(of: loss, gradient: buggy, at: theta, method: .central)
    let refused = try verifyGradient(of: loss, gradient: buggy, at: theta, projections: 3, seed: 7)
    print("   checkGradient, central: ‖g − ĝ‖ = \(sci(caught.error)), relative \(sci(caught.relativeError))")
    if let w = caught.worst {
        print("   worst element: \(Layout.name(of: w.index)) (flat \(w.index)): analytic \(String(format: "%.6f", w.analytic)), "
              + "numerical \(String(format: "%.6f", w.numerical))")
    }
    print("   verifyGradient: \(refused.passed ? "PASSED" : "FAILED"), worst \(refused.worst.map { Layout.name(of: $0.index) } ?? "—")")
    print("   element         analytic    numerical   |difference|")
    for i in 0..<Layout.count {
        let d = abs(caught.analytic[i] - caught.numerical[i])
        let mark = d > 1e-6 * max(1, abs(caught.numerical[i])) ? "  ← wrong" : ""
        print("   " + Layout.name(of: i).padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: "%11.6f  %11.6f   %.1e", caught.analytic[i], caught.numerical[i], d) + mark)
    }
    print("   only W1 and b1 are wrong: the bug is in δ, which only the first layer's gradient uses.")
    if !(caught.relativeError > 1e-3) { failures.append("seed-004 bug: relative error \(sci(caught.relativeError)) was not caught") }
    if refused.passed { failures.append("seed-004 bug: verifyGradient passed it") }
    if let w = caught.worst, !Layout.isFirstLayer(w.index) {
        failures.append("seed-004 bug: worst element \(Layout.name(of: w.index)) is not in the first layer")
    }
    for i in 0..<Layout.count where !Layout.isFirstLayer(i) {
        if abs(caught.analytic[i] - caught.numerical[i]) > 1e-8 { failures.append("seed-004 bug: \(Layout.name(of: i)) should be right") }
    }
    print("")

    // 3. The orders of the finite differences themselves: error against the correct gradient vs h.
    print("3. the finite differences' own error, max |ĝ − g| against the hand-written gradient:")
    let exact = lossGradient(theta)
    let steps = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3]
    print("   h        " + steps.map { String(format: "%-10.0e", $0) }.joined() + "observed order")
    for (method, claimed) in [(DifferenceMethod.forward, 1.0), (.central, 2.0)] {
        var errors: [Double] = []
        for h in steps {
            let g = try approximateGradient(of: loss, at: theta, method: method, step: .scalar(h))
            errors.append(zip(g, exact).map { abs($0 - $1) }.max()!)
        }
        let study = try ConvergenceStudy(steps: steps, errors: errors, expectedOrder: claimed)
        print("   " + method.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
              + errors.map { sci($0).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined()
              + String(format: "%.2f (expected %.0f)", study.observedOrder, claimed))
        if !study.isConsistent(tolerance: 0.3) {
            failures.append(String(format: "%@ differences: observed order %.2f is not within ±0.3 of %.0f", method.rawValue, study.observedOrder, claimed))
        }
    }
    print("")

    // 4. Seed 002: no aliasing.
    print("4. no aliasing (seeds/002):")
    var kept: [[Double]] = []
    let identity = try approximateJacobian(of: { x in kept.append(x); return x }, at: [0.001], method: .central, step: .scalar(1e-5))
    print("   f(x) = x at x = 0.001, central differences, h = 1e-5: d/dx = \(identity[0][0]) (the numpy checker of seed 002 printed 0)")
    print("   the arguments f kept, after the check: \(kept.map { String(format: "%.5f", $0[0]) }.joined(separator: ", ")) (x + h and x − h, unchanged)")
    if abs(identity[0][0] - 1) > 1e-9 { failures.append("aliasing: d/dx x = \(identity[0][0]), expected 1") }
    if kept.map({ $0[0] }) != [0.001 + 1e-5, 0.001 - 1e-5] { failures.append("aliasing: the kept arguments changed: \(kept)") }
    let after = theta.map(\.bitPattern)
    let identical = zip(before, after).filter { $0 == $1 }.count
    print("   θ after every check above: \(identical) of \(theta.count) elements bit-identical to before"
          + " (first: 0x\(String(after[0], radix: 16)))")
    if identical != theta.count { failures.append("aliasing: θ changed during the checks") }
    return failures
}

let clock = ContinuousClock()
let started = clock.now
do {
    let failures = try run()
    let elapsed = (clock.now - started).components
    print(String(format: "\ntime: %.2f s", Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
    guard failures.isEmpty else {
        FileHandle.standardError.write(Data(("GradientCheckNetwork: FAILED\n" + failures.map { "  " + $0 + "\n" }.joined()).utf8))
        exit(1)
    }
    print("OK: correct gradient confirmed, seed-004 mistake caught in the first layer, difference orders 1 and 2, no aliasing")
} catch {
    FileHandle.standardError.write(Data("GradientCheckNetwork: error: \(error)\n".utf8))
    exit(1)
}
