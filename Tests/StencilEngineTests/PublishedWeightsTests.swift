import Foundation
import Nabla
import Testing

/// Weights against the published tables (Fornberg 1988, Table 1; the one-sided tables of the same paper)
/// and exactness of the recurrence on polynomials at arbitrary points.
@Suite("Published finite-difference weights")
struct PublishedWeightsTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        let name: String
        let derivative: Int
        let offsets: [Int]
        let weights: [Double]
        var testDescription: String { name }
    }

    static let centred: [Entry] = [
        Entry(name: "d1 p2", derivative: 1, offsets: Array(-1...1), weights: [-1.0 / 2, 0, 1.0 / 2]),
        Entry(name: "d1 p4", derivative: 1, offsets: Array(-2...2), weights: [1.0 / 12, -2.0 / 3, 0, 2.0 / 3, -1.0 / 12]),
        Entry(name: "d1 p6", derivative: 1, offsets: Array(-3...3),
              weights: [-1.0 / 60, 3.0 / 20, -3.0 / 4, 0, 3.0 / 4, -3.0 / 20, 1.0 / 60]),
        Entry(name: "d1 p8", derivative: 1, offsets: Array(-4...4),
              weights: [1.0 / 280, -4.0 / 105, 1.0 / 5, -4.0 / 5, 0, 4.0 / 5, -1.0 / 5, 4.0 / 105, -1.0 / 280]),
        Entry(name: "d2 p2", derivative: 2, offsets: Array(-1...1), weights: [1, -2, 1]),
        Entry(name: "d2 p4", derivative: 2, offsets: Array(-2...2), weights: [-1.0 / 12, 4.0 / 3, -5.0 / 2, 4.0 / 3, -1.0 / 12]),
        Entry(name: "d2 p6", derivative: 2, offsets: Array(-3...3),
              weights: [1.0 / 90, -3.0 / 20, 3.0 / 2, -49.0 / 18, 3.0 / 2, -3.0 / 20, 1.0 / 90]),
        Entry(name: "d2 p8", derivative: 2, offsets: Array(-4...4),
              weights: [-1.0 / 560, 8.0 / 315, -1.0 / 5, 8.0 / 5, -205.0 / 72, 8.0 / 5, -1.0 / 5, 8.0 / 315, -1.0 / 560]),
        Entry(name: "d3 p2", derivative: 3, offsets: Array(-2...2), weights: [-1.0 / 2, 1, 0, -1, 1.0 / 2]),
        Entry(name: "d4 p2", derivative: 4, offsets: Array(-2...2), weights: [1, -4, 6, -4, 1]),
    ]

    static let forward: [Entry] = [
        Entry(name: "d1 p1", derivative: 1, offsets: [0, 1], weights: [-1, 1]),
        Entry(name: "d1 p2", derivative: 1, offsets: [0, 1, 2], weights: [-3.0 / 2, 2, -1.0 / 2]),
        Entry(name: "d1 p3", derivative: 1, offsets: [0, 1, 2, 3], weights: [-11.0 / 6, 3, -3.0 / 2, 1.0 / 3]),
        Entry(name: "d1 p4", derivative: 1, offsets: [0, 1, 2, 3, 4], weights: [-25.0 / 12, 4, -3, 4.0 / 3, -1.0 / 4]),
        Entry(name: "d2 p1", derivative: 2, offsets: [0, 1, 2], weights: [1, -2, 1]),
        Entry(name: "d2 p2", derivative: 2, offsets: [0, 1, 2, 3], weights: [2, -5, 4, -1]),
        Entry(name: "d2 p3", derivative: 2, offsets: [0, 1, 2, 3, 4], weights: [35.0 / 12, -26.0 / 3, 19.0 / 2, -14.0 / 3, 11.0 / 12]),
    ]

    /// Weights of integer stencils are rationals of modest size: a few ulps of the largest weight.
    static func expectWeights(_ got: [Double], _ expected: [Double], _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == expected.count, "\(what): \(got.count) weights, expected \(expected.count)",
                sourceLocation: sourceLocation)
        let scale = maxAbs(expected)
        let error = maxDifference(got, expected)
        #expect(error <= 8 * Double.ulpOfOne * scale, "\(what): got \(got), expected \(expected) (max error \(error))",
                sourceLocation: sourceLocation)
    }

    @Test("centred weights (Fornberg 1988, Table 1)", arguments: centred)
    func centredWeights(entry: Entry) {
        Self.expectWeights(fornbergWeights(derivative: entry.derivative, offsets: entry.offsets), entry.weights,
                           "fornbergWeights \(entry.name)")
        let accuracy = entry.offsets.count - 2 * ((entry.derivative + 1) / 2) + 1
        let stencil = Stencil.central(derivative: entry.derivative, accuracy: accuracy)
        #expect(stencil.offsets == entry.offsets, "Stencil.central(\(entry.derivative), \(accuracy)) offsets")
        #expect(stencil.derivative == entry.derivative)
        Self.expectWeights(stencil.weights, entry.weights, "Stencil.central \(entry.name)")
        #expect(Stencil.centralHalfWidth(derivative: entry.derivative, accuracy: accuracy) == entry.offsets.last)
        // Exact (anti)symmetry, and an exactly zero centre for odd derivatives.
        let w = stencil.weights, q = w.count / 2
        for k in 0...q {
            let mirrored = entry.derivative % 2 == 0 ? w[q - k] : -w[q - k]
            #expect(w[q + k] == mirrored, "\(entry.name): w[\(k)] = \(w[q + k]) vs mirrored \(w[q - k])")
        }
        if entry.derivative % 2 == 1 { #expect(w[q] == 0, "\(entry.name): centre weight \(w[q])") }
    }

    @Test("forward weights and their mirrored backward stencils", arguments: forward)
    func oneSidedWeights(entry: Entry) {
        Self.expectWeights(fornbergWeights(derivative: entry.derivative, offsets: entry.offsets), entry.weights,
                           "fornbergWeights forward \(entry.name)")
        let accuracy = entry.offsets.count - entry.derivative
        let fwd = Stencil.forward(derivative: entry.derivative, accuracy: accuracy)
        #expect(fwd.offsets == entry.offsets)
        Self.expectWeights(fwd.weights, entry.weights, "Stencil.forward \(entry.name)")
        // Backward: offsets -(s-1)...0, weights reversed and multiplied by (-1)^m.
        let bwd = Stencil.backward(derivative: entry.derivative, accuracy: accuracy)
        #expect(bwd.offsets == entry.offsets.reversed().map { -$0 })
        let sign: Double = entry.derivative % 2 == 0 ? 1 : -1
        Self.expectWeights(bwd.weights, entry.weights.reversed().map { sign * $0 }, "Stencil.backward \(entry.name)")
    }

    @Test("derivative 0 is Lagrange interpolation; weights scale as h^-m")
    func interpolationAndScaling() {
        Self.expectWeights(fornbergWeights(derivative: 0, points: [0, 1], at: 0.5), [0.5, 0.5], "midpoint")
        Self.expectWeights(fornbergWeights(derivative: 0, points: [-1, 0, 1], at: 0), [0, 1, 0], "at a node")
        // Step h = 0.25 (exact in binary): weights are the unit-step ones divided by h^m.
        for m in 1...3 {
            let unit = fornbergWeights(derivative: m, offsets: Array(-2...2))
            let scaled = fornbergWeights(derivative: m, points: (-2...2).map { 0.25 * Double($0) }, at: 0)
            Self.expectWeights(scaled, unit.map { $0 / pow(0.25, Double(m)) }, "h = 1/4, m = \(m)")
        }
    }

    /// `f⁽ᵐ⁾(z) = Σ w_j f(x_j)` for every polynomial of degree `< n` on `n` arbitrary distinct points.
    @Test("exact on polynomials of degree < n at random non-uniform points", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func polynomialExactness(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var worstRatio = 0.0
        for n in 1...9 {
            for m in 0...min(3, n - 1) {
                // Points spread over [-1, 1], jittered, in shuffled order; z anywhere in [-1.2, 1.2].
                let gap = n > 1 ? 2.0 / Double(n - 1) : 1
                var x = (0..<n).map { j in -1 + Double(j) * gap + Double.random(in: -0.3...0.3, using: &rng) * gap }
                x.shuffle(using: &rng)
                let z = Double.random(in: -1.2...1.2, using: &rng)
                let w = fornbergWeights(derivative: m, points: x, at: z)
                #expect(w.count == n)
                for degree in 0..<n {
                    let c = (0...degree).map { _ in Double.random(in: -1...1, using: &rng) }
                    func p(_ t: Double) -> Double { c.reversed().reduce(0) { $0 * t + $1 } }
                    // m-th derivative of Σ c_k t^k at z.
                    var exact = 0.0
                    if degree >= m {
                        for k in m...degree {
                            var falling = 1.0
                            for j in 0..<m { falling *= Double(k - j) }
                            exact += c[k] * falling * pow(z, Double(k - m))
                        }
                    }
                    let terms = zip(w, x).map { $0 * p($1) }
                    let got = terms.reduce(0, +)
                    // Rounding scale: the terms summed, and the conditioning of the weights (Σ|w|).
                    let scale = terms.reduce(0) { $0 + abs($1) } + abs(exact) + w.reduce(0) { $0 + abs($1) }
                    let ratio = abs(got - exact) / (Double.ulpOfOne * scale)
                    worstRatio = max(worstRatio, ratio)
                    #expect(ratio <= 512, "n=\(n) m=\(m) degree=\(degree) z=\(z): got \(got), exact \(exact), error \(abs(got - exact)) = \(ratio) eps·scale")
                }
            }
        }
        print("[fornberg exactness] seed \(seed): worst error / (eps · Σ|w f|) = \(fixed(worstRatio))")
    }
}
