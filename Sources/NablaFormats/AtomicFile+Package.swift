import Foundation

// What sibling products of this package (NablaHDF5) need of `AtomicFile` beyond its public API.
// When `AtomicFile` moves to the core module, this goes with it.
extension AtomicFile {
    /// Creates a file atomically through a library that insists on creating it by path (HDF5): `body`
    /// creates the file at the temporary URL it is given, in the target's directory; the file is then
    /// synced and renamed over `url`. If `body` throws, the temporary is removed and the error rethrown.
    package static func replace(_ url: URL, creatingWith body: (URL) throws(FormatError) -> Void) throws(FormatError) {
        try write(to: url, creatingWith: { (temporary: URL) throws in try body(temporary) })
    }
}
