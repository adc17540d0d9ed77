import Foundation
import Nabla
import NablaFormats
import Testing

@Suite("NPY refuses bad input with a message naming the file")
struct NPYErrorTests {
    /// Writes `bytes` to a file called `name`, reads it, and returns the error.
    private func readError(_ bytes: [UInt8], name: String = "bad.npy",
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> FormatError? {
        let dir = try TemporaryDirectory()
        let url = dir.file(name)
        try Data(bytes).write(to: url)
        let error = formatError({ _ = try NPY.read(from: url) }, sourceLocation: sourceLocation)
        #expect(error?.description.contains(url.path) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        // The in-memory reader must agree.
        let memoryError = formatError({ _ = try NPY.read(data: Data(bytes), name: "memory") }, sourceLocation: sourceLocation)
        #expect(memoryError?.kind == error?.kind, sourceLocation: sourceLocation)
        return error
    }

    @Test("bad magic")
    func badMagic() throws {
        let e = try readError(Array("this is a text file, not numpy".utf8))
        #expect(e?.kind == .badMagic)
        #expect(e?.description.contains("\\x93NUMPY") == true)
        let zip = try readError(try Fixture.bytes("savez.npz"), name: "arrays.npy")
        #expect(zip?.kind == .badMagic && zip?.description.contains("rename it to .npz") == true)
        // Messages speak the CLI's language, never the library's API.
        #expect(zip?.description.contains("NPZ.") == false)
    }

    @Test("empty and tiny files")
    func tiny() throws {
        #expect(try readError([])?.kind == .sizeMismatch)
        #expect(try readError([0x93, 0x4E, 0x55])?.kind == .sizeMismatch)
        #expect(try readError([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 10, 0])?.kind == .sizeMismatch)
    }

    @Test("truncated header")
    func truncatedHeader() throws {
        let good = try Fixture.bytes("float64_le.npy")
        let e = try readError(Array(good.prefix(40)))
        #expect(e?.kind == .sizeMismatch)
        #expect(e?.description.contains("truncated header") == true)
    }

    @Test("truncated payload")
    func truncatedPayload() throws {
        let e = try readError(Array(try Fixture.bytes("float64_le.npy").dropLast(8)))
        #expect(e?.kind == .sizeMismatch)
        #expect(e?.description.contains("(2, 3) = 6 float64 elements (48 bytes) but the file holds 40 bytes") == true)
    }

    @Test("extra payload bytes")
    func extraBytes() throws {
        let e = try readError(try Fixture.bytes("int16_be.npy") + [1, 2])
        #expect(e?.kind == .sizeMismatch)
        #expect(e?.description.contains("2 extra bytes") == true)
    }

    @Test("a header claiming 10^16 elements is refused before allocating")
    func lyingShape() throws {
        let url = try Fixture.url("lying_shape.npy")
        let e = formatError { _ = try NPY.read(from: url) }
        #expect(e?.kind == .sizeMismatch)
        let text = e?.description ?? ""
        #expect(text.hasPrefix(url.path + ": header declares shape (100000000, 100000000) = 10000000000000000 float64 elements (80000000000000000 bytes) but the file holds 800 bytes of data"))
        #expect(formatError { _ = try NPY.readHeader(from: url) }?.kind == .sizeMismatch)
    }

    @Test("shapes whose byte count overflows Int")
    func overflowingShape() throws {
        for shape in ["(4611686018427387904, 4)", "(3037000500, 3037000500)", "(2305843009213693952,)", "(99999999999999999999999,)"] {
            let e = try readError(rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"))
            #expect(e?.kind == .invalidShape, "\(shape)")
        }
    }

    @Test("refused dtypes written by numpy", arguments: ["object.npy", "structured.npy", "unicode.npy", "datetime.npy"])
    func refusedDtypes(name: String) throws {
        let url = try Fixture.url(name)
        let e = formatError { _ = try NPY.read(from: url) }
        #expect(e?.kind == .unsupportedDType)
        #expect(e?.description.contains(url.path) == true)
    }

    @Test("refused dtype messages")
    func dtypeMessages() throws {
        let object = formatError { _ = try NPY.read(from: Fixture.url("object.npy")) }
        #expect(object?.description.contains("'|O'") == true && object?.description.contains("object") == true)
        // Complex dtypes are read now; complex256 (numpy's 'clongdouble') is refused by name.
        #expect(try NPY.read(from: Fixture.url("complex128.npy")) == .complex128(NDArray([Complex(1, 2), Complex(3, -4)])))
        let longComplex = formatError { _ = try DType.parse(descr: "<c32") }
        #expect(longComplex?.description.contains("complex256") == true)
        let structured = formatError { _ = try NPY.read(from: Fixture.url("structured.npy")) }
        #expect(structured?.description.contains("structured") == true)
    }

    @Test("negative shape")
    func negativeShape() throws {
        let e = try readError(rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3, -2), }"))
        #expect(e?.kind == .invalidShape)
        #expect(e?.description.contains("-2") == true)
    }

    @Test("garbage in the header dict", arguments: [
        "not a dict",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
        "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': __import__('os').system('echo pwned'), 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': 'no', 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': 3}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3.0,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': ('3',)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} trailing",
        "{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}",
        "{1: '<f8', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': 8, 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 500) + String(repeating: ")", count: 500) + "}",
        "",
    ])
    func garbageHeader(header: String) throws {
        let e = try readError(rawNPY(header: header, payload: [UInt8](repeating: 0, count: 24)))
        #expect(e?.kind == .malformedHeader || e?.kind == .unsupportedDType, "\(String(describing: e))")
    }

    @Test("a 3.0 header that is not UTF-8")
    func badUTF8() throws {
        var bytes = rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", payload: [UInt8](repeating: 0, count: 24), major: 3)
        bytes[20] = 0xFF
        #expect(try readError(bytes)?.kind == .malformedHeader)
    }

    @Test("unknown versions", arguments: [(UInt8(0), UInt8(0)), (4, 0), (1, 1), (255, 255)])
    func unknownVersion(major: UInt8, minor: UInt8) throws {
        var bytes = try Fixture.bytes("float64_le.npy")
        bytes[6] = major
        bytes[7] = minor
        let e = try readError(bytes)
        #expect(e?.kind == .unsupportedVersion)
        #expect(e?.description.contains("\(major).\(minor)") == true)
    }

    @Test("header length beyond the file, or absurdly long")
    func headerLength() throws {
        let bytes = rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", major: 2, lengthOverride: 0x7FFF_FFFF)
        #expect(try readError(bytes)?.kind == .malformedHeader)
        let short = rawNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", lengthOverride: 5000)
        #expect(try readError(short)?.kind == .sizeMismatch)
    }

    @Test("FuzzNPYHeader's finding: a complex item size whose bits overflow is refused, not a trap")
    func fuzzFindingItemSizeOverflow() throws {
        let e = try readError(try Fixture.bytes("fuzz_dtype_size_overflow.npy"))
        #expect(e?.kind == .unsupportedDType)
        #expect(e?.description.contains("complex? is not supported") == true)
    }

    @Test("missing file and directory")
    func missing() throws {
        let dir = try TemporaryDirectory()
        let e = formatError { _ = try NPY.read(from: dir.file("nope.npy")) }
        #expect(e?.kind == .io && e?.description.contains("nope.npy") == true)
        #expect(formatError { _ = try NPY.read(from: dir.url) }?.kind == .io)
    }

    @Test("mutated fixtures never trap", arguments: ["float64_le.npy", "int32_be.npy", "fortran_3d_be_i4.npy", "version_3_0.npy", "bool.npy", "save_0d.npy"])
    func fuzz(name: String) throws {
        let good = try Fixture.bytes(name)
        var rng = SplitMix64(seed: UInt64(name.utf8.count))
        for round in 0..<1500 {
            var bytes = good
            switch round % 4 {
            case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            case 1:
                for _ in 0..<1 + Int(rng.next() % 4) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            case 2:
                // Mutate only inside the header text, where the parser works.
                let i = 10 + Int(rng.next() % 60)
                let alphabet = Array("(),:'\"{}[]-0123456789 LTrueFalse\\".utf8)
                bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            default:
                bytes += (0..<Int(rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            _ = try? NPY.read(data: Data(bytes))
        }
    }
}

@Suite("DType descriptors")
struct DTypeTests {
    @Test("parse and produce descr strings")
    func descr() throws {
        #expect(try DType.parse(descr: "<f8") == (.float64, .little))
        #expect(try DType.parse(descr: ">i4") == (.int32, .big))
        #expect(try DType.parse(descr: "|u1") == (.uint8, .native))
        #expect(try DType.parse(descr: "|b1") == (.bool, .native))
        #expect(try DType.parse(descr: "=f4") == (.float32, .native))
        #expect(try DType.parse(descr: "<f2") == (.float16, .little))
        #expect(try DType.parse(descr: "f8") == (.float64, .native))
        #expect(try DType.parse(descr: ">u8") == (.uint64, .big))
        #expect(DType.float64.descr(byteOrder: .little) == "<f8")
        #expect(DType.int16.descr(byteOrder: .big) == ">i2")
        #expect(DType.uint8.descr(byteOrder: .big) == "|u1")
        #expect(DType.bool.descr() == "|b1")
        #expect(DType.int8.descr() == "|i1")
        for dtype in DType.allCases {
            for order in ByteOrder.allCases {
                let (d, o) = try DType.parse(descr: dtype.descr(byteOrder: order))
                #expect(d == dtype && (dtype.itemSize == 1 || o == order))
            }
        }
    }

    @Test("refused descr strings", arguments: ["|O", "<c32", "<c4", "<U3", "|S5", "<M8[D]", "<m8[s]", "|V8", "<f16", "<i3", "", "<", "xyz",
                                                // item sizes whose bits overflow Int (found by FuzzNPYHeader)
                                                "<c-000000000000000007318123910777003452", "<f9223372036854775807", "<c1152921504606846977", "<f-8"])
    func refused(descr: String) {
        let e = formatError { _ = try DType.parse(descr: descr) }
        #expect(e?.kind == .unsupportedDType)
    }
}

/// A small deterministic generator for the mutation tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
