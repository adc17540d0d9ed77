import Foundation
import Nabla
import NablaFormats
import NablaNetCDF
import Testing
import _NablaTool

/// Issue 12: every input or operation that takes the in-memory path (deflated members, CSV, netCDF, complex,
/// Fortran order, float16 spectral, HDF5 spectral, VTK outputs, score, batch) is held to
/// `--memory`: refused before anything is read, naming the file and the bytes needed, when its estimate
/// exceeds the budget; run as before (the same results) when the budget holds it.
@Suite("in-memory paths within --memory")
struct MemoryBudgetCLITests {
    /// 32×64×64 float64: 1 MiB.
    static let shape = [32, 64, 64]
    static let fieldBytes = 32 * 64 * 64 * 8

    static func sandbox() throws -> (Sandbox, NDArray<Double>) {
        let box = try Sandbox()
        let f = try field(shape, seed: 1)
        try box.write(f, "f.npy")
        try NPZ.write([(name: "f", array: AnyNDArray(f))], to: box.url("z.npz"), compressed: true)
        return (box, f)
    }

    /// The phrases of a refusal: the file, the bytes needed, the budget, and the --memory that would do.
    static func refusal(_ box: Sandbox, _ file: String, needs: Int, budget: Int) -> [String] {
        let mebibytes = (needs + (1 << 20) - 1) >> 20
        return ["\(box.path(file)): ", "in memory needs about \(needs) bytes", "the memory budget of \(budget) bytes",
                "raise --memory to at least \(mebibytes)M"]
    }

    @Test("a deflated member is refused before reading when the budget is small, and computed as before when it fits")
    func deflated() throws {
        let (box, f) = try Self.sandbox()
        // Input and three results: 4 MiB.
        let needs = 4 * Self.fieldBytes
        try box.fail(["gradient", "z.npz", "-o", "g.npz", "--memory", "256K"],
                     mentions: Self.refusal(box, "z.npz", needs: needs, budget: 256 << 10)
                        + ["the gradient", "the member 'f' is deflated", "np.savez"], absent: ["g.npz"])
        // Just enough: the same arrays as the slab engine computes from the stored copy, and the library.
        try box.succeed(["gradient", "z.npz", "-o", "g.npz", "--memory", "4M"])
        try box.succeed(["gradient", "f.npy", "-o", "ref.npz"])
        let written = try box.readNPZ("g.npz"), reference = try box.readNPZ("ref.npz")
        expectArchive(written, names: reference.map(\.name), arrays: reference.map(\.array))
        expectArchive(written, names: ["axis0", "axis1", "axis2"], arrays: wrap(try gradient(of: f)))
        // The hessian holds the input, six results and the three first derivatives.
        try box.fail(["hessian", "z.npz", "-o", "h.npz", "--memory", "8M"],
                     mentions: Self.refusal(box, "z.npz", needs: 10 * Self.fieldBytes, budget: 8 << 20) + ["the hessian"],
                     absent: ["h.npz"])
    }

    @Test("a CSV table is refused from a count of its separators, and a wrong output before its values are parsed")
    func csv() throws {
        let box = try Sandbox()
        let table = try field([64, 64], seed: 2)
        try CSV.write(table, to: box.url("t.csv"))
        let size = try box.bytes("t.csv").count
        // 63 commas and a newline per row, plus one: 4097 numbers at most.
        let count = 64 * 64 + 1
        let needs = max(size + 8 * count, 3 * 8 * count)
        try box.fail(["gradient", "t.csv", "-o", "g.npz", "--memory", "16K"],
                     mentions: Self.refusal(box, "t.csv", needs: needs, budget: 16 << 10) + ["a .csv table is read whole", ".npy"],
                     absent: ["g.npz"])
        // A budget between the count's estimate and the bound from the file's size (12 bytes of estimate
        // per byte of text): the separators are counted and the job runs.
        let between = needs + 4096
        #expect(between < 12 * size)
        try box.succeed(["gradient", "t.csv", "-o", "g.npz", "--memory", "\(between)"])
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1"], arrays: wrap(try gradient(of: try CSV.read(from: box.url("t.csv")))))
        // Two results for a one-array output: said before the table (which is not even numeric) is parsed.
        try Data("1,2\nabc,4\n".utf8).write(to: box.url("bad.csv"))
        try box.fail(["gradient", "bad.csv", "-o", "g.csv"], mentions: ["g.csv", "holds one array, but 2 axes are selected"])
    }

    @Test("netCDF inputs, VTK outputs, complex data, Fortran order are held to the budget; the jacobian streams")
    func otherFallbacks() throws {
        let (box, f) = try Self.sandbox()
        let four = 4 * Self.fieldBytes
        try NetCDF.write([NetCDF.Field(name: "f", values: AnyNDArray(f))], axes: ["z", "y", "x"].map { AxisInfo(name: $0) },
                         to: box.url("f.nc"))
        try box.fail(["gradient", "f.nc", "-o", "g.npz", "--memory", "1M"],
                     mentions: Self.refusal(box, "f.nc", needs: four, budget: 1 << 20) + ["a netCDF variable is read whole"], absent: ["g.npz"])
        let nc = try box.run(["gradient", "f.nc", "-o", "g.npz", "--memory", "4M"])
        #expect(nc.status == 0, "\(nc)")
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: wrap(try gradient(of: f)))

        try box.fail(["gradient", "f.npy", "-o", "g.vti", "--memory", "1M"],
                     mentions: Self.refusal(box, "f.npy", needs: four, budget: 1 << 20) + ["a .vti output is written from memory"],
                     absent: ["g.vti"])
        try box.succeed(["gradient", "f.npy", "-o", "g.vti", "--memory", "4M"])
        #expect(box.exists("g.vti"))

        // complex128 of 16×64×64: 1 MiB.
        let values: [Complex<Double>] = (0..<(16 * 64 * 64)).map { (k: Int) -> Complex<Double> in Complex(Double(k % 97), Double(k % 13)) }
        let c = try NDArray(shape: [16, 64, 64], scalars: values)
        try box.write(c, "c.npy")
        try box.fail(["gradient", "c.npy", "-o", "gc.npz", "--memory", "2M"],
                     mentions: Self.refusal(box, "c.npy", needs: four, budget: 2 << 20) + ["complex data"], absent: ["gc.npz"])
        try box.succeed(["gradient", "c.npy", "-o", "gc.npz", "--memory", "4M"])
        #expect(try box.readNPZ("gc.npz").map(\.array.dtype) == [.complex128, .complex128, .complex128])

        // Fortran order: read with a transposed copy (two arrays while reading; four while computing).
        let transposed = try f.transposed()
        var payload: [UInt8] = []
        for x in transposed.scalars { withUnsafeBytes(of: x.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        try box.writeBytes(npyBytes(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (32, 64, 64), }", payload: payload), "fo.npy")
        try box.fail(["gradient", "fo.npy", "-o", "gf.npz", "--memory", "1M"],
                     mentions: Self.refusal(box, "fo.npy", needs: four, budget: 1 << 20) + ["Fortran order"], absent: ["gf.npz"])
        try box.succeed(["gradient", "fo.npy", "-o", "gf.npz", "--memory", "4M"])
        expectArchive(try box.readNPZ("gf.npz"), names: ["axis0", "axis1", "axis2"], arrays: wrap(try gradient(of: f)))

        // The jacobian of a stored vector field streams through the slab engine: 4 MiB hold a few planes
        // of its 3 inputs and 9 results; a budget below one plane is refused, naming the bytes.
        let g = f.map { $0 * 0.5 + 1 }
        try box.writeNPZ([(name: "axis0", array: AnyNDArray(f)), (name: "axis1", array: AnyNDArray(g)), (name: "axis2", array: AnyNDArray(f))], "v.npz")
        try box.succeed(["jacobian", "v.npz", "-o", "j.npz", "--memory", "4M"])
        expectArchive(try box.readNPZ("j.npz"), names: (0..<3).flatMap { k in (0..<3).map { "d\(k)_axis\($0)" } },
                      arrays: try jacobian(of: [f, g, f]).flatMap { $0 }.map { AnyNDArray($0) })
        try box.fail(["jacobian", "v.npz", "-o", "j4.npz", "--memory", "64K"], mentions: ["v.npz", "memory", "bytes"], absent: ["j4.npz"])
    }

    @Test("spectral derivatives of HDF5 and float16 data are held to the budget")
    func spectral() throws {
        let (box, f) = try Self.sandbox()
        try FieldFiles.write([(name: "f", array: AnyNDArray(f))], to: box.url("f.h5"))
        // Input, three results, and 2.25 fields of half-spectra.
        let needs = 4 * Self.fieldBytes + 9 * Self.fieldBytes / 4
        try box.fail(["gradient", "f.h5", "--method", "spectral", "-o", "g.npz", "--memory", "4M"],
                     mentions: Self.refusal(box, "f.h5", needs: needs, budget: 4 << 20) + ["spectral derivatives of HDF5"], absent: ["g.npz"])
        // (The field is not periodic: a warning, and success.)
        let h5 = try box.run(["gradient", "f.h5", "--method", "spectral", "-o", "g.npz", "--memory", "7M"])
        #expect(h5.status == 0, "\(h5)")
        #expect(try box.readNPZ("g.npz").count == 3)

        let half = f.converted(to: Float16.self)
        try box.write(half, "h.npy")
        // float16 (2 B), a float32 copy (4 B), three float32 results, 2.25 float32 fields of spectra, and
        // the results back in float16: (2 + 4 + 12 + 9 + 6) B per element.
        let elements = 32 * 64 * 64
        try box.fail(["gradient", "h.npy", "--method", "spectral", "-o", "gh.npz", "--memory", "1M"],
                     mentions: Self.refusal(box, "h.npy", needs: 33 * elements, budget: 1 << 20) + ["float16"], absent: ["gh.npz"])
        let f16 = try box.run(["gradient", "h.npy", "--method", "spectral", "-o", "gh.npz", "--memory", "5M"])
        #expect(f16.status == 0, "\(f16)")
        #expect(try box.readNPZ("gh.npz").map(\.array.dtype) == [.float16, .float16, .float16])
    }

    @Test("score holds both files to its --memory; boolean data is refused before the budget is even counted")
    func scoreAndBooleans() throws {
        let (box, _) = try Self.sandbox()
        try box.fail(["score", "f.npy", "z.npz", "--memory", "1M"],
                     mentions: ["\(box.path("f.npy")) and \(box.path("z.npz"))", "needs about",
                                "nabla score reads both files whole"], status: 2)
        let scored = try box.run(["score", "f.npy", "z.npz", "--memory", "4M"])
        #expect(scored.status == 0, "\(scored)")

        let flags = try NDArray(shape: [32, 64, 64], scalars: (0..<(32 * 64 * 64)).map { $0 % 3 == 0 })
        try NPZ.write([(name: "b", array: AnyNDArray(flags))], to: box.url("b.npz"), compressed: true)
        try box.fail(["gradient", "b.npz", "-o", "gb.npz", "--memory", "1K"],
                     mentions: ["b.npz", "boolean arrays cannot be differentiated"], absent: ["gb.npz"])
    }

    @Test("batch: a deflated file above the budget fails before it is read; the others run")
    func batch() throws {
        let (box, f) = try Self.sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: box.url("z.npz"), to: box.url("in/z.npz"))
        try box.write(try field([8, 8, 8], seed: 3), "in/small.npy")
        let r = try box.run(["batch", "in", "-o", "out", "--memory", "256K", "--quiet"])
        #expect(r.status == 1, "\(r)")
        let lines = r.stderrLines.filter { $0.contains("z.npz") }
        #expect(lines.count == 1 && lines[0].contains("needs about \(4 * Self.fieldBytes) bytes")
                && lines[0].contains("the member 'f' is deflated"), "\(r)")
        #expect(!box.exists("out/z.npz"))
        #expect(box.exists("out/small.npz"))
        let enough = try box.run(["batch", "in", "-o", "out2", "--memory", "4M", "--quiet"])
        #expect(enough.status == 0, "\(enough)")
        expectArchive(try box.readNPZ("out2/z.npz"), names: ["axis0", "axis1", "axis2"], arrays: wrap(try gradient(of: f)))
    }
}
