import Foundation
import Nabla
import ZIPFoundation

/// Reading and writing numpy's `.npz` archives: ZIP files whose members are `.npy` files.
///
/// `np.savez` stores members uncompressed, `np.savez_compressed` deflates them; both are read. Members
/// come back in archive order, named without the `.npy` suffix, as numpy's `NpzFile.keys()` lists them.
///
/// Every member goes through the same checks as ``NPY/read(from:)``; in addition the ZIP structures
/// must lie inside the file, a stored member's declared size must equal its stored size, a deflated
/// member may not declare more than deflate can produce from its compressed bytes (1032:1), and
/// decompression stops as soon as a member inflates past its declared size. So a small hostile archive
/// can never make the reader allocate much more than its own size, and every member's CRC-32 is checked.
///
/// Writing is atomic (see ``AtomicFile``). Stored archives (the default, like `np.savez`) are written by
/// Nabla's own ZIP writer: one `writev(2)` per member straight from the array's storage, CRC-32s computed
/// on the other cores meanwhile, ZIP64 records where Python's `zipfile` would use them. Deflated
/// archives (`np.savez_compressed`) go through ZIPFoundation.
public enum NPZ {
    /// The members of an `.npz` archive, in archive order, names without `.npy`.
    public static func read(from url: URL) throws(FormatError) -> [(name: String, array: AnyNDArray)] {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        return try withFormatErrors(context) { try decode(source, context: context) }
    }

    /// What the header of one `.npz` member says, read without its data.
    public struct MemberHeader: Sendable {
        /// The member's name without `.npy`.
        public var name: String
        /// The member's `.npy` header (dtype, shape, order, payload size).
        public var header: NPYHeader
        /// Whether the member is stored uncompressed with exactly the bytes its header declares — what a
        /// complete `np.savez` (or Nabla) member looks like. A deflated member is readable but not "stored".
        public var isCompleteStored: Bool
    }

    /// The headers of an archive's members, in archive order, reading only the ZIP directory and the first
    /// bytes of each member (a few kilobytes, whatever the archive's size): what a caller needs to estimate
    /// memory before loading, or to check that an existing output is complete.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` would for a damaged directory or `.npy` header.
    public static func headers(from url: URL) throws(FormatError) -> [MemberHeader] {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        return try withFormatErrors(context) {
            try ZIPReader.members(of: source, context: context).map { member in
                var memberContext = context
                memberContext.member = member.name
                guard member.name.hasSuffix(".npy") else {
                    throw memberContext.error(.corruptArchive, "is not a .npy array; Nabla reads only .npy members")
                }
                let compressed = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
                let header: NPYHeader
                let stored = member.method == 0
                if stored {
                    header = try NPYFormat.readHeader(totalSize: compressed.size, context: memberContext) {
                        try compressed.bytes(at: 0, count: $0)
                    }
                } else {
                    let inflater = Inflater(compressed: compressed, declaredSize: member.uncompressedSize, context: memberContext)
                    header = try NPYFormat.readHeader(totalSize: member.uncompressedSize, context: memberContext) {
                        try inflater.prefix($0)
                    }
                }
                let complete = stored && member.compressedSize == member.uncompressedSize
                    && member.uncompressedSize == header.dataOffset + header.byteCount
                return MemberHeader(name: String(member.name.dropLast(4)), header: header, isCompleteStored: complete)
            }
        }
    }

    /// The members of an `.npz` archive held in memory. `name` labels error messages.
    public static func read(data: Data, name: String = "<data>") throws(FormatError) -> [(name: String, array: AnyNDArray)] {
        let context = ErrorContext(file: name)
        return try withFormatErrors(context) { try decode(DataSource(data: data), context: context) }
    }

    /// Writes arrays to an `.npz` archive atomically, each as member `<name>.npy`, in the given order.
    ///
    /// - Parameters:
    ///   - arrays: member names (without `.npy`) and arrays, in archive order.
    ///   - url: the archive to create or replace.
    ///   - compressed: deflate the members (`np.savez_compressed`); by default they are stored
    ///     uncompressed like `np.savez`.
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/invalidName`` for an empty, duplicate or unsafe
    ///   name (see ``validateName(_:)``), or of kind ``FormatError/Kind/io``.
    public static func write(_ arrays: [(name: String, array: AnyNDArray)], to url: URL,
                             compressed: Bool = false) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        var seen = Set<String>()
        for (name, _) in arrays {
            try validateName(name, context: context)
            guard seen.insert(name).inserted else {
                throw context.error(.invalidName, "the name '\(name)' appears twice; member names must be unique")
            }
        }
        if !compressed {
            try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
                try StoredZIPWriter.write(arrays, to: writer)
            }
            return
        }
        try AtomicFile.write(to: url, creatingWith: { temporary in
            let archive = try Archive(url: temporary, accessMode: .create)
            for (name, array) in arrays {
                let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
                let total = header.count + array.count * array.dtype.itemSize
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(total),
                                     compressionMethod: .deflate,
                                     bufferSize: 1 << 20) { position, size in
                    chunk(header: header, array: array, from: Int(position), count: size)
                }
            }
        })
    }

    /// Writes Double arrays (or any one element type) to an `.npz` archive; see
    /// the `AnyNDArray` form of `write(_:to:compressed:)` for the rules.
    public static func write<T: NPYScalar>(_ arrays: [(name: String, array: NDArray<T>)], to url: URL,
                                           compressed: Bool = false) throws(FormatError) {
        try write(arrays.map { (name: $0.name, array: T.wrap($0.array)) }, to: url, compressed: compressed)
    }

    /// Checks that `name` can be an archive member: not empty, at most 200 UTF-8 bytes, no `/`, `\`,
    /// control characters or NUL, and not `.` or `..`.
    public static func validateName(_ name: String) throws(FormatError) {
        try validateName(name, context: ErrorContext(file: ""))
    }

    static func validateName(_ name: String, context: ErrorContext) throws(FormatError) {
        let shown = "'\(name.prefix(60).unicodeScalars.map { $0.escaped(asASCII: false) }.joined())'"
        guard !name.isEmpty else { throw context.error(.invalidName, "member names must not be empty") }
        guard name.utf8.count <= 200 else {
            throw context.error(.invalidName, "member name \(shown)… is \(name.utf8.count) bytes long; at most 200 are allowed")
        }
        guard name != ".", name != ".." else { throw context.error(.invalidName, "member name \(shown) is not allowed") }
        if let bad = name.unicodeScalars.first(where: { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }) {
            throw context.error(.invalidName,
                "member name \(shown) contains '\(bad.escaped(asASCII: true))'; use a plain name without path separators or control characters")
        }
    }

    /// Bytes `from..<from + count` of the member `header + array bytes` (fewer at the end).
    private static func chunk(header: [UInt8], array: AnyNDArray, from: Int, count: Int) -> Data {
        var out = Data(capacity: count)
        var position = from
        let end = from + count
        if position < header.count {
            let stop = min(end, header.count)
            out.append(contentsOf: header[position..<stop])
            position = stop
        }
        if position < end {
            array.withUnsafeBytes { raw in
                let start = position - header.count
                let stop = min(end - header.count, raw.count)
                if start < stop { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<stop])) }
            }
        }
        return out
    }

    // MARK: Reading

    static func decode(_ source: some ByteSource, context: ErrorContext) throws -> [(name: String, array: AnyNDArray)] {
        let members = try ZIPReader.members(of: source, context: context)
        var result: [(name: String, array: AnyNDArray)] = []
        var seen = Set<String>()
        for member in members {
            var memberContext = context
            memberContext.member = member.name
            guard member.name.hasSuffix(".npy") else {
                throw memberContext.error(.corruptArchive,
                    "is not a .npy array (np.savez writes only '<name>.npy' members); Nabla reads only .npy members")
            }
            let name = String(member.name.dropLast(4))
            guard seen.insert(name).inserted else {
                throw memberContext.error(.corruptArchive, "the archive holds two members named '\(member.name)'")
            }
            result.append((name, try decodeMember(member, in: source, context: memberContext)))
        }
        return result
    }

    private static func decodeMember(_ member: ZIPReader.Member, in source: some ByteSource,
                                     context: ErrorContext) throws -> AnyNDArray {
        let compressed = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
        switch member.method {
        case 0:
            guard member.uncompressedSize == member.compressedSize else {
                throw context.error(.corruptArchive,
                    "stored (uncompressed) member declares \(member.uncompressedSize) bytes but occupies \(member.compressedSize)")
            }
            let header = try NPYFormat.readHeader(totalSize: compressed.size, context: context) {
                try compressed.bytes(at: 0, count: $0)
            }
            try NPYFormat.checkPayload(header, available: compressed.size - header.dataOffset, context: context, noun: "member")
            return try NPY.materialize(header, context: context) { raw in
                try compressed.read(at: header.dataOffset, into: raw)
                var head = CRC32Accumulator()
                head.update(try compressed.bytes(at: 0, count: header.dataOffset))
                let crc = CRC32.checksum(UnsafeRawBufferPointer(raw), startingWith: head.value)
                try checkCRC(crc, member, context)
            }
        case 8:
            // Deflate cannot expand data by more than 1032:1 (a 258-byte match per ~2 bits).
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: 1032)
            guard overflow || member.uncompressedSize <= limit + 1024 else {
                throw context.error(.corruptArchive,
                    "declares \(member.uncompressedSize) bytes uncompressed from \(member.compressedSize) compressed bytes, "
                    + "more than deflate can produce")
            }
            let inflater = Inflater(compressed: compressed, declaredSize: member.uncompressedSize, context: context)
            let header = try NPYFormat.readHeader(totalSize: member.uncompressedSize, context: context) {
                try inflater.prefix($0)
            }
            try NPYFormat.checkPayload(header, available: member.uncompressedSize - header.dataOffset,
                                       context: context, noun: "member")
            // A large member that claims to be highly compressed is inflated once without storing anything
            // before its memory is allocated, so a lying size costs time but never memory.
            if member.uncompressedSize > 1 << 24, member.uncompressedSize / max(member.compressedSize, 1) > 64 {
                try inflater.verify()
            }
            return try NPY.materialize(header, context: context) { raw in
                let crc = try inflater.inflate(skipping: header.dataOffset, into: raw)
                try checkCRC(crc, member, context)
            }
        default:
            throw context.error(.corruptArchive,
                "uses ZIP compression method \(member.method); only stored (0) and deflated (8) members are supported")
        }
    }

    private static func checkCRC(_ crc: UInt32, _ member: ZIPReader.Member, _ context: ErrorContext) throws {
        guard crc == member.crc32 else {
            throw context.error(.corruptArchive,
                "CRC-32 of the data is \(hex(crc)) but the archive records \(hex(member.crc32)): the member is damaged")
        }
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

// MARK: - Inflating

/// Inflates one deflated member with hard limits: never more output than declared, never reading past
/// the member's compressed bytes, and always handing zlib full, valid input buffers.
private struct Inflater {
    let compressed: SliceSource
    let declaredSize: Int
    let context: ErrorContext
    static let bufferSize = 1 << 16

    private struct Stop: Error {}

    /// The first `count` bytes of the inflated member.
    func prefix(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        do {
            _ = try run { chunk in
                let take = min(count - out.count, chunk.count)
                out.append(contentsOf: chunk.prefix(take))
                if out.count >= count { throw Stop() }
            }
        } catch is Stop {
            return out
        }
        if out.count < count {
            throw context.error(.sizeMismatch, "inflates to only \(out.count) bytes, fewer than the \(count)-byte .npy header")
        }
        return out
    }

    /// Inflates the whole member without keeping it, checking its size and CRC-32.
    func verify() throws {
        _ = try run { _ in }
    }

    /// Inflates the whole member, copying everything after the first `skip` bytes into `buffer`
    /// (which holds exactly the rest), and returns the CRC-32 of all inflated bytes.
    func inflate(skipping skip: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> UInt32 {
        var position = 0
        let crc = try run { chunk in
            chunk.withUnsafeBytes { raw in
                let start = max(skip, position)
                let end = position + raw.count
                if start < end {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[(start - position)..<(end - position)])
                    UnsafeMutableRawBufferPointer(rebasing: buffer[(start - skip)..<(end - skip)]).copyMemory(from: piece)
                }
                position = end
            }
        }
        return crc
    }

    /// Runs zlib over the compressed bytes, passing each output chunk to `body`; checks the total size.
    private func run(_ body: (Data) throws -> Void) throws -> UInt32 {
        var consumed = 0
        var paddingCalls = 0
        var produced = 0
        var crc = CRC32Accumulator()
        let compressed = compressed, context = context, declaredSize = declaredSize
        do {
            _ = try Data.decompress(size: Int64(compressed.size), bufferSize: Self.bufferSize, skipCRC32: true,
                provider: { _, requested in
                    // Always hand back exactly `requested` bytes: ZIPFoundation tells zlib the input is that long.
                    let n = min(requested, compressed.size - consumed)
                    if n <= 0 {
                        paddingCalls += 1
                        guard paddingCalls <= 4 else {
                            throw context.error(.corruptArchive, "the compressed data ends before the deflate stream does")
                        }
                    }
                    var chunk = Data(count: requested)
                    if n > 0 {
                        try chunk.withUnsafeMutableBytes { raw in
                            try compressed.read(at: consumed, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<n]))
                        }
                        consumed += n
                    }
                    return chunk
                },
                consumer: { chunk in
                    let (total, overflow) = produced.addingReportingOverflow(chunk.count)
                    guard !overflow, total <= declaredSize else {
                        throw context.error(.corruptArchive,
                            "inflates to more than the \(declaredSize) bytes the archive declares")
                    }
                    produced = total
                    chunk.withUnsafeBytes { crc.update($0) }
                    try body(chunk)
                })
        } catch let error as FormatError {
            throw error
        } catch is Stop {
            throw Stop()
        } catch {
            throw context.error(.corruptArchive, "the deflate stream is damaged (\(error))")
        }
        guard produced == declaredSize else {
            throw context.error(.corruptArchive, "inflates to \(produced) bytes but the archive declares \(declaredSize)")
        }
        return crc.value
    }
}

// MARK: - ZIP central directory

/// A minimal, defensive reader of ZIP central directories (including ZIP64), used to locate members.
///
/// ZIPFoundation's `Archive` reads past a member's compressed bytes and can loop forever on a deflate
/// stream cut short at the end of the file, so reading uses this reader plus ZIPFoundation's inflater fed
/// with exactly the member's bytes.
enum ZIPReader {
    struct Member {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var dataOffset: Int
    }

    static let maxCentralDirectorySize = 64 << 20

    static func members(of source: some ByteSource, context: ErrorContext) throws -> [Member] {
        let size = source.size
        func corrupt(_ message: String) -> FormatError { context.error(.corruptArchive, message) }

        // End of central directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try source.bytes(at: size - tailLength, count: tailLength)
        var eocd = -1
        var p = tailLength - 22
        while p >= 0 {
            if tail[p] == 0x50, tail[p + 1] == 0x4B, tail[p + 2] == 0x05, tail[p + 3] == 0x06 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else {
            let start = try source.bytes(at: 0, count: min(size, 6))
            let hint = start == NPYFormat.magic ? " (it is a .npy file: use NPY.read)" : ""
            throw context.error(.badMagic, "not a ZIP archive: no end-of-central-directory record found\(hint)")
        }
        let eocdOffset = size - tailLength + eocd
        var entryCount = Int(le16(tail, eocd + 10))
        var cdSize = Int(le32(tail, eocd + 12))
        var cdOffset = Int(le32(tail, eocd + 16))

        // ZIP64: a locator 20 bytes before the record points at the ZIP64 end record.
        if eocdOffset >= 20 {
            let locator = try source.bytes(at: eocdOffset - 20, count: 20)
            if locator.starts(with: [0x50, 0x4B, 0x06, 0x07]) {
                guard let recordOffset = Int(exactly: le64(locator, 8)), recordOffset >= 0, recordOffset <= eocdOffset - 20 - 56 else {
                    throw corrupt("the ZIP64 end-of-central-directory locator points outside the file")
                }
                let record = try source.bytes(at: recordOffset, count: 56)
                guard record.starts(with: [0x50, 0x4B, 0x06, 0x06]) else { throw corrupt("the ZIP64 end-of-central-directory record is missing") }
                guard let n = Int(exactly: le64(record, 32)), let s = Int(exactly: le64(record, 40)),
                      let o = Int(exactly: le64(record, 48)) else {
                    throw corrupt("the ZIP64 end-of-central-directory record holds impossible sizes")
                }
                (entryCount, cdSize, cdOffset) = (n, s, o)
            }
        }
        guard cdSize <= maxCentralDirectorySize else {
            throw corrupt("the central directory claims \(cdSize) bytes; at most \(maxCentralDirectorySize) are supported")
        }
        guard cdOffset >= 0, cdOffset <= eocdOffset, cdSize <= eocdOffset - cdOffset else {
            throw corrupt("the central directory (\(cdSize) bytes at offset \(cdOffset)) lies outside the \(size)-byte file")
        }
        guard entryCount <= cdSize / 46 else {
            throw corrupt("the archive claims \(entryCount) members but its central directory has room for at most \(cdSize / 46)")
        }
        let cd = try source.bytes(at: cdOffset, count: cdSize)

        var members: [Member] = []
        var q = 0
        for index in 0..<entryCount {
            guard q + 46 <= cd.count, cd[q] == 0x50, cd[q + 1] == 0x4B, cd[q + 2] == 0x01, cd[q + 3] == 0x02 else {
                throw corrupt("central directory entry \(index) is damaged")
            }
            let flags = le16(cd, q + 8)
            let method = le16(cd, q + 10)
            let crc = le32(cd, q + 16)
            var compressedSize = UInt64(le32(cd, q + 20))
            var uncompressedSize = UInt64(le32(cd, q + 24))
            let nameLength = Int(le16(cd, q + 28)), extraLength = Int(le16(cd, q + 30)), commentLength = Int(le16(cd, q + 32))
            var localOffset = UInt64(le32(cd, q + 42))
            let next = q + 46 + nameLength + extraLength + commentLength
            guard next <= cd.count else { throw corrupt("central directory entry \(index) runs past the directory") }
            let nameBytes = Array(cd[(q + 46)..<(q + 46 + nameLength)])
            let name = decodeName(nameBytes, utf8Flag: flags & 0x0800 != 0)

            // ZIP64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
            var e = q + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = le16(cd, e), length = Int(le16(cd, e + 2))
                let body = e + 4
                guard body + length <= extraEnd else { break }
                if id == 0x0001 {
                    var f = body
                    func take() throws -> UInt64 {
                        guard f + 8 <= body + length else { throw corrupt("member '\(name)' has a short ZIP64 extra field") }
                        defer { f += 8 }
                        return le64(cd, f)
                    }
                    if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try take() }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try take() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try take() }
                }
                e = body + length
            }

            guard flags & 0x0001 == 0 else { throw corrupt("member '\(name)' is encrypted") }
            guard let csize = Int(exactly: compressedSize), let usize = Int(exactly: uncompressedSize),
                  let local = Int(exactly: localOffset), local <= size - 30 else {
                throw corrupt("member '\(name)' has sizes or an offset outside the \(size)-byte file")
            }
            let header = try source.bytes(at: local, count: 30)
            guard header.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
                throw corrupt("member '\(name)': no local file header at offset \(local)")
            }
            let dataOffset = local + 30 + Int(le16(header, 26)) + Int(le16(header, 28))
            guard dataOffset <= size, csize <= size - dataOffset else {
                throw corrupt("member '\(name)' declares \(csize) bytes of data at offset \(dataOffset), past the end of the \(size)-byte file")
            }
            members.append(Member(name: name, method: method, crc32: crc, compressedSize: csize,
                                  uncompressedSize: usize, dataOffset: dataOffset))
            q = next
        }
        return members
    }

    private static func decodeName(_ bytes: [UInt8], utf8Flag: Bool) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        // Not UTF-8: read as code page 437's ASCII half, other bytes as latin-1 (enough for error messages).
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    private static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
