import Foundation
import Testing
@testable import Nabla

/// The slab engine gives the in-memory functions' results to the bit, whatever the slab size.
@Suite("Slab engine: identical bits for every slab size")
struct SlabEngineTests {
    /// A reproducible field with no symmetry (a sum of incommensurate waves plus a hash).
    static func field<T: FieldScalar>(_ type: T.Type, shape: [Int], seed: UInt64 = 1) -> NDArray<T> {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        let n = shape.reduce(1, *)
        let values: [T] = (0..<n).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(state >> 11) / Double(1 << 53)
            let wave: Double = sin(Double(i) * 0.37) + 0.5 * cos(Double(i) * 1.3)
            return T(wave + 0.01 * noise)
        }
        return try! NDArray(shape: shape, scalars: values)
    }

    /// Streams `inputs` through `operation` with every slab size from 1 plane to all, and checks each
    /// result against `expected` bit for bit.
    static func check<T: FieldScalar>(_ operation: SlabbedOperation, _ inputs: [NDArray<T>], expected: [NDArray<T>],
                                      sizes: [Int]? = nil) throws {
        let n0 = inputs[0].shape[0]
        for planes in sizes ?? Array(1...n0) {
            let sink = try ArrayFieldSink<T>(count: expected.count, shape: inputs[0].shape)
            try streamDifferences(operation, from: ArrayFieldSource(inputs), to: sink, planesPerSlab: planes)
            for (k, (got, want)) in zip(sink.results, expected).enumerated() {
                let same = zip(got.scalars, want.scalars).allSatisfy { $0 == $1 && $0.sign == $1.sign || ($0.isNaN && $1.isNaN) }
                #expect(same, "result \(k), \(planes) planes per slab, \(operation)")
                if !same { return }
            }
        }
    }

    @Test("gradient: numpy's scheme (edge orders 1 and 2) and accuracy 4–8, derivatives 1–3, Float and Double",
          arguments: [(2, 1, 1), (2, 1, 2), (4, 1, 1), (6, 1, 1), (8, 1, 1), (2, 2, 1), (4, 3, 1)])
    func gradient(accuracy: Int, derivative: Int, edgeOrder: Int) throws {
        let f = Self.field(Double.self, shape: [23, 11, 10])
        let spacing: [Spacing] = [0.3, 0.7, 1.1]
        let expected = try Nabla.gradient(of: f, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative)
        try Self.check(SlabbedOperation(.gradient(axes: nil, derivative: derivative), spacing: spacing,
                                        edgeOrder: edgeOrder, accuracy: accuracy), [f], expected: expected)
        let g = Self.field(Float.self, shape: [19, 11])
        let expectedFloat = try Nabla.gradient(of: g, spacing: [0.25], edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative)
        try Self.check(SlabbedOperation(.gradient(axes: nil, derivative: derivative), spacing: [0.25],
                                        edgeOrder: edgeOrder, accuracy: accuracy), [g], expected: expectedFloat)
    }

    @Test("periodic axis 0: the halo wraps; axis selections and negative axes")
    func periodicAndAxes() throws {
        let f = Self.field(Double.self, shape: [21, 7])
        for (accuracy, derivative) in [(2, 1), (4, 2), (6, 1)] {
            let expected = try Nabla.gradient(of: f, spacing: [0.1, 0.2], accuracy: accuracy, derivative: derivative, periodicAxes: [0, 1])
            try Self.check(SlabbedOperation(.gradient(axes: nil, derivative: derivative), spacing: [0.1, 0.2],
                                            accuracy: accuracy, periodicAxes: [0, 1]), [f], expected: expected)
        }
        let expected = try Nabla.gradient(of: f, spacing: [0.5], axes: [-1])
        try Self.check(SlabbedOperation(.gradient(axes: [-1], derivative: 1), spacing: [0.5]), [f], expected: expected)
        let swapped = try Nabla.gradient(of: f, axes: [1, 0], edgeOrder: 2)
        try Self.check(SlabbedOperation(.gradient(axes: [1, 0], derivative: 1), edgeOrder: 2), [f], expected: swapped)
    }

    @Test("coordinates on axis 0, including stretches that are evenly spaced (never collapsed to a step)")
    func coordinates() throws {
        var x: [Double] = (0..<12).map { Double($0) }          // evenly spaced at first …
        for k in 1...13 {  // … then stretched
            let t = Double(k)
            x.append(11 + 1.5 * t + 0.01 * t * t)
        }
        let f = Self.field(Double.self, shape: [x.count, 6])
        for (accuracy, edgeOrder, derivative) in [(2, 1, 1), (2, 2, 1), (4, 1, 1), (4, 1, 2)] {
            let expected = try Nabla.gradient(of: f, spacing: [.coordinates(x), 0.5], edgeOrder: edgeOrder,
                                              accuracy: accuracy, derivative: derivative)
            try Self.check(SlabbedOperation(.gradient(axes: nil, derivative: derivative), spacing: [.coordinates(x), 0.5],
                                            edgeOrder: edgeOrder, accuracy: accuracy), [f], expected: expected)
        }
        let g = Self.field(Float.self, shape: [x.count, 3])
        let expected = try Nabla.gradient(of: g, spacing: [.coordinates(x), 2], axes: [0, 1])
        try Self.check(SlabbedOperation(.gradient(axes: [0, 1], derivative: 1), spacing: [.coordinates(x), 2]), [g], expected: expected)
    }

    @Test("Laplacian, divergence and curl")
    func vectorCalculus() throws {
        let f = Self.field(Double.self, shape: [17, 8, 7])
        for accuracy in [2, 4] {
            let expected = try Nabla.laplacian(of: f, spacing: [0.2, 0.3, 0.4], accuracy: accuracy, periodicAxes: accuracy == 4 ? [0] : [])
            try Self.check(SlabbedOperation(.laplacian, spacing: [0.2, 0.3, 0.4], accuracy: accuracy,
                                            periodicAxes: accuracy == 4 ? [0] : []), [f], expected: [expected])
        }
        let F = (1...3).map { Self.field(Double.self, shape: [17, 8, 7], seed: UInt64($0)) }
        let div = try Nabla.divergence(of: F, spacing: [0.5], edgeOrder: 2)
        try Self.check(SlabbedOperation(.divergence, spacing: [0.5], edgeOrder: 2), F, expected: [div])
        let curl = try Nabla.curl(of: F, accuracy: 4)
        try Self.check(SlabbedOperation(.curl, accuracy: 4), F, expected: curl)
        let F2 = (1...2).map { Self.field(Float.self, shape: [9, 8], seed: UInt64($0)) }
        try Self.check(SlabbedOperation(.curl), F2, expected: try Nabla.curl(of: F2))
    }

    @Test("errors come before any read; a budget too small for one plane names the bytes needed")
    func errors() throws {
        let f = Self.field(Double.self, shape: [3, 4])
        let sink = try ArrayFieldSink<Double>(count: 2, shape: [3, 4])
        #expect(throws: NablaError.self) {
            try streamDifferences(SlabbedOperation(.gradient(axes: nil, derivative: 1), accuracy: 4), from: ArrayFieldSource([f]), to: sink, planesPerSlab: 1)
        }
        let op = SlabbedOperation(.gradient(axes: nil, derivative: 1))
        #expect(try op.haloDepth(shape: [100, 10]) == 1)
        #expect(try SlabbedOperation(.gradient(axes: nil, derivative: 1), edgeOrder: 2).haloDepth(shape: [100, 10]) == 2)
        #expect(try SlabbedOperation(.gradient(axes: nil, derivative: 1), accuracy: 4).haloDepth(shape: [100, 10]) == 4)
        #expect(try SlabbedOperation(.gradient(axes: [1], derivative: 1), accuracy: 4).haloDepth(shape: [100, 10]) == 0)
        #expect(try op.planesPerSlab(shape: [100, 10], elementSize: 8, memory: 1 << 20) > 1000)
        #expect {
            try op.planesPerSlab(shape: [100, 1000, 1000], elementSize: 8, memory: 64 << 20)
        } throws: { error in
            "\(error)".contains("cannot hold one slab")
        }
    }
}
