#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Nabla
import NablaFormats
import Testing
import _NablaTool

// `nabla batch` on files the slab engine takes (.npy or stored .npz in, .npz out, finite differences): each
// file streams through the engine with its share of the batch's memory budget.

@Suite("nabla batch through the slab engine", .serialized)
struct BatchStreamingTests {
    /// The arrays of an `.npz`, by name, as `.npy` bytes (dtype, shape and every bit).
    private func members(_ s: Sandbox, _ path: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for member in try NPZ.read(from: s.url(path)) { result[member.name] = NPY.encode(member.array) }
        return result
    }

    @Test("every stored dtype and option: the same arrays as `nabla gradient` on the same file")
    func sameAsGradient() throws {
        let s = try Sandbox()
        let f = try field([20, 9, 7])
        _ = try s.npy("in/f64.npy", f)
        _ = try s.npy("in/f32.npy", try field([11, 6, 5], seed: 1).converted(to: Float.self))
        // int16 and big-endian float64 are converted while read (the engine's scratch path).
        let ints: [Int16] = (0..<(9 * 8)).map { Int16(($0 * 37) % 201 - 100) }
        try s.bytes("in/i16.npy", npyBytes(header: "{'descr': '<i2', 'fortran_order': False, 'shape': (9, 8), }",
                                           payload: ints.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }))
        let big = try field([8, 6], seed: 2)
        try s.bytes("in/be.npy", npyBytes(header: "{'descr': '>f8', 'fortran_order': False, 'shape': (8, 6), }",
                                          payload: big.scalars.flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian) { Array($0) } }))
        try NPZ.write([("V", AnyNDArray(try field([10, 12], seed: 3)))], to: s.url("in/one.npz"))

        let option: [[String]] = [[], ["--accuracy", "4", "--periodic-axis", "0"], ["--edge-order", "2", "--spacing", "0.5", "--axis", "-1"]]
        for (k, options) in option.enumerated() {
            let r = try s.nabla(["batch", "in", "-o", "b\(k)", "--jobs", "2", "--quiet", "--log", "log\(k).jsonl"] + options)
            #expect(r.status == 0, "\(options): \(r)")
            let log = try s.log("log\(k).jsonl")
            for name in ["f64", "f32", "i16", "be", "one"] {
                let g = try s.nabla(["gradient", "in/\(name).\(name == "one" ? "npz" : "npy")", "-o", "g\(k)-\(name).npz"] + options)
                #expect(g.status == 0, "\(name) \(options): \(g)")
                let batch = try members(s, "b\(k)/\(name).npz"), single = try members(s, "g\(k)-\(name).npz")
                #expect(!batch.isEmpty && batch == single, "\(name) \(options): batch and gradient differ")
                #expect(log["\(name).\(name == "one" ? "npz" : "npy")"]?["status"] as? String == "ok")
            }
        }
        // The in-memory library's results, bit for bit (numpy's scheme).
        try expectGradient(s, "b0/f64.npz", of: f)
        let log = try s.log("log0.jsonl")
        #expect(log["i16.npy"]?["dtype"] as? String == "int16")
        #expect(log["be.npy"]?["shape"] as? [Int] == [8, 6])
    }

    @Test("a file larger than its share streams in slabs within the budget, exact, not run alone")
    func slabsWithinShare() throws {
        let s = try Sandbox()
        // 64 planes of 16×16 float64: 128 KiB in; in memory it needs 512 KiB (input and three results).
        let f = try s.npy("in/f.npy", try field([64, 16, 16], seed: 4))
        var g = try field([48, 16, 16], seed: 5)
        // NaN and infinity on slab boundaries and in halos: each input value is counted once.
        g.withUnsafeMutableBufferPointer { p in
            for plane in [0, 5, 6, 7, 13, 14, 31, 47] { p[plane * 256 + 17] = plane % 2 == 0 ? .nan : .infinity }
        }
        _ = try s.npy("in/g.npy", g)
        // 256 KiB for two jobs: 128 KiB each, a few planes per slab.
        let r = try s.nabla(["batch", "in", "-o", "out", "--memory", "256K", "--jobs", "2", "--log", "log.jsonl", "--quiet"])
        #expect(r.status == 0, "\(r)")
        try expectGradient(s, "out/f.npz", of: f)
        try expectGradient(s, "out/g.npz", of: g)
        let log = try s.log("log.jsonl")
        for name in ["f.npy", "g.npy"] {
            #expect(log[name]?["status"] as? String == "ok")
            #expect(log[name]?["note"] is NSNull, "\(name) needed more than the budget: \(String(describing: log[name]))")
        }
        #expect(log["f.npy"]?["nonfinite_input"] as? Int == 0)
        #expect(log["g.npy"]?["nonfinite_input"] as? Int == 8)
        let expected = try Nabla.gradient(of: g).reduce(0) { n, r in n + r.scalars.filter { !$0.isFinite }.count }
        #expect(expected > 8)
        #expect(log["g.npy"]?["nonfinite_output"] as? Int == expected)

        // The in-memory path on the same values (a deflated member, which the slab engine does not read),
        // within a budget that holds it, counts the same and writes the same arrays.
        try FileManager.default.createDirectory(at: s.url("deflated"), withIntermediateDirectories: true)
        try NPZ.write([(name: "g", array: g)], to: s.url("deflated/g.npz"), compressed: true)
        let inMemory = try s.nabla(["batch", "deflated/g.npz", "-o", "memory", "--memory", "64M", "--log", "memory.jsonl", "--quiet"])
        #expect(inMemory.status == 0, "\(inMemory)")
        let memoryLog = try s.log("memory.jsonl")
        #expect(memoryLog["g.npz"]?["note"] is NSNull)
        #expect(memoryLog["g.npz"]?["nonfinite_input"] as? Int == 8)
        #expect(memoryLog["g.npz"]?["nonfinite_output"] as? Int == expected)
        #expect(try members(s, "memory/g.npz") == members(s, "out/g.npz"))
    }

    @Test("a plane too large for its share takes the whole budget; too large for the budget, the file fails before it is read")
    func tooLargeForShare() throws {
        let s = try Sandbox()
        // One plane of 64×64 float64 is 32 KiB: in memory the file needs 3 MiB (input and three results);
        // a slab of one plane and its two halos, in two sets of 4 arrays, 768 KiB.
        let f = try s.npy("in/f.npy", try field([24, 64, 64], seed: 6))
        // The share (1.5M / 8 jobs = 192K) holds no slab, the whole budget holds slabs of 4 planes: not alone.
        let r = try s.nabla(["batch", "in", "-o", "out", "--memory", "1.5M", "--jobs", "8", "--log", "log.jsonl", "--quiet"])
        #expect(r.status == 0, "\(r)")
        try expectGradient(s, "out/f.npz", of: f)
        #expect(try s.log("log.jsonl")["f.npy"]?["note"] is NSNull)
        // A budget that holds no plane, nor the file in memory: the file fails at once, naming what it needs
        // (input and three results: 4 × 768 KiB), and nothing is written.
        let tiny = try s.nabla(["batch", "in", "-o", "tiny", "--memory", "16K", "--log", "tiny.jsonl", "--quiet"])
        #expect(tiny.status == 1, "\(tiny)")
        let error = try s.log("tiny.jsonl")["f.npy"]?["error"] as? String ?? ""
        #expect(error.contains(s.path("in/f.npy")) && error.contains("needs about \(4 * 24 * 64 * 64 * 8) bytes")
                && error.contains("memory budget of 16384 bytes"), "\(error)")
        #expect(!s.exists("tiny/f.npz"))
        // Other operations too: their command refuses a budget that holds no plane, before reading.
        let laplacian = try s.nabla(["batch", "in", "-o", "lap", "--operation", "laplacian", "--memory", "16K", "--quiet"])
        #expect(laplacian.status == 1, "\(laplacian)")
        #expect(laplacian.stderr.contains("cannot hold one slab"), "\(laplacian)")
        #expect(!s.exists("lap/f.npz"))
        // With the budget the file needs in memory, it runs.
        let enough = try s.nabla(["batch", "in", "-o", "lap2", "--operation", "laplacian", "--memory", "2M", "--quiet"])
        #expect(enough.status == 0, "\(enough)")
        let expected = try Nabla.laplacian(of: f)
        #expect(try NPZ.read(from: s.url("lap2/f.npz")).map { NPY.encode($0.array) } == [NPY.encode(expected)])
    }

    @Test("--resume keeps streamed outputs, redoes damaged and stale ones")
    func resume() throws {
        let s = try Sandbox()
        var fields: [String: NDArray<Double>] = [:]
        for k in 0..<4 { fields["f\(k)"] = try s.npy("in/f\(k).npy", try field([40, 12, 10], seed: Double(k))) }
        let first = try s.nabla(["batch", "in", "-o", "out", "--memory", "64K", "--jobs", "2", "--quiet"])
        #expect(first.status == 0, "\(first)")
        // One output's data byte flipped (its CRC no longer matches), one input newer than its output.
        var damaged = try [UInt8](Data(contentsOf: s.url("out/f1.npz")))
        damaged[damaged.count / 2] ^= 0x40
        try Data(damaged).write(to: s.url("out/f1.npz"))
        let later = Date().addingTimeInterval(5)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: s.path("in/f2.npy"))
        let r = try s.nabla(["batch", "in", "-o", "out", "--memory", "64K", "--jobs", "2", "--resume", "--log", "log.jsonl"])
        #expect(r.status == 0, "\(r)")
        let log = try s.log("log.jsonl")
        #expect(log["f0.npy"]?["status"] as? String == "skipped")
        #expect(log["f3.npy"]?["status"] as? String == "skipped")
        #expect(log["f1.npy"]?["status"] as? String == "ok", "a damaged output is redone")
        #expect(log["f2.npy"]?["status"] as? String == "ok", "an output older than its input is redone")
        for (name, f) in fields { try expectGradient(s, "out/\(name).npz", of: f) }
        #expect(s.files(under: "out") == ["f0.npz", "f1.npz", "f2.npz", "f3.npz"])
    }

    @Test("every operation batch supports streams within the file's share: the same bytes as its `nabla` command")
    func otherOperationsWithinShare() throws {
        let s = try Sandbox()
        // 64 planes of 16×16 float64 (128 KiB); a vector field of three such components (384 KiB).
        var f = try field([64, 16, 16], seed: 7)
        f.withUnsafeMutableBufferPointer { p in p[20 * 256 + 3] = .nan }
        _ = try s.npy("in/f.npy", f)
        _ = try s.npy("in/g.npy", try field([40, 16, 16], seed: 8).converted(to: Float.self))
        let components = try (0..<3).map { k in try field([48, 16, 16], seed: 9 + Double(k)) }
        try FileManager.default.createDirectory(at: s.url("vec"), withIntermediateDirectories: true)
        try NPZ.write(components.enumerated().map { ("axis\($0.offset)", AnyNDArray($0.element)) }, to: s.url("vec/v.npz"))
        let operations: [(batch: [String], command: [String], inputs: String, names: [String])] = [
            (["--operation", "laplacian"], ["laplacian"], "in", ["f", "g"]),
            (["--operation", "derivative", "--order", "1,0,2"], ["derivative", "--order", "1,0,2"], "in", ["f", "g"]),
            // Six results: 896 KiB in memory; one plane of slabs needs more than 128 KiB at this accuracy.
            (["--operation", "hessian", "--memory", "1M"], ["hessian"], "in", ["f", "g"]),
            (["--operation", "divergence"], ["divergence"], "vec", ["v"]),
            (["--operation", "curl"], ["curl"], "vec", ["v"]),
            (["--operation", "laplacian", "--format", "h5"], ["laplacian"], "in", ["f", "g"]),
        ]
        for (k, op) in operations.enumerated() {
            let h5 = op.batch.contains("h5")
            // 256 KiB for two jobs (unless the operation says): 128 KiB each, smaller than any file's in-memory
            // need; a few planes per slab.
            let memory = op.batch.contains("--memory") ? [] : ["--memory", "256K"]
            let r = try s.nabla(["batch", op.inputs, "-o", "out\(k)", "--jobs", "2", "--accuracy", "4",
                                 "--log", "log\(k).jsonl", "--quiet"] + memory + op.batch)
            #expect(r.status == 0, "\(op.batch): \(r)")
            let log = try s.log("log\(k).jsonl")
            for name in op.names {
                let input = op.inputs == "vec" ? "vec/\(name).npz" : "in/\(name).npy"
                let entry = log[(input as NSString).lastPathComponent]
                #expect(entry?["status"] as? String == "ok", "\(op.batch) \(name): \(String(describing: entry))")
                // Not run alone: the slab engine within the share, counting non-finite values as it goes.
                #expect(entry?["note"] is NSNull, "\(op.batch) \(name): \(String(describing: entry))")
                #expect(entry?["nonfinite_input"] as? Int == (name == "f" ? 1 : 0), "\(op.batch) \(name)")
                let single = "single\(k)-\(name).\(h5 ? "h5" : "npz")"
                let g = try s.nabla(op.command + [input, "-o", single, "--accuracy", "4"])
                #expect(g.status == 0, "\(op.batch) \(name): \(g)")
                let out = "out\(k)/\(name).\(h5 ? "h5" : "npz")"
                // Every array's dtype, shape and bits (an HDF5 output read through the tool's reader).
                func arrays(_ path: String) throws -> [String: Data] {
                    Dictionary(uniqueKeysWithValues: try FieldFiles.readAll(s.url(path)).map { ($0.name, NPY.encode($0.array)) })
                }
                let batch = try arrays(out), alone = try arrays(single)
                #expect(!batch.isEmpty && batch == alone, "\(op.batch) \(name): batch and command differ")
            }
        }
        // The in-memory library's Laplacian, bit for bit.
        let lap = try NPZ.read(from: s.url("out0/f.npz"))
        #expect(lap.map { NPY.encode($0.array) } == [NPY.encode(try Nabla.laplacian(of: f, accuracy: 4))])
    }

    @Test("an HDF5 input with dimension scales: its grid gives the spacing, as `nabla gradient` takes it, streamed or not")
    func hdf5InputWithGrid() throws {
        let s = try Sandbox()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("NablaHDF5Tests/Fixtures/hdf5/scales.h5")
        try FileManager.default.createDirectory(at: s.url("in"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: s.url("in/scales.h5"))
        let g = try s.nabla(["gradient", "in/scales.h5", "--key", "V", "-o", "single.npz"])
        #expect(g.status == 0, "\(g)")
        // The uniform-spacing result differs: the grid is not the default spacing.
        let plain = try s.nabla(["gradient", "in/scales.h5", "--key", "V", "--spacing", "1", "-o", "plain.npz"])
        #expect(plain.status == 0, "\(plain)")
        #expect(try members(s, "single.npz") != members(s, "plain.npz"))
        // A budget of a few planes per slab, and a whole one.
        for (k, memory) in ["16K", "1G"].enumerated() {
            let r = try s.nabla(["batch", "in", "-o", "out\(k)", "--key", "V", "--memory", memory, "--quiet", "--log", "log\(k).jsonl"])
            #expect(r.status == 0, "\(memory): \(r)")
            #expect(try members(s, "out\(k)/scales.npz") == members(s, "single.npz"), "\(memory)")
            #expect(try s.log("log\(k).jsonl")["scales.h5"]?["status"] as? String == "ok")
        }
        // A budget too small for one plane: the file fails before it is read, naming the bytes; no output.
        let tiny = try s.nabla(["batch", "in", "-o", "tiny", "--key", "V", "--memory", "16", "--quiet"])
        #expect(tiny.status != 0 && tiny.stderr.contains("bytes"), "\(tiny)")
        #expect(!FileManager.default.fileExists(atPath: s.url("tiny/scales.npz").path))
    }
}
