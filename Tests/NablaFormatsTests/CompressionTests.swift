import Foundation
import Nabla
@testable import NablaFormats
import Testing

@Suite("CRC-32 and deflate (libdeflate, zlib)")
struct CompressionTests {
    @Test("CRC-32: known values and continuation")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 3) }
        // zlib.crc32 of the same bytes, computed in Python.
        #expect(CRC32.checksum(data) == 0xD37F_8EC0)
        var parts = CRC32.checksum(Array(data[0..<3]))
        parts = CRC32.checksum(Array(data[3..<517]), continuing: parts)
        parts = CRC32.checksum(Array(data[517...]), continuing: parts)
        #expect(parts == 0xD37F_8EC0)
        // An array's bytes continue its .npy header.
        let array = AnyNDArray(NDArray([1.5, -2.0, 3.25]))
        #expect(CRC32.checksum(array, continuing: CRC32.checksum([1, 2])) == CRC32.checksum([1, 2] + [UInt8](NPY.encode(array)).dropFirst(128)))
    }

    @Test("deflate round trip, and sizes that lie are refused")
    func deflate() throws {
        let context = ErrorContext(file: "t.npz")
        let header: [UInt8] = Array("header".utf8)
        let array = AnyNDArray(try NDArray(shape: [100, 100], scalars: (0..<10_000).map { Double($0 % 37) }))
        let (compressed, crc) = try Deflate.compress(header, followedBy: array, context: context)
        let plain = [UInt8](header, followedBy: array)
        #expect(plain.count == 6 + 80_000 && compressed.count < plain.count / 4)
        #expect(crc == CRC32.checksum(plain))

        func inflate(_ input: [UInt8], size: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: size)
            try out.withUnsafeMutableBytes { raw in
                try ByteView.with(input) { (bytes) throws(FormatError) in
                    try Deflate.inflate(bytes, into: MutableBytes(raw), context: context)
                }
            }
            return out
        }
        #expect(try inflate(compressed, size: plain.count) == plain)
        #expect(formatError { _ = try inflate(compressed, size: plain.count - 1) }?.message.contains("more than") == true)
        #expect(formatError { _ = try inflate(compressed, size: plain.count + 1) }?.kind == .corruptArchive)
        #expect(formatError { _ = try inflate(Array(compressed.prefix(compressed.count / 2)), size: plain.count) }?.kind == .corruptArchive)
        #expect(formatError { _ = try inflate([0xFF, 0xFF, 0xFF], size: 10) }?.kind == .corruptArchive)

        // The first bytes only, read from a source a few bytes at a time.
        let source = DataSource(data: Data(compressed))
        #expect(try Deflate.inflatePrefix(6, of: source, context: context) == header)
        #expect(try Deflate.inflatePrefix(plain.count + 10, of: source, context: context) == plain)
        #expect(try Deflate.inflatePrefix(0, of: source, context: context) == [])
    }
}
