import Foundation
import Nabla

/// Where an array's bytes lie in a `.npy` file or in a stored member of a `.npz` archive, found by
/// reading only headers (a few kilobytes, whatever the file's size).
public struct StoredArrayLocation: Sendable, Equatable {
    /// The file.
    public var file: URL
    /// The `.npz` member's name (without `.npy`), or nil for a `.npy` file.
    public var member: String?
    /// The array's `.npy` header.
    public var header: NPYHeader
    /// The offset of the first element from the start of the file.
    public var dataOffset: Int

    /// The `.npy` file's array, or the named stored members of a `.npz` archive (all members, in archive
    /// order, when `members` is nil).
    ///
    /// - Throws: ``FormatError`` for a damaged file, a missing member, or a member that is deflated
    ///   (`np.savez_compressed`): its planes cannot be read one at a time.
    public static func locate(_ url: URL, members: [String]? = nil) throws(FormatError) -> [StoredArrayLocation] {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        if url.pathExtension.lowercased() != "npz" {
            let header = try NPYFormat.readHeader(totalSize: source.size, context: context) { (n) throws(FormatError) in
                try source.bytes(at: 0, count: n)
            }
            try NPYFormat.checkPayload(header, available: source.size - header.dataOffset, context: context)
            return [StoredArrayLocation(file: url, member: nil, header: header, dataOffset: header.dataOffset)]
        }
        let all = try ZIPReader.members(of: source, context: context)
        var result: [StoredArrayLocation] = []
        for name in members ?? all.map({ String($0.name.dropLast(4)) }) {
            var memberContext = context
            memberContext.member = name + ".npy"
            guard let member = all.first(where: { $0.name == name + ".npy" }) else {
                throw context.error(.invalidName, "no array named '\(name)'; the archive holds \(all.map { "'\($0.name.dropLast(4))'" }.joined(separator: ", "))")
            }
            guard member.method == 0, member.compressedSize == member.uncompressedSize else {
                throw memberContext.error(.unsupportedDType, "is compressed (np.savez_compressed); it cannot be read a slab at a time, so it must fit in memory")
            }
            let slice = SliceSource(base: source, offset: member.dataOffset, size: member.compressedSize)
            let header = try NPYFormat.readHeader(totalSize: slice.size, context: memberContext) { (n) throws(FormatError) in
                try slice.bytes(at: 0, count: n)
            }
            try NPYFormat.checkPayload(header, available: slice.size - header.dataOffset, context: memberContext, noun: "member")
            result.append(StoredArrayLocation(file: url, member: name, header: header, dataOffset: member.dataOffset + header.dataOffset))
        }
        return result
    }
}

/// A field (or the components of a vector field) stored uncompressed in `.npy`/`.npz` files, read a few
/// planes at a time with `pread(2)` straight into the slab engine's buffers.
///
/// Elements already of type `Scalar` in native byte order are read in place; other numeric dtypes
/// (integers, another float width, the other byte order) go through a slab-sized scratch buffer and are
/// converted as the in-memory path converts them (integers to `Double`).
public final class StoredArraySource<Scalar: FieldScalar & NPYScalar>: FieldSource {
    private let locations: [StoredArrayLocation]
    private let files: [FileSource]
    public let shape: [Int]
    public var componentCount: Int { locations.count }

    /// A source of the arrays at `locations` (one per component, all of one shape, C order).
    ///
    /// - Throws: ``FormatError`` when the arrays differ in shape, are stored in Fortran order, or have a
    ///   dtype that is not a number.
    public init(_ locations: [StoredArrayLocation]) throws(FormatError) {
        precondition(!locations.isEmpty, "a source needs at least one array")
        let first = locations[0]
        for location in locations {
            let context = ErrorContext(file: location.file.path, member: location.member.map { $0 + ".npy" })
            if location.header.shape != first.header.shape {
                throw context.error(.invalidShape, "has shape \(location.header.shape), but the first component has \(first.header.shape); the components of a vector field share one shape")
            }
            if location.header.fortranOrder && location.header.shape.count > 1 {
                throw context.error(.unsupportedDType, "is stored in Fortran order; it cannot be read a slab at a time, so it must fit in memory")
            }
            if location.header.dtype.isComplex {
                throw context.error(.unsupportedDType, "holds \(location.header.dtype.name) values; the slab engine differentiates real fields (complex fields are differentiated in memory)")
            }
            if location.header.dtype == .bool {
                throw context.error(.unsupportedDType, "holds booleans, which cannot be differentiated; convert the data to a number type")
            }
        }
        var files: [FileSource] = []
        for location in locations {
            files.append(try FileSource(url: location.file, context: ErrorContext(file: location.file.path)))
        }
        self.locations = locations
        self.files = files
        shape = first.header.shape
    }

    public func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Scalar>) throws {
        let location = locations[component]
        let header = location.header
        let planeElements = shape.dropFirst().reduce(1, *)
        let itemSize = header.dtype.itemSize
        let direct = header.dtype == Scalar.dtype && (header.byteOrder == .native || itemSize == 1)
        var at = 0  // elements filled
        for run in runs {
            let count = run.count * planeElements
            let offset = location.dataOffset + run.lowerBound * planeElements * itemSize
            if direct {
                try buffer.withMutableElementBytes(at..<at + count) { (bytes) throws(FormatError) in
                    try files[component].read(at: offset, into: bytes)
                }
            } else {
                let chunk = NPYHeader(version: header.version, dtype: header.dtype, byteOrder: header.byteOrder,
                                      fortranOrder: false, shape: [count], count: count, byteCount: count * itemSize,
                                      dataOffset: 0)
                let values = try NPY.materialize(chunk, context: ErrorContext(file: location.file.path)) { (bytes) throws(FormatError) in
                    try files[component].read(at: offset, into: bytes)
                }
                // Integers become Double (the tool computes them in Double), other widths convert by value.
                buffer.replaceElements(at..<at + count, with: values.asDouble().scalars.lazy.map { Scalar($0) })
            }
            at += count
        }
    }
}

/// Results written by the slab engine straight into their place in a `.npy` file (one result) or a stored
/// `.npz` archive (one member per result), as `np.save`/`np.savez` lay them out: the headers are written
/// first, each slab's planes with one `pwrite(2)` from the engine's buffer at their final offset, the
/// CRC-32 of each member accumulated slab by slab; ``finish()`` patches the CRCs and writes the central
/// directory. Use it inside `AtomicFile.write(to:_:)`, so the file appears only when complete.
public final class StoredArraySink<Scalar: FieldScalar & NPYScalar>: FieldSink {
    private let writer: AtomicFile.Writer
    private let names: [String]?
    private let shape: [Int]
    private let headers: [[UInt8]]
    private var members: [ZIPWriter.Member] = []
    private var dataOffsets: [Int] = []
    private var crcs: [UInt32] = []
    private var centralDirectoryOffset = 0
    private let timestamp = ZIPWriter.DOSTimestamp.now

    /// A sink writing through `writer` (an empty temporary file): a `.npy` file when `names` is nil
    /// (exactly one result), else a `.npz` archive with one member per name, each of `shape`.
    package init(writer: AtomicFile.Writer, names: [String]?, shape: [Int]) throws(FormatError) {
        self.writer = writer
        self.names = names
        self.shape = shape
        let header = NPYFormat.headerBytes(dtype: Scalar.dtype, shape: shape)
        let byteCount = shape.reduce(Scalar.dtype.itemSize, *)
        headers = Array(repeating: header, count: names?.count ?? 1)
        if let names {
            var offset = 0
            for (name, header) in zip(names, headers) {
                let size = header.count + byteCount
                let member = ZIPWriter.Member(name: name, compressedSize: size, uncompressedSize: size, offset: offset)
                members.append(member)
                dataOffsets.append(offset + member.localHeaderSize + header.count)
                offset += member.localHeaderSize + size
            }
            centralDirectoryOffset = offset
            let directory = ZIPWriter.centralDirectory(members, offset: offset, forceZip64: false, timestamp: timestamp)
            writer.preallocate(offset + directory.count)
            for (member, header) in zip(members, headers) {
                try ByteView.with(ZIPWriter.localHeader(member, timestamp: timestamp) + header) { (bytes) throws(FormatError) in
                    try writer.write(bytes, at: member.offset)
                }
            }
            crcs = headers.map { CRC32.checksum($0) }
        } else {
            writer.preallocate(header.count + byteCount)
            try ByteView.with(header) { (bytes) throws(FormatError) in try writer.write(bytes, at: 0) }
            dataOffsets = [header.count]
        }
    }

    public func write(result: Int, planes: Range<Int>, from buffer: NDArray<Scalar>, bufferPlane: Int) throws {
        let planeElements = shape.dropFirst().reduce(1, *)
        let itemSize = Scalar.dtype.itemSize
        let elements = (bufferPlane * planeElements)..<((bufferPlane + planes.count) * planeElements)
        let offset = dataOffsets[result] + planes.lowerBound * planeElements * itemSize
        try buffer.withElementBytes(elements) { (bytes) throws(FormatError) in
            guard names != nil else { return try writer.write(bytes, at: offset) }
            guard bytes.count >= Self.concurrentChecksumBytes else {
                try writer.write(bytes, at: offset)
                crcs[result] = CRC32.checksum(bytes, continuing: crcs[result])
                return
            }
            // A large slab's CRC-32 is computed on another core while `pwrite` copies the same bytes: the
            // writer is the slab engine's critical path when the computation is fast.
            let work = ConcurrentWrite(writer: writer, bytes: bytes, crc: Locked(crcs[result]), failure: Locked(nil))
            DispatchQueue.concurrentPerform(iterations: 2) { task in
                if task == 0 {
                    do throws(FormatError) { try work.writer.write(work.bytes, at: offset) } catch { work.failure.withLock { $0 = error } }
                } else {
                    work.crc.withLock { $0 = CRC32.checksum(work.bytes, continuing: $0) }
                }
            }
            if let failure = work.failure.withLock({ $0 }) { throw failure }
            crcs[result] = work.crc.withLock { $0 }
        }
    }

    /// Slabs at least this large (per result) are checksummed on another core while they are written;
    /// smaller ones (a batch of small files keeps every core busy already) on the writing thread.
    static var concurrentChecksumBytes: Int { 4 << 20 }

    /// What the two tasks of a concurrent write share: the writer and the bytes are used only until
    /// `concurrentPerform` returns, inside the closure that lent the bytes, and the writer's one
    /// `pwrite` is the only call made on it meanwhile.
    private struct ConcurrentWrite: @unchecked Sendable {
        let writer: AtomicFile.Writer
        let bytes: ByteView
        let crc: Locked<UInt32>
        let failure: Locked<FormatError?>
    }

    /// Completes the file: the CRC-32 of every member in its local header, then the central directory.
    package func finish() throws(FormatError) {
        guard names != nil else { return }
        for k in members.indices {
            members[k].crc = crcs[k]
            var crc: [UInt8] = []
            crc.le32(crcs[k])
            try writer.overwrite(crc, at: members[k].offset + 14)
        }
        let directory = ZIPWriter.centralDirectory(members, offset: centralDirectoryOffset, forceZip64: false, timestamp: timestamp)
        try ByteView.with(directory) { (bytes) throws(FormatError) in try writer.write(bytes, at: centralDirectoryOffset) }
    }
}
