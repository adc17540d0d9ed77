import Foundation
import Testing
@testable import NablaFormats

/// The carry-less-multiplication CRC-32 must equal the table-driven one bit for bit, on every length,
/// alignment and starting value, and both must give zlib's check value.
@Suite("CRC-32 folding path")
struct CRC32FoldingTests {
    @Test func checkValue() {
        // The standard check: CRC-32 of "123456789" is 0xCBF43926. Repeated to exceed 64 bytes too.
        var crc = CRC32Accumulator()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
        var table = CRC32Accumulator(), folded = CRC32Accumulator()
        let long = Array(String(repeating: "123456789", count: 50).utf8)
        long.withUnsafeBytes { table.updateWithTables($0); folded.update($0) }
        #expect(table.value == folded.value)
    }

    @Test func foldingEqualsTables() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { raw in
            for start in [0, 1, 3, 8, 15] {
                for length in [0, 1, 15, 16, 63, 64, 65, 127, 128, 129, 1000, 4096, 4985 - start] {
                    let part = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    for initial: UInt32 in [0, 0xDEAD_BEEF] {
                        var table = CRC32Accumulator(value: initial), any = CRC32Accumulator(value: initial)
                        table.updateWithTables(part)
                        any.update(part)
                        #expect(table.value == any.value, "start \(start), length \(length), initial \(initial)")
                    }
                }
            }
        }
    }
}
