import Foundation
import Nabla
import NablaFormats
import Testing

/// `nabla laplacian`, `nabla divergence` and `nabla curl`, run as subprocesses, compared bitwise with the library.
@Suite("nabla laplacian / divergence / curl (CLI)")
struct VectorCalculusCLITests {
    @Test("laplacian equals the library's, with spacing, --accuracy 4 and --periodic")
    func laplacian() throws {
        let box = try Sandbox()
        let v = try field([7, 9])
        try box.write(v, "v.npy")
        try box.succeed(["laplacian", "v.npy", "-o", "l.npy"])
        expectIdentical(try box.readNPY("l.npy"), AnyNDArray(try Nabla.laplacian(of: v)), "default")
        try box.succeed(["laplacian", "v.npy", "--spacing", "0.1", "--accuracy", "4", "-o", "l4.npy"])
        expectIdentical(try box.readNPY("l4.npy"), AnyNDArray(try Nabla.laplacian(of: v, spacing: [0.1], accuracy: 4)), "acc 4")
        try box.succeed(["laplacian", "v.npy", "--spacing", "0.5", "--spacing", "0.25", "--periodic", "-o", "lp.npy"])
        expectIdentical(try box.readNPY("lp.npy"),
                        AnyNDArray(try Nabla.laplacian(of: v, spacing: [0.5, 0.25], periodicAxes: [0, 1])), "periodic")
        try box.succeed(["laplacian", "v.npy", "--periodic-axis", "-2", "-o", "lp0.npz"])
        let archive = try box.readNPZ("lp0.npz")
        expectArchive(archive, names: ["laplacian"], arrays: [AnyNDArray(try Nabla.laplacian(of: v, periodicAxes: [0]))])
    }

    @Test("laplacian of x² is 2 (hand value), float32 kept, integers to float64")
    func laplacianValues() throws {
        let box = try Sandbox()
        try box.write(NDArray<Int64>([0, 1, 4, 9, 16, 25]), "q.npy")
        try box.succeed(["laplacian", "q.npy", "-o", "l.npy"])
        let l = try box.readNPY("l.npy")
        #expect(l.dtype == .float64)
        for value in l.asDouble().scalars { #expect(abs(value - 2) < 1e-12) }
        #expect(Array(l.asDouble().scalars[1..<5]) == [2, 2, 2, 2])

        let f = try field([6, 5]).map { Float($0) }
        try box.write(f, "f.npy")
        try box.succeed(["laplacian", "f.npy", "--spacing", "0.5", "-o", "lf.npy"])
        let lf = try box.readNPY("lf.npy")
        #expect(lf.dtype == .float32)
        expectIdentical(lf, AnyNDArray(try Nabla.laplacian(of: f, spacing: [0.5])), "float32")
    }

    @Test("laplacian reads a .npz member with --key")
    func laplacianKey() throws {
        let box = try Sandbox()
        let v = try field([5, 5])
        try box.writeNPZ([("V", AnyNDArray(v)), ("W", AnyNDArray(v))], "in.npz")
        try box.succeed(["laplacian", "in.npz", "--key", "V", "-o", "l.npy"])
        expectIdentical(try box.readNPY("l.npy"), AnyNDArray(try Nabla.laplacian(of: v)), "key V")
    }

    @Test("divergence of a gradient file equals the library's divergence of the gradient")
    func divergenceOfGradient() throws {
        let box = try Sandbox()
        let v = try field([6, 5, 4])
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "-o", "g.npz"])
        try box.succeed(["divergence", "g.npz", "-o", "div.npy"])
        let g = try Nabla.gradient(of: v)
        expectIdentical(try box.readNPY("div.npy"), AnyNDArray(try Nabla.divergence(of: g)), "div grad")

        // With spacing and edge order 2, on both commands.
        try box.succeed(["gradient", "v.npy", "--spacing", "0.5", "--edge-order", "2", "-o", "g2.npz"])
        try box.succeed(["divergence", "g2.npz", "--spacing", "0.5", "--edge-order", "2", "-o", "div2.npz"])
        let g2 = try Nabla.gradient(of: v, spacing: [0.5], edgeOrder: 2)
        expectArchive(try box.readNPZ("div2.npz"), names: ["divergence"],
                      arrays: [AnyNDArray(try Nabla.divergence(of: g2, spacing: [0.5], edgeOrder: 2))])
    }

    @Test("divergence by hand: F = (x, y) on a 3×4 grid has divergence 2")
    func divergenceHand() throws {
        let box = try Sandbox()
        let fx = try NDArray<Double>(shape: [3, 4]) { i in Double(i[0]) }
        let fy = try NDArray<Double>(shape: [3, 4]) { i in Double(i[1]) }
        try box.writeNPZ([("axis1", AnyNDArray(fy)), ("axis0", AnyNDArray(fx))], "F.npz")
        try box.succeed(["divergence", "F.npz", "-o", "d.npy"])
        expectValues(try box.readNPY("d.npy"), Array(repeating: 2, count: 12), shape: [3, 4], "div (x, y)")
    }

    @Test("curl of a 3-D field writes axis0 axis1 axis2, equal to the library's")
    func curl3D() throws {
        let box = try Sandbox()
        let c = try (0..<3).map { try field([5, 5, 6], seed: Double($0)) }
        try box.writeNPZ(c.enumerated().map { ("axis\($0.offset)", AnyNDArray($0.element)) }, "B.npz")
        try box.succeed(["curl", "B.npz", "-o", "curl.npz"])
        expectArchive(try box.readNPZ("curl.npz"), names: ["axis0", "axis1", "axis2"], arrays: wrap(try Nabla.curl(of: c)))
        try box.succeed(["curl", "B.npz", "--spacing", "0.05", "--accuracy", "4", "-o", "curl4.npz"])
        expectArchive(try box.readNPZ("curl4.npz"), names: ["axis0", "axis1", "axis2"],
                      arrays: wrap(try Nabla.curl(of: c, spacing: [0.05], accuracy: 4)))
        // A 3-D curl has three components: a .npy output is refused.
        try box.fail(["curl", "B.npz", "-o", "curl.npy"], mentions: ["curl.npy"], absent: ["curl.npy"])
    }

    @Test("curl of a 2-D field writes one array 'curl'; .npy allowed")
    func curl2D() throws {
        let box = try Sandbox()
        let c = try (0..<2).map { try field([6, 7], seed: Double($0) + 4) }
        try box.writeNPZ(c.enumerated().map { ("axis\($0.offset)", AnyNDArray($0.element)) }, "flow.npz")
        try box.succeed(["curl", "flow.npz", "-o", "w.npz"])
        expectArchive(try box.readNPZ("w.npz"), names: ["curl"], arrays: wrap(try Nabla.curl(of: c)))
        try box.succeed(["curl", "flow.npz", "--accuracy", "4", "-o", "w.npy"])
        expectIdentical(try box.readNPY("w.npy"), AnyNDArray(try Nabla.curl(of: c, accuracy: 4)[0]), "2-D curl .npy")

        // By hand: F = (-y, x) has curl ∂F1/∂x0 - ∂F0/∂x1 = 1 - (-1) = 2.
        let f0 = try NDArray<Double>(shape: [3, 4]) { i in -Double(i[1]) }
        let f1 = try NDArray<Double>(shape: [3, 4]) { i in Double(i[0]) }
        try box.writeNPZ([("axis0", AnyNDArray(f0)), ("axis1", AnyNDArray(f1))], "rot.npz")
        try box.succeed(["curl", "rot.npz", "-o", "rot.npy"])
        expectValues(try box.readNPY("rot.npy"), Array(repeating: 2, count: 12), shape: [3, 4], "curl (-y, x)")
    }

    @Test("curl of the gradient written by nabla gradient is the library's (names match)")
    func curlOfGradientFile() throws {
        let box = try Sandbox()
        let v = try field([5, 6, 4]).map { Float($0) }
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "-o", "g.npz"])
        try box.succeed(["curl", "g.npz", "-o", "c.npz"])
        let out = try box.readNPZ("c.npz")
        #expect(out.allSatisfy { $0.array.dtype == .float32 })
        expectArchive(out, names: ["axis0", "axis1", "axis2"], arrays: wrap(try Nabla.curl(of: Nabla.gradient(of: v))))
    }

    @Test("vector-field errors: missing component, mismatched shapes, 1-D curl, not a .npz of components")
    func vectorFieldErrors() throws {
        let box = try Sandbox()
        let a = try field([3, 4])
        try box.writeNPZ([("axis0", AnyNDArray(a)), ("other", AnyNDArray(a))], "missing.npz")
        try box.fail(["divergence", "missing.npz", "-o", "d.npy"], mentions: ["missing.npz", "axis1"], absent: ["d.npy"])
        try box.fail(["curl", "missing.npz", "-o", "c.npz"], mentions: ["missing.npz", "axis1"], absent: ["c.npz"])

        try box.writeNPZ([("axis0", AnyNDArray(a)), ("axis1", AnyNDArray(try field([4, 3])))], "shapes.npz")
        try box.fail(["divergence", "shapes.npz", "-o", "d.npy"], mentions: ["shapes.npz", "axis1"], absent: ["d.npy"])

        try box.writeNPZ([("axis0", AnyNDArray(try field([5])))], "line.npz")
        try box.fail(["curl", "line.npz", "-o", "c.npz"], mentions: ["line.npz", "1-D"], absent: ["c.npz"])

        try box.fail(["divergence", "nowhere.npz", "-o", "d.npy"], mentions: ["nowhere.npz"], absent: ["d.npy"])
        try box.write(a, "a.npy")
        try box.fail(["laplacian", "a.npy", "--edge-order", "3", "-o", "l.npy"], mentions: ["3"], absent: ["l.npy"])
        try box.fail(["laplacian", "a.npy", "--spacing", "1", "--spacing", "2", "--spacing", "3", "-o", "l.npy"],
                     mentions: ["3"], absent: ["l.npy"])
        try box.fail(["divergence", "shapes.npz", "--accuracy", "3", "-o", "d.npy"], mentions: ["accuracy 3"], absent: ["d.npy"])
    }
}
