import Foundation
import Nabla
import NablaFormats
import Testing

@Suite("NPZ archives")
struct NPZTests {
    private func checkMembers(_ members: [(name: String, array: AnyNDArray)]) throws {
        #expect(members.prefix(4).map(\.name) == ["alpha", "beta", "gamma", "delta"])
        #expect(members[0].array == .float64(try Fixture.ramp([2, 3])))
        #expect(members[1].array == .int32(NDArray([0, 1, 2, 3])))
        #expect(members[2].array == .bool(NDArray(scalar: true)))
        #expect(members[3].array == Fixture.values(for: .uint16))
    }

    @Test("np.savez (stored)")
    func stored() throws {
        let members = try NPZ.read(from: Fixture.url("savez.npz"))
        #expect(members.count == 4)
        try checkMembers(members)
    }

    @Test("np.savez_compressed (deflated)")
    func compressed() throws {
        let members = try NPZ.read(from: Fixture.url("savez_compressed.npz"))
        #expect(members.map(\.name) == ["alpha", "beta", "gamma", "delta", "big"])
        try checkMembers(members)
        #expect(members[4].array == .float64(try NDArray(repeating: 0, shape: [64, 64])))
        #expect(try NPZ.read(data: Data(contentsOf: Fixture.url("savez_compressed.npz"))).count == 5)
    }

    @Test("round trip Swift → npz → Swift, stored and deflated", arguments: [false, true])
    func roundTrip(compressed: Bool) throws {
        let dir = try TemporaryDirectory()
        let arrays = DType.allCases.map { (name: "m_\($0.name)", array: Fixture.values(for: $0)) }
            + [(name: "zero_d", array: AnyNDArray(NDArray(scalar: 7.0))), (name: "empty", array: AnyNDArray(try NDArray<Int8>(shape: [0, 3], scalars: []))),
               (name: "große Ω", array: AnyNDArray(try Fixture.ramp([2, 3, 4, 5])))]
        try NPZ.write(arrays, to: dir.file("a.npz"), compressed: compressed)
        let back = try NPZ.read(from: dir.file("a.npz"))
        #expect(back.map(\.name) == arrays.map(\.name))
        for (x, y) in zip(back, arrays) { #expect(x.array == y.array, "\(x.name)") }
        #expect(try dir.contents() == ["a.npz"])
    }

    @Test("generic write")
    func genericWrite() throws {
        let dir = try TemporaryDirectory()
        try NPZ.write([(name: "x", array: try Fixture.ramp([3])), (name: "y", array: try Fixture.ramp([2, 2]))], to: dir.file("d.npz"))
        let back = try NPZ.read(from: dir.file("d.npz"))
        let expected = try Fixture.ramp([2, 2])
        #expect(back.map(\.name) == ["x", "y"] && back[1].array.asDouble() == expected)
    }

    @Test("invalid and duplicate names are refused and nothing is written", arguments: ["", "a/b", "..", ".", "back\\slash", "nul\u{0}", "tab\t", String(repeating: "n", count: 201)])
    func badNames(name: String) throws {
        let dir = try TemporaryDirectory()
        let e = formatError { try NPZ.write([(name: name, array: AnyNDArray(NDArray([1.0])))], to: dir.file("n.npz")) }
        #expect(e?.kind == .invalidName)
        #expect(e?.description.contains("n.npz") == true)
        #expect(try dir.contents() == [])
    }

    @Test("duplicate names")
    func duplicates() throws {
        let dir = try TemporaryDirectory()
        let a = AnyNDArray(NDArray([1.0]))
        #expect(formatError { try NPZ.write([(name: "a", array: a), (name: "a", array: a)], to: dir.file("n.npz")) }?.kind == .invalidName)
    }

    @Test("damaged archives", arguments: [
        ("corrupt_crc.npz", FormatError.Kind.corruptArchive), ("corrupt_deflate.npz", .corruptArchive),
        ("truncated.npz", .badMagic), ("not_a_zip.npz", .badMagic), ("foreign_member.npz", .corruptArchive),
        ("lying_size_deflated.npz", .corruptArchive), ("lying_size_stored.npz", .corruptArchive),
        ("lying_member.npz", .sizeMismatch),
    ])
    func damaged(name: String, kind: FormatError.Kind) throws {
        let url = try Fixture.url(name)
        let e = formatError { _ = try NPZ.read(from: url) }
        #expect(e?.kind == kind, "\(String(describing: e))")
        #expect(e?.description.contains(url.path) == true)
    }

    @Test("a corrupt member is named in the message")
    func memberNamed() throws {
        let e = formatError { _ = try NPZ.read(from: Fixture.url("corrupt_crc.npz")) }
        #expect(e?.member == "alpha.npy")
        #expect(e?.description.contains("member 'alpha.npy'") == true)
        #expect(e?.description.contains("CRC-32") == true)
    }

    @Test("a member whose header claims 10^16 elements is refused before allocating")
    func lyingMember() throws {
        let e = formatError { _ = try NPZ.read(from: Fixture.url("lying_member.npz")) }
        #expect(e?.member == "liar.npy")
        #expect(e?.description.contains("member 'liar.npy': header declares shape (100000000, 100000000)") == true)
        let d = formatError { _ = try NPZ.read(from: Fixture.url("lying_size_deflated.npz")) }
        #expect(d?.description.contains("more than deflate can produce") == true)
    }

    @Test("a .npy file read as .npz")
    func npyAsNpz() throws {
        let e = formatError { _ = try NPZ.read(from: Fixture.url("float64_le.npy")) }
        #expect(e?.kind == .badMagic && e?.description.contains("rename it to .npy") == true)
        #expect(e?.description.contains("NPY.") == false)
    }

    @Test("every cut of an archive is refused cleanly", arguments: ["savez.npz", "savez_compressed.npz"])
    func everyTruncation(name: String) throws {
        let bytes = try Fixture.bytes(name)
        for n in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: FormatError.self) { _ = try NPZ.read(data: Data(bytes.prefix(n))) }
        }
    }

    @Test("mutated archives never trap or hang", arguments: ["savez.npz", "savez_compressed.npz"])
    func fuzz(name: String) throws {
        let good = try Fixture.bytes(name)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<1500 {
            var bytes = good
            for _ in 0..<1 + Int(rng.next() % 3) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? NPZ.read(data: Data(bytes))
        }
    }

    @Test("headers say which members are deflated and how many bytes each occupies in the archive")
    func deflatedHeaders() throws {
        let dir = try TemporaryDirectory()
        let a = AnyNDArray(try NDArray(shape: [64, 64], scalars: (0..<4096).map { Double($0 % 7) }))
        try NPZ.write([(name: "a", array: a)], to: dir.file("z.npz"), compressed: true)
        try NPZ.write([(name: "a", array: a)], to: dir.file("s.npz"))
        let deflated = try NPZ.headers(from: dir.file("z.npz"))[0], stored = try NPZ.headers(from: dir.file("s.npz"))[0]
        #expect(deflated.isDeflated && !deflated.isCompleteStored && deflated.header.shape == [64, 64])
        #expect(deflated.compressedSize > 0 && deflated.compressedSize < 4096 * 8)
        #expect(!stored.isDeflated && stored.isCompleteStored)
        #expect(stored.compressedSize == stored.header.dataOffset + 4096 * 8)
    }
}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("replaces an existing file and leaves no temporary behind")
    func replaces() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("t.bin")
        try Data("old".utf8).write(to: url)
        try AtomicFile.write(Data("new content".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new content")
        #expect(try dir.contents() == ["t.bin"])
    }

    @Test("a failing writer leaves the old file untouched and removes the temporary")
    func failure() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("t.bin")
        try Data("old".utf8).write(to: url)
        let e = formatError {
            try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
                try writer.write([1, 2, 3])
                throw FormatError(.io, file: url.path, "simulated failure")
            }
        }
        #expect(e?.message == "simulated failure")
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(try dir.contents() == ["t.bin"])
    }

    @Test("a missing directory is reported with the path")
    func missingDirectory() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("no/such/dir/x.npy")
        let e = formatError { try NPY.write(NDArray([1.0]), to: url) }
        #expect(e?.kind == .io && e?.description.contains("x.npy") == true)
    }

    @Test("writing over a directory fails cleanly")
    func overDirectory() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.file("d.npy"), withIntermediateDirectories: false)
        #expect(formatError { try NPY.write(NDArray([1.0]), to: dir.file("d.npy")) }?.kind == .io)
        #expect(try dir.contents() == ["d.npy"])
    }
}
