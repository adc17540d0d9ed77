// Paths meet the kernel here. No raw pointers: C functions get paths as `[CChar]` arrays, `readdir`'s
// fixed-size name is copied out with `memcpy`, and argv's bytes come from `/proc/self/cmdline`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where paths meet the file system: the package's one way to turn a path `String` into the bytes the
/// kernel sees, and back. Every `open`, `stat`, `rename`, `unlink`, `mkdir`, directory listing and every
/// path handed to a C library (libhdf5, libnetcdf, FFTW, MPI-IO) goes through ``cString(_:)``.
///
/// ## Names that are not UTF-8
/// A Linux file name is any sequence of bytes but `/` and NUL; a Swift `String` holds Unicode only, and
/// `CommandLine.arguments`, `FileManager` and `URL(fileURLWithFileSystemRepresentation:)` replace bytes that
/// are not UTF-8 with U+FFFD, so `in\xFF.npy` would silently become another name. Nabla instead decodes
/// every name it receives (the command line's arguments, directory entries, the working directory) with a
/// reversible codec, in the manner of Python's `surrogateescape`:
///
/// - each byte of a name that is not part of a valid UTF-8 sequence becomes the private-use scalar
///   `U+10FE00 + byte` (`U+10FE80`…`U+10FEFF`), and so do the bytes of a valid sequence that encodes one
///   of those 128 scalars (so that decoding stays one-to-one);
/// - every other scalar is itself.
///
/// ``encode(_:)`` maps each of the 128 scalars back to its byte and everything else to its UTF-8, so
/// `encode(decode(bytes)) == bytes` for every name, and encoding commutes with concatenation: a path built
/// from decoded pieces (`OUTDIR + "/" + stem + ".npz"`) encodes to the concatenation of their bytes. Paths
/// therefore stay `String`s (and `URL`s, whose `path` keeps every scalar) through the whole tool, and name
/// exactly the bytes the user gave. Valid UTF-8 names are unchanged: the codec only matters for the others.
///
/// Messages show such names with ``displayed(_:)``: each undecodable byte as `\xFF`.
///
/// ## Identity
/// Two paths name the same file when their *bytes* are equal, not their `String`s (Swift compares strings
/// by canonical equivalence, so `é` and `e\u{301}` are equal strings but different file names): compare
/// ``encode(_:)``, or better device and inode.
package enum FileSystem {
    /// The scalar standing for byte `b` (0x80…0xFF) is `escapeBase + b`.
    static let escapeBase: UInt32 = 0x10FE00

    // MARK: The codec

    /// The `String` for a file name's bytes: valid UTF-8 as itself, every other byte (and the bytes of
    /// the reserved scalars `U+10FE80`…`U+10FEFF`) as its private-use scalar. Total and one-to-one; the
    /// inverse of ``encode(_:)``. Complexity: O(n).
    package static func decode(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        // Fast path: valid UTF-8 without the reserved scalars (their lead byte is 0xF4).
        if !b.contains(0xF4), let text = String(validating: b, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            if let (scalar, length) = scalarAt(i, in: b), !isEscape(scalar) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(b[i]))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The bytes a path names: each reserved scalar as its byte, everything else as UTF-8. Complexity: O(n).
    package static func encode(_ path: String) -> [UInt8] {
        guard path.utf8.contains(0xF4) else { return Array(path.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if isEscape(scalar) {
                bytes.append(UInt8(scalar.value - escapeBase))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }

    /// The NUL-terminated bytes of `path` for a C function (`open(FileSystem.cString(path), …)`, `H5Fopen`,
    /// `nc_open`). A path containing NUL cannot be a file name: it becomes the empty string, which names
    /// no file (the call fails with `ENOENT`), never a shorter name.
    package static func cString(_ path: String) -> [CChar] {
        let bytes = encode(path)
        if bytes.contains(0) { return [0] }
        return bytes.map { CChar(bitPattern: $0) } + [0]
    }

    /// Whether `path` holds bytes that are not UTF-8 (decoded as reserved scalars).
    package static func hasUndecodableBytes(_ path: String) -> Bool {
        path.unicodeScalars.contains(where: isEscape)
    }

    /// `text` (a message, a log entry) for people: each byte that is not UTF-8 as `\xHH` (upper-case hex)
    /// and other control characters but the newline as `\xHH`, so that a name shows unambiguously, never as
    /// U+FFFD and never breaking a line. In a text that shows such an escape (or that holds a literal
    /// `\x` and two hex digits), every backslash of its own is doubled, so `\xFF` always means a byte;
    /// texts without either are returned unchanged.
    package static func displayed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let needsEscapes = scalars.contains { isEscape($0) || isControl($0) } || containsLiteralEscape(text)
        guard needsEscapes else { return text }
        var shown = ""
        shown.reserveCapacity(text.utf8.count)
        for scalar in scalars {
            if isEscape(scalar) {
                shown += hexEscape(UInt8(scalar.value - escapeBase))
            } else if isControl(scalar) {
                shown += hexEscape(UInt8(scalar.value))
            } else if scalar == "\\" {
                shown += "\\\\"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    private static func isEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= escapeBase + 0x80 && scalar.value <= escapeBase + 0xFF
    }

    /// C0 controls but the newline (which messages turn into spaces themselves), and DEL.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n") || scalar.value == 0x7F
    }

    private static func hexEscape(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }

    /// Whether `text` holds `\x` followed by two hex digits.
    private static func containsLiteralEscape(_ text: String) -> Bool {
        let u = Array(text.utf8)
        func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }
        var i = 0
        while i + 3 < u.count {
            if u[i] == 92, u[i + 1] == 120, isHex(u[i + 2]), isHex(u[i + 3]) { return true }
            i += 1
        }
        return false
    }

    /// The scalar encoded at `b[i...]` and its length in bytes, or nil if the bytes there are not valid
    /// UTF-8 (overlong forms, surrogates and values above U+10FFFF are invalid).
    private static func scalarAt(_ i: Int, in b: [UInt8]) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int, lowest: UInt8, highest: UInt8
        switch lead {
        case 0xC2...0xDF: (length, lowest, highest) = (2, 0x80, 0xBF)
        case 0xE0: (length, lowest, highest) = (3, 0xA0, 0xBF)
        case 0xED: (length, lowest, highest) = (3, 0x80, 0x9F)
        case 0xE1...0xEF: (length, lowest, highest) = (3, 0x80, 0xBF)
        case 0xF0: (length, lowest, highest) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, lowest, highest) = (4, 0x80, 0xBF)
        case 0xF4: (length, lowest, highest) = (4, 0x80, 0x8F)
        default: return nil
        }
        guard i + length <= b.count, (lowest...highest).contains(b[i + 1]) else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        value = value << 6 | UInt32(b[i + 1] & 0x3F)
        for k in 2..<length {
            guard (0x80...0xBF).contains(b[i + k]) else { return nil }
            value = value << 6 | UInt32(b[i + k] & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }

    // MARK: Where names come in

    /// The command line's arguments after the program name, decoded byte for byte (`CommandLine.arguments`
    /// replaces bytes that are not UTF-8). On Linux they are read from `/proc/self/cmdline`, the kernel's
    /// copy of `argv`; if that is unavailable or disagrees with `CommandLine.arguments` on any valid UTF-8
    /// argument, `CommandLine.arguments` is used as it is.
    package static func commandLineArguments() -> [String] {
        let fallback = Array(CommandLine.arguments.dropFirst())
        #if os(Linux)
        guard let bytes = try? contents(of: "/proc/self/cmdline") else { return fallback }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        guard parts.count == CommandLine.arguments.count else { return fallback }
        for (part, argument) in zip(parts, CommandLine.arguments) where String(decoding: part, as: UTF8.self) != argument {
            return fallback
        }
        return parts.dropFirst().map { decode($0) }
        #else
        return fallback
        #endif
    }

    /// The entries of the folder `path` (without `.` and `..`), decoded, in the order the file system
    /// lists them. Throws ``Failure`` when the folder cannot be opened or read.
    package static func entries(ofFolder path: String) throws(Failure) -> [String] {
        guard let folder = opendir(cString(path)) else { throw Failure() }
        defer { closedir(folder) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(folder) {
            // `d_name` is a fixed C array (a tuple in Swift): copy its bytes, keep those before the NUL.
            var field = entry.pointee.d_name
            var bytes = [UInt8](repeating: 0, count: MemoryLayout.size(ofValue: field))
            memcpy(&bytes, &field, bytes.count)
            if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
            if bytes != [46] && bytes != [46, 46] { names.append(decode(bytes)) }
            errno = 0
        }
        if errno != 0 { throw Failure() }
        return names
    }

    /// The working directory, decoded; nil if it cannot be determined (removed, or too long).
    package static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return decode(buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
    }

    /// A file URL for a path given by the user: absolute ones as they are, relative ones against the
    /// (decoded) working directory, never touching the file system (`URL(fileURLWithPath:)` would stat a
    /// lossy copy of the name, and resolve a relative path against a lossy working directory). A trailing
    /// `/` makes a folder's URL (``URL/hasDirectoryPath``), as does `isDirectory`.
    package static func fileURL(_ path: String, isDirectory: Bool = false) -> URL {
        let isDirectory = isDirectory || path.hasSuffix("/")
        guard !path.hasPrefix("/"), let directory = currentDirectory() else {
            return URL(fileURLWithPath: path, isDirectory: isDirectory)
        }
        return URL(fileURLWithPath: path, isDirectory: isDirectory, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
    }

    // MARK: Calls

    /// `open(2)`; returns the descriptor, or -1 with `errno` set.
    package static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        systemOpen(cString(path), flags, mode)
    }

    /// `stat(2)` (`lstat(2)` when `followingLinks` is false), or nil with `errno` set.
    package static func status(_ path: String, followingLinks: Bool = true) -> stat? {
        var info = stat()
        let name = cString(path)
        return (followingLinks ? stat(name, &info) : lstat(name, &info)) == 0 ? info : nil
    }

    /// What `path` names, following links: `.none` when nothing does.
    package static func kind(_ path: String) -> Kind {
        guard let info = status(path) else { return .none }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .regularFile
        default: return .other
        }
    }

    /// What a path names (links followed).
    package enum Kind: Sendable { case none, regularFile, folder, other }

    /// When `path` (links followed) was last modified, as (seconds, nanoseconds) since the epoch, comparable
    /// with `<`; nil when it cannot be read.
    package static func modificationTime(_ path: String) -> (seconds: Int, nanoseconds: Int)? {
        guard let info = status(path) else { return nil }
        #if canImport(Darwin)
        return (Int(info.st_mtimespec.tv_sec), Int(info.st_mtimespec.tv_nsec))
        #else
        return (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec))
        #endif
    }

    /// Whether `path` is a symbolic link (not followed).
    package static func isSymbolicLink(_ path: String) -> Bool {
        status(path, followingLinks: false).map { $0.st_mode & S_IFMT == S_IFLNK } ?? false
    }

    /// Whether this process may read `path` (`access(2)` with `R_OK`).
    package static func isReadable(_ path: String) -> Bool { access(cString(path), R_OK) == 0 }

    /// `rename(2)`: atomic within one file system. Throws ``Failure`` (with `errno`'s reason).
    package static func rename(_ source: String, to target: String) throws(Failure) {
        guard systemRename(cString(source), cString(target)) == 0 else { throw Failure() }
    }

    /// `unlink(2)`; true if the name was removed.
    @discardableResult
    package static func unlink(_ path: String) -> Bool { systemUnlink(cString(path)) == 0 }

    /// `rmdir(2)`; true if the (empty) folder was removed.
    @discardableResult
    package static func removeFolder(_ path: String) -> Bool { rmdir(cString(path)) == 0 }

    /// `chmod(2)`; true on success.
    @discardableResult
    package static func setMode(_ path: String, _ mode: mode_t) -> Bool { chmod(cString(path), mode) == 0 }

    /// Creates the folder `path` and any missing parents (mode 0777 minus the umask); an existing folder
    /// is fine. Returns the folders it created, outermost first. Throws ``Failure`` naming the folder that
    /// could not be created when one cannot, or when a parent exists and is not a folder.
    @discardableResult
    package static func createFolder(_ path: String) throws(Failure) -> [String] {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", kind(current) == .none {
            missing.insert(current, at: 0)
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current { break }
            current = parent
        }
        if !current.isEmpty, kind(current) != .folder, kind(current) != .none {
            throw Failure(code: ENOTDIR, path: current)
        }
        var created: [String] = []
        for folder in missing {
            if mkdir(cString(folder), 0o777) != 0 {
                let code = errno
                if code == EEXIST, kind(folder) == .folder { continue }
                throw Failure(code: code, path: folder)
            }
            created.append(folder)
        }
        return created
    }

    /// The absolute, physical form of `path`: `realpath(3)` of it, or, for a path that does not exist
    /// (yet), of its longest existing ancestor with the rest appended (after removing `.` and `..`
    /// lexically from that rest). Relative paths are taken from the working directory.
    package static func resolved(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/"), let directory = currentDirectory() { absolute = directory + "/" + path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if realpath(cString(absolute), &buffer) != nil {
            return decode(buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
        }
        // Lexically normalised components; then resolve the longest prefix that exists.
        var components: [String] = []
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { _ = components.popLast(); continue }
            components.append(String(component))
        }
        var tail: [String] = []
        while !components.isEmpty {
            let prefix = "/" + components.joined(separator: "/")
            if realpath(cString(prefix), &buffer) != nil {
                let base = decode(buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
                return ([base == "/" ? "" : base] + tail).joined(separator: "/")
            }
            tail.insert(components.removeLast(), at: 0)
        }
        return "/" + tail.joined(separator: "/")
    }

    /// The whole contents of the regular file `path` (small files: wisdom, `/proc` entries). Opened
    /// non-blocking, so a FIFO is never waited on.
    package static func contents(of path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Failure(path: path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path)
            }
            if n == 0 { return result }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// Copies the bytes of the file `source` (links followed) to a new file `target` (which must not
    /// exist) with permissions `mode`. Throws ``Failure`` naming the file at fault; a partial `target` is
    /// removed.
    package static func copyFile(_ source: String, to target: String, mode: mode_t) throws(Failure) {
        let input = open(source, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard input >= 0 else { throw Failure(path: source) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard output >= 0 else { throw Failure(path: target) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: Failure?
        copying: while true {
            let n = read(input, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                failure = Failure(path: source)
                break
            }
            if n == 0 { break }
            var done = 0
            while done < n {
                // A short write (rare) continues from a copy of the rest.
                let written = done == 0 ? write(output, buffer, n) : write(output, Array(buffer[done..<n]), n - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(path: target)
                    break copying
                }
                done += written
            }
        }
        if close(output) != 0, failure == nil { failure = Failure(path: target) }
        if let failure {
            unlink(target)
            throw failure
        }
    }

    /// A failed call: `errno` and, when known, the path it failed on.
    package struct Failure: Error, CustomStringConvertible, Sendable {
        /// The `errno` value.
        package var code: Int32
        /// The path the call failed on, when it matters for the message (a parent folder, say).
        package var path: String?
        /// `errno` as it is now.
        package init(code: Int32 = errno, path: String? = nil) {
            self.code = code
            self.path = path
        }
        /// The system's text for ``code``: "No such file or directory".
        package var reason: String { String(cString: strerror(code)) }
        package var description: String { path.map { "\($0): \(reason)" } ?? reason }
    }
}

// The C functions under names that the methods above do not shadow.
private func systemOpen(_ path: [CChar], _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemRename(_ source: [CChar], _ target: [CChar]) -> Int32 { rename(source, target) }
private func systemUnlink(_ path: [CChar]) -> Int32 { unlink(path) }
