import Foundation
import Nabla
import NablaFormats
import Testing

/// `nabla derivative`, `nabla hessian`, `nabla jacobian`: the library's results, written like gradient's.
@Suite("CLI: derivative, hessian, jacobian")
struct TensorCLITests {
    @Test("derivative --order: the library's mixed partial, .npy or .npz ('derivative')")
    func derivative() throws {
        let box = try Sandbox()
        let f = try field([9, 8, 7])
        try box.write(f, "f.npy")
        try box.succeed(["derivative", "f.npy", "--order", "1,1,0", "--spacing", "0.1", "-o", "d.npy"])
        let expected = try partialDerivative(of: f, orders: [1, 1, 0], spacing: [0.1])
        expectIdentical(try box.readNPY("d.npy"), AnyNDArray(expected))
        try box.succeed(["derivative", "f.npy", "--order", "0,0,2", "--accuracy", "4", "--periodic", "-o", "d.npz"])
        let second = try partialDerivative(of: f, orders: [0, 0, 2], accuracy: 4, periodicAxes: [0, 1, 2])
        expectArchive(try box.readNPZ("d.npz"), names: ["derivative"], arrays: [AnyNDArray(second)])
    }

    @Test("hessian: the upper triangle axis<i>_axis<j>, equal to the library's")
    func hessian() throws {
        let box = try Sandbox()
        let f = try field([7, 6])
        try box.write(f, "f.npy")
        try box.succeed(["hessian", "f.npy", "--spacing", "0.5", "-o", "H.npz"])
        let h = try Nabla.hessian(of: f, spacing: [0.5])
        expectArchive(try box.readNPZ("H.npz"), names: ["axis0_axis0", "axis0_axis1", "axis1_axis1"],
                      arrays: [h[0][0], h[0][1], h[1][1]].map { AnyNDArray($0) })
    }

    @Test("jacobian: d<k>_axis<j> of a vector field .npz")
    func jacobian() throws {
        let box = try Sandbox()
        let F = [try field([6, 5]), try field([6, 5], seed: 1)]
        try box.writeNPZ([("axis0", AnyNDArray(F[0])), ("axis1", AnyNDArray(F[1]))], "F.npz")
        try box.succeed(["jacobian", "F.npz", "--spacing", "0.2", "--edge-order", "2", "-o", "J.npz"])
        let j = try Nabla.jacobian(of: F, spacing: [0.2], edgeOrder: 2)
        expectArchive(try box.readNPZ("J.npz"), names: ["d0_axis0", "d0_axis1", "d1_axis0", "d1_axis1"],
                      arrays: j.flatMap { $0 }.map { AnyNDArray($0) })
    }

    @Test("jacobian through the slab engine: a 3-D field in slabs of a few planes (--memory) equals the library's")
    func jacobianInSlabs() throws {
        let box = try Sandbox()
        var F: [NDArray<Double>] = []
        for k in 0..<3 {
            let a = 0.3 * Double(k + 1), b = Double(k + 2)
            F.append(try NDArray<Double>(shape: [40, 12, 10]) { (i: [Int]) -> Double in
                sin(a * Double(i[0])) * cos(0.2 * (Double(i[1]) + b * Double(i[2])))
            })
        }
        let names: [String] = (0..<3).flatMap { (k: Int) -> [String] in (0..<3).map { (j: Int) -> String in "d\(k)_axis\(j)" } }
        let members: [(String, AnyNDArray)] = (0..<3).map { (k: Int) -> (String, AnyNDArray) in ("axis\(k)", AnyNDArray(F[k])) }
        try box.writeNPZ(members, "F.npz")
        // 9 result buffers and 3 input buffers, twice: about 23 KiB per plane; with the 8 halo planes of accuracy 4, 400 KiB holds about 8 planes per slab.
        try box.succeed(["jacobian", "F.npz", "--spacing", "0.2", "--accuracy", "4", "--memory", "400K", "-o", "J.npz"])
        let j: [[NDArray<Double>]] = try Nabla.jacobian(of: F, spacing: [0.2], accuracy: 4)
        expectArchive(try box.readNPZ("J.npz"), names: names, arrays: j.flatMap { $0 }.map { AnyNDArray($0) })
        try box.succeed(["jacobian", "F.npz", "--periodic", "--memory", "200K", "-o", "Jp.npz"])
        let p: [[NDArray<Double>]] = try Nabla.jacobian(of: F, periodicAxes: [0, 1, 2])
        expectArchive(try box.readNPZ("Jp.npz"), names: names, arrays: p.flatMap { $0 }.map { AnyNDArray($0) })
        // Too small for one plane: refused before reading, naming the bytes needed; no output.
        try box.fail(["jacobian", "F.npz", "--memory", "4K", "-o", "J4.npz"], mentions: ["memory", "bytes"], absent: ["J4.npz"])
    }

    @Test("bad input: wrong number of orders, bad order text, several results to .npy, missing components")
    func errors() throws {
        let box = try Sandbox()
        try box.write(try field([7, 6]), "f.npy")
        try box.fail(["derivative", "f.npy", "--order", "1,1,0", "-o", "d.npy"], mentions: ["f.npy", "3 derivative orders", "2-D"], absent: ["d.npy"])
        try box.fail(["derivative", "f.npy", "--order", "0,0", "-o", "d.npy"], mentions: ["every derivative order is 0"], absent: ["d.npy"])
        try box.fail(["derivative", "f.npy", "--order", "40,0", "-o", "d.npy"], mentions: ["40", "at most 32"], absent: ["d.npy"])
        let usage = try box.run(["derivative", "f.npy", "--order", "a,b", "-o", "d.npy"])
        #expect(usage.status == 2 && usage.stderr.hasPrefix("nabla: error: "))
        try box.fail(["hessian", "f.npy", "-o", "H.npy"], mentions: ["H.npy", "3 results"], absent: ["H.npy"])
        try box.writeNPZ([("axis0", AnyNDArray(try field([7, 6])))], "F.npz")
        try box.fail(["jacobian", "F.npz", "-o", "J.npz"], mentions: ["F.npz", "axis1"], absent: ["J.npz"])
    }

    @Test("batch --operation runs the command of that name on every file; --resume keeps complete outputs")
    func batchOperations() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        let f = try field([7, 6])
        try box.write(f, "in/f.npy")
        try box.succeed(["batch", "in", "-o", "out", "--operation", "derivative", "--order", "1,1", "--quiet"])
        expectArchive(try box.readNPZ("out/f.npz"), names: ["derivative"],
                      arrays: [AnyNDArray(try partialDerivative(of: f, orders: [1, 1]))])
        try box.succeed(["batch", "in", "-o", "lap", "--operation", "laplacian", "--accuracy", "4", "--quiet"])
        expectArchive(try box.readNPZ("lap/f.npz"), names: ["laplacian"], arrays: [AnyNDArray(try laplacian(of: f, accuracy: 4))])
        let resumed = try box.run(["batch", "in", "-o", "lap", "--operation", "laplacian", "--accuracy", "4", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("1 skipped"), "\(resumed)")
        let usage = try box.run(["batch", "in", "-o", "x", "--operation", "derivative"])
        #expect(usage.status == 2 && usage.stderr.contains("--order"))
    }
}
