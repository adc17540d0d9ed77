import Nabla
import Testing

/// The README's library example, compiled and checked.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func seedPotential() throws {
        let axis = GridAxis.mgrid(-100, 101, step: 25)
        let grid = Grid(axis, axis, axis)
        let V: NDArray<Double> = grid.sample { x, y, z in 2*x*x + 3*y*y - 4*z }

        let gradV = try grid.gradient(of: V)
        let (Ex, Ey, Ez) = (-gradV[0], -gradV[1], -gradV[2])
        // Inside the box the central difference is exact for a quadratic: E = (-4x, -6y, 4).
        for i in 1..<8 { for j in 1..<8 { for k in 1..<8 {
            let p = grid.point(at: [i, j, k])
            #expect(Ex[i, j, k] == -4 * p[0] && Ey[i, j, k] == -6 * p[1] && Ez[i, j, k] == 4)
        } } }

        let fourth = try gradient(of: V, spacing: [25], accuracy: 4)
        let exactX = grid.sample { x, _, _ in 4 * x }
        #expect((fourth[0] - exactX).maxMagnitude() < 1e-9)  // order 4 is exact on quadratics, edges too

        let lap = try laplacian(of: V, spacing: [25])
        #expect((lap - 10).maxMagnitude() < 1e-9)

        let curlE = try curl(of: [Ex, Ey, Ez], spacing: [25])
        #expect(curlE.allSatisfy { $0.maxMagnitude() < 1e-9 })
    }
}
