import Foundation
import Nabla
import NablaFormats
import Testing

/// Complex inputs through the CLI keep their type, as numpy does; scores compare |a − b|; the numpy gaps
/// (0-D spacing, float32 coordinates, explicit accuracy at the edges).
@Suite("complex and numpy-gap CLI")
struct ComplexCLITests {
    static func field(_ n: Int) -> NDArray<Complex<Float>> {
        NDArray((0..<n).map { Complex(Float($0 * $0) * 0.5, -Float($0)) })
    }

    @Test("gradient/laplacian/divergence/curl of complex64 stay complex64; spectral too")
    func keepsType() throws {
        let box = try Sandbox()
        try box.write(Self.field(8), "f.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "0.5", "-o", "g.npy"])
        guard case let .complex64(g) = try box.readNPY("g.npy") else { Issue.record("not complex64"); return }
        // numpy: (f[2:] - f[:-2]) * (1 / (2h)), both parts: d/dx of (x²/2, -x) at x = 3 with h = 0.5.
        #expect(g[3] == Complex(Float(16 - 4) * 0.5 * 1, -2))
        try box.succeed(["laplacian", "f.npy", "-o", "l.npy"])
        #expect(try box.readNPY("l.npy").dtype == .complex64)
        try box.succeed(["gradient", "f.npy", "--method", "spectral", "-o", "s.npy"])
        #expect(try box.readNPY("s.npy").dtype == .complex64)
        let F = (0..<2).map { k in AnyNDArray(try! NDArray(shape: [4, 5], scalars: (0..<20).map { Complex(Double($0 * (k + 1)), 1) })) }
        try box.writeNPZ([("axis0", F[0]), ("axis1", F[1])], "F.npz")
        try box.succeed(["divergence", "F.npz", "-o", "d.npy"])
        #expect(try box.readNPY("d.npy").dtype == .complex128)
        try box.succeed(["curl", "F.npz", "-o", "c.npz"])
        #expect(try box.readNPZ("c.npz").allSatisfy { $0.array.dtype == .complex128 })
    }

    @Test("score of complex arrays is |a − b|")
    func score() throws {
        let box = try Sandbox()
        try box.write(NDArray([Complex(1.0, 0), Complex(0, 3)]), "a.npy")
        try box.write(NDArray([Complex(1.0, 0), Complex(4, 0)]), "b.npy")
        let r = try box.run(["score", "a.npy", "b.npy", "--json"])
        #expect(r.stdout.contains("\"max_abs_error\":5") || r.stdout.contains("\"max_abs_error\" : 5"), "\(r.stdout)")
    }

    @Test("a 0-D .npy is a scalar spacing; float32 coordinates are kept in float32")
    func spacingForms() throws {
        let box = try Sandbox()
        let f = NDArray((0..<9).map { Double($0 * $0) })
        try box.write(f, "f.npy")
        try box.write(NDArray(scalar: 0.5), "h.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "h.npy", "-o", "g.npy"])
        #expect(try box.readNPY("g.npy") == .float64(try gradient(of: f, spacing: [0.5])[0]))
        let x: [Float] = [0, 0.1, 0.3, 0.35, 0.8, 1.0, 1.7, 2.0, 2.2]
        try box.write(NDArray(x), "x.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "x.npy", "-o", "gx.npy"])
        #expect(try box.readNPY("gx.npy") == .float64(try gradient(of: f, spacing: [.floatCoordinates(x)])[0]))
    }

    @Test("--accuracy 2 alone is numpy's edge_order=2; no option is numpy's default")
    func accuracyEdges() throws {
        let box = try Sandbox()
        let f = NDArray((0..<9).map { Double($0 * $0 * $0) })
        try box.write(f, "f.npy")
        try box.succeed(["gradient", "f.npy", "--accuracy", "2", "-o", "a.npy"])
        #expect(try box.readNPY("a.npy") == .float64(try gradient(of: f, edgeOrder: 2)[0]))
        try box.succeed(["gradient", "f.npy", "-o", "d.npy"])
        #expect(try box.readNPY("d.npy") == .float64(try gradient(of: f, edgeOrder: 1)[0]))
        try box.succeed(["gradient", "f.npy", "--accuracy", "2", "--edge-order", "1", "-o", "e.npy"])
        #expect(try box.readNPY("e.npy") == .float64(try gradient(of: f, edgeOrder: 1)[0]))
    }
}
