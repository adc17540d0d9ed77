import Foundation
import Nabla
import NablaFormats
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs an attacker or a careless user would give the readers: FIFOs and devices, headers whose sizes
/// overflow, archives damaged after they were written, CSV typos.
@Suite("Hostile input")
struct HostileInputTests {
    // MARK: Not regular files

    /// Runs `body` on another thread; records an issue if it has not finished within `seconds` (a reader
    /// blocked on a FIFO), then unblocks it by opening `fifo` for writing.
    private func finishesQuickly(_ what: String, fifo: URL? = nil, seconds: Double = 5,
                                 sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            Issue.record("\(what) blocked for more than \(seconds) s", sourceLocation: sourceLocation)
            if let fifo {
                let fd = open(fifo.path, O_WRONLY | O_NONBLOCK)
                if fd >= 0 { close(fd) }
            }
            _ = done.wait(timeout: .now() + seconds)
        }
    }

    @Test("a FIFO is refused at once by every reader, never read")
    func fifo() throws {
        let directory = try TemporaryDirectory()
        for name in ["p.npy", "p.npz", "p.csv"] {
            let url = directory.file(name)
            #expect(mkfifo(url.path, 0o600) == 0)
            let readers: [(String, @Sendable () throws -> Void)] = [
                ("NPY.read", { _ = try NPY.read(from: url) }),
                ("NPY.readHeader", { _ = try NPY.readHeader(from: url) }),
                ("NPZ.read", { _ = try NPZ.read(from: url) }),
                ("NPZ.headers", { _ = try NPZ.headers(from: url) }),
                ("NPZ.verify", { try NPZ.verify(from: url) }),
                ("CSV.read", { _ = try CSV.read(from: url) }),
            ]
            for (label, read) in readers {
                finishesQuickly("\(label) of a FIFO", fifo: url) {
                    do {
                        try read()
                        Issue.record("\(label) read a FIFO")
                    } catch let error as FormatError {
                        #expect(error.kind == .io)
                        #expect(error.description == "\(url.path): is a FIFO (named pipe), not a regular file; only regular files can be read", "\(label)")
                    } catch {
                        Issue.record("\(label): \(error)")
                    }
                }
            }
        }
    }

    @Test("devices and folders are refused by what they are", arguments: [
        ("/dev/zero", "a character device"), ("/dev/null", "a character device"), ("/", "a folder"),
    ])
    func devices(path: String, what: String) {
        let url = URL(fileURLWithPath: path)
        finishesQuickly("reading \(path)") {
            for read in [{ _ = try CSV.read(from: url) }, { _ = try NPY.read(from: url) }, { try NPZ.verify(from: url) }] as [() throws -> Void] {
                let e = formatError(read)
                #expect(e?.description == "\(path): is \(what), not a regular file; only regular files can be read")
            }
        }
    }

    // MARK: CSV

    @Test("a first row with numbers and one bad field is an error naming it, not a header")
    func csvTypoInFirstRow() {
        let e = formatError { _ = try CSV.read(data: Data("1_000,2\n3,4\n".utf8), name: "t.csv") }
        #expect(e?.description == "t.csv: line 1, column 1: '1_000' is not a number")
        let f = formatError { _ = try CSV.read(data: Data("1,2,x3\n3,4,5\n".utf8), name: "t.csv") }
        #expect(f?.description == "t.csv: line 1, column 3: 'x3' is not a number")
        let g = formatError { _ = try CSV.read(data: Data("1,,2\n3,4,5\n".utf8), name: "t.csv") }
        #expect(g?.description == "t.csv: line 1, column 2: the field is empty; expected a number")
        // A header is a first row none of whose fields is a number.
        #expect((try? CSV.read(data: Data("x,y\n1,2\n".utf8)))?.scalars == [1, 2])
        #expect((try? CSV.read(data: Data(",a,\"b c\"\n1,2,3\n".utf8)))?.scalars == [1, 2, 3])
    }

    // MARK: NPZ.verify

    @Test("verify accepts what numpy and Nabla write", arguments: ["savez.npz", "savez_compressed.npz"])
    func verifyAcceptsFixtures(name: String) throws {
        try NPZ.verify(from: Fixture.url(name))
    }

    @Test("verify accepts Nabla's archives, stored and deflated", arguments: [false, true])
    func verifyAcceptsWritten(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.npz")
        let big = try NDArray<Double>(shape: [300, 500]) { Double($0[0] * 7 + $0[1] % 13) }
        try NPZ.write([("a", .float64(big)), ("b", .int8(NDArray<Int8>([1, 2, 3]))), ("empty", .float32(NDArray<Float>([Float]())))],
                      to: url, compressed: compressed)
        try NPZ.verify(from: url)
    }

    @Test("verify finds one flipped data byte, in a stored or a deflated member", arguments: [false, true])
    func verifyFindsFlippedByte(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.npz")
        let array = try NDArray<Double>(shape: [64, 64]) { Double($0[0]) * 0.5 + Double($0[1]) }
        try NPZ.write([("axis0", array), ("axis1", array)], to: url, compressed: compressed)
        var bytes = [UInt8](try Data(contentsOf: url))
        // A byte in the middle of the first member's data (after its 30 + 9 byte local header and 128-byte .npy header).
        let position = compressed ? 200 : 30 + 9 + 128 + 1000
        bytes[position] ^= 0x01
        try Data(bytes).write(to: url)
        let e = formatError { try NPZ.verify(from: url) }
        #expect(e?.kind == .corruptArchive)
        #expect(e?.member == "axis0.npy")
        // What verify refuses, read refuses too.
        #expect(throws: FormatError.self) { _ = try NPZ.read(from: url) }
    }

    @Test("verify refuses damaged archives", arguments: ["corrupt_crc.npz", "corrupt_deflate.npz", "truncated.npz", "not_a_zip.npz",
                                                         "lying_member.npz", "lying_size_stored.npz", "lying_size_deflated.npz",
                                                         "foreign_member.npz"])
    func verifyRefusesDamage(name: String) throws {
        let url = try Fixture.url(name)
        #expect(throws: FormatError.self) { try NPZ.verify(from: url) }
    }

    @Test("verify and read agree on mutated archives, and neither traps", arguments: ["savez.npz", "savez_compressed.npz"])
    func verifyAgreesWithRead(name: String) throws {
        let good = try Fixture.bytes(name)
        let directory = try TemporaryDirectory()
        let url = directory.file("m.npz")
        var rng = SplitMix64(seed: 7)
        for _ in 0..<400 {
            var bytes = good
            bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            try Data(bytes).write(to: url)
            let verified = (try? NPZ.verify(from: url)) != nil
            let read = (try? NPZ.read(from: url)) != nil
            // A flipped byte in a name, timestamp or comment may be harmless to both.
            if verified { #expect(read, "verify passed an archive that read refuses") }
        }
    }

    // MARK: Overflow in header values

    @Test("a member header claiming shape (2**59,) or (2**63 - 1,) is refused, never trapping")
    func lyingMemberShapes() throws {
        let directory = try TemporaryDirectory()
        for (descr, shape) in [("<f8", "(576460752303423488,)"), ("|u1", "(9223372036854775807,)")] {
            let member = rawNPY(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }", payload: [1, 2, 3, 4])
            let url = directory.file("liar.npz")
            try Data(storedZIP([("x.npy", member)])).write(to: url)
            // The header alone is what a batch probes: it must come back (or be refused), never trap.
            let headers = try NPZ.headers(from: url)
            #expect(headers.first?.isCompleteStored == false)
            #expect(formatError { _ = try NPZ.read(from: url) }?.kind == .sizeMismatch)
            #expect(formatError { try NPZ.verify(from: url) }?.kind == .sizeMismatch)
        }
    }

    @Test("a .npy shape whose byte count overflows is refused", arguments: ["(4611686018427387904, 4)", "(2305843009213693952, 4)"])
    func overflowingNPY(shape: String) throws {
        let bytes = rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }")
        #expect(formatError { _ = try NPY.read(data: Data(bytes)) }?.kind == .invalidShape)
    }

    @Test("ZIP64 sizes and offsets near Int.max are refused", arguments: [
        UInt64(Int.max), UInt64(Int.max) - 15, UInt64.max, UInt64(1) << 62,
    ])
    func zip64Sizes(value: UInt64) throws {
        let member = rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", payload: [UInt8](repeating: 0, count: 8))
        for field in 0..<3 {
            let bytes = storedZIP([("x.npy", member)], zip64: (field, value))
            let e = formatError { _ = try NPZ.read(data: Data(bytes)) }
            #expect(e?.kind == .corruptArchive, "field \(field): \(String(describing: e))")
            let directory = try TemporaryDirectory()
            let url = directory.file("z.npz")
            try Data(bytes).write(to: url)
            // A lying uncompressed size of a stored member only makes it incomplete; the others are refused.
            if field == 0 {
                if let headers = try? NPZ.headers(from: url) { #expect(headers.first?.isCompleteStored == false) }
            } else {
                #expect(throws: FormatError.self) { _ = try NPZ.headers(from: url) }
            }
            #expect(throws: FormatError.self) { try NPZ.verify(from: url) }
        }
    }
}

// MARK: - Hand-made ZIP archives

/// A ZIP archive of stored members. With `zip64`, the central directory's field `zip64.0` (0 uncompressed
/// size, 1 compressed size, 2 local header offset) holds 0xFFFFFFFF and its value `zip64.1` goes in a ZIP64
/// extra field.
func storedZIP(_ members: [(name: String, data: [UInt8])], zip64: (field: Int, value: UInt64)? = nil) -> [UInt8] {
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    var out: [UInt8] = []
    var directory: [UInt8] = []
    for (name, data) in members {
        let crc = testCRC32(data)
        let offset = out.count
        let nameBytes = Array(name.utf8)
        out += [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
            + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(nameBytes.count) + le16(0) + nameBytes + data
        var fields: [UInt64] = [UInt64(data.count), UInt64(data.count), UInt64(offset)]
        var extra: [UInt8] = []
        if let zip64 {
            fields[zip64.field] = zip64.value
            extra = le16(1) + le16(8) + le64(zip64.value)
        }
        func field(_ k: Int) -> [UInt8] { zip64?.field == k ? le32(0xFFFF_FFFF) : le32(UInt32(fields[k])) }
        directory += [0x50, 0x4B, 0x01, 0x02] + le16(45) + le16(45) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
            + field(1) + field(0) + le16(nameBytes.count) + le16(extra.count) + le16(0) + le16(0) + le16(0) + le32(0)
            + field(2) + nameBytes + extra
    }
    let cdOffset = out.count
    out += directory
    out += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(members.count) + le16(members.count)
        + le32(UInt32(directory.count)) + le32(UInt32(cdOffset)) + le16(0)
    return out
}

/// CRC-32 (ZIP polynomial), bit by bit: independent of the library's.
func testCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
