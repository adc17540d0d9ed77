#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names, for the messages of readers that accept regular files only (a FIFO would block
/// them, a device would never end).
package enum FileKind {
    /// `nil` for a regular file; otherwise what the file is: "a folder", "a FIFO (named pipe)", "a
    /// character device", "a block device", "a socket".
    package static func nonRegular(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}
