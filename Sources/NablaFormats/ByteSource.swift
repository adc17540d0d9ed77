// Byte sources: files read with `pread(2)` and buffers, through the bounds-checked handles of
// `RawBytes.swift` (the file that touches the memory).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

/// Random read access to the bytes of a file or an in-memory buffer.
protocol ByteSource {
    /// The total number of bytes.
    var size: Int { get }
    /// Fills `buffer` with the bytes at `offset..<offset + buffer.count`, which must lie inside `0..<size`.
    func read(at offset: Int, into buffer: MutableBytes) throws(FormatError)
}

extension ByteSource {
    /// The bytes at `offset..<offset + count` as an array (for small reads: headers, ZIP records).
    func bytes(at offset: Int, count: Int) throws(FormatError) -> [UInt8] {
        try MutableBytes.newArray(count: count) { (buffer) throws(FormatError) in try read(at: offset, into: buffer) }
    }
}

/// An in-memory buffer.
struct DataSource: ByteSource {
    let data: Data
    var size: Int { data.count }

    func read(at offset: Int, into buffer: MutableBytes) throws(FormatError) {
        precondition(offset >= 0 && buffer.count <= size - offset, "read outside the buffer")
        guard buffer.count > 0 else { return }
        let start = data.startIndex + offset
        data.copyBytes(to: buffer.raw, from: start..<start + buffer.count)
    }
}

/// A regular file opened read-only; the descriptor is closed when the source is released.
///
/// Reads use `pread(2)` straight into the caller's buffer, so a large array is read with no
/// intermediate copy.
final class FileSource: ByteSource {
    let descriptor: Int32
    let size: Int
    let context: ErrorContext

    /// Opens `url` for reading. The file is opened non-blocking (opening a FIFO would otherwise wait for a
    /// writer forever), checked with `fstat(2)` on the descriptor itself, refused unless it is a regular file,
    /// and only then switched back to blocking reads.
    init(url: URL, context: ErrorContext) throws(FormatError) {
        self.context = context
        let fd = FileSystem.open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw context.error(.io, "cannot open for reading: \(String(cString: strerror(errno)))") }
        do throws(FormatError) {
            size = try Self.checkRegularFile(fd, context: context)
        } catch {
            close(fd)
            throw error
        }
        descriptor = fd
    }

    /// The size of the regular file open as `fd`, after clearing `O_NONBLOCK`; refuses anything else
    /// (a folder, a FIFO, a device, a socket) with an error saying what it is.
    static func checkRegularFile(_ fd: Int32, context: ErrorContext) throws(FormatError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw context.error(.io, "cannot stat: \(String(cString: strerror(errno)))")
        }
        if let what = FileKind.nonRegular(mode: info.st_mode) {
            throw context.error(.io, "is \(what), not a regular file; only regular files can be read")
        }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
            throw context.error(.io, "cannot configure the file for reading: \(String(cString: strerror(errno)))")
        }
        return Int(info.st_size)
    }

    /// The whole file's bytes (for formats read whole, such as CSV text).
    func readAll() throws(FormatError) -> Data {
        try MutableBytes.newData(count: size) { (buffer) throws(FormatError) in try read(at: 0, into: buffer) }
    }

    deinit { close(descriptor) }

    func read(at offset: Int, into buffer: MutableBytes) throws(FormatError) {
        precondition(offset >= 0 && buffer.count <= size - offset, "read outside the file")
        try buffer.pread(descriptor, at: offset, fileSize: size, context: context)
    }
}

/// A window `offset..<offset + size` of another source.
struct SliceSource: ByteSource {
    let base: any ByteSource
    let offset: Int
    let size: Int

    func read(at offset: Int, into buffer: MutableBytes) throws(FormatError) {
        precondition(offset >= 0 && buffer.count <= size - offset, "read outside the slice")
        try base.read(at: self.offset + offset, into: buffer)
    }
}

// MARK: - Writing

extension AtomicFile.Writer {
    /// Writes `bytes` at `offset` (`pwrite(2)`).
    func write(_ bytes: ByteView, at offset: Int) throws(FormatError) {
        try write(bytes.raw, at: offset)
    }
}
