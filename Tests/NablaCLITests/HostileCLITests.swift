#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import Testing

/// The CLI under hostile or careless use: writing into an existing HDF5 file, HDF5 data outside the file,
/// FIFOs, CSV typos, overflowing headers in a batch, --resume on a damaged output.
@Suite("nabla under hostile input (CLI)")
struct HostileCLITests {
    /// An HDF5 fixture of NablaHDF5Tests (made by Scripts/make_hdf5_fixtures.py), copied into the sandbox.
    static func copyFixture(_ name: String, to box: Sandbox, as target: String? = nil) throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("NablaHDF5Tests/Fixtures/hdf5/\(name)")
        try FileManager.default.copyItem(at: source, to: box.url(target ?? name))
    }

    // MARK: HDF5 into an existing file

    @Test("gradient into the HDF5 input keeps every other dataset and attribute; replacing needs --overwrite")
    func hdf5IntoItself() throws {
        let box = try Sandbox()
        try Self.copyFixture("attributes.h5", to: box, as: "h.h5")
        let original = try box.bytes("h.h5")
        let d = try HDF5.read(from: box.url("h.h5"), dataset: "/d")

        try box.succeed(["gradient", "h.h5:/d", "-o", "h.h5:/grad"])
        let names = try HDF5.datasets(in: box.url("h.h5"))
        #expect(names == ["/d", "/grad/axis0", "/grad/axis1", "/other"])
        expectIdentical(try HDF5.read(from: box.url("h.h5"), dataset: "/d"), d, "/d")
        #expect(try HDF5.read(from: box.url("h.h5"), dataset: "/other").array(of: Int32.self)?.scalars == [3, 1, 4, 1, 5])
        let grad = try gradient(of: d.asDouble())
        expectIdentical(try HDF5.read(from: box.url("h.h5"), dataset: "/grad/axis0"), AnyNDArray(grad[0]), "axis0")
        // Attributes live in the object headers, copied byte for byte.
        let written = try box.bytes("h.h5")
        for marker in ["nabla-attribute-marker-root", "nabla-attribute-marker-units", "nabla-attribute-marker-group"] {
            #expect(written.range(of: Data(marker.utf8)) != nil, "attribute \(marker) kept")
        }
        #expect(written.count > original.count)

        // Again: the datasets exist. Refused, naming the file, the dataset and --overwrite; file untouched.
        try box.fail(["gradient", "h.h5:/d", "--spacing", "2", "-o", "h.h5:/grad"],
                     mentions: [box.path("h.h5") + ": dataset '/grad/axis0' already exists", "--overwrite"])
        #expect(try box.bytes("h.h5") == written)
        // A dataset on the way: refused, untouched.
        try box.fail(["laplacian", "h.h5:/d", "-o", "h.h5:/d/lap"], mentions: ["h.h5", "'/d' is a dataset"])
        #expect(try box.bytes("h.h5") == written)

        // --overwrite replaces exactly those datasets.
        try box.succeed(["gradient", "h.h5:/d", "--spacing", "2", "--overwrite", "-o", "h.h5:/grad"])
        let halved = try gradient(of: d.asDouble(), spacing: [.uniform(2)])
        expectIdentical(try HDF5.read(from: box.url("h.h5"), dataset: "/grad/axis1"), AnyNDArray(halved[1]), "axis1")
        #expect(try HDF5.datasets(in: box.url("h.h5")) == names)
        #expect(try box.listing() == ["h.h5"])
    }

    @Test("laplacian, divergence and curl add to another existing HDF5 file; .npz outputs are still replaced whole")
    func hdf5OtherCommands() throws {
        let box = try Sandbox()
        try Self.copyFixture("attributes.h5", to: box, as: "out.h5")
        try box.write(try field([6, 7]), "v.npy")
        try box.succeed(["laplacian", "v.npy", "-o", "out.h5"])
        try box.succeed(["gradient", "v.npy", "-o", "g.npz"])
        try box.succeed(["divergence", "g.npz", "-o", "out.h5:/div"])
        try box.succeed(["curl", "g.npz", "-o", "out.h5:/rot"])
        #expect(try HDF5.datasets(in: box.url("out.h5")) == ["/d", "/div/divergence", "/laplacian", "/other", "/rot/curl"])
        try box.fail(["laplacian", "v.npy", "-o", "out.h5"], mentions: ["dataset '/laplacian' already exists", "--overwrite"])
        try box.succeed(["laplacian", "v.npy", "--overwrite", "-o", "out.h5"])
        try box.succeed(["gradient", "v.npy", "--spacing", "3", "-o", "g.npz"])
        #expect(try box.readNPZ("g.npz").map(\.name) == ["axis0", "axis1"])
    }

    // MARK: HDF5 data outside the file

    @Test("a dataset stored in /etc/passwd is refused without --allow-external, in gradient, score and batch")
    func externalStorage() throws {
        let box = try Sandbox()
        try Self.copyFixture("external_storage.h5", to: box, as: "e.h5")
        let line = try box.fail(["gradient", "e.h5:/d", "-o", "o.npy"], mentions: [], absent: ["o.npy"])
        #expect(line == "nabla: error: \(box.path("e.h5")): dataset '/d' stores its data outside the file (external storage in '/etc/passwd'); refusing to read it without --allow-external")
        try box.fail(["laplacian", "e.h5", "-o", "o.npy"], mentions: ["--allow-external"], absent: ["o.npy"])
        let score = try box.run(["score", "e.h5", "e.h5"])
        #expect(score.status != 0 && score.stderr.contains("refusing to read it without --allow-external"))

        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: box.url("e.h5"), to: box.url("in/e.h5"))
        let batch = try box.run(["batch", "in", "-o", "out", "--quiet"])
        #expect(batch.status == 1 && batch.stderr.contains("--allow-external"), "\(batch)")
        #expect(!FileManager.default.fileExists(atPath: box.path("out/e.npz")))
        // Allowed: the bytes are read (as the user asked).
        let allowed = try box.run(["batch", "in", "-o", "out", "--quiet", "--allow-external"])
        #expect(allowed.status == 0, "\(allowed)")
        try box.succeed(["gradient", "in/e.h5:/d", "--allow-external", "-o", "o.npy"])
    }

    @Test("external links and virtual datasets from other files are refused without --allow-external")
    func externalLinksAndVDS() throws {
        let box = try Sandbox()
        for name in ["external.h5", "virtual.h5", "other.h5"] { try Self.copyFixture(name, to: box) }
        try box.fail(["gradient", "external.h5:/link", "-o", "o.npy"], mentions: ["'/link' is an external link to 'other.h5:/data'", "--allow-external"])
        try box.fail(["gradient", "external.h5:/soft", "-o", "o.npy"], mentions: ["external link", "--allow-external"])
        try box.fail(["gradient", "virtual.h5:/outside", "-o", "o.npy"], mentions: ["virtual dataset", "--allow-external"])
        try box.succeed(["gradient", "virtual.h5:/inside", "-o", "inside.npy"])
        try box.succeed(["gradient", "external.h5:/link", "--allow-external", "-o", "link.npy"])
        try box.succeed(["gradient", "virtual.h5:/outside", "--allow-external", "-o", "outside.npy"])
        expectIdentical(try box.readNPY("link.npy"), try box.readNPY("outside.npy"), "link = outside")
    }

    // MARK: FIFOs, CSV

    @Test("a FIFO input fails at once, alone or in a batch")
    func fifo() throws {
        let box = try Sandbox()
        #expect(mkfifo(box.path("p.npy"), 0o600) == 0)
        let start = Date()
        try box.fail(["gradient", "p.npy", "-o", "o.npz"], mentions: ["p.npy", "FIFO"])
        #expect(mkfifo(box.path("p.csv"), 0o600) == 0)
        try box.fail(["gradient", "p.csv", "-o", "o.npz"], mentions: ["p.csv", "FIFO"])
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("a CSV whose first row has a typo is an error naming line 1, not a silently dropped header")
    func csvTypo() throws {
        let box = try Sandbox()
        try Data("1_000,2\n3,4\n5,6\n".utf8).write(to: box.url("t.csv"))
        try box.fail(["gradient", "t.csv", "-o", "o.npz"], mentions: ["t.csv", "line 1, column 1: '1_000' is not a number"])
    }

    // MARK: --resume verifies CRCs

    @Test("batch --resume redoes an output with one flipped data byte")
    func resumeVerifiesCRC() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try box.write(try field([40, 50]), "in/a.npy")
        try box.write(try field([30, 20], seed: 1), "in/b.npy")
        try box.succeed(["batch", "in", "-o", "out", "--quiet"])
        let fresh = try box.readNPZ("out/a.npz")
        var bytes = [UInt8](try box.bytes("out/a.npz"))
        let untouched = try box.bytes("out/b.npz")
        bytes[bytes.count / 3] ^= 0x10  // inside axis0's data
        try Data(bytes).write(to: box.url("out/a.npz"))
        #expect((try? NPZ.read(from: box.url("out/a.npz"))) == nil, "the flip must damage the archive")

        try box.succeed(["batch", "in", "-o", "out", "--quiet", "--resume", "--log", "log.jsonl"])
        let log = try String(contentsOf: box.url("log.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.contains("a.npy") && $0.contains("\"ok\"") }, "a redone: \(log)")
        #expect(lines.contains { $0.contains("b.npy") && $0.contains("\"skipped\"") }, "b kept: \(log)")
        expectArchive(try box.readNPZ("out/a.npz"), names: fresh.map(\.name), arrays: fresh.map(\.array))
        try NPZ.verify(from: box.url("out/a.npz"))
        #expect(try box.bytes("out/b.npz") == untouched)
    }

    @Test("a batch with a member header claiming shape (2**59,) reports that file and finishes the others")
    func lyingMemberInBatch() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("in"), withIntermediateDirectories: true)
        try box.write(try field([5, 6]), "in/good.npy")
        // A stored .npz member whose header claims 2**59 float64 elements (and holds 8 bytes).
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (576460752303423488,), }"
        var text = Array(header.utf8)
        text += [UInt8](repeating: 0x20, count: 64 - (10 + text.count + 1) % 64) + [0x0A]
        let member = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count), 0] + text + [UInt8](repeating: 0, count: 8)
        try ZIPFixture.stored([("x.npy", member)]).write(to: box.url("in/bad.npz"))
        let result = try box.run(["batch", "in", "-o", "out", "--quiet"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains("bad.npz"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: box.path("out/good.npz")))
    }
}

/// A ZIP archive of stored members, written by hand (CRC-32 computed bit by bit).
enum ZIPFixture {
    static func stored(_ members: [(name: String, data: [UInt8])]) -> Data {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func crc32(_ bytes: [UInt8]) -> Int {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return Int(~crc)
        }
        var out: [UInt8] = [], directory: [UInt8] = []
        for (name, data) in members {
            let offset = out.count, nameBytes = Array(name.utf8), crc = crc32(data)
            out += [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                + le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + nameBytes + data
            directory += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                + le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(offset) + nameBytes
        }
        let cdOffset = out.count
        out += directory + [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(members.count) + le16(members.count)
            + le32(directory.count) + le32(cdOffset) + le16(0)
        return Data(out)
    }
}
