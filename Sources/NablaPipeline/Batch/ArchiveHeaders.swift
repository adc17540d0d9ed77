#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NablaFormats

/// The array headers of a `.npy` file or `.npz` archive, read without reading any array data: what a batch
/// needs to estimate a file's memory before loading it, and to check an existing output for `--resume`.
///
/// For an archive this reads the end-of-central-directory record (ZIP64 included), the central directory,
/// and for each member its local header and the first bytes of its `.npy` header — a few kilobytes
/// whatever the archive's size.
///
/// NablaFormats' own ZIP reader and `.npy` header parser are internal; if NablaFormats publishes
/// `NPZ.headers(from:)`, this file reduces to a call to it.
struct ArchiveHeaders {
    /// One array: its name (file stem for `.npy`, member name without `.npy` for `.npz`), dtype and shape.
    struct Entry: Equatable {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// Whether the member is stored (not deflated) with exactly the bytes its header declares.
        var complete: Bool
        /// The bytes the array occupies in memory once read.
        var byteCount: Int { shape.reduce(1, *) * dtype.itemSize }
    }

    var entries: [Entry]

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The header of a `.npy` file (checked by NablaFormats, payload size included).
    static func npy(_ url: URL) throws(PipelineError) -> ArchiveHeaders {
        do {
            let header = try NPY.readHeader(from: url)
            return ArchiveHeaders(entries: [Entry(name: url.deletingPathExtension().lastPathComponent, dtype: header.dtype,
                                                  shape: header.shape, complete: true)])
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }

    /// The member headers of an `.npz` archive, in archive order.
    static func npz(_ url: URL) throws(PipelineError) -> ArchiveHeaders {
        do {
            let file = try ReadOnlyFile(url)
            defer { file.close() }
            var entries: [Entry] = []
            for member in try centralDirectory(file) {
                guard member.name.hasSuffix(".npy") else { continue }
                let name = String(member.name.dropLast(4))
                // The member's first bytes are a .npy header (stored), or deflated (header unreadable cheaply).
                if member.method != 0 {
                    entries.append(Entry(name: name, dtype: .float64, shape: [member.uncompressedSize / 8], complete: false))
                    continue
                }
                let prefix = try file.bytes(at: member.dataOffset, count: min(member.compressedSize, 4096))
                let (dtype, shape, dataOffset) = try parseNPYHeader(prefix, member: name)
                let expected = dataOffset + shape.reduce(1, *) * dtype.itemSize
                entries.append(Entry(name: name, dtype: dtype, shape: shape,
                                     complete: member.compressedSize == member.uncompressedSize && member.uncompressedSize == expected))
            }
            return ArchiveHeaders(entries: entries)
        } catch let error as Failure {
            throw PipelineError("\(url.path): \(error.description)")
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }

    // MARK: ZIP

    struct Member { var name: String; var method: UInt16; var compressedSize: Int; var uncompressedSize: Int; var dataOffset: Int }

    static func centralDirectory(_ file: ReadOnlyFile) throws -> [Member] {
        let size = file.size
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try file.bytes(at: size - tailLength, count: tailLength)
        var eocd = tailLength - 22
        while eocd >= 0 && !(tail[eocd] == 0x50 && tail[eocd + 1] == 0x4B && tail[eocd + 2] == 0x05 && tail[eocd + 3] == 0x06) {
            eocd -= 1
        }
        guard eocd >= 0 else { throw Failure("not a ZIP archive (no end-of-central-directory record: truncated or another format)") }
        let eocdOffset = size - tailLength + eocd
        var count = Int(le16(tail, eocd + 10)), cdSize = Int(le32(tail, eocd + 12)), cdOffset = Int(le32(tail, eocd + 16))
        if eocdOffset >= 20 {
            let locator = try file.bytes(at: eocdOffset - 20, count: 20)
            if locator.starts(with: [0x50, 0x4B, 0x06, 0x07]) {
                guard let recordOffset = Int(exactly: le64(locator, 8)), recordOffset >= 0, recordOffset <= eocdOffset - 76 else {
                    throw Failure("the ZIP64 locator points outside the file")
                }
                let record = try file.bytes(at: recordOffset, count: 56)
                guard record.starts(with: [0x50, 0x4B, 0x06, 0x06]), let n = Int(exactly: le64(record, 32)),
                      let s = Int(exactly: le64(record, 40)), let o = Int(exactly: le64(record, 48)) else {
                    throw Failure("the ZIP64 end-of-central-directory record is damaged")
                }
                (count, cdSize, cdOffset) = (n, s, o)
            }
        }
        guard cdSize <= 64 << 20, cdOffset >= 0, cdOffset <= eocdOffset, cdSize <= eocdOffset - cdOffset, count <= cdSize / 46 else {
            throw Failure("the central directory lies outside the file")
        }
        let cd = try file.bytes(at: cdOffset, count: cdSize)
        var members: [Member] = []
        var q = 0
        for index in 0..<count {
            guard q + 46 <= cd.count, cd[q] == 0x50, cd[q + 1] == 0x4B, cd[q + 2] == 0x01, cd[q + 3] == 0x02 else {
                throw Failure("central directory entry \(index) is damaged")
            }
            let method = le16(cd, q + 10)
            var compressed = UInt64(le32(cd, q + 20)), uncompressed = UInt64(le32(cd, q + 24))
            let nameLength = Int(le16(cd, q + 28)), extraLength = Int(le16(cd, q + 30)), commentLength = Int(le16(cd, q + 32))
            var local = UInt64(le32(cd, q + 42))
            let next = q + 46 + nameLength + extraLength + commentLength
            guard next <= cd.count else { throw Failure("central directory entry \(index) runs past the directory") }
            let name = String(decoding: cd[(q + 46)..<(q + 46 + nameLength)], as: UTF8.self)
            var e = q + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = le16(cd, e), length = Int(le16(cd, e + 2))
                var f = e + 4
                guard f + length <= extraEnd else { break }
                if id == 0x0001 {
                    func take() -> UInt64? { guard f + 8 <= e + 4 + length else { return nil }; defer { f += 8 }; return le64(cd, f) }
                    if uncompressed == 0xFFFF_FFFF, let v = take() { uncompressed = v }
                    if compressed == 0xFFFF_FFFF, let v = take() { compressed = v }
                    if local == 0xFFFF_FFFF, let v = take() { local = v }
                }
                e += 4 + length
            }
            guard let c = Int(exactly: compressed), let u = Int(exactly: uncompressed), let l = Int(exactly: local), l <= size - 30 else {
                throw Failure("member '\(name)' lies outside the file")
            }
            let header = try file.bytes(at: l, count: 30)
            guard header.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw Failure("member '\(name)' has no local header") }
            let dataOffset = l + 30 + Int(le16(header, 26)) + Int(le16(header, 28))
            guard dataOffset <= size, c <= size - dataOffset else {
                throw Failure("member '\(name)' runs past the end of the file (truncated)")
            }
            members.append(Member(name: name, method: method, compressedSize: c, uncompressedSize: u, dataOffset: dataOffset))
            q = next
        }
        return members
    }

    // MARK: .npy header text

    /// Parses the start of a `.npy` image: dtype, shape and where the data begins. Fortran order is accepted
    /// (same size); anything else unreadable is an error.
    static func parseNPYHeader(_ b: [UInt8], member: String) throws -> (DType, [Int], Int) {
        guard b.count >= 10, b.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {
            throw Failure("member '\(member)' is not a .npy array")
        }
        let lengthSize = b[6] == 1 ? 2 : 4
        guard b.count >= 8 + lengthSize else { throw Failure("member '\(member)' has a short header") }
        let length = lengthSize == 2 ? Int(le16(b, 8)) : Int(le32(b, 8))
        let start = 8 + lengthSize
        guard start + length <= b.count else { throw Failure("member '\(member)' has a header longer than 4 KiB") }
        let text = String(decoding: b[start..<(start + length)], as: UTF8.self)
        guard let descr = text.range(of: "'descr': '").map({ text[$0.upperBound...].prefix(while: { $0 != "'" }) }),
              let shapeText = text.range(of: "'shape': (").map({ text[$0.upperBound...].prefix(while: { $0 != ")" }) }) else {
            throw Failure("member '\(member)' has an unreadable .npy header")
        }
        let dtype: DType
        do { dtype = try DType.parse(descr: String(descr)).dtype } catch { throw Failure("member '\(member)': \(error.message)") }
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let digits = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            guard let n = Int(digits), n >= 0 else { throw Failure("member '\(member)' has an unreadable shape (\(shapeText))") }
            shape.append(n)
        }
        return (dtype, shape, start + length)
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}

/// A file opened for `pread(2)`; the caller closes it.
struct ReadOnlyFile {
    let descriptor: Int32
    let size: Int

    init(_ url: URL) throws(ArchiveHeaders.Failure) {
        let fd = url.withUnsafeFileSystemRepresentation { path in path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1 }
        guard fd >= 0 else { throw ArchiveHeaders.Failure("cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            closeDescriptor(fd)
            throw ArchiveHeaders.Failure("cannot stat: \(message)")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    func close() { closeDescriptor(descriptor) }

    /// Exactly `count` bytes at `offset`, or an error if the file is shorter.
    func bytes(at offset: Int, count: Int) throws(ArchiveHeaders.Failure) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size - count else { throw ArchiveHeaders.Failure("truncated: \(size) bytes") }
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = result.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ArchiveHeaders.Failure("read failed: \(n < 0 ? String(cString: strerror(errno)) : "unexpected end of file")") }
            done += n
        }
        return result
    }
}

/// `close(2)`, named so it cannot be confused with ``ReadOnlyFile/close()``.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
