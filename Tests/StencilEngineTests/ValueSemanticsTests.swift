import Foundation
import Nabla
import Testing

/// No operator changes its input, and results never share writable storage with it.
@Suite("Value semantics")
struct ValueSemanticsTests {
    /// A copy with its own storage (a plain `let saved = f` would share the buffer and compare equal even
    /// if the buffer had been written through a pointer).
    static func deepCopy<T>(_ a: NDArray<T>) -> NDArray<T> {
        try! NDArray(shape: a.shape, scalars: a.scalars.map { $0 })
    }

    @Test("inputs are unchanged by every operator", arguments: Precision.allCases)
    func inputsUnchanged(precision: Precision) throws {
        switch precision {
        case .double: try check(Double.self)
        case .float: try check(Float.self)
        }
    }

    func check<T: FieldScalar>(_: T.Type) throws {
        let grid = Grid(.linspace(0, 1, count: 40), .periodic(period: 2 * Double.pi, count: 36), .linspace(-1, 1, count: 33))
        let fd: NDArray<Double> = grid.sample { x, y, z in sin(3 * x) * cos(y) + z * z }
        let f: NDArray<T> = fd.converted()
        let F: [NDArray<T>] = [f, (grid.sample { x, y, _ in x * y } as NDArray<Double>).converted(), f.converted()]
        let savedF = Self.deepCopy(f), savedComponents = F.map(Self.deepCopy)
        let spacing = grid.spacing
        let x0 = grid.axes[0].coordinates.map { $0 + 0.01 * sin(7 * $0) }

        _ = try gradient(of: f)
        _ = try gradient(of: f, spacing: [.coordinates(x0), 0.1, 0.1], edgeOrder: 2)
        _ = try gradient(of: f, spacing: spacing, accuracy: 6, derivative: 2, periodicAxes: [1])
        _ = try derivative(of: f, along: 2, order: 3, spacing: 0.05, accuracy: 4)
        _ = try laplacian(of: f, spacing: spacing, accuracy: 4, periodicAxes: [1])
        _ = try hessian(of: f, spacing: spacing, accuracy: 4)
        _ = try partialDerivative(of: f, orders: [1, 2, 1], spacing: spacing, accuracy: 4)
        _ = try divergence(of: F, spacing: spacing, accuracy: 4)
        _ = try curl(of: F, spacing: spacing, accuracy: 2, periodicAxes: [1])
        _ = try jacobian(of: F, spacing: spacing, accuracy: 4)
        _ = try grid.gradient(of: f, accuracy: 8)
        _ = try grid.laplacian(of: f)
        _ = try grid.divergence(of: F)
        _ = try grid.curl(of: F)
        #expect(f == savedF, "\(T.self): the scalar field changed")
        for k in 0..<3 { #expect(F[k] == savedComponents[k], "\(T.self): component \(k) changed") }
        #expect(F[0] == f && F[2] == f)
    }

    /// Hessian entries H[i][j] and H[j][i] share storage (copy-on-write): changing one copies it.
    @Test("mutating a result never reaches another result or the input")
    func copyOnWrite() throws {
        let f = try NDArray<Double>(shape: [8, 9]) { Double($0[0] * $0[0]) * Double($0[1]) }
        let saved = Self.deepCopy(f)
        let H = try hessian(of: f)
        var h01 = H[0][1]
        h01.withUnsafeMutableBufferPointer { $0[0] = 99 }
        #expect(H[1][0][0, 0] != 99 && H[0][1][0, 0] != 99 && h01[0, 0] == 99)
        #expect(H[0][1] == H[1][0])
        // A partial derivative of all-zero orders along unused axes starts from the input itself.
        var d = try partialDerivative(of: f, orders: [0, 1])
        d.withUnsafeMutableBufferPointer { $0[0] = -1 }
        #expect(f == saved)
    }
}
