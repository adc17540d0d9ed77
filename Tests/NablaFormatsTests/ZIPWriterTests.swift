import Foundation
import Nabla
@testable import NablaFormats
import Testing

/// The arrays of the `written_by_nabla*.npz` fixtures (`NABLA_WRITTEN` in Scripts/make_format_fixtures.py).
enum WrittenByNabla {
    static let timestamp = ZIPWriter.DOSTimestamp(year: 2024, month: 5, day: 17, hour: 13, minute: 37, second: 42)

    static func arrays() throws -> [(name: String, array: AnyNDArray)] {
        DType.allCases.map { (name: "m_\($0.name)", array: Fixture.values(for: $0)) } + [
            (name: "zero_d", array: AnyNDArray(NDArray(scalar: 7.0))),
            (name: "empty", array: AnyNDArray(try NDArray<Int8>(shape: [0, 3], scalars: []))),
            (name: "ramp", array: AnyNDArray(try Fixture.ramp([2, 3, 4, 5]))),
            (name: "große Ω", array: AnyNDArray(try Fixture.ramp([3]))),
        ]
    }

    /// The archive bytes the stored (or deflating) writer produces for `arrays()` at the fixed timestamp.
    static func bytes(forceZip64: Bool, deflated: Bool = false) throws -> [UInt8] {
        let dir = try TemporaryDirectory()
        let url = dir.file("w.npz")
        let arrays = try arrays()
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            if deflated {
                try ZIPWriter.writeDeflated(arrays, to: writer, forceZip64: forceZip64, timestamp: timestamp,
                                            context: ErrorContext(file: url.path))
            } else {
                try ZIPWriter.write(arrays, to: writer, forceZip64: forceZip64, timestamp: timestamp)
            }
        }
        return [UInt8](try Data(contentsOf: url))
    }
}

private func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
private func le32(_ b: [UInt8], _ i: Int) -> Int { le16(b, i) | le16(b, i + 2) << 16 }
private func le64(_ b: [UInt8], _ i: Int) -> Int { le32(b, i) | le32(b, i + 4) << 32 }

@Suite(".npz writer (stored and deflated)")
struct ZIPWriterTests {
    @Test("round trip of every dtype, stored, plain and ZIP64", arguments: [false, true])
    func roundTrip(forceZip64: Bool) throws {
        let arrays = try WrittenByNabla.arrays()
            + [(name: "big", array: AnyNDArray(try Fixture.ramp([5, 123_457])))]
        let dir = try TemporaryDirectory()
        let url = dir.file("r.npz")
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            try ZIPWriter.write(arrays, to: writer, forceZip64: forceZip64)
        }
        let back = try NPZ.read(from: url)  // checks every member's CRC-32
        #expect(back.map(\.name) == arrays.map(\.name))
        for (x, y) in zip(back, arrays) { #expect(x.array == y.array, "\(x.name)") }
        #expect(try dir.contents() == ["r.npz"])
    }

    @Test("bytes equal the committed fixtures numpy was checked to read", arguments: [
        ("written_by_nabla.npz", false), ("written_by_nabla_zip64.npz", true),
    ])
    func goldenBytes(name: String, forceZip64: Bool) throws {
        let bytes = try WrittenByNabla.bytes(forceZip64: forceZip64)
        // NABLA_WRITE_FIXTURES=<Fixtures directory> regenerates them (then run the Python script to check).
        if let out = ProcessInfo.processInfo.environment["NABLA_WRITE_FIXTURES"] {
            try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent(name))
        }
        #expect(bytes == (try Fixture.bytes(name)))
        let members = try NPZ.read(from: Fixture.url(name))
        let arrays = try WrittenByNabla.arrays()
        #expect(members.map(\.name) == arrays.map(\.name))
        for (x, y) in zip(members, arrays) { #expect(x.array == y.array, "\(x.name)") }
    }

    @Test("deflated archives: the numpy-checked fixtures and fresh output read back", arguments: [
        ("written_by_nabla_compressed.npz", false), ("written_by_nabla_compressed_zip64.npz", true),
    ])
    func deflated(name: String, forceZip64: Bool) throws {
        let bytes = try WrittenByNabla.bytes(forceZip64: forceZip64, deflated: true)
        // Deflate output may change with the libdeflate version, so the bytes are not compared; numpy read the
        // committed fixture (Scripts/make_format_fixtures.py), and both must read back here.
        if let out = ProcessInfo.processInfo.environment["NABLA_WRITE_FIXTURES"] {
            try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent(name))
        }
        let arrays = try WrittenByNabla.arrays()
        for members in [try NPZ.read(data: Data(bytes)), try NPZ.read(from: Fixture.url(name))] {
            #expect(members.map(\.name) == arrays.map(\.name))
            for (x, y) in zip(members, arrays) { #expect(x.array == y.array, "\(x.name)") }
        }
        // Method 8 in the local header and the central directory; ZIP64 extra fields only when forced.
        #expect(le16(bytes, 8) == 8 && le16(bytes, 28) == (forceZip64 ? 20 : 0))
        let headers = try NPZ.headers(from: Fixture.url(name))
        #expect(headers.map(\.name) == arrays.map(\.name) && headers.allSatisfy { !$0.isCompleteStored })
        #expect(headers.map(\.header.shape) == arrays.map(\.array.shape))
    }

    @Test("ZIP64 records: layout when forced")
    func zip64Layout() throws {
        let b = try WrittenByNabla.bytes(forceZip64: true)
        let arrays = try WrittenByNabla.arrays()
        // Local header of the first member: version 4.5, sizes in the ZIP64 extra field.
        let name = Array("m_float16.npy".utf8)
        let memberSize = NPY.encode(arrays[0].array).count
        #expect(le32(b, 0) == 0x0403_4B50)
        #expect(le16(b, 4) == 45)
        #expect(le16(b, 8) == 0)  // stored
        #expect(le16(b, 10) == Int(WrittenByNabla.timestamp.time) && le16(b, 12) == Int(WrittenByNabla.timestamp.date))
        #expect(le32(b, 18) == 0xFFFF_FFFF && le32(b, 22) == 0xFFFF_FFFF)
        #expect(le16(b, 26) == name.count && le16(b, 28) == 20)
        #expect(Array(b[30..<30 + name.count]) == name)
        let extra = 30 + name.count
        #expect(le16(b, extra) == 1 && le16(b, extra + 2) == 16)
        #expect(le64(b, extra + 4) == memberSize && le64(b, extra + 12) == memberSize)
        #expect(Array(b[(extra + 20)..<(extra + 26)]) == NPYFormat.magic)

        // End records: EOCD with all-ones fields, the locator before it, the ZIP64 record before that.
        let eocd = b.count - 22
        #expect(le32(b, eocd) == 0x0605_4B50)
        #expect(le16(b, eocd + 8) == 0xFFFF && le16(b, eocd + 10) == 0xFFFF)
        #expect(le32(b, eocd + 12) == 0xFFFF_FFFF && le32(b, eocd + 16) == 0xFFFF_FFFF)
        let locator = eocd - 20
        #expect(le32(b, locator) == 0x0706_4B50 && le32(b, locator + 4) == 0 && le32(b, locator + 16) == 1)
        let record = le64(b, locator + 8)
        #expect(record == locator - 56)
        #expect(le32(b, record) == 0x0606_4B50 && le64(b, record + 4) == 44)
        #expect(le16(b, record + 14) == 45)
        #expect(le64(b, record + 24) == arrays.count && le64(b, record + 32) == arrays.count)
        let cdSize = le64(b, record + 40), cdOffset = le64(b, record + 48)
        #expect(cdOffset + cdSize == record)

        // Every central directory entry: all-ones sizes and offset, 24-byte ZIP64 extra with the real values.
        var q = cdOffset
        var expectedOffset = 0
        for (k, (memberName, array)) in arrays.enumerated() {
            let nameBytes = Array((memberName + ".npy").utf8)
            let size = NPY.encode(array).count
            #expect(le32(b, q) == 0x0201_4B50, "entry \(k)")
            #expect(le16(b, q + 6) == 45)
            #expect(le16(b, q + 8) == (nameBytes.contains { $0 >= 0x80 } ? 0x0800 : 0))
            #expect(le32(b, q + 20) == 0xFFFF_FFFF && le32(b, q + 24) == 0xFFFF_FFFF && le32(b, q + 42) == 0xFFFF_FFFF)
            #expect(le16(b, q + 28) == nameBytes.count && le16(b, q + 30) == 28)
            let e = q + 46 + nameBytes.count
            #expect(le16(b, e) == 1 && le16(b, e + 2) == 24)
            #expect(le64(b, e + 4) == size && le64(b, e + 12) == size && le64(b, e + 20) == expectedOffset)
            // The CRC-32 in the central directory equals the local header's and the member bytes'.
            let crc = CRC32.checksum([UInt8](NPY.encode(array)))
            #expect(le32(b, q + 16) == Int(crc) && le32(b, expectedOffset + 14) == Int(crc))
            expectedOffset += 30 + nameBytes.count + 20 + size
            q = e + 28
        }
        #expect(q == record && expectedOffset == cdOffset)
    }

    @Test("plain layout: no ZIP64 records for small archives")
    func plainLayout() throws {
        let b = try WrittenByNabla.bytes(forceZip64: false)
        let eocd = b.count - 22
        #expect(le32(b, eocd) == 0x0605_4B50)
        #expect(le16(b, eocd + 10) == (try WrittenByNabla.arrays()).count)
        #expect(le32(b, eocd - 20) != 0x0706_4B50)
        #expect(le32(b, eocd + 12) + le32(b, eocd + 16) == eocd)
        #expect(le16(b, 4) == 20 && le16(b, 28) == 0)
    }

    @Test("a write error is reported, nothing is left behind")
    func writeError() throws {
        let arrays = [(name: "x", array: AnyNDArray(try Fixture.ramp([3, 1 << 20])))]
        let writer = AtomicFile.Writer(descriptor: -1, context: ErrorContext(file: "bad.npz"))
        let e = formatError { try ZIPWriter.write(arrays, to: writer) }
        #expect(e?.kind == .io && e?.description.contains("bad.npz") == true)

        // Through NPZ.write: a failure after the archive is complete (renaming over a directory) removes it.
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.file("d.npz"), withIntermediateDirectories: false)
        #expect(formatError { try NPZ.write(arrays, to: dir.file("d.npz")) }?.kind == .io)
        #expect(try dir.contents() == ["d.npz"])

        // A failure inside AtomicFile after the archive was written keeps the old file.
        let url = dir.file("old.npz")
        try NPZ.write([(name: "old", array: AnyNDArray(NDArray([1.0])))], to: url)
        let old = try Data(contentsOf: url)
        _ = formatError {
            try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
                try ZIPWriter.write(arrays, to: writer)
                throw FormatError(.io, file: url.path, "simulated failure")
            }
        }
        #expect(try Data(contentsOf: url) == old)
        #expect(try dir.contents() == ["d.npz", "old.npz"])
    }

    @Test("an unwritable directory is reported and nothing is written", .enabled(if: geteuid() != 0, "root may write anywhere"))
    func unwritableDirectory() throws {
        let dir = try TemporaryDirectory()
        let locked = dir.file("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        let e = formatError { try NPZ.write([(name: "a", array: AnyNDArray(NDArray([1.0])))], to: locked.appendingPathComponent("a.npz")) }
        #expect(e?.kind == .io)
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
    }

    @Test("NPY.write: one writev of header and data, bytes as np.save, preallocation trimmed")
    func npyWrite() throws {
        let dir = try TemporaryDirectory()
        for dtype in DType.allCases {
            let url = dir.file("\(dtype.name).npy")
            try NPY.write(Fixture.values(for: dtype), to: url)
            #expect([UInt8](try Data(contentsOf: url)) == (try Fixture.bytes(Fixture.name(dtype, .little))))
        }
        let big = try Fixture.ramp([3, 1 << 19])  // above the preallocation threshold
        try NPY.write(big, to: dir.file("big.npy"))
        #expect(try NPY.read(Double.self, from: dir.file("big.npy")) == big)
        #expect(try FileManager.default.attributesOfItem(atPath: dir.file("big.npy").path)[.size] as? Int == 128 + 8 * 3 << 19)
    }

    @Test("a writer that writes less than it preallocated leaves no trailing zeros")
    func preallocationTrimmed() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("p.bin")
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            writer.preallocate(8 << 20)
            try writer.write([1, 2, 3])
        }
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
    }
}

@Suite("NDArray.transposed (blocked copy)")
struct TransposedTests {
    private func check<T: NPYScalar>(_ a: NDArray<T>, _ perm: [Int]) throws {
        let t = try a.transposed(perm)
        #expect(t.shape == perm.map { a.shape[$0] })
        var index = [Int](repeating: 0, count: t.rank)
        for k in 0..<t.count {
            var source = [Int](repeating: 0, count: a.rank)
            for (axis, p) in perm.enumerated() { source[p] = index[axis] }
            guard t.scalars[k] == a[source] else {
                Issue.record("element \(index) of transpose \(perm) of shape \(a.shape) differs")
                return
            }
            var j = index.count - 1
            while j >= 0 { index[j] += 1; if index[j] < t.shape[j] { break }; index[j] = 0; j -= 1 }
        }
    }

    @Test("every permutation of a 4-D array, and every element width")
    func permutations() throws {
        let shape = [3, 37, 2, 41]
        let n = shape.reduce(1, *)
        let d = try NDArray(shape: shape, scalars: (0..<n).map(Double.init))
        func permutations(_ xs: [Int]) -> [[Int]] {
            xs.count <= 1 ? [xs] : xs.indices.flatMap { i in permutations(Array(xs[..<i] + xs[(i + 1)...])).map { [xs[i]] + $0 } }
        }
        for perm in permutations([0, 1, 2, 3]) { try check(d, perm) }
        try check(try NDArray(shape: shape, scalars: (0..<n).map { Float($0) }), [3, 2, 1, 0])
        try check(try NDArray(shape: shape, scalars: (0..<n).map { Int16(truncatingIfNeeded: $0) }), [1, 3, 0, 2])
        try check(try NDArray(shape: shape, scalars: (0..<n).map { UInt8(truncatingIfNeeded: $0) }), [3, 0, 2, 1])
        try check(try NDArray(shape: shape, scalars: (0..<n).map { $0 % 3 == 0 }), [2, 3, 1, 0])
        try check(try NDArray(shape: [1, 5, 1], scalars: (0..<5).map(Double.init)), [2, 1, 0])
        try check(try NDArray(shape: [70, 65], scalars: (0..<4550).map(Int64.init)), [1, 0])
    }
}
