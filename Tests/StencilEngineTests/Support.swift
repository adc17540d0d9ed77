import Foundation
import Nabla
import Testing

// Helpers shared by the stencil-engine tests. This target depends on Nabla only, so it carries its own.

/// A small deterministic generator (SplitMix64), so every random grid is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The least-squares slope of `log(error)` against `log(h)`: the observed order of convergence.
func observedOrder(h: [Double], error: [Double]) -> Double {
    let xs = h.map { log($0) }, ys = error.map { log($0) }
    let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
    var sxy = 0.0, sxx = 0.0
    for (x, y) in zip(xs, ys) {
        sxy += (x - mx) * (y - my)
        sxx += (x - mx) * (x - mx)
    }
    return sxy / sxx
}

/// The largest magnitude in `values` (0 when empty).
func maxAbs<S: Sequence>(_ values: S) -> Double where S.Element: BinaryFloatingPoint {
    values.reduce(0.0) { max($0, abs(Double($1))) }
}

/// The largest `|a - b|` over two equally long sequences.
func maxDifference<T: BinaryFloatingPoint, U: BinaryFloatingPoint>(_ a: [T], _ b: [U]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
}

/// `n` uniform samples of `[a, b]`, computed as `a + i·h` (numpy.linspace's way up to rounding).
func uniformPoints(_ a: Double, _ b: Double, count n: Int) -> [Double] {
    let h = (b - a) / Double(n - 1)
    return (0..<n).map { a + Double($0) * h }
}

/// Formats a number for the printed tables.
func sci(_ x: Double) -> String { String(format: "%.3e", x) }
func fixed(_ x: Double) -> String { String(format: "%5.2f", x) }

/// The Σ|w| of the worst row of the finite-difference operator for derivative `m` at accuracy `p` on a
/// unit-step axis: the centred stencil or the one-sided ones (`m + p` points) at rows `0..<q`.
/// Multiplied by `max|f| / hᵐ` it bounds the magnitude of every term summed, the scale of the rounding.
func worstWeightSum(derivative m: Int, accuracy p: Int) -> Double {
    var worst = Stencil.central(derivative: m, accuracy: p).weights.reduce(0) { $0 + abs($1) }
    let window = (0..<(m + p)).map(Double.init)
    for row in 0..<(m + p) {
        let w = fornbergWeights(derivative: m, points: window, at: Double(row))
        worst = max(worst, w.reduce(0) { $0 + abs($1) })
    }
    return worst
}

/// The floating-point types the engine is tested with, as test arguments.
enum Precision: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case float = "Float", double = "Double"
    var testDescription: String { rawValue }
}

/// `2⁻ᵖ` for the type's precision `p`: the unit roundoff times two.
func epsilon<T: BinaryFloatingPoint>(_: T.Type) -> Double { Double(T.ulpOfOne) }
