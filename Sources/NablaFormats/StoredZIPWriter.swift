import Dispatch
import Foundation
import Nabla

/// Writes stored (uncompressed) `.npz` archives, as `np.savez` does, fast.
///
/// Layout, in file order (all integers little-endian; APPNOTE 6.3):
/// ```
/// for each member:   local file header (30 bytes) · name · [ZIP64 extra: id 1, 16 bytes: size, size]
///                    .npy header · array bytes
/// central directory: one 46-byte entry per member · name · [ZIP64 extra: the overflowing 64-bit fields]
/// [ZIP64 end of central directory record (56 bytes) · ZIP64 locator (20 bytes)]
/// end of central directory record (22 bytes)
/// ```
/// Every size and offset is known before the first byte is written (members are stored), so the file
/// is preallocated and each member goes out in one `writev(2)` straight from the array's storage: no
/// copy, no chunking. Meanwhile another thread computes the CRC-32s (on all cores but one); they are
/// patched into the local headers with `pwrite(2)` before the central directory is appended.
///
/// ZIP64 records are used exactly where Python's `zipfile` uses them: for a value above 2^31 − 1 (its
/// `ZIP64_LIMIT`), or for more than 65 535 members; `forceZip64` uses them everywhere (for tests).
enum StoredZIPWriter {
    /// Python's `zipfile.ZIP64_LIMIT`: larger sizes and offsets go to ZIP64 fields.
    static let zip64Limit = (1 << 31) - 1
    static let memberCountLimit = 0xFFFF

    /// An MS-DOS date and time, the only timestamp the basic ZIP headers hold (2-second resolution).
    struct DOSTimestamp: Equatable {
        var time: UInt16
        var date: UInt16

        /// The current local time, as `zipfile` (and so `np.savez`) records it.
        static var now: DOSTimestamp {
            let c = Calendar(identifier: .gregorian).dateComponents(in: .current, from: Date())
            return DOSTimestamp(year: c.year ?? 1980, month: c.month ?? 1, day: c.day ?? 1,
                                hour: c.hour ?? 0, minute: c.minute ?? 0, second: c.second ?? 0)
        }

        init(time: UInt16, date: UInt16) { (self.time, self.date) = (time, date) }

        init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            let y = min(max(year, 1980), 2107) - 1980
            time = UInt16(hour << 11 | minute << 5 | second / 2)
            date = UInt16(y << 9 | month << 5 | day)
        }
    }

    /// One member's place in the archive.
    struct Member {
        var name: [UInt8]
        var header: [UInt8]
        var array: AnyNDArray
        /// `.npy` header plus array bytes.
        var size: Int
        /// Offset of the local file header.
        var offset: Int
        var zip64Local: Bool
        var localHeaderSize: Int { 30 + name.count + (zip64Local ? 20 : 0) }
        var utf8Name: Bool { name.contains { $0 >= 0x80 } }
    }

    /// Lays the members out from offset 0.
    static func plan(_ arrays: [(name: String, array: AnyNDArray)], forceZip64: Bool) -> (members: [Member], centralDirectoryOffset: Int) {
        var offset = 0
        var members: [Member] = []
        members.reserveCapacity(arrays.count)
        for (name, array) in arrays {
            let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
            let size = header.count + array.count * array.dtype.itemSize
            let member = Member(name: Array((name + ".npy").utf8), header: header, array: array, size: size,
                                offset: offset, zip64Local: forceZip64 || size > zip64Limit)
            offset += member.localHeaderSize + size
            members.append(member)
        }
        return (members, offset)
    }

    /// Writes the archive through `writer` (which starts empty).
    static func write(_ arrays: [(name: String, array: AnyNDArray)], to writer: AtomicFile.Writer,
                      forceZip64: Bool = false, timestamp: DOSTimestamp = .now) throws(FormatError) {
        let (members, cdOffset) = plan(arrays, forceZip64: forceZip64)
        let tail = { (crcs: [UInt32]) in
            centralDirectory(members, crcs: crcs, offset: cdOffset, timestamp: timestamp, forceZip64: forceZip64)
        }
        // The central directory's length does not depend on the CRCs.
        writer.preallocate(cdOffset + tail(Array(repeating: 0, count: members.count)).count)

        let checksums = ChecksumJob(members.map { ($0.header, $0.array) })
        do throws(FormatError) {
            for member in members {
                let local = localHeader(member, crc: 0, timestamp: timestamp)
                let failure: FormatError? = member.array.withUnsafeBytes { data in
                    local.withUnsafeBytes { l in
                        member.header.withUnsafeBytes { h in
                            do throws(FormatError) { try writer.write([l, h, data]) } catch { return error }
                            return nil
                        }
                    }
                }
                if let failure { throw failure }
            }
        } catch {
            checksums.cancel()
            throw error
        }
        let crcs = checksums.wait()
        for (member, crc) in zip(members, crcs) {
            try writer.overwrite(le32(crc), at: member.offset + 14)
        }
        try writer.write(tail(crcs))
    }

    // MARK: Records

    static func localHeader(_ m: Member, crc: UInt32, timestamp: DOSTimestamp) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(m.localHeaderSize)
        b.le32(0x0403_4B50)
        b.le16(m.zip64Local ? 45 : 20)  // version needed to extract
        b.le16(m.utf8Name ? 0x0800 : 0)  // flags: bit 11, the name is UTF-8
        b.le16(0)  // stored
        b.le16(timestamp.time)
        b.le16(timestamp.date)
        b.le32(crc)
        let size32 = m.zip64Local ? 0xFFFF_FFFF : UInt32(m.size)
        b.le32(size32)  // compressed size
        b.le32(size32)  // uncompressed size
        b.le16(UInt16(m.name.count))
        b.le16(m.zip64Local ? 20 : 0)
        b += m.name
        if m.zip64Local {
            b.le16(0x0001)
            b.le16(16)
            b.le64(UInt64(m.size))  // uncompressed
            b.le64(UInt64(m.size))  // compressed
        }
        return b
    }

    /// The central directory followed by the (ZIP64 and plain) end records.
    static func centralDirectory(_ members: [Member], crcs: [UInt32], offset: Int, timestamp: DOSTimestamp,
                                 forceZip64: Bool) -> [UInt8] {
        var b: [UInt8] = []
        for (m, crc) in zip(members, crcs) {
            let bigSize = forceZip64 || m.size > zip64Limit
            let bigOffset = forceZip64 || m.offset > zip64Limit
            var extra: [UInt8] = []
            if bigSize { extra.le64(UInt64(m.size)); extra.le64(UInt64(m.size)) }  // uncompressed, compressed
            if bigOffset { extra.le64(UInt64(m.offset)) }
            let zip64 = !extra.isEmpty || m.zip64Local
            b.le32(0x0201_4B50)
            b.le16(3 << 8 | (zip64 ? 45 : 20))  // made by: Unix, spec version
            b.le16(zip64 ? 45 : 20)  // needed to extract
            b.le16(m.utf8Name ? 0x0800 : 0)
            b.le16(0)
            b.le16(timestamp.time)
            b.le16(timestamp.date)
            b.le32(crc)
            b.le32(bigSize ? 0xFFFF_FFFF : UInt32(m.size))
            b.le32(bigSize ? 0xFFFF_FFFF : UInt32(m.size))
            b.le16(UInt16(m.name.count))
            b.le16(extra.isEmpty ? 0 : UInt16(4 + extra.count))
            b.le16(0)  // comment length
            b.le16(0)  // disk number
            b.le16(0)  // internal attributes
            b.le32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
            b.le32(bigOffset ? 0xFFFF_FFFF : UInt32(m.offset))
            b += m.name
            if !extra.isEmpty {
                b.le16(0x0001)
                b.le16(UInt16(extra.count))
                b += extra
            }
        }
        let cdSize = b.count
        let count = members.count
        let zip64End = forceZip64 || count > memberCountLimit || offset > zip64Limit || cdSize > zip64Limit
        if zip64End {
            let recordOffset = offset + cdSize
            b.le32(0x0606_4B50)
            b.le64(44)  // size of the rest of the record
            b.le16(3 << 8 | 45)
            b.le16(45)
            b.le32(0)  // this disk
            b.le32(0)  // disk with the central directory
            b.le64(UInt64(count))
            b.le64(UInt64(count))
            b.le64(UInt64(cdSize))
            b.le64(UInt64(offset))
            b.le32(0x0706_4B50)  // locator
            b.le32(0)
            b.le64(UInt64(recordOffset))
            b.le32(1)  // total disks
        }
        b.le32(0x0605_4B50)
        b.le16(0)
        b.le16(0)
        let count16 = zip64End ? UInt16(0xFFFF) : UInt16(count)
        b.le16(count16)
        b.le16(count16)
        b.le32(zip64End ? 0xFFFF_FFFF : UInt32(cdSize))
        b.le32(zip64End ? 0xFFFF_FFFF : UInt32(offset))
        b.le16(0)  // comment length
        return b
    }

    private static func le32(_ v: UInt32) -> [UInt8] { var b: [UInt8] = []; b.le32(v); return b }
}

/// Computes the members' CRC-32s on other threads while the main thread writes them.
///
/// The array bytes are cut into 4 MiB chunks taken in order from a shared counter by background workers
/// (one per core but one) and, once it has written everything, by the thread that calls ``wait()``;
/// the chunk CRCs are then joined with ``CRC32/combine(_:_:length:)``.
///
/// `@unchecked Sendable`: the counter is guarded by `lock`; each chunk's result slot is written by the
/// one worker that took the chunk and read only after all workers are done (`group.wait()` orders them).
/// The arrays are immutable values kept alive by the job.
private final class ChecksumJob: @unchecked Sendable {
    private struct Chunk { var member: Int; var start: Int; var end: Int }

    private let headers: [[UInt8]]
    private let arrays: [AnyNDArray]
    private let chunks: [Chunk]
    private let results: UnsafeMutableBufferPointer<UInt32>
    private let lock = NSLock()
    private var next = 0
    private let group = DispatchGroup()
    static let chunkSize = 4 << 20

    init(_ members: [(header: [UInt8], array: AnyNDArray)]) {
        headers = members.map(\.header)
        arrays = members.map(\.array)
        var chunks: [Chunk] = []
        for (k, array) in arrays.enumerated() {
            let n = array.count * array.dtype.itemSize
            for start in stride(from: 0, to: n, by: Self.chunkSize) {
                chunks.append(Chunk(member: k, start: start, end: min(n, start + Self.chunkSize)))
            }
        }
        self.chunks = chunks
        results = .allocate(capacity: max(1, chunks.count))
        let workers = min(max(1, ProcessInfoCores.count - 1), chunks.count)
        for _ in 0..<workers {
            DispatchQueue.global(qos: .userInitiated).async(group: group) { [self] in work() }
        }
    }

    deinit { results.deallocate() }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < chunks.count else { return nil }
        next += 1
        return next - 1
    }

    private func work() {
        while let k = take() {
            let chunk = chunks[k]
            results[k] = arrays[chunk.member].withUnsafeBytes { raw in
                var crc = CRC32Accumulator()
                crc.update(UnsafeRawBufferPointer(rebasing: raw[chunk.start..<chunk.end]))
                return crc.value
            }
        }
    }

    /// Drops the chunks not yet started and waits for the workers.
    func cancel() {
        lock.lock()
        next = chunks.count
        lock.unlock()
        group.wait()
    }

    /// Helps with the remaining chunks, waits for the workers, and returns each member's CRC-32.
    func wait() -> [UInt32] {
        work()
        group.wait()
        var crcs = headers.map { header in
            var crc = CRC32Accumulator()
            crc.update(header)
            return crc.value
        }
        for (k, chunk) in chunks.enumerated() {
            crcs[chunk.member] = CRC32.combine(crcs[chunk.member], results[k], length: chunk.end - chunk.start)
        }
        return crcs
    }
}

extension [UInt8] {
    mutating func le16(_ v: UInt16) { append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8)) }
    mutating func le32(_ v: UInt32) { for k in 0..<4 { append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
    mutating func le64(_ v: UInt64) { for k in 0..<8 { append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
}

// MARK: Streaming

extension NPZ {
    /// Receives the members of a stored archive being written by ``NPZ/write(to:members:)``, one at a time:
    /// each member is written as soon as it is appended, so the caller can drop it before computing the next.
    public final class MemberSink {
        private let writer: AtomicFile.Writer
        private let context: ErrorContext
        private let timestamp = StoredZIPWriter.DOSTimestamp.now
        private var members: [StoredZIPWriter.Member] = []
        private var crcs: [UInt32] = []
        private var names = Set<String>()

        init(writer: AtomicFile.Writer, context: ErrorContext) {
            self.writer = writer
            self.context = context
        }

        /// Writes `array` as member `<name>.npy` now.
        public func append(_ name: String, _ array: AnyNDArray) throws(FormatError) {
            try NPZ.validateName(name, context: context)
            guard names.insert(name).inserted else {
                throw context.error(.invalidName, "the name '\(name)' appears twice; member names must be unique")
            }
            let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
            let size = header.count + array.count * array.dtype.itemSize
            var member = StoredZIPWriter.Member(
                name: Array((name + ".npy").utf8), header: header, array: array, size: size,
                offset: writer.bytesWritten, zip64Local: size > StoredZIPWriter.zip64Limit)
            // The CRC comes first (on all cores), so the local header is written once, complete.
            let crc = ChecksumJob([(header, array)]).wait()[0]
            let local = StoredZIPWriter.localHeader(member, crc: crc, timestamp: timestamp)
            let failure: FormatError? = array.withUnsafeBytes { data in
                local.withUnsafeBytes { l in
                    header.withUnsafeBytes { h in
                        do throws(FormatError) { try writer.write([l, h, data]) } catch { return error }
                        return nil
                    }
                }
            }
            if let failure { throw failure }
            // Keep only what the central directory needs, not the array.
            member.array = .uint8(NDArray<UInt8>([UInt8]()))
            members.append(member)
            crcs.append(crc)
        }

        func finish() throws(FormatError) {
            try writer.write(StoredZIPWriter.centralDirectory(members, crcs: crcs, offset: writer.bytesWritten,
                                                              timestamp: timestamp, forceZip64: false))
        }
    }

    /// Writes a stored archive whose members `body` appends one at a time (see ``MemberSink``), atomically:
    /// the archive appears at `url` only if `body` and every write succeed. An error thrown by `body` is
    /// rethrown as it is, and nothing is left behind.
    ///
    /// Only one member needs to be in memory at a time, which keeps the peak memory of writing large
    /// results to the size of one array.
    public static func write(to url: URL, members body: (MemberSink) throws -> Void) throws {
        let context = ErrorContext(file: url.path)
        var bodyError: (any Error)?
        do {
            try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
                let sink = MemberSink(writer: writer, context: context)
                do {
                    try body(sink)
                } catch let error as FormatError {
                    throw error
                } catch {
                    bodyError = error
                    throw context.error(.io, "cancelled: \(error)")
                }
                try sink.finish()
            }
        } catch {
            if let bodyError { throw bodyError }
            throw error
        }
    }
}
