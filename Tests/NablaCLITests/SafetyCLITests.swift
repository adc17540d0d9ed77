import Foundation
import Nabla
import NablaFormats
import Testing

/// Nothing lost, nothing hangs, nothing traps: one test per class of the hostile review (issue 10).
@Suite("Safety: inputs never overwritten, no hangs, no traps, interrupted runs leave nothing")
struct SafetyCLITests {
    @Test("an output that is the input under any name (same path, ./, symlink, hard link) is refused; the input is unchanged")
    func outputIsInput() throws {
        let box = try Sandbox()
        try box.write(try field([6, 5]), "v.npy")
        let before = try box.bytes("v.npy")
        try FileManager.default.createSymbolicLink(atPath: box.path("link.npy"), withDestinationPath: "v.npy")
        try FileManager.default.linkItem(atPath: box.path("v.npy"), toPath: box.path("hard.npy"))
        for output in ["v.npy", "./v.npy", box.path("v.npy"), "link.npy", "hard.npy", "sub/../v.npy"] {
            try FileManager.default.createDirectory(at: box.url("sub"), withIntermediateDirectories: true)
            try box.fail(["gradient", "v.npy", "--axis", "0", "-o", output], mentions: ["v.npy", "destroy the input"])
            #expect(try box.bytes("v.npy") == before, "the input changed after -o \(output)")
        }
        // A coordinate file is an input too.
        let x: [Double] = [0, 0.5, 1.1, 1.6, 2.3, 2.9]
        try box.write(NDArray(x), "x.npy")
        let coordinates = try box.bytes("x.npy")
        try box.fail(["gradient", "v.npy", "--axis", "0", "--spacing", "x.npy", "-o", "x.npy"], mentions: ["x.npy", "destroy the input"])
        #expect(try box.bytes("x.npy") == coordinates)
        // Vector-field commands too.
        try box.writeNPZ([("axis0", AnyNDArray(try field([4, 4]))), ("axis1", AnyNDArray(try field([4, 4], seed: 1)))], "F.npz")
        try box.fail(["divergence", "F.npz", "-o", "./F.npz"], mentions: ["F.npz", "destroy the input"])
    }

    @Test("an output path naming a folder (out.npy/) is refused")
    func outputFolder() throws {
        let box = try Sandbox()
        try box.write(try field([6]), "v.npy")
        try box.fail(["gradient", "v.npy", "-o", "out.npy/"], mentions: ["out.npy/", "folder"], absent: ["out.npy"])
    }

    @Test("a FIFO, a folder or a device as input is refused at once, never read")
    func notRegularFiles() throws {
        let box = try Sandbox()
        #expect(mkfifo(box.path("p.npy"), 0o600) == 0)
        let started = Date()
        try box.fail(["gradient", "p.npy", "-o", "o.npy"], mentions: ["p.npy", "FIFO"])
        #expect(Date().timeIntervalSince(started) < 20)
        try FileManager.default.createDirectory(at: box.url("d.npy"), withIntermediateDirectories: true)
        try box.fail(["gradient", "d.npy", "-o", "o.npy"], mentions: ["d.npy", "folder"])
        try box.fail(["gradient", "/dev/zero", "-o", "o.npy"], mentions: ["/dev/zero"])
        try box.write(try field([6]), "v.npy")
        try box.fail(["gradient", "v.npy", "--spacing", "p.npy", "-o", "o.npy"], mentions: ["p.npy", "FIFO"])
    }

    @Test("absurd derivative orders are refused with the limit and why, not a trap or a huge allocation")
    func hugeOrders() throws {
        let box = try Sandbox()
        try box.write(try field([40]), "v.npy")
        for order in ["9223372036854775807", "1000000000", "100000", "33"] {
            try box.fail(["gradient", "v.npy", "--derivative", order, "-o", "o.npy"], mentions: [order, "at most 32"])
            try box.fail(["gradient", "v.npy", "--periodic", "--derivative", order, "-o", "o.npy"], mentions: [order])
        }
    }

    @Test("a 0-D input says it is 0-D")
    func zeroD() throws {
        let box = try Sandbox()
        try box.write(NDArray(scalar: 3.0), "s.npy")
        try box.fail(["gradient", "s.npy", "-o", "o.npy"], mentions: ["0-D"])
    }

    @Test("HDF5 dataset paths with . or .. are refused (h5py refuses them too)")
    func datasetDots() throws {
        let box = try Sandbox()
        try box.write(try field([6]), "v.npy")
        try box.succeed(["gradient", "v.npy", "-o", "h.h5:/d"])
        try box.fail(["gradient", "h.h5:/grp/../d", "-o", "o.npy"], mentions: ["'..'"])
        try box.fail(["gradient", "h.h5:/./d", "-o", "o.npy"], mentions: ["'.'"])
    }

    @Test("SIGTERM or SIGINT during a write: exit 143 / 130, no temporary, the old output unchanged",
          arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func interrupted(signal: Int32, status: Int32) throws {
        let box = try Sandbox()
        try box.write(try field([8, 6]), "v.npy")
        try box.writeBytes([1, 2, 3], "o.npz")
        let result = try box.run(["gradient", "v.npy", "-o", "o.npz"], environment: ["NABLA_TEST_HOLD_TEMPORARY": "5"],
                                 signal: (signal, 1.0))
        #expect(result.status == status, "\(result)")
        #expect(try box.listing() == ["o.npz", "v.npy"])
        #expect(try box.bytes("o.npz") == Data([1, 2, 3]))
    }

    @Test("batch: the log may not be an input or an output; a failed log leaves no output folder behind")
    func batchLog() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try box.write(try field([6, 5]), "in/f0.npy")
        try box.write(try field([6, 5], seed: 1), "in/f1.npy")
        let before = try box.bytes("in/f0.npy")
        let r1 = try box.run(["batch", "in", "-o", "out", "--log", "in/f0.npy"])
        #expect(r1.status == 2 && r1.stderr.contains("destroy") && !box.exists("out"), "\(r1)")
        #expect(try box.bytes("in/f0.npy") == before)
        let r2 = try box.run(["batch", "in", "-o", "out", "--log", "out/f1.npz"])
        #expect(r2.status == 2 && r2.stderr.contains("output of") && !box.exists("out"), "\(r2)")
        let r3 = try box.run(["batch", "in", "-o", "out/deeper", "--log", "no/such/folder/log.jsonl"])
        #expect(r3.status == 1 && !box.exists("out"), "\(r3)")
    }

    @Test("batch: a second run into the same output folder is refused while the first runs; the first completes")
    func batchLock() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try box.write(try field([6, 5]), "in/f0.npy")
        let executable = try NablaExecutable.url()
        let first = Process()
        first.executableURL = executable
        first.arguments = ["batch", "in", "-o", "out", "--quiet"]
        first.currentDirectoryURL = box.work
        var environment = ProcessInfo.processInfo.environment
        environment["NABLA_TEST_HOLD_TEMPORARY"] = "3"
        first.environment = environment
        try first.run()
        Thread.sleep(forTimeInterval: 1.0)
        let second = try box.run(["batch", "in", "-o", "out", "--quiet", "--resume"])
        first.waitUntilExit()
        #expect(second.status == 1 && second.stderr.contains("another nabla batch"), "\(second)")
        #expect(first.terminationStatus == 0)
        #expect(box.exists("out/f0.npz"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.path("out")).filter { $0.contains(".tmp") }.isEmpty)
    }
}
