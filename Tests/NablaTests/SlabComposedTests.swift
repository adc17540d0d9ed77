import Foundation
import Testing
@testable import Nabla

/// Composed operators through the slab engine (mixed partial derivatives, the Hessian): the in-memory
/// functions' results to the bit for every slab size.
@Suite("Slab engine: mixed derivatives and the Hessian, identical bits for every slab size")
struct SlabComposedTests {
    /// Strictly increasing, unevenly spaced coordinates.
    static func coordinates(_ n: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let t = Double(i)
            let wobble: Double = 0.05 * sin(t * 1.7)
            return t * 0.4 + wobble
        }
    }

    /// The Hessian's results in the engine's order: `h[i][j]` for `i ≤ j`, `i` outer.
    static func upper<T>(_ h: [[NDArray<T>]]) -> [NDArray<T>] {
        h.indices.flatMap { i in (i..<h.count).map { j in h[i][j] } }
    }

    @Test("mixed derivatives: orders 0–3 per axis, numpy's scheme and accuracy 2–6, Double and Float",
          arguments: [[1, 0, 0], [0, 1, 0], [2, 1, 0], [0, 1, 3], [1, 1, 1], [3, 0, 2]], [nil, 2, 4, 6] as [Int?])
    func derivative(orders: [Int], accuracy: Int?) throws {
        let f = SlabEngineTests.field(Double.self, shape: [17, 10, 10])
        let spacing: [Spacing] = [0.3, 0.7, 1.1]
        let expected = try partialDerivative(of: f, orders: orders, spacing: spacing, accuracy: accuracy)
        try SlabEngineTests.check(SlabbedOperation(.derivative(orders: orders), spacing: spacing, accuracy: accuracy),
                                  [f], expected: [expected])
        let g = SlabEngineTests.field(Float.self, shape: [15, 9])
        let planar = Array(orders.prefix(2))
        guard planar.contains(where: { $0 > 0 }) else { return }
        let expectedFloat = try partialDerivative(of: g, orders: planar, spacing: [0.25], accuracy: accuracy)
        try SlabEngineTests.check(SlabbedOperation(.derivative(orders: planar), spacing: [0.25], accuracy: accuracy),
                                  [g], expected: [expectedFloat])
    }

    @Test("mixed derivatives with coordinates along axis 0, periodic axes and edge order 2")
    func derivativeCoordinatesAndPeriodic() throws {
        let f = SlabEngineTests.field(Double.self, shape: [19, 8, 7])
        let x: [Spacing] = [.coordinates(Self.coordinates(19)), 0.5, 2]
        for (orders, accuracy, edgeOrder) in [([1, 1, 0], nil, 2), ([2, 0, 1], 4, nil), ([1, 0, 0], 2, 1)] as [([Int], Int?, Int?)] {
            let expected = try partialDerivative(of: f, orders: orders, spacing: x, accuracy: accuracy, edgeOrder: edgeOrder)
            try SlabEngineTests.check(SlabbedOperation(.derivative(orders: orders), spacing: x, edgeOrder: edgeOrder, accuracy: accuracy),
                                      [f], expected: [expected])
        }
        for (orders, accuracy, periodic) in [([1, 1, 0], 2, [0, 1]), ([3, 0, 0], 4, [0]), ([0, 2, 1], 4, [0, 1, 2])] {
            let expected = try partialDerivative(of: f, orders: orders, spacing: [0.3], accuracy: accuracy, periodicAxes: periodic)
            try SlabEngineTests.check(SlabbedOperation(.derivative(orders: orders), spacing: [0.3], accuracy: accuracy, periodicAxes: periodic),
                                      [f], expected: [expected])
        }
    }

    @Test("the Hessian: accuracy 2–6, periodic, coordinates along axis 0, Double and Float", arguments: [2, 4, 6])
    func hessian(accuracy: Int) throws {
        let f = SlabEngineTests.field(Double.self, shape: [18, 9, 8])
        let spacing: [Spacing] = [0.3, 0.7, 1.1]
        try SlabEngineTests.check(SlabbedOperation(.hessian, spacing: spacing, accuracy: accuracy), [f],
                                  expected: Self.upper(try Nabla.hessian(of: f, spacing: spacing, accuracy: accuracy)))
        try SlabEngineTests.check(SlabbedOperation(.hessian, spacing: spacing, accuracy: accuracy, periodicAxes: [0, 2]), [f],
                                  expected: Self.upper(try Nabla.hessian(of: f, spacing: spacing, accuracy: accuracy, periodicAxes: [0, 2])))
        let x: [Spacing] = [.coordinates(Self.coordinates(18)), 0.5, 2]
        try SlabEngineTests.check(SlabbedOperation(.hessian, spacing: x, accuracy: accuracy), [f],
                                  expected: Self.upper(try Nabla.hessian(of: f, spacing: x, accuracy: accuracy)))
        let g = SlabEngineTests.field(Float.self, shape: [16, 10])
        try SlabEngineTests.check(SlabbedOperation(.hessian, spacing: [0.25], accuracy: accuracy), [g],
                                  expected: Self.upper(try Nabla.hessian(of: g, spacing: [0.25], accuracy: accuracy)))
    }

    @Test("the Jacobian: numpy's scheme and accuracy 2–6, edge order 2, coordinates along axis 0, periodic, Double and Float",
          arguments: [nil, 2, 4, 6] as [Int?])
    func jacobian(accuracy: Int?) throws {
        let F = (0..<3).map { SlabEngineTests.field(Double.self, shape: [17, 9, 8], seed: UInt64($0 + 1)) }
        let spacing: [Spacing] = [0.3, 0.7, 1.1]
        try SlabEngineTests.check(SlabbedOperation(.jacobian, spacing: spacing, accuracy: accuracy), F,
                                  expected: try Nabla.jacobian(of: F, spacing: spacing, accuracy: accuracy).flatMap { $0 })
        try SlabEngineTests.check(SlabbedOperation(.jacobian, spacing: spacing, edgeOrder: 2, accuracy: accuracy, periodicAxes: [0, 2]), F,
                                  expected: try Nabla.jacobian(of: F, spacing: spacing, edgeOrder: 2, accuracy: accuracy, periodicAxes: [0, 2]).flatMap { $0 })
        let x: [Spacing] = [.coordinates(Self.coordinates(17)), 0.5, 2]
        try SlabEngineTests.check(SlabbedOperation(.jacobian, spacing: x, accuracy: accuracy), F,
                                  expected: try Nabla.jacobian(of: F, spacing: x, accuracy: accuracy).flatMap { $0 })
        let G = (0..<2).map { SlabEngineTests.field(Float.self, shape: [16, 10], seed: UInt64($0 + 1)) }
        try SlabEngineTests.check(SlabbedOperation(.jacobian, spacing: [0.25], accuracy: accuracy), G,
                                  expected: try Nabla.jacobian(of: G, spacing: [0.25], accuracy: accuracy).flatMap { $0 })
    }

    @Test("halo depth from the stencils along axis 0; temporaries in the budget; the in-memory errors")
    func haloAndErrors() throws {
        let shape = [30, 9, 8]
        let plan = try SlabbedOperation(.hessian, accuracy: 4).plan(shape: shape)
        #expect(try SlabbedOperation(.derivative(orders: [0, 2, 1]), accuracy: 4).haloDepth(shape: shape) == 0)
        #expect(try SlabbedOperation(.derivative(orders: [2, 0, 1]), accuracy: 4).haloDepth(shape: shape) == plan.haloDepth(derivatives: [2]))
        #expect(try SlabbedOperation(.hessian, accuracy: 4).haloDepth(shape: shape) == plan.haloDepth(derivatives: [1, 2]))
        #expect(plan.haloDepth(derivatives: [1, 2]) >= plan.haloDepth(derivatives: [2]))
        // The Hessian holds its first derivatives along axes 1 and 2 besides 2 input and 2 × 6 result buffers.
        let plane = 9 * 8 * 8
        let hessian = SlabbedOperation(.hessian, accuracy: 4)
        let depth = try hessian.haloDepth(shape: shape)
        let perPlane = plane * (2 * (1 + 6) + 2)
        #expect(try hessian.planesPerSlab(shape: shape, elementSize: 8, memory: perPlane * (2 * depth + 3)) == 3)
        #expect(throws: NablaError.self) { try hessian.planesPerSlab(shape: shape, elementSize: 8, memory: perPlane * (2 * depth + 1) - 1) }
        // Bad orders: the in-memory function's error, before anything is read.
        let f = SlabEngineTests.field(Double.self, shape: [6, 5])
        for orders in [[1], [0, 0], [1, -1]] {
            var inMemory: NablaError?
            do { _ = try partialDerivative(of: f, orders: orders) } catch { inMemory = error }
            var slabbed: NablaError?
            do { _ = try SlabbedOperation(.derivative(orders: orders)).haloDepth(shape: f.shape) } catch { slabbed = error }
            #expect(inMemory != nil && "\(inMemory!)" == "\(slabbed.map { "\($0)" } ?? "none")")
        }
    }
}
