import Foundation
import Nabla

/// Reading and writing numeric tables as CSV (comma-separated) or TSV (tab-separated) text.
///
/// Two ways to read a table:
/// - as a **grid**: every row has the same number of numeric fields; the result has shape
///   `(rows, columns)`. A first row none of whose fields is a number is taken for a header and skipped;
///   a first row with numbers and a field that is not one is an error naming that field.
/// - as a **column**: `column: "pressure"` picks the column whose header is `pressure`; the result is 1-D
///   and only that column needs to be numeric (other columns may hold text such as dates).
///
/// The text follows RFC 4180: fields may be quoted (`"1.5"`, `"a,b"`, `"say ""hi"""`), quoted fields
/// may span lines, lines end in LF, CRLF or CR, and the last line may or may not end in a newline.
/// Besides that, spaces around fields are ignored (and tabs, in CSV), blank lines are skipped, a UTF-8
/// byte-order mark is ignored, and `nan`, `inf`, `-inf`, `Infinity` (any case) are numbers. The
/// delimiter comes from the file extension (`.csv` comma, `.tsv` tab) or, for anything else, is sniffed
/// from the first line: tab if it holds more tabs than commas, otherwise comma.
///
/// The parser scans the bytes once, never building a list of lines or strings, and allocates little
/// beyond the result (which holds at most one `Double` per two input bytes, plus one). Every problem is
/// a ``FormatError`` naming the file, line and column, for example
/// ```
/// data.csv: line 7, column 3: 'abc' is not a number
/// data.csv: line 9, column 4: the row has 4 fields, but line 1 has 3
/// ```
///
/// Writing produces one line per row (a 1-D array is written as one column), each value in the shortest
/// form that parses back to exactly the same `Double` (Swift's `description`: `0.1`, `1e-05`, `nan`,
/// `inf`). Float16 and Float values are written as their exact `Double` value, so reading the file back
/// gives `Double(x)` exactly. Files are written atomically (see ``AtomicFile``).
public enum CSV {
    /// The field separator.
    public enum Delimiter: Sendable, Hashable, CaseIterable {
        /// `,` (`.csv`)
        case comma
        /// a tab character (`.tsv`, `.tab`)
        case tab

        /// The delimiter byte.
        public var byte: UInt8 {
            switch self {
            case .comma: UInt8(ascii: ",")
            case .tab: UInt8(ascii: "\t")
            }
        }

        /// The delimiter a file extension implies (`csv` → comma; `tsv`, `tab` → tab), or `nil`.
        public init?(fileExtension: String) {
            switch fileExtension.lowercased() {
            case "csv": self = .comma
            case "tsv", "tab": self = .tab
            default: return nil
            }
        }
    }

    // MARK: Reading

    /// Reads a numeric table from a file: the grid of all values, or the 1-D column named `column`.
    ///
    /// - Parameters:
    ///   - url: the file to read.
    ///   - column: the header of the column to read; `nil` reads the whole grid.
    ///   - delimiter: the separator; by default chosen by the file extension, or sniffed.
    /// - Throws: ``FormatError``: ``FormatError/Kind/malformedHeader`` for a value that is not a number,
    ///   an unterminated quote, or text after a closing quote; ``FormatError/Kind/invalidShape`` for ragged
    ///   rows; ``FormatError/Kind/sizeMismatch`` for a file without data; ``FormatError/Kind/invalidName``
    ///   for a column that is not in the header; ``FormatError/Kind/io``.
    public static func read(from url: URL, column: String? = nil, delimiter: Delimiter? = nil) throws(FormatError) -> NDArray<Double> {
        let context = ErrorContext(file: url.path)
        // Opened non-blocking and checked to be a regular file first: a FIFO or a device is refused at once.
        let data = try FileSource(url: url, context: context).readAll()
        return try parse(data, context: context, column: column,
                         delimiter: delimiter ?? Delimiter(fileExtension: url.pathExtension))
    }

    /// An upper bound on the count of numbers ``read(from:column:delimiter:)`` returns for a file, without
    /// parsing any: its delimiters and line ends are counted in chunks of 1 MiB, so memory stays small
    /// whatever the file's size. Every field of a grid but the last of its line ends in a delimiter and
    /// every line in a line end (LF, CRLF or CR), so a grid holds at most `delimiters + line ends + 1`
    /// numbers, a column at most `line ends + 1`. Delimiters inside quotes, the header row and blank lines
    /// are counted too: the bound may exceed the true count, never fall short of it.
    ///
    /// - Parameters:
    ///   - column: count for a 1-D column (one number per line) instead of the whole grid.
    ///   - delimiter: by default from the file extension; with neither, commas and tabs both count.
    /// - Complexity: O(file size) time, O(1) memory.
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/io``.
    public static func valueCountBound(of url: URL, column: Bool = false, delimiter: Delimiter? = nil) throws(FormatError) -> Int {
        let source = try FileSource(url: url, context: ErrorContext(file: url.path))
        let (lf, cr) = (UInt8(ascii: "\n"), UInt8(ascii: "\r"))
        // The bytes that end a field: line ends, and the delimiter(s) unless a column is counted.
        var ends = [Bool](repeating: false, count: 256)
        for byte in [lf, cr] { ends[Int(byte)] = true }
        if !column {
            let delimiters = (delimiter ?? Delimiter(fileExtension: url.pathExtension)).map { [$0] } ?? Delimiter.allCases
            for d in delimiters { ends[Int(d.byte)] = true }
        }
        var count = 1, previous: UInt8 = 0, offset = 0
        while offset < source.size {
            let chunk = try source.bytes(at: offset, count: min(1 << 20, source.size - offset))
            for byte in chunk {
                // A CRLF pair is one line end: its LF is not counted again.
                if ends[Int(byte)] && !(byte == lf && previous == cr) { count += 1 }
                previous = byte
            }
            offset += chunk.count
        }
        return count
    }

    /// Reads a numeric table held in memory. `name` labels error messages; `delimiter` `nil` sniffs it.
    ///
    /// - Throws: ``FormatError`` as ``read(from:column:delimiter:)`` does (never ``FormatError/Kind/io``).
    public static func read(data: Data, name: String = "<data>", column: String? = nil,
                            delimiter: Delimiter? = nil) throws(FormatError) -> NDArray<Double> {
        try parse(data, context: ErrorContext(file: name), column: column, delimiter: delimiter)
    }

    static func parse(_ data: Data, context: ErrorContext, column: String?, delimiter: Delimiter?) throws(FormatError) -> NDArray<Double> {
        try ByteView.with(data) { (bytes) throws(FormatError) -> NDArray<Double> in
            var parser = CSVParser(bytes: bytes, delimiter: (delimiter ?? CSVParser.sniff(bytes)).byte, context: context)
            if let column { return try parser.column(named: column) }
            return try parser.grid()
        }
    }

    // MARK: Writing

    /// The text of a CSV/TSV file holding a 0-D, 1-D (one column) or 2-D array, with an optional header row.
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/invalidShape`` for three or more axes, or of kind
    ///   ``FormatError/Kind/invalidName`` when `header` does not have one name per column.
    public static func encode(_ array: AnyNDArray, delimiter: Delimiter = .comma, header: [String]? = nil) throws(FormatError) -> Data {
        var out = Data()
        try encode(array, delimiter: delimiter, header: header, context: ErrorContext(file: "<data>")) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes a 0-D, 1-D (one column) or 2-D array as CSV/TSV text, atomically.
    ///
    /// - Parameters:
    ///   - array: a 0-D, 1-D or 2-D array of any dtype.
    ///   - url: the file to create or replace.
    ///   - delimiter: by default from the extension of `url` (`.tsv` tab, anything else comma).
    ///   - header: column names for a first row; none by default.
    /// - Throws: ``FormatError`` as ``encode(_:delimiter:header:)`` does, or of kind ``FormatError/Kind/io``;
    ///   nothing is left at `url` then.
    public static func write(_ array: AnyNDArray, to url: URL, delimiter: Delimiter? = nil, header: [String]? = nil) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let delimiter = delimiter ?? Delimiter(fileExtension: url.pathExtension) ?? .comma
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            try encode(array, delimiter: delimiter, header: header, context: context) { (chunk: [UInt8]) throws(FormatError) in
                try writer.write(chunk)
            }
        }
    }

    /// Writes an array as CSV/TSV text, atomically.
    public static func write<T: NPYScalar>(_ array: NDArray<T>, to url: URL, delimiter: Delimiter? = nil,
                                           header: [String]? = nil) throws(FormatError) {
        try write(T.wrap(array), to: url, delimiter: delimiter, header: header)
    }

    /// Formats the table, handing `emit` chunks of about 1 MiB.
    static func encode(_ array: AnyNDArray, delimiter: Delimiter, header: [String]?, context: ErrorContext,
                       emit: ([UInt8]) throws(FormatError) -> Void) throws(FormatError) {
        let shape = array.shape
        guard !array.dtype.isComplex else {
            throw context.error(.unsupportedDType,
                "the array is \(array.dtype.name): CSV/TSV files hold real numbers, not complex ones; write a .npy, .npz or .h5 file instead")
        }
        guard shape.count <= 2 else {
            throw context.error(.invalidShape,
                "a CSV file holds a 1-D or 2-D array, but this one has shape (\(shape.map(String.init).joined(separator: ", "))); write a .npy, .npz or .h5 file instead")
        }
        let columns = shape.count == 2 ? shape[1] : 1
        let rows = shape.count == 2 ? shape[0] : (shape.count == 1 ? shape[0] : 1)
        let separator = delimiter.byte
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 4096)
        if let header {
            guard header.count == columns else {
                throw context.error(.invalidName, "the header has \(header.count) names, but the array has \(columns) columns")
            }
            for (k, name) in header.enumerated() {
                if k > 0 { buffer.append(separator) }
                appendQuotedIfNeeded(name, separator: separator, to: &buffer)
            }
            buffer.append(UInt8(ascii: "\n"))
        }
        guard rows > 0, columns > 0 else {
            try emit(buffer)
            return
        }
        let text = formatter(for: array)
        for r in 0..<rows {
            for c in 0..<columns {
                if c > 0 { buffer.append(separator) }
                buffer.append(contentsOf: text(r &* columns &+ c).utf8)
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                try emit(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { try emit(buffer) }
    }

    /// The text of element `i` (flat, C order): the shortest decimal that reads back as exactly the same `Double`.
    private static func formatter(for array: AnyNDArray) -> (Int) -> String {
        func real(_ x: Double) -> String { x.isNaN ? "nan" : x.description }
        switch array {
        case .float16(let a): return { real(Double(a.scalars[$0])) }
        case .float32(let a): return { real(Double(a.scalars[$0])) }
        case .float64(let a): return { real(a.scalars[$0]) }
        case .complex64, .complex128: preconditionFailure("complex arrays are refused before formatting")
        case .int8(let a): return { a.scalars[$0].description }
        case .int16(let a): return { a.scalars[$0].description }
        case .int32(let a): return { a.scalars[$0].description }
        case .int64(let a): return { a.scalars[$0].description }
        case .uint8(let a): return { a.scalars[$0].description }
        case .uint16(let a): return { a.scalars[$0].description }
        case .uint32(let a): return { a.scalars[$0].description }
        case .uint64(let a): return { a.scalars[$0].description }
        case .bool(let a): return { a.scalars[$0] ? "1" : "0" }
        }
    }

    /// Appends a header name, quoted (RFC 4180) if it holds the delimiter, a quote, a line break or
    /// surrounding spaces.
    private static func appendQuotedIfNeeded(_ name: String, separator: UInt8, to buffer: inout [UInt8]) {
        let utf8 = Array(name.utf8)
        let quote = UInt8(ascii: "\"")
        let needsQuotes = utf8.isEmpty || utf8.contains { $0 == separator || $0 == quote || $0 == 10 || $0 == 13 }
            || utf8.first == 32 || utf8.last == 32 || utf8.first == 9 || utf8.last == 9
        guard needsQuotes else { buffer.append(contentsOf: utf8); return }
        buffer.append(quote)
        for b in utf8 {
            if b == quote { buffer.append(quote) }
            buffer.append(b)
        }
        buffer.append(quote)
    }
}

/// A one-pass scanner over the bytes of a CSV/TSV text.
struct CSVParser {
    /// A field's bytes (`start..<end`, inside the quotes and without surrounding blanks), where it began,
    /// and whether it was quoted or holds doubled quotes (`""`).
    struct Field {
        var start: Int
        var end: Int
        var line: Int
        var quoted: Bool
        var escaped: Bool
    }

    let bytes: ByteView
    let delimiter: UInt8
    let context: ErrorContext
    /// The next byte to read.
    var position = 0
    /// The 1-based line of `position`.
    var line = 1

    static let quote = UInt8(ascii: "\""), lf = UInt8(10), cr = UInt8(13), space = UInt8(32), tab = UInt8(9)

    init(bytes: ByteView, delimiter: UInt8, context: ErrorContext) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.context = context
        // A UTF-8 byte-order mark.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    /// Tab if the first line (outside quotes) holds more tabs than commas, else comma.
    static func sniff(_ bytes: ByteView) -> CSV.Delimiter {
        var commas = 0, tabs = 0, quoted = false
        for i in 0..<min(bytes.count, 1 << 16) {
            let b = bytes[i]
            if b == quote { quoted.toggle() } else if !quoted {
                if b == lf || b == cr { if commas + tabs > 0 { break } else { continue } }
                if b == UInt8(ascii: ",") { commas += 1 } else if b == tab { tabs += 1 }
            }
        }
        return tabs > commas ? .tab : .comma
    }

    @inline(__always) func isBlank(_ b: UInt8) -> Bool { b == Self.space || (b == Self.tab && delimiter != Self.tab) }

    /// Reads the next non-blank record into `fields`; `false` at the end of the input.
    mutating func nextRecord(_ fields: inout [Field]) throws(FormatError) -> Bool {
        while true {
            fields.removeAll(keepingCapacity: true)
            guard position < bytes.count else { return false }
            try readRecord(&fields)
            // A blank line is one empty, unquoted field.
            if fields.count == 1 && !fields[0].quoted && fields[0].start == fields[0].end { continue }
            return true
        }
    }

    private mutating func readRecord(_ fields: inout [Field]) throws(FormatError) {
        let n = bytes.count
        while true {
            while position < n && isBlank(bytes[position]) { position += 1 }
            var field: Field
            if position < n && bytes[position] == Self.quote {
                let startLine = line
                position += 1
                field = Field(start: position, end: position, line: startLine, quoted: true, escaped: false)
                while true {
                    guard position < n else {
                        throw context.error(.malformedHeader,
                            "line \(startLine), column \(fields.count + 1): the quoted field never ends (no closing '\"')")
                    }
                    let b = bytes[position]
                    if b == Self.quote {
                        if position + 1 < n && bytes[position + 1] == Self.quote {
                            field.escaped = true
                            position += 2
                            continue
                        }
                        field.end = position
                        position += 1
                        break
                    }
                    if b == Self.lf || (b == Self.cr && (position + 1 >= n || bytes[position + 1] != Self.lf)) { line += 1 }
                    position += 1
                }
                while position < n && isBlank(bytes[position]) { position += 1 }
                if position < n {
                    let b = bytes[position]
                    guard b == delimiter || b == Self.lf || b == Self.cr else {
                        throw context.error(.malformedHeader,
                            "line \(line), column \(fields.count + 1): unexpected \(Self.show(b)) after the closing quote; expected a delimiter or the end of the line")
                    }
                }
                // Blanks inside the quotes are not part of a number either.
                while field.start < field.end && isBlankAny(bytes[field.start]) { field.start += 1 }
                while field.end > field.start && isBlankAny(bytes[field.end - 1]) { field.end -= 1 }
            } else {
                field = Field(start: position, end: position, line: line, quoted: false, escaped: false)
                while position < n {
                    let b = bytes[position]
                    if b == delimiter || b == Self.lf || b == Self.cr { break }
                    position += 1
                }
                field.end = position
                while field.end > field.start && isBlank(bytes[field.end - 1]) { field.end -= 1 }
            }
            fields.append(field)
            guard position < n else { return }
            let b = bytes[position]
            position += 1
            if b == delimiter { continue }
            // End of line: LF, CRLF or CR.
            if b == Self.cr && position < n && bytes[position] == Self.lf { position += 1 }
            line += 1
            return
        }
    }

    @inline(__always) private func isBlankAny(_ b: UInt8) -> Bool { b == Self.space || b == Self.tab }

    /// The field's text, with doubled quotes undone, decoded as UTF-8 (invalid bytes replaced).
    func text(_ field: Field) -> String {
        guard field.escaped else { return bytes.string(field.start..<field.end) }
        var out: [UInt8] = []
        out.reserveCapacity(field.end - field.start)
        var i = field.start
        while i < field.end {
            out.append(bytes[i])
            i += bytes[i] == Self.quote && i + 1 < field.end && bytes[i + 1] == Self.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The field's value, or `nil` if it is not a number.
    func number(_ field: Field) -> Double? {
        let count = field.end - field.start
        guard count > 0, !field.escaped else { return nil }
        // Every number starts with a digit, a sign, a point, or the 'i'/'n' of inf/nan.
        let first = bytes[field.start] | 0x20
        guard (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "+") | 0x20
                || first == UInt8(ascii: "-") | 0x20 || first == UInt8(ascii: ".") | 0x20
                || first == UInt8(ascii: "i") || first == UInt8(ascii: "n") else { return nil }
        // Short fields become small strings without allocating.
        return Double(bytes.string(field.start..<field.end))
    }

    func value(_ field: Field, column: Int) throws(FormatError) -> Double {
        if let x = number(field) { return x }
        if field.start == field.end {
            throw context.error(.malformedHeader, "line \(field.line), column \(column): the field is empty; expected a number")
        }
        throw context.error(.malformedHeader, "line \(field.line), column \(column): \(Self.quoted(text(field))) is not a number")
    }

    /// `'text'`, shortened to 40 characters, control characters escaped.
    static func quoted(_ text: String) -> String {
        let short = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "'" + short.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined() + "'"
    }

    static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    func raggedError(_ fields: [Field], expected: Int, firstLine: Int, header: Bool) -> FormatError {
        let line = fields[0].line
        let column = fields.count > expected ? expected + 1 : fields.count + 1
        let what = header ? "the header (line \(firstLine))" : "line \(firstLine)"
        return context.error(.invalidShape,
            "line \(line), column \(column): the row has \(fields.count) field\(fields.count == 1 ? "" : "s"), but \(what) has \(expected)")
    }

    /// The whole table as a (rows, columns) grid, skipping a header row.
    mutating func grid() throws(FormatError) -> NDArray<Double> {
        var fields: [Field] = []
        guard try nextRecord(&fields) else {
            throw context.error(.sizeMismatch, "the file is empty; expected rows of numbers")
        }
        let columns = fields.count
        let firstLine = fields[0].line
        var scalars: [Double] = []
        // The first row is a header only when none of its fields is a number; a row of numbers with a bad
        // field (`1_000,2`) is data with a typo, reported like any other bad value.
        let firstRow = fields.map { number($0) }
        let hasHeader = firstRow.allSatisfy { $0 == nil }
        if !hasHeader, let bad = firstRow.firstIndex(of: nil) {
            _ = try value(fields[bad], column: bad + 1)
        }
        let headerText = hasHeader ? fields.prefix(3).map { Self.quoted(text($0)) }.joined(separator: ", ") + (columns > 3 ? ", …" : "") : ""
        if !hasHeader { scalars = firstRow.compactMap { $0 } }
        var rows = hasHeader ? 0 : 1
        while try nextRecord(&fields) {
            guard fields.count == columns else {
                throw raggedError(fields, expected: columns, firstLine: firstLine, header: hasHeader)
            }
            for (k, field) in fields.enumerated() { scalars.append(try value(field, column: k + 1)) }
            rows += 1
        }
        guard rows > 0 else {
            throw context.error(.sizeMismatch, "line \(firstLine) is a header (\(headerText)), but no rows of numbers follow")
        }
        do {
            return try NDArray(shape: [rows, columns], scalars: scalars)
        } catch {
            throw context.error(.invalidShape, "\(error)")
        }
    }

    /// The column whose header is `name`, as a 1-D array.
    mutating func column(named name: String) throws(FormatError) -> NDArray<Double> {
        var fields: [Field] = []
        guard try nextRecord(&fields) else {
            throw context.error(.sizeMismatch, "the file is empty; expected a header row naming the columns")
        }
        let columns = fields.count
        let firstLine = fields[0].line
        let names = fields.map { text($0) }
        let matches = names.indices.filter { names[$0] == name }
        guard let index = matches.first else {
            let listed = names.prefix(20).map { Self.quoted($0) }.joined(separator: ", ") + (names.count > 20 ? " and \(names.count - 20) more" : "")
            let numeric = fields.allSatisfy { number($0) != nil }
            throw context.error(.invalidName, numeric
                ? "no column named \(Self.quoted(name)): the first line holds numbers, not a header row"
                : "no column named \(Self.quoted(name)); the header (line \(firstLine)) names \(listed)")
        }
        guard matches.count == 1 else {
            throw context.error(.invalidName,
                "the header (line \(firstLine)) names \(Self.quoted(name)) in columns \(matches.map { String($0 + 1) }.joined(separator: " and ")); column names must be unique to select one")
        }
        var scalars: [Double] = []
        while try nextRecord(&fields) {
            guard fields.count == columns else {
                throw raggedError(fields, expected: columns, firstLine: firstLine, header: true)
            }
            scalars.append(try value(fields[index], column: index + 1))
        }
        guard !scalars.isEmpty else {
            throw context.error(.sizeMismatch, "the column \(Self.quoted(name)) has no values: nothing follows the header")
        }
        return NDArray(scalars)
    }
}
