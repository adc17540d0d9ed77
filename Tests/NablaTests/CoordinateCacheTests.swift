import Foundation
@testable import Nabla
import Testing

/// The cache of coordinate arrays' spacings and stencils (`CoordinateCache`): a repeated call gives the
/// same bits as a fresh one, and no change to the caller's coordinates can reach a stale entry.
@Suite("Coordinate cache")
struct CoordinateCacheTests {
    static func field(_ n: Int) throws -> NDArray<Double> {
        try NDArray(shape: [n], scalars: (0..<n).map { sin(Double($0) * 0.37) + Double($0 % 7) })
    }

    @Test("a second call with the same coordinates gives the same bits, numpy's scheme and Fornberg's, Float and Double")
    func repeatedCalls() throws {
        let n = 300
        let x = (0..<n).map { Double($0) * 0.1 + 0.01 * sin(Double($0)) }
        let f = try Self.field(n)
        for accuracy in [nil, 2, 4, 6] as [Int?] {
            let first = try gradient(of: f, spacing: [.coordinates(x)], accuracy: accuracy)
            let again = try gradient(of: f, spacing: [.coordinates(x)], accuracy: accuracy)
            let copy = try gradient(of: f, spacing: [.coordinates(x.map { $0 })], accuracy: accuracy)
            #expect(first == again && first == copy)
            let g: NDArray<Float> = f.converted()
            let xf = x.map { Float($0) }
            let firstFloat = try gradient(of: g, spacing: [.floatCoordinates(xf)], accuracy: accuracy)
            #expect(try gradient(of: g, spacing: [.floatCoordinates(xf)], accuracy: accuracy) == firstFloat)
            #expect(try gradient(of: g, spacing: [.coordinates(x)], accuracy: accuracy)
                    == (try gradient(of: g, spacing: [.coordinates(x.map { $0 })], accuracy: accuracy)))
        }
    }

    @Test("changing one coordinate (or the sign of a zero) in the caller's array is seen at once")
    func noStaleEntry() throws {
        let n = 200
        var x = (0..<n).map { Double($0) - 100 }   // holds 0.0 at index 100
        let f = try Self.field(n)
        let before = try gradient(of: f, spacing: [.coordinates(x)], accuracy: 4)
        x[150] += 0.25   // copy-on-write: new storage for x; the entry keeps the old
        let after = try gradient(of: f, spacing: [.coordinates(x)], accuracy: 4)
        CoordinateCache.removeAll()
        #expect(after == (try gradient(of: f, spacing: [.coordinates(x)], accuracy: 4)))
        #expect(after != before)
        // Same values under IEEE ==, different bits: a separate entry.
        var signed = (0..<n).map { Double($0) - 100 }
        signed[100] = -0.0
        _ = try gradient(of: f, spacing: [.coordinates(signed)], accuracy: 4)
        #expect(CoordinateCache.usage.entries >= 2)
        // Invalid coordinates are refused every time, never cached.
        var bad = x
        bad[10] = bad[9]
        for _ in 0..<2 { #expect(throws: NablaError.self) { try gradient(of: f, spacing: [.coordinates(bad)]) } }
    }

    @Test("bounded: at most maxEntries arrays")
    func bounded() throws {
        let f = try Self.field(64)
        for k in 0..<(CoordinateCache.maxEntries + 5) {
            let x = (0..<64).map { Double($0) * (1 + Double(k) / 100) }
            _ = try gradient(of: f, spacing: [.coordinates(x)])
        }
        #expect(CoordinateCache.usage.entries <= CoordinateCache.maxEntries)
        #expect(CoordinateCache.usage.bytes <= CoordinateCache.maxBytes)
    }
}
