#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Nabla
import NablaFormats
import Testing

@Suite("nabla batch", .serialized)
struct BatchTests {
    @Test("good files are done, bad ones reported and logged, exit 1")
    func mixedGoodAndBad() throws {
        let s = try Sandbox()
        let a = try s.npy("in/a.npy", try field([12, 9]))
        let b = try s.npy("in/b.npy", try field([5, 4, 6], seed: 1).converted(to: Float.self))
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }"
        try s.bytes("in/truncated.npy", npyBytes(header: header, payload: [UInt8](repeating: 0, count: 100)))
        try s.bytes("in/lying.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", payload: [UInt8](repeating: 0, count: 64)))
        try s.bytes("in/object.npy", npyBytes(header: "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", payload: [UInt8](repeating: 0, count: 16)))
        try s.bytes("in/text.npy", Array("this is not an array\n".utf8))
        try s.bytes("in/zip.npz", Array("PK not really".utf8))

        let r = try s.nabla(["batch", "in", "-o", "out", "--log", "log.jsonl"])
        #expect(r.status == 1, "\(r)")
        try expectGradient(s, "out/a.npz", of: a)
        try expectGradient(s, "out/b.npz", of: b)
        let bad = ["truncated.npy", "lying.npy", "object.npy", "text.npy", "zip.npz"]
        #expect(r.errorLines.count == bad.count, "\(r)")
        for name in bad {
            #expect(r.errorLines.contains { $0.contains(name) }, "\(name) not reported: \(r)")
        }
        #expect(s.files(under: "out") == ["a.npz", "b.npz"], "no partial or temporary outputs")
        let log = try s.log("log.jsonl")
        #expect(log.count == 7)
        #expect(log["a.npy"]?["status"] as? String == "ok")
        #expect(log["a.npy"]?["shape"] as? [Int] == [12, 9])
        #expect(log["a.npy"]?["dtype"] as? String == "float64")
        #expect(log["b.npy"]?["dtype"] as? String == "float32")
        #expect((log["a.npy"]?["output"] as? String)?.hasSuffix("out/a.npz") == true)
        #expect(log["a.npy"]?["seconds"] is Double)
        for name in bad {
            #expect(log[name]?["status"] as? String == "failed")
            #expect((log[name]?["error"] as? String)?.contains(name) == true, "\(name): \(String(describing: log[name]))")
        }
        #expect((log["lying.npy"]?["error"] as? String)?.isEmpty == false)
        #expect(r.stderr.contains("2 ok, 5 failed, 0 skipped"), "summary: \(r.stderr)")
    }

    @Test("folders: supported files, --recursive, relative paths kept, hidden and temporaries skipped")
    func folders() throws {
        let s = try Sandbox()
        let top = try s.npy("data/top.npy", try field([6, 7]))
        let deep = try s.npy("data/run1/step/deep.npy", try field([8], seed: 2))
        try NPZ.write([("V", AnyNDArray(try field([5, 5], seed: 3)))], to: s.url("data/run1/arch.npz"))
        let single = try s.npy("elsewhere/single.npy", try field([4, 3], seed: 4))
        _ = try s.npy("data/.hidden.npy", try field([3]))
        try s.bytes("data/.top.npz.tmp-abc123", [1, 2, 3])
        try s.bytes("data/notes.txt", Array("hello".utf8))

        let flat = try s.nabla(["batch", "data", "-o", "flat", "--quiet"])
        #expect(flat.status == 0, "\(flat)")
        #expect(s.files(under: "flat") == ["top.npz"])

        let r = try s.nabla(["batch", "data", "elsewhere/single.npy", "-o", "out", "--recursive", "--quiet"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "--quiet: \(r.stderr)")
        #expect(s.files(under: "out") == ["run1/arch.npz", "run1/step/deep.npz", "single.npz", "top.npz"])
        try expectGradient(s, "out/top.npz", of: top)
        try expectGradient(s, "out/run1/step/deep.npz", of: deep)
        try expectGradient(s, "out/single.npz", of: single)
        try expectGradient(s, "out/run1/arch.npz", of: try field([5, 5], seed: 3))

        // An output folder inside the input folder is not read back as input.
        let nested = try s.nabla(["batch", "data", "-o", "data/grad", "--recursive", "--quiet"])
        #expect(nested.status == 0, "\(nested)")
        let again = try s.nabla(["batch", "data", "-o", "data/grad", "--recursive", "--quiet"])
        #expect(again.status == 0, "\(again)")
        #expect(s.files(under: "data/grad") == ["run1/arch.npz", "run1/step/deep.npz", "top.npz"])
    }

    @Test("kill -9 in the middle, then --resume: every output complete and exact, no temporaries")
    func resumeAfterKill() throws {
        let s = try Sandbox()
        var fields: [String: NDArray<Double>] = [:]
        for k in 0..<150 {
            let name = String(format: "f%03d", k)
            fields[name] = try s.npy("in/\(name).npy", try field([24, 24, 24], seed: Double(k)))
        }
        let started = try s.start(try Nabla_.executable(), ["batch", "in", "-o", "out", "--jobs", "1", "--log", "log.jsonl"])
        let deadline = Date().addingTimeInterval(120)
        while s.files(under: "out").filter({ !$0.hasPrefix(".") }).count < 3 && Date() < deadline && started.0.isRunning {
            Thread.sleep(forTimeInterval: 0.002)
        }
        kill(started.0.processIdentifier, SIGKILL)
        let killed = try s.wait(started)
        #expect(killed.status == SIGKILL, "killed by SIGKILL")
        let doneBefore = s.files(under: "out").filter { !$0.hasPrefix(".") }
        #expect(doneBefore.count >= 3 && doneBefore.count < 150, "the kill must land mid-batch: \(doneBefore.count) done")
        // A leftover temporary of the killed run (also made here, in case the kill fell between files),
        // and a damaged output that is newer than its input: resume must redo it.
        try s.bytes("out/.f149.npz.tmp-deadbeef", [0x50, 0x4B, 3, 4, 0, 0])
        try s.bytes("out/f148.npz", [0x50, 0x4B, 3, 4, 0, 0, 0, 0])

        let r = try s.nabla(["batch", "in", "-o", "out", "--resume", "--log", "log.jsonl"])
        #expect(r.status == 0, "\(r)")
        #expect(s.files(under: "out") == fields.keys.sorted().map { $0 + ".npz" }, "every output, nothing else")
        for (name, f) in fields { try expectGradient(s, "out/\(name).npz", of: f) }
        let log = try String(contentsOf: s.url("log.jsonl"), encoding: .utf8)
        let skipped = log.split(separator: "\n").filter { $0.contains("\"status\":\"skipped\"") }
        #expect(skipped.count == doneBefore.count, "resume keeps exactly the outputs finished before the kill")
        #expect(!skipped.contains { $0.contains("f148.npy") }, "a damaged output is redone")
        #expect(r.stderr.contains("\(doneBefore.count) skipped"), "\(r.stderr)")
    }

    @Test("duplicate output names are refused before any work, naming both inputs")
    func duplicates() throws {
        let s = try Sandbox()
        _ = try s.npy("a/x.npy", try field([4]))
        _ = try s.npy("b/x.npy", try field([5]))
        let r = try s.nabla(["batch", "a/x.npy", "b/x.npy", "-o", "out"])
        #expect(r.status == 2, "\(r)")
        #expect(r.errorLines.count == 1 && r.errorLines[0].contains("a/x.npy") && r.errorLines[0].contains("b/x.npy"), "\(r)")
        #expect(!s.exists("out"), "nothing done")

        try NPZ.write([("V", AnyNDArray(try field([3])))], to: s.url("a/x.npz"))
        let folder = try s.nabla(["batch", "a", "-o", "out"])
        #expect(folder.status == 2, "\(folder)")
        #expect(folder.errorLines.first.map { $0.contains("x.npy") && $0.contains("x.npz") } == true, "\(folder)")
        #expect(!s.exists("out"))

        // The same file reached twice is one job, not a duplicate.
        let same = try s.nabla(["batch", "b", "b/x.npy", "-o", "out", "--quiet"])
        #expect(same.status == 0, "\(same)")
    }

    @Test("an unwritable output folder: one clear error, nothing written")
    func unwritableOutput() throws {
        let s = try Sandbox()
        _ = try s.npy("in/a.npy", try field([4, 4]))
        try FileManager.default.createDirectory(at: s.url("out"), withIntermediateDirectories: true)
        // root ignores permissions: make the folder immutable instead.
        let locked = geteuid() == 0 ? try s.shell("chattr +i out").status == 0 : (chmod(s.path("out"), 0o555) == 0)
        defer { if geteuid() == 0 { _ = try? s.shell("chattr -i out") } else { chmod(s.path("out"), 0o755) } }
        try #require(locked, "cannot make a folder unwritable here")
        let r = try s.nabla(["batch", "in", "-o", "out"])
        #expect(r.status == 1, "\(r)")
        #expect(r.errorLines.count == 1 && r.errorLines[0].contains("out"), "\(r)")
        #expect(s.files(under: "out").isEmpty)

        // A folder that cannot be created (a file is in the way).
        try s.bytes("file", [1])
        let blocked = try s.nabla(["batch", "in", "-o", "file/out"])
        #expect(blocked.status == 1, "\(blocked)")
        #expect(blocked.errorLines.count == 1 && blocked.errorLines[0].contains("file/out"), "\(blocked)")
    }

    @Test("NaN and infinity are counted in the log, in the input and in the results")
    func nonFinite() throws {
        let s = try Sandbox()
        var f = try field([6, 6])
        f.withUnsafeMutableBufferPointer { $0[7] = .nan; $0[20] = .infinity; $0[35] = -.infinity }
        _ = try s.npy("in/f.npy", f)
        _ = try s.npy("in/clean.npy", try field([6, 6]))
        let r = try s.nabla(["batch", "in", "-o", "out", "--log", "log.jsonl", "--quiet"])
        #expect(r.status == 0, "\(r)")
        let log = try s.log("log.jsonl")
        #expect(log["f.npy"]?["nonfinite_input"] as? Int == 3)
        let expected = try Nabla.gradient(of: f).reduce(0) { n, g in n + g.scalars.filter { !$0.isFinite }.count }
        #expect(log["f.npy"]?["nonfinite_output"] as? Int == expected)
        #expect(expected > 3)
        #expect(log["clean.npy"]?["nonfinite_input"] as? Int == 0)
        try expectGradient(s, "out/f.npz", of: f)
    }

    @Test("--quiet: nothing on stderr on success; failures still reported")
    func quiet() throws {
        let s = try Sandbox()
        _ = try s.npy("in/a.npy", try field([5]))
        let ok = try s.nabla(["batch", "in", "-o", "out", "--quiet"])
        #expect(ok.status == 0 && ok.stderr.isEmpty && ok.stdout.isEmpty, "\(ok)")
        let loud = try s.nabla(["batch", "in", "-o", "out2"])
        #expect(loud.status == 0 && loud.stderr.contains("1 ok, 0 failed"), "summary expected: \(loud)")
        try s.bytes("in/bad.npy", [1, 2, 3])
        let failing = try s.nabla(["batch", "in", "-o", "out3", "--quiet"])
        #expect(failing.status == 1, "\(failing)")
        #expect(failing.stderr.split(separator: "\n").count == 1 && failing.errorLines.count == 1 && failing.errorLines[0].contains("bad.npy"), "\(failing)")
    }

    @Test("--memory and --jobs: values parsed, bad ones refused with 2, a budget too small fails each file unread")
    func memoryBudget() throws {
        let s = try Sandbox()
        var fields: [NDArray<Double>] = []
        for k in 0..<6 { fields.append(try s.npy("in/f\(k).npy", try field([16, 16, 8], seed: Double(k)))) }
        for bad in [["--memory", "12X"], ["--memory", "0"], ["--memory", "-1G"], ["--jobs", "0"], ["--jobs", "many"], ["--format", "csv"]] {
            let r = try s.nabla(["batch", "in", "-o", "bad"] + bad)
            #expect(r.status == 2, "\(bad): \(r)")
            #expect(r.errorLines.count == 1 && r.errorLines[0].contains(bad[1]), "\(bad): \(r)")
            #expect(!s.exists("bad"))
        }
        for good in ["4G", "512M", "1.5GiB", "64k", "100000"] {
            let r = try s.nabla(["batch", "in", "-o", "good-\(good)", "--memory", good, "--quiet"])
            #expect(r.status == 0, "--memory \(good): \(r)")
        }
        // 1K holds neither a slab nor a file in memory (input and three results, 4 × 16 KiB): every file
        // fails, naming itself and the size it needs, and writes nothing.
        let r = try s.nabla(["batch", "in", "-o", "out", "--memory", "1K", "--jobs", "3", "--log", "log.jsonl", "--quiet"])
        #expect(r.status == 1, "\(r)")
        let log = try s.log("log.jsonl")
        #expect(log.count == 6)
        for (name, record) in log {
            let error = record["error"] as? String ?? ""
            #expect(record["status"] as? String == "failed" && error.contains(name)
                    && error.contains("needs about \(4 * 16 * 16 * 8 * 8) bytes") && error.contains("--memory"), "\(name): \(error)")
        }
        #expect(s.files(under: "out").filter { $0.hasSuffix(".npz") }.isEmpty)
        // The same files with a budget that holds one at a time: all written.
        let enough = try s.nabla(["batch", "in", "-o", "enough", "--memory", "64K", "--jobs", "3", "--log", "enough.jsonl", "--quiet"])
        #expect(enough.status == 0, "\(enough)")
        for (k, f) in fields.enumerated() { try expectGradient(s, "enough/f\(k).npz", of: f) }
    }

    @Test("exit status 2: no inputs, a missing path, an unsupported file; 0 when all succeed")
    func exitCodes() throws {
        let s = try Sandbox()
        try FileManager.default.createDirectory(at: s.url("empty"), withIntermediateDirectories: true)
        let empty = try s.nabla(["batch", "empty", "-o", "out"])
        #expect(empty.status == 2 && empty.errorLines.count == 1, "\(empty)")
        let none = try s.nabla(["batch", "-o", "out"])
        #expect(none.status == 2 && none.errorLines.count == 1, "\(none)")
        let missing = try s.nabla(["batch", "nowhere.npy", "-o", "out"])
        #expect(missing.status == 2 && missing.errorLines.first?.contains("nowhere.npy") == true, "\(missing)")
        try s.bytes("notes.txt", [65])
        let unsupported = try s.nabla(["batch", "notes.txt", "-o", "out"])
        #expect(unsupported.status == 2 && unsupported.errorLines.first?.contains("notes.txt") == true, "\(unsupported)")
        let badAccuracy = try s.nabla(["batch", "empty", "-o", "out", "--accuracy", "3"])
        #expect(badAccuracy.status == 2 && badAccuracy.errorLines.first?.contains("accuracy") == true, "\(badAccuracy)")
        #expect(!s.exists("out"))
        _ = try s.npy("ok.npy", try field([3, 3]))
        let ok = try s.nabla(["batch", "ok.npy", "-o", "out", "--spacing", "0.5", "--edge-order", "2"])
        #expect(ok.status == 0, "\(ok)")
        let members = try NPZ.read(from: s.url("out/ok.npz"))
        let expected = try Nabla.gradient(of: try field([3, 3]), spacing: [.uniform(0.5)], edgeOrder: 2)
        #expect(members.map { NPY.encode($0.array) } == expected.map { NPY.encode(AnyNDArray($0)) })
    }

    @Test("a full disk (RLIMIT_FSIZE): the write fails cleanly, the file is reported, nothing partial",
          .disabled(if: ProcessInfo.processInfo.environment["NABLA_UNDER_SANITIZER"] != nil,
                    "sanitizer runtimes die with SIGBUS under a 64 KiB file-size limit (Scripts/sanitizers.sh)"))
    func fullDisk() throws {
        let s = try Sandbox()
        let small = try s.npy("in/small.npy", try field([8, 8]))
        _ = try s.npy("in/large.npy", try field([64, 64, 8]))  // 256 KiB in, 768 KiB out: past a 64 KiB limit
        // Without `trap '' XFSZ`: nabla must ignore SIGXFSZ itself, or the kernel would kill it.
        let r = try s.shell("ulimit -f 64; exec \"$NABLA\" batch in -o out --jobs 1 --log log.jsonl")
        #expect(r.status == 1, "\(r)")
        #expect(r.errorLines.count == 1 && r.errorLines[0].contains("large"), "\(r)")
        #expect(s.files(under: "out") == ["small.npz"], "no partial output, no temporary")
        try expectGradient(s, "out/small.npz", of: small)
        let log = try s.log("log.jsonl")
        #expect(log["large.npy"]?["status"] as? String == "failed")
        #expect(log["small.npy"]?["status"] as? String == "ok")
    }
}
