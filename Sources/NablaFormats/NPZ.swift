import Foundation
import Nabla

/// Reading and writing numpy's `.npz` archives: ZIP files whose members are `.npy` files.
///
/// `np.savez` stores members uncompressed, `np.savez_compressed` deflates them; both are read. Members
/// come back in archive order, named without the `.npy` suffix, as numpy's `NpzFile.keys()` lists them.
///
/// Every member goes through the same checks as ``NPY/read(from:)``; in addition the ZIP structures
/// must lie inside the file, a stored member's declared size must equal its stored size, a deflated
/// member may not declare more than deflate can produce from its compressed bytes (1032:1) nor more than
/// the machine's memory, and must inflate to exactly its declared size (inflation stops at the end of the
/// array's storage, so a lying size never writes past it). Every member's CRC-32 is checked. So a small
/// hostile archive can never make the reader allocate much more than its own size.
///
/// Nabla has its own small ZIP layer: a central-directory reader, and a writer that stores members (the
/// default, like `np.savez`: one `writev(2)` per member straight from the array's storage, the CRC-32s
/// computed on another thread meanwhile) or deflates them (`np.savez_compressed`), with ZIP64 records
/// where Python's `zipfile` would use them. Compression, inflation and CRC-32 come from libdeflate
/// (zlib inflates the first bytes of a member when only its header is wanted). Writing is atomic
/// (see ``AtomicFile``).
public enum NPZ {
    /// The members of an `.npz` archive, in archive order, names without `.npy`.
    ///
    /// - Throws: ``FormatError``: ``FormatError/Kind/badMagic`` for a file that is not a ZIP archive,
    ///   ``FormatError/Kind/corruptArchive`` for damaged ZIP structures, a CRC-32 mismatch, a damaged deflate
    ///   stream, a size that lies, a member that is not `.npy` or an unsupported compression method, the
    ///   kinds of ``NPY/read(from:)`` for a member's `.npy` content (naming the member), or
    ///   ``FormatError/Kind/io``.
    public static func read(from url: URL) throws(FormatError) -> [(name: String, array: AnyNDArray)] {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        return try decode(source, context: context)
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
        /// Whether the member is deflated (`np.savez_compressed`): ``NPZ/read(from:)`` then holds its
        /// ``compressedSize`` bytes while it inflates them into the array.
        public var isDeflated: Bool
        /// The bytes the member occupies in the archive (its `.npy` header and data, compressed or not).
        public var compressedSize: Int
    }

    /// The headers of an archive's members, in archive order, reading only the ZIP directory and the first
    /// bytes of each member (a few kilobytes, whatever the archive's size): what a caller needs to estimate
    /// memory before loading, or to check that an existing output is complete.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` would for a damaged directory or `.npy` header.
    public static func headers(from url: URL) throws(FormatError) -> [MemberHeader] {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        return try ZIPReader.members(of: source, context: context).map { (member) throws(FormatError) -> MemberHeader in
            var memberContext = context
            memberContext.member = member.name
            guard member.name.hasSuffix(".npy") else {
                throw memberContext.error(.corruptArchive, "is not a .npy array; Nabla reads only .npy members")
            }
            let compressed = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
            let header = try npyHeader(of: member, compressed, context: memberContext)
            let stored = member.method == 0
            // A lying header may declare up to Int.max bytes: add without trapping.
            let (declared, overflow) = header.dataOffset.addingReportingOverflow(header.byteCount)
            let complete = stored && member.compressedSize == member.uncompressedSize
                && !overflow && member.uncompressedSize == declared
            return MemberHeader(name: String(member.name.dropLast(4)), header: header, isCompleteStored: complete,
                                isDeflated: member.method == 8, compressedSize: member.compressedSize)
        }
    }

    /// Checks an archive completely without loading its arrays: the ZIP directory, every member's local
    /// header (agreeing with the directory), its `.npy` header and sizes, and the CRC-32 of every member's
    /// data (a deflated member is inflated to count its bytes). Reads the file in chunks of a few MiB, so
    /// memory stays small whatever the archive's size; what passes here is what ``read(from:)`` reads.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` would for the first problem found: a damaged directory
    ///   or local header, a CRC-32 mismatch, a size that lies, a damaged deflate stream, a member that is
    ///   not `.npy`, two members of one name.
    public static func verify(from url: URL) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        var seen = Set<String>()
        for member in try ZIPReader.members(of: source, context: context) {
            var memberContext = context
            memberContext.member = member.name
            guard member.name.hasSuffix(".npy") else {
                throw memberContext.error(.corruptArchive, "is not a .npy array; Nabla reads only .npy members")
            }
            guard seen.insert(member.name).inserted else {
                throw memberContext.error(.corruptArchive, "the archive holds two members named '\(member.name)'")
            }
            try ZIPReader.checkLocalHeader(member, in: source, context: memberContext)
            let compressed = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
            _ = try checkedNPYHeader(of: member, compressed, context: memberContext)
            let crc: UInt32
            if member.method == 0 {
                crc = try CRC32.checksum(of: compressed)
            } else {
                var running: UInt32 = 0
                let produced = try Deflate.inflateAll(compressed, limit: member.uncompressedSize, context: memberContext) {
                    running = CRC32.checksum($0, continuing: running)
                }
                guard produced == member.uncompressedSize else {
                    throw memberContext.error(.corruptArchive,
                        "inflates to \(produced) bytes but the archive declares \(member.uncompressedSize)")
                }
                crc = running
            }
            try checkCRC(crc, member, memberContext)
        }
    }

    /// The members of an `.npz` archive held in memory. `name` labels error messages.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` does (never ``FormatError/Kind/io``).
    public static func read(data: Data, name: String = "<data>") throws(FormatError) -> [(name: String, array: AnyNDArray)] {
        try decode(DataSource(data: data), context: ErrorContext(file: name))
    }

    /// Writes arrays to an `.npz` archive atomically, each as member `<name>.npy`, in the given order.
    ///
    /// - Parameters:
    ///   - arrays: member names (without `.npy`) and arrays, in archive order.
    ///   - url: the archive to create or replace.
    ///   - compressed: deflate the members (`np.savez_compressed`); by default they are stored
    ///     uncompressed like `np.savez`.
    /// Stored members are written straight from the arrays' storage; deflated members are compressed one
    /// at a time in memory (libdeflate, level 6) and written as soon as each is ready.
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/invalidName`` for an empty, duplicate or unsafe
    ///   name (see ``validateName(_:)``), or of kind ``FormatError/Kind/io``. Nothing is left at `url`
    ///   (an existing file stays as it was) unless the whole archive was written.
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
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            if compressed {
                try ZIPWriter.writeDeflated(arrays, to: writer, context: context)
            } else {
                try ZIPWriter.write(arrays, to: writer)
            }
        }
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

    // MARK: Reading

    static func decode(_ source: some ByteSource, context: ErrorContext) throws(FormatError) -> [(name: String, array: AnyNDArray)] {
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
                                     context: ErrorContext) throws(FormatError) -> AnyNDArray {
        let compressed = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
        if member.method == 8 {
            // Deflate cannot expand data by more than 1032:1 (a 258-byte match per ~2 bits).
            let (product, o1) = member.compressedSize.multipliedReportingOverflow(by: 1032)
            let (limit, o2) = product.addingReportingOverflow(1024)
            guard o1 || o2 || member.uncompressedSize <= limit else {
                throw context.error(.corruptArchive,
                    "declares \(member.uncompressedSize) bytes uncompressed from \(member.compressedSize) compressed bytes, "
                    + "more than deflate can produce")
            }
            guard UInt64(member.uncompressedSize) <= ProcessInfo.processInfo.physicalMemory else {
                throw context.error(.sizeMismatch,
                    "declares \(member.uncompressedSize) bytes uncompressed, more than this machine's memory")
            }
        }
        let header = try checkedNPYHeader(of: member, compressed, context: context)
        if member.method == 0 {
            let headerCRC = CRC32.checksum(try compressed.bytes(at: 0, count: header.dataOffset))
            return try NPY.materialize(header, context: context) { (raw) throws(FormatError) in
                try compressed.read(at: header.dataOffset, into: raw)
                try checkCRC(CRC32.checksum(raw.view, continuing: headerCRC), member, context)
            }
        }
        let input = try compressed.bytes(at: 0, count: compressed.size)
        // The whole member (header and data) is inflated into the array's storage in one call; the header
        // bytes in front are dropped afterwards. Pages the stream does not reach are never touched, so a
        // lying size costs address space, not memory.
        return try NPY.materialize(header, context: context, leading: header.dataOffset) { (raw) throws(FormatError) in
            try ByteView.with(input) { (bytes) throws(FormatError) in try Deflate.inflate(bytes, into: raw, context: context) }
            try checkCRC(CRC32.checksum(raw.view), member, context)
        }
    }

    /// The `.npy` header at the start of a member's data (`compressed`): read from a stored member, inflated
    /// from the first bytes of a deflated one.
    private static func npyHeader(of member: ZIPReader.Member, _ compressed: some ByteSource,
                                  context: ErrorContext) throws(FormatError) -> NPYHeader {
        if member.method == 0 {
            return try NPYFormat.readHeader(totalSize: compressed.size, context: context) { (n) throws(FormatError) in
                try compressed.bytes(at: 0, count: n)
            }
        }
        return try NPYFormat.readHeader(totalSize: member.uncompressedSize, context: context) { (n) throws(FormatError) in
            try inflatedPrefix(n, of: compressed, context: context)
        }
    }

    /// ``npyHeader(of:_:context:)`` of a member that ``read(from:)`` and ``verify(from:)`` accept: stored (its
    /// two sizes equal) or deflated, its header's payload fitting the member's uncompressed size.
    private static func checkedNPYHeader(of member: ZIPReader.Member, _ compressed: some ByteSource,
                                         context: ErrorContext) throws(FormatError) -> NPYHeader {
        guard member.method == 0 || member.method == 8 else {
            throw context.error(.corruptArchive,
                "uses ZIP compression method \(member.method); only stored (0) and deflated (8) members are supported")
        }
        guard member.method == 8 || member.uncompressedSize == member.compressedSize else {
            throw context.error(.corruptArchive,
                "stored (uncompressed) member declares \(member.uncompressedSize) bytes but occupies \(member.compressedSize)")
        }
        let header = try npyHeader(of: member, compressed, context: context)
        try NPYFormat.checkPayload(header, available: member.uncompressedSize - header.dataOffset, context: context, noun: "member")
        return header
    }

    /// The first `count` bytes of a deflated member, refusing a member that ends before them.
    static func inflatedPrefix(_ count: Int, of compressed: some ByteSource, context: ErrorContext) throws(FormatError) -> [UInt8] {
        let prefix = try Deflate.inflatePrefix(count, of: compressed, context: context)
        guard prefix.count == count else {
            throw context.error(.sizeMismatch, "inflates to only \(prefix.count) bytes, fewer than the \(count)-byte .npy header")
        }
        return prefix
    }

    private static func checkCRC(_ crc: UInt32, _ member: ZIPReader.Member, _ context: ErrorContext) throws(FormatError) {
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
