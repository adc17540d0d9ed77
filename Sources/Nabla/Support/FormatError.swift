/// An error reading or writing a file (`.npy`, `.npz`, CSV, HDF5, …), or writing one atomically.
///
/// The description names the file (and the archive member, for `.npz`), the offending value and what
/// was expected, for example
/// ```
/// data.npy: header declares shape (100000000, 100000000) = 10000000000000000 float64 elements
/// (80000000000000000 bytes) but the file holds 800 bytes of data
/// ```
/// Every malformed input is reported with this error: the readers never trap, never allocate more
/// than the input can justify, and never evaluate the header.
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers that branch on it. The human-readable detail is in ``message``.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file does not start with `\x93NUMPY` (or, for `.npz`, is not a ZIP archive).
        case badMagic
        /// A format version other than 1.0, 2.0 or 3.0.
        case unsupportedVersion
        /// The header is not a valid Python literal dict with exactly the keys
        /// `'descr'`, `'fortran_order'` and `'shape'`.
        case malformedHeader
        /// A dtype Nabla does not read: object, structured, complex, strings, datetime, …
        case unsupportedDType
        /// A negative axis length, or a shape whose byte count overflows.
        case invalidShape
        /// The data does not have exactly the length the header declares (truncated or extra bytes).
        case sizeMismatch
        /// A damaged `.npz`: bad ZIP structures, a CRC mismatch, an unsupported compression method.
        case corruptArchive
        /// An `.npz` member name that cannot be written or read back safely.
        case invalidName
        /// The operating system refused to open, read, write or rename a file.
        case io
    }

    /// What went wrong.
    public var kind: Kind
    /// The file path (or a caller-chosen label such as `"<data>"` for in-memory input).
    public var file: String
    /// The `.npz` member, if the problem is inside one.
    public var member: String?
    /// The offending value and what was expected.
    public var message: String

    /// An error of `kind` in `file` (and `member`, inside an `.npz`), with a message naming the offending
    /// value and what was expected.
    public init(_ kind: Kind, file: String, member: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.member = member
        self.message = message
    }

    /// `file: message`, or `file: member 'name': message`.
    public var description: String {
        if let member { return "\(file): member '\(member)': \(message)" }
        return "\(file): \(message)"
    }
}

/// Where an error happened: the file label and, inside an `.npz`, the member name.
package struct ErrorContext: Sendable {
    package var file: String
    package var member: String?

    package init(file: String, member: String? = nil) {
        self.file = file
        self.member = member
    }

    package func error(_ kind: FormatError.Kind, _ message: String) -> FormatError {
        FormatError(kind, file: file, member: member, message)
    }
}

/// Runs `body`, turning any error that is not already a ``FormatError`` into one of kind `.io`.
package func withFormatErrors<R>(_ context: ErrorContext, _ body: () throws -> R) throws(FormatError) -> R {
    do {
        return try body()
    } catch let error as FormatError {
        throw error
    } catch {
        throw context.error(.io, "\(error)")
    }
}
