import Dispatch
import Foundation
internal import _NablaCRC32

// MARK: - CRC-32

/// Incremental CRC-32 (the ZIP/zlib polynomial, reflected 0xEDB88320): carry-less multiplication
/// (PCLMULQDQ, in `_NablaCRC32`) where the CPU has it, else slicing-by-16.
///
/// The table path runs about 2 GB/s on one core here (128 MiB in ~67 ms), within 10% of zlib 1.2.13's
/// `crc32` (~60 ms) and about 12× faster than the byte-at-a-time table ZIPFoundation falls back to on
/// Linux; the folding path is several times faster again. For large
/// buffers use ``CRC32/checksum(_:workers:minimumChunk:)``, which runs on several cores.
struct CRC32Accumulator {
    private(set) var value: UInt32 = 0

    init() {}
    init(value: UInt32) { self.value = value }

    /// `table[256 k + b]` is the CRC register after byte `b` followed by `k` zero bytes.
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 16 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[b] = c
        }
        for k in 1..<16 {
            for b in 0..<256 {
                let previous = t[256 * (k - 1) + b]
                t[256 * k + b] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Whether the CPU folds with carry-less multiplication (`_NablaCRC32`, about 10× faster).
    static let hasCarrylessMultiply = nabla_crc32_clmul_available() != 0

    mutating func update(_ raw: UnsafeRawBufferPointer) {
        guard var base = raw.baseAddress, raw.count > 0 else { return }
        var n = raw.count
        if Self.hasCarrylessMultiply && n >= 64 {
            let bulk = n & ~15
            value = nabla_crc32_clmul(value, base.assumingMemoryBound(to: UInt8.self), bulk)
            base += bulk
            n -= bulk
            if n == 0 { return }
        }
        updateWithTables(UnsafeRawBufferPointer(start: base, count: n))
    }

    /// Slicing-by-16 with lookup tables: the portable path.
    mutating func updateWithTables(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        let n = raw.count
        value = Self.table.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            var crc = ~value
            var i = 0
            while i &+ 16 <= n {
                let a = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let b = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &+ 4, as: UInt32.self))
                let c = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &+ 8, as: UInt32.self))
                let d = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &+ 12, as: UInt32.self))
                let x = t[3840 | Int(a & 0xFF)] ^ t[3584 | Int((a >> 8) & 0xFF)]
                    ^ t[3328 | Int((a >> 16) & 0xFF)] ^ t[3072 | Int(a >> 24)]
                let y = t[2816 | Int(b & 0xFF)] ^ t[2560 | Int((b >> 8) & 0xFF)]
                    ^ t[2304 | Int((b >> 16) & 0xFF)] ^ t[2048 | Int(b >> 24)]
                let z = t[1792 | Int(c & 0xFF)] ^ t[1536 | Int((c >> 8) & 0xFF)]
                    ^ t[1280 | Int((c >> 16) & 0xFF)] ^ t[1024 | Int(c >> 24)]
                let w = t[768 | Int(d & 0xFF)] ^ t[512 | Int((d >> 8) & 0xFF)]
                    ^ t[256 | Int((d >> 16) & 0xFF)] ^ t[Int(d >> 24)]
                crc = x ^ y ^ z ^ w
                i &+= 16
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                i &+= 1
            }
            return ~crc
        }
    }
}

/// Whole-buffer CRC-32 on several cores, and zlib's `crc32_combine`.
enum CRC32 {
    /// The CRC-32 of `raw`, computed as `workers` (default: all cores) parts of at least `minimumChunk`
    /// bytes in parallel and joined with ``combine(_:_:length:)``. Equal to a single pass.
    static func checksum(_ raw: UnsafeRawBufferPointer, startingWith initial: UInt32 = 0,
                         workers: Int = ProcessInfoCores.count, minimumChunk: Int = 4 << 20) -> UInt32 {
        let parts = max(1, min(workers, raw.count / max(1, minimumChunk)))
        if parts == 1 {
            var crc = CRC32Accumulator(value: initial)
            crc.update(raw)
            return crc.value
        }
        let chunk = (raw.count + parts - 1) / parts
        let results = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: parts)
        defer { results.deallocate() }
        let shared = SendableRaw(raw: raw, results: results)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let start = k * chunk, end = min(shared.raw.count, start + chunk)
            var crc = CRC32Accumulator()
            crc.update(UnsafeRawBufferPointer(rebasing: shared.raw[start..<end]))
            shared.results[k] = crc.value
        }
        var value = initial
        for k in 0..<parts {
            let length = min(raw.count, (k + 1) * chunk) - k * chunk
            value = combine(value, results[k], length: length)
        }
        return value
    }

    /// The CRC-32 of `A + B` from `crc(A)`, `crc(B)` and `B.count` (zlib's `crc32_combine`: appending
    /// `length` zero bytes is a linear map over GF(2), applied by repeated squaring of its matrix).
    static func combine(_ crc1: UInt32, _ crc2: UInt32, length: Int) -> UInt32 {
        guard length > 0 else { return crc1 }
        func times(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
            var sum: UInt32 = 0, v = vector, i = 0
            while v != 0 {
                if v & 1 != 0 { sum ^= matrix[i] }
                v >>= 1
                i += 1
            }
            return sum
        }
        func square(_ matrix: [UInt32]) -> [UInt32] { matrix.map { times(matrix, $0) } }
        // The operator for one zero bit, then two and four.
        var odd = [UInt32](repeating: 0, count: 32)
        odd[0] = 0xEDB8_8320
        for n in 1..<32 { odd[n] = 1 << (n - 1) }
        var even = square(odd)
        odd = square(even)
        var crc = crc1, remaining = length
        repeat {
            even = square(odd)  // 8, 32, 128, … zero bits: one zero byte, then 4, 16, …
            if remaining & 1 != 0 { crc = times(even, crc) }
            remaining >>= 1
            if remaining == 0 { break }
            odd = square(even)
            if remaining & 1 != 0 { crc = times(odd, crc) }
            remaining >>= 1
        } while remaining != 0
        return crc ^ crc2
    }

    /// A read-only buffer and a result slot per part, shared by the workers of `concurrentPerform`.
    /// Each worker reads its own part and writes only its own result slot.
    private struct SendableRaw: @unchecked Sendable {
        let raw: UnsafeRawBufferPointer
        let results: UnsafeMutableBufferPointer<UInt32>
    }
}

/// The number of active cores (cached).
enum ProcessInfoCores {
    static let count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
