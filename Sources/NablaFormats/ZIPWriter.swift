import Dispatch
import Foundation
import Nabla
import Synchronization

/// Writes `.npz` archives: stored (uncompressed) members as `np.savez` writes them, fast, or deflated
/// members as `np.savez_compressed` does.
///
/// Layout, in file order (all integers little-endian; APPNOTE 6.3):
/// ```
/// for each member:   local file header (30 bytes) · name · [ZIP64 extra: id 1, 16 bytes: size, size]
///                    member bytes (.npy header · array bytes, stored or deflated)
/// central directory: one 46-byte entry per member · name · [ZIP64 extra: the overflowing 64-bit fields]
/// [ZIP64 end of central directory record (56 bytes) · ZIP64 locator (20 bytes)]
/// end of central directory record (22 bytes)
/// ```
/// Stored: every size and offset is known before the first byte is written, so the file is preallocated
/// and each member goes out in one `writev(2)` straight from the array's storage: no copy, no chunking.
/// Meanwhile another thread computes the CRC-32s; they are patched into the local headers with `pwrite(2)`
/// before the central directory is appended.
///
/// Deflated: each member is compressed in memory in one piece (libdeflate), then written with its sizes
/// and CRC-32 already in the local header; only one compressed member is held at a time.
///
/// ZIP64 records are used exactly where Python's `zipfile` uses them: for a value above 2^31 − 1 (its
/// `ZIP64_LIMIT`), or for more than 65 535 members; `forceZip64` uses them everywhere (for tests).
enum ZIPWriter {
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
        /// 0 stored, 8 deflated.
        var method: UInt16 = 0
        var crc: UInt32 = 0
        /// The bytes in the archive.
        var compressedSize: Int
        /// `.npy` header plus array bytes.
        var uncompressedSize: Int
        /// Offset of the local file header.
        var offset: Int
        var zip64Local: Bool
        var localHeaderSize: Int { 30 + name.count + (zip64Local ? 20 : 0) }
        var utf8Name: Bool { name.contains { $0 >= 0x80 } }
        /// Whether the central directory needs the 64-bit sizes.
        var bigSize: Bool { compressedSize > zip64Limit || uncompressedSize > zip64Limit }

        init(name: String, method: UInt16 = 0, crc: UInt32 = 0, compressedSize: Int, uncompressedSize: Int,
             offset: Int, forceZip64: Bool = false) {
            self.name = Array((name + ".npy").utf8)
            self.method = method
            self.crc = crc
            self.compressedSize = compressedSize
            self.uncompressedSize = uncompressedSize
            self.offset = offset
            zip64Local = forceZip64 || compressedSize > zip64Limit || uncompressedSize > zip64Limit
        }
    }

    /// Lays stored members out from offset 0.
    static func plan(_ arrays: [(name: String, array: AnyNDArray)], headers: [[UInt8]],
                     forceZip64: Bool) -> (members: [Member], centralDirectoryOffset: Int) {
        var offset = 0
        var members: [Member] = []
        members.reserveCapacity(arrays.count)
        for ((name, array), header) in zip(arrays, headers) {
            let size = header.count + array.byteCount
            let member = Member(name: name, compressedSize: size, uncompressedSize: size, offset: offset, forceZip64: forceZip64)
            offset += member.localHeaderSize + size
            members.append(member)
        }
        return (members, offset)
    }

    /// Writes a stored archive through `writer` (which starts empty).
    static func write(_ arrays: [(name: String, array: AnyNDArray)], to writer: AtomicFile.Writer,
                      forceZip64: Bool = false, timestamp: DOSTimestamp = .now) throws(FormatError) {
        let headers = arrays.map { NPYFormat.headerBytes(dtype: $0.array.dtype, shape: $0.array.shape) }
        var (members, cdOffset) = plan(arrays, headers: headers, forceZip64: forceZip64)
        // The central directory's length does not depend on the CRCs.
        writer.preallocate(cdOffset + centralDirectory(members, offset: cdOffset, forceZip64: forceZip64, timestamp: timestamp).count)

        let checksums = BackgroundChecksums(zip(headers, arrays).map { ($0, $1.array) })
        for ((member, header), (_, array)) in zip(zip(members, headers), arrays) {
            try writer.write(localHeader(member, timestamp: timestamp) + header, followedBy: array)
        }
        for (k, crc) in checksums.wait().enumerated() {
            members[k].crc = crc
            try writer.overwrite(le32(crc), at: members[k].offset + 14)
        }
        try writer.write(centralDirectory(members, offset: cdOffset, forceZip64: forceZip64, timestamp: timestamp))
    }

    /// Writes an archive of deflated members through `writer` (which starts empty), one member at a time.
    static func writeDeflated(_ arrays: [(name: String, array: AnyNDArray)], to writer: AtomicFile.Writer,
                              forceZip64: Bool = false, timestamp: DOSTimestamp = .now,
                              context: ErrorContext) throws(FormatError) {
        var members: [Member] = []
        members.reserveCapacity(arrays.count)
        for (name, array) in arrays {
            let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
            var memberContext = context
            memberContext.member = name + ".npy"
            let (bytes, crc) = try Deflate.compress(header, followedBy: array, context: memberContext)
            let member = Member(name: name, method: 8, crc: crc, compressedSize: bytes.count,
                                uncompressedSize: header.count + array.byteCount, offset: writer.bytesWritten,
                                forceZip64: forceZip64)
            try writer.write(localHeader(member, timestamp: timestamp) + bytes)
            members.append(member)
        }
        try writer.write(centralDirectory(members, offset: writer.bytesWritten, forceZip64: forceZip64, timestamp: timestamp))
    }

    // MARK: Records

    static func localHeader(_ m: Member, timestamp: DOSTimestamp) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(m.localHeaderSize)
        b.le32(0x0403_4B50)
        b.le16(m.zip64Local ? 45 : 20)  // version needed to extract
        b.le16(m.utf8Name ? 0x0800 : 0)  // flags: bit 11, the name is UTF-8
        b.le16(m.method)
        b.le16(timestamp.time)
        b.le16(timestamp.date)
        b.le32(m.crc)
        b.le32(m.zip64Local ? 0xFFFF_FFFF : UInt32(m.compressedSize))
        b.le32(m.zip64Local ? 0xFFFF_FFFF : UInt32(m.uncompressedSize))
        b.le16(UInt16(m.name.count))
        b.le16(m.zip64Local ? 20 : 0)
        b += m.name
        if m.zip64Local {
            b.le16(0x0001)
            b.le16(16)
            b.le64(UInt64(m.uncompressedSize))
            b.le64(UInt64(m.compressedSize))
        }
        return b
    }

    /// The central directory (at `offset`) followed by the (ZIP64 and plain) end records.
    static func centralDirectory(_ members: [Member], offset: Int, forceZip64: Bool, timestamp: DOSTimestamp) -> [UInt8] {
        var b: [UInt8] = []
        for m in members {
            let bigSize = forceZip64 || m.bigSize
            let bigOffset = forceZip64 || m.offset > zip64Limit
            var extra: [UInt8] = []
            if bigSize { extra.le64(UInt64(m.uncompressedSize)); extra.le64(UInt64(m.compressedSize)) }
            if bigOffset { extra.le64(UInt64(m.offset)) }
            let zip64 = !extra.isEmpty || m.zip64Local
            b.le32(0x0201_4B50)
            b.le16(3 << 8 | (zip64 ? 45 : 20))  // made by: Unix, spec version
            b.le16(zip64 ? 45 : 20)  // needed to extract
            b.le16(m.utf8Name ? 0x0800 : 0)
            b.le16(m.method)
            b.le16(timestamp.time)
            b.le16(timestamp.date)
            b.le32(m.crc)
            b.le32(bigSize ? 0xFFFF_FFFF : UInt32(m.compressedSize))
            b.le32(bigSize ? 0xFFFF_FFFF : UInt32(m.uncompressedSize))
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

/// Computes the members' CRC-32s (`.npy` header, then array bytes) on one background thread while the
/// caller writes them. One thread is enough: libdeflate's CRC-32 runs faster than `writev` moves the bytes.
private final class BackgroundChecksums: Sendable {
    private let result = Mutex<[UInt32]>([])
    private let group = DispatchGroup()

    init(_ members: [(header: [UInt8], array: AnyNDArray)]) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let crcs = members.map { CRC32.checksum($0.array, continuing: CRC32.checksum($0.header)) }
            result.withLock { $0 = crcs }
            group.leave()
        }
    }

    /// Waits for the thread and returns each member's CRC-32.
    func wait() -> [UInt32] {
        group.wait()
        return result.withLock { $0 }
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
        private let timestamp = ZIPWriter.DOSTimestamp.now
        private var members: [ZIPWriter.Member] = []
        private var names = Set<String>()

        init(writer: AtomicFile.Writer, context: ErrorContext) {
            self.writer = writer
            self.context = context
        }

        /// Writes `array` as the stored member `<name>.npy` now.
        ///
        /// - Throws: ``FormatError`` of kind ``FormatError/Kind/invalidName`` for an empty, unsafe (see
        ///   ``NPZ/validateName(_:)``) or repeated name, or of kind ``FormatError/Kind/io``.
        public func append(_ name: String, _ array: AnyNDArray) throws(FormatError) {
            try NPZ.validateName(name, context: context)
            guard names.insert(name).inserted else {
                throw context.error(.invalidName, "the name '\(name)' appears twice; member names must be unique")
            }
            let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
            let size = header.count + array.byteCount
            // The CRC comes first, so the local header is written once, complete.
            let crc = CRC32.checksum(array, continuing: CRC32.checksum(header))
            let member = ZIPWriter.Member(name: name, crc: crc, compressedSize: size, uncompressedSize: size,
                                          offset: writer.bytesWritten)
            try writer.write(ZIPWriter.localHeader(member, timestamp: timestamp) + header, followedBy: array)
            // Keep only what the central directory needs, not the array.
            members.append(member)
        }

        func finish() throws(FormatError) {
            try writer.write(ZIPWriter.centralDirectory(members, offset: writer.bytesWritten, forceZip64: false,
                                                        timestamp: timestamp))
        }
    }

    /// What went wrong in ``NPZ/write(to:members:)``: writing the archive, or the caller's closure.
    public enum StreamingWriteError<Failure: Error>: Error, CustomStringConvertible {
        /// The archive could not be written (or a member was refused); nothing was left at the URL.
        case format(FormatError)
        /// The closure threw `Failure`; nothing was left at the URL.
        case body(Failure)

        /// The error itself, whichever it is.
        public var underlying: any Error {
            switch self {
            case .format(let error): error
            case .body(let error): error
            }
        }

        /// The description of ``underlying``.
        public var description: String { "\(underlying)" }
    }

    /// Writes a stored archive whose members `body` appends one at a time (see ``MemberSink``), atomically:
    /// the archive appears at `url` only if `body` and every write succeed.
    ///
    /// Only one member needs to be in memory at a time, which keeps the peak memory of writing large
    /// results to the size of one array.
    ///
    /// - Throws: ``StreamingWriteError/body(_:)`` with the error `body` threw, as it is (a ``FormatError``
    ///   that `body` lets through from ``MemberSink/append(_:_:)`` arrives as `.body` too), or
    ///   ``StreamingWriteError/format(_:)`` when writing the archive fails. In either case nothing is left
    ///   at `url`, and an existing file there is unchanged.
    public static func write<Failure: Error>(
        to url: URL, members body: (MemberSink) throws(Failure) -> Void
    ) throws(StreamingWriteError<Failure>) {
        let context = ErrorContext(file: url.path)
        var bodyError: Failure?
        do {
            try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
                let sink = MemberSink(writer: writer, context: context)
                do throws(Failure) {
                    try body(sink)
                } catch {
                    bodyError = error
                    throw context.error(.io, "cancelled: \(error)")
                }
                try sink.finish()
            }
        } catch {
            if let bodyError { throw .body(bodyError) }
            throw .format(error)
        }
    }
}
