@testable import NablaFormats
import Testing

@Suite("CRC-32")
struct CRC32Tests {
    @Test("known values and chunking")
    func known() {
        var a = CRC32Accumulator()
        a.update(Array("123456789".utf8))
        #expect(a.value == 0xCBF4_3926)
        var b = CRC32Accumulator()
        b.update([])
        #expect(b.value == 0)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 3) }
        var whole = CRC32Accumulator()
        whole.update(data)
        var parts = CRC32Accumulator()
        parts.update(Array(data[0..<3]))
        parts.update(Array(data[3..<517]))
        parts.update(Array(data[517...]))
        #expect(whole.value == parts.value)
        // zlib.crc32 of the same bytes, computed in Python.
        #expect(whole.value == 0xD37F_8EC0)
    }
}
