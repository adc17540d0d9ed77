#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that the target name only ever holds a complete file.
///
/// The content goes to a hidden temporary file in the target's directory (`.name.tmp-<random>`, so
/// the final `rename(2)` stays on one file system and is atomic), then renamed over the target. If
/// anything fails, the temporary file is removed and the error is rethrown: a reader of the target sees
/// either the old file or the new one, never a partial file, even if the process is killed at any point.
///
/// Like numpy, it does not force the data to disk by default (`fsync(2)` costs seconds on large files);
/// set the environment variable `NABLA_FSYNC=1` to flush file and directory around the rename, for
/// durability across power failures.
public enum AtomicFile {
    /// Sequential writes to the temporary file, valid only inside the `write(to:_:)` closure.
    public final class Writer {
        let descriptor: Int32
        let context: ErrorContext
        /// The number of bytes written so far.
        public private(set) var bytesWritten = 0

        init(descriptor: Int32, context: ErrorContext) {
            self.descriptor = descriptor
            self.context = context
        }

        /// Appends raw bytes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = systemWrite(descriptor, base + done, min(bytes.count - done, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw context.error(.io, "write failed after \(bytesWritten + done) bytes: \(String(cString: strerror(errno)))")
                }
                done += n
            }
            bytesWritten += done
        }

        /// Appends the bytes of an array.
        public func write(_ bytes: [UInt8]) throws(FormatError) {
            let failure: FormatError? = bytes.withUnsafeBytes { raw in
                do throws(FormatError) { try write(raw) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }

        /// Appends the bytes of a `Data`.
        public func write(_ data: Data) throws(FormatError) {
            let failure: FormatError? = data.withUnsafeBytes { raw in
                do throws(FormatError) { try write(raw) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws(FormatError) {
        try write(to: url) { (writer: Writer) throws(FormatError) in try writer.write(data) }
    }

    /// Creates the temporary file, lets `body` write to it, then flushes it and renames it over `url`.
    ///
    /// The new file has mode `0666` minus the process umask, like a file created by `open(2)`.
    public static func write(to url: URL, _ body: (Writer) throws(FormatError) -> Void) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let (temporary, descriptor) = try createTemporary(for: url, context: context)
        do {
            try body(Writer(descriptor: descriptor, context: context))
        } catch {
            close(descriptor)
            unlinkQuietly(temporary)
            throw error
        }
        try finish(descriptor: descriptor, temporary: temporary, target: url, context: context)
    }

    /// Reserves a temporary name next to `url`, lets `body` create and fill a file at that URL (for
    /// libraries that insist on creating their own file), then flushes it and renames it over `url`.
    static func write(to url: URL, creatingWith body: (URL) throws -> Void) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        // Reserve a fresh name by creating the file, then remove it so that `body` can create it itself.
        let (temporary, descriptor) = try createTemporary(for: url, context: context)
        close(descriptor)
        unlinkQuietly(temporary)
        do {
            try body(temporary)
        } catch {
            unlinkQuietly(temporary)
            if let error = error as? FormatError { throw error }
            throw context.error(.io, "\(error)")
        }
        let fd = temporary.withUnsafeFileSystemRepresentation { path in path.map { open($0, O_RDWR | O_CLOEXEC) } ?? -1 }
        guard fd >= 0 else {
            let message = String(cString: strerror(errno))
            unlinkQuietly(temporary)
            throw context.error(.io, "cannot reopen the temporary file \(temporary.path): \(message)")
        }
        try finish(descriptor: fd, temporary: temporary, target: url, context: context)
    }

    // MARK: Steps

    private static func createTemporary(for url: URL, context: ErrorContext) throws(FormatError) -> (URL, Int32) {
        let directory = url.deletingLastPathComponent()
        let name = url.lastPathComponent
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let temporary = directory.appendingPathComponent(".\(name).tmp-\(suffix)")
            let fd = temporary.withUnsafeFileSystemRepresentation { path in
                path.map { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) } ?? -1
            }
            if fd >= 0 { return (temporary, fd) }
            if errno == EEXIST || errno == EINTR { continue }
            throw context.error(.io, "cannot create a temporary file in \(directory.path): \(String(cString: strerror(errno)))")
        }
        throw context.error(.io, "cannot create a unique temporary file in \(directory.path)")
    }

    /// fsync, close and rename. Always closes `descriptor`; on failure removes the temporary file.
    private static func finish(descriptor: Int32, temporary: URL, target: URL, context: ErrorContext) throws(FormatError) {
        while durable && fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(descriptor)
            unlinkQuietly(temporary)
            throw context.error(.io, "fsync failed: \(message)")
        }
        if close(descriptor) != 0 && errno != EINTR {
            let message = String(cString: strerror(errno))
            unlinkQuietly(temporary)
            throw context.error(.io, "close failed: \(message)")
        }
        let renamed = temporary.withUnsafeFileSystemRepresentation { from in
            target.withUnsafeFileSystemRepresentation { to in
                guard let from, let to else { return Int32(-1) }
                return rename(from, to)
            }
        }
        guard renamed == 0 else {
            let message = String(cString: strerror(errno))
            unlinkQuietly(temporary)
            throw context.error(.io, "cannot rename the temporary file over the target: \(message)")
        }
        // Make the rename itself durable; failure here does not undo a complete file.
        guard durable else { return }
        let dir = target.deletingLastPathComponent().withUnsafeFileSystemRepresentation { path in
            path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1
        }
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    /// Whether to `fsync` (environment variable `NABLA_FSYNC=1`).
    static let durable: Bool = ProcessInfo.processInfo.environment["NABLA_FSYNC"] == "1"


    private static func unlinkQuietly(_ url: URL) {
        _ = url.withUnsafeFileSystemRepresentation { path in path.map { unlink($0) } ?? -1 }
    }
}

/// `write(2)`, named so it cannot be confused with the `write` methods above.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
