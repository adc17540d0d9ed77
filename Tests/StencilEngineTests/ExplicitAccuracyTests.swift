import Foundation
import Nabla
import Testing

/// `accuracy: p` given explicitly means order p everywhere, edges included; numpy's defaults stay without it.
@Suite("explicit accuracy covers the edges")
struct ExplicitAccuracyTests {
    /// The observed order: the least-squares slope of log(max error, edges included) against log(h).
    static func observedOrder(accuracy: Int?, edgeOrder: Int?) throws -> Double {
        var points: [(Double, Double)] = []
        for n in [20, 40, 80, 160, 320] {
            let h = 1.3 / Double(n - 1)
            let x = (0..<n).map { Double($0) * h }
            let f = NDArray(x.map { sin(3 * $0) + $0 * $0 })
            let d = try gradient(of: f, spacing: [.uniform(h)], edgeOrder: edgeOrder, accuracy: accuracy)[0]
            let error = zip(d.scalars, x).map { abs($0 - (3 * cos(3 * $1) + 2 * $1)) }.max()!
            points.append((log(h), log(error)))
        }
        let mx = points.map(\.0).reduce(0, +) / Double(points.count)
        let my = points.map(\.1).reduce(0, +) / Double(points.count)
        let sxy = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +)
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        return sxy / sxx
    }

    @Test("accuracy 2, edges included: observed order 2 ± 0.35")
    func accuracyTwoEdgesIncluded() throws {
        let order = try Self.observedOrder(accuracy: 2, edgeOrder: nil)
        #expect(abs(order - 2) <= 0.35, "observed order \(order)")
    }

    @Test("accuracy 4 and 6, edges included: observed order p ± 0.5")
    func higherAccuracy() throws {
        for p in [4, 6] {
            let order = try Self.observedOrder(accuracy: p, edgeOrder: nil)
            #expect(abs(order - Double(p)) <= 0.5, "p = \(p): observed order \(order)")
        }
    }

    @Test("numpy's default (no accuracy, no edge order) keeps first-order edges; accuracy 2 + edge order 1 too")
    func numpyDefaultStays() throws {
        #expect(abs(try Self.observedOrder(accuracy: nil, edgeOrder: nil) - 1) <= 0.35)
        #expect(abs(try Self.observedOrder(accuracy: 2, edgeOrder: 1) - 1) <= 0.35)
        let f = NDArray((0..<50).map { sin(Double($0) * 0.1) })
        #expect(try gradient(of: f, accuracy: 2) == gradient(of: f, edgeOrder: 2))
        #expect(try gradient(of: f, edgeOrder: 1, accuracy: 2) == gradient(of: f))
        #expect(try derivative(of: f, along: 0, accuracy: 2) == gradient(of: f, edgeOrder: 2)[0])
    }
}
