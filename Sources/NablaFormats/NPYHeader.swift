import Nabla

/// A parsed `.npy` header: the dtype, byte order, memory order and shape of the array that follows.
public struct NPYHeader: Sendable, Equatable {
    /// The format version, `(1, 0)`, `(2, 0)` or `(3, 0)`.
    public var version: (major: UInt8, minor: UInt8)
    /// The element type.
    public var dtype: DType
    /// The byte order of the elements in the file (they are converted to native order on read).
    public var byteOrder: ByteOrder
    /// `true` when the file stores the array in Fortran (column-major) order.
    public var fortranOrder: Bool
    /// The length of each axis.
    public var shape: [Int]
    /// The number of elements, the product of `shape`.
    public var count: Int
    /// The size of the array data in bytes: `count × dtype.itemSize`.
    public var byteCount: Int
    /// The offset of the array data from the start of the file: magic, version, length field and header.
    public var dataOffset: Int

    /// Headers are equal when every field is (the version tuple compared element-wise).
    public static func == (a: NPYHeader, b: NPYHeader) -> Bool {
        a.version == b.version && a.dtype == b.dtype && a.byteOrder == b.byteOrder
            && a.fortranOrder == b.fortranOrder && a.shape == b.shape && a.dataOffset == b.dataOffset
    }
}

/// The format constants of `.npy`.
enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// Headers longer than this are refused before they are read (numpy's own default limit is 10 000).
    static let maxHeaderLength = 1 << 20
    /// numpy's `NPY_MAXDIMS`.
    static let maxRank = 64
    static let alignment = 64
    static let growthAxisMaxDigits = 21

    /// Parses the preamble and header from the first bytes of a file.
    ///
    /// - Parameters:
    ///   - read: returns the first `n` bytes of the input (`n ≤ totalSize`).
    ///   - totalSize: the size of the whole input, header and data.
    static func readHeader(totalSize: Int, context: ErrorContext,
                           read: (Int) throws(FormatError) -> [UInt8]) throws(FormatError) -> NPYHeader {
        guard totalSize >= 10 else {
            let first = try read(min(totalSize, 6))
            if !first.isEmpty, !magic.starts(with: first) { throw badMagic(first, context) }
            throw context.error(.sizeMismatch,
                "truncated header: the input is \(totalSize) bytes, shorter than the 10-byte .npy preamble")
        }
        let preamble = try read(min(totalSize, 12))
        guard preamble.starts(with: magic) else { throw badMagic(Array(preamble.prefix(6)), context) }
        let major = preamble[6], minor = preamble[7]
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw context.error(.unsupportedVersion,
                "format version \(major).\(minor) is not supported; expected 1.0, 2.0 or 3.0")
        }
        let lengthSize = major == 1 ? 2 : 4
        let headerStart = 8 + lengthSize
        guard totalSize >= headerStart else {
            throw context.error(.sizeMismatch,
                "truncated header: version \(major).0 needs a \(headerStart)-byte preamble but the input is \(totalSize) bytes")
        }
        var headerLength = 0
        for k in (0..<lengthSize).reversed() { headerLength = headerLength << 8 | Int(preamble[8 + k]) }
        guard headerLength <= maxHeaderLength else {
            throw context.error(.malformedHeader,
                "header length field says \(headerLength) bytes; headers longer than \(maxHeaderLength) bytes are refused")
        }
        let dataOffset = headerStart + headerLength
        guard dataOffset <= totalSize else {
            throw context.error(.sizeMismatch,
                "truncated header: the header length field says \(headerLength) bytes but only \(totalSize - headerStart) bytes follow the preamble")
        }
        let bytes = Array(try read(dataOffset).dropFirst(headerStart))
        let text: String
        if major == 3 {
            guard let utf8 = String(validating: bytes, as: UTF8.self) else {
                throw context.error(.malformedHeader, "version 3.0 header is not valid UTF-8")
            }
            text = utf8
        } else {
            var latin1 = String.UnicodeScalarView()
            latin1.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            text = String(latin1)
        }
        var header = try interpret(text, context: context)
        header.version = (major, minor)
        header.dataOffset = dataOffset
        return header
    }

    static func badMagic(_ first: [UInt8], _ context: ErrorContext) -> FormatError {
        let hex = first.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined(separator: " ")
        let hint = first.starts(with: [0x50, 0x4B]) ? " (this looks like a ZIP archive: an .npz archive saved under the name .npy? rename it to .npz)" : ""
        return context.error(.badMagic, "not a .npy file: it starts with bytes [\(hex)], expected \\x93NUMPY\(hint)")
    }

    /// Checks the header dict and turns it into an ``NPYHeader`` (version and offset filled in by the caller).
    static func interpret(_ text: String, context: ErrorContext) throws(FormatError) -> NPYHeader {
        let literal: PythonLiteral
        switch PythonLiteralParser.parseResult(text) {
        case .success(let value): literal = value
        case .failure(let error):
            throw context.error(.malformedHeader, "header is not a Python literal dict: \(error.message) in \(quoted(text))")
        }
        guard case .dict(let pairs) = literal else {
            throw context.error(.malformedHeader, "header is not a dict: \(quoted(text))")
        }
        var descr: PythonLiteral?, fortran: PythonLiteral?, shapeValue: PythonLiteral?
        for (key, value) in pairs {
            guard case .string(let name) = key else {
                throw context.error(.malformedHeader, "header key \(key) is not a string; expected 'descr', 'fortran_order', 'shape'")
            }
            switch name {
            case "descr" where descr == nil: descr = value
            case "fortran_order" where fortran == nil: fortran = value
            case "shape" where shapeValue == nil: shapeValue = value
            case "descr", "fortran_order", "shape":
                throw context.error(.malformedHeader, "header key '\(name)' appears twice")
            default:
                throw context.error(.malformedHeader,
                    "unexpected header key '\(name.prefix(40))'; expected exactly 'descr', 'fortran_order' and 'shape'")
            }
        }
        guard let descr, let fortran, let shapeValue else {
            let missing = [("descr", descr), ("fortran_order", fortran), ("shape", shapeValue)]
                .filter { $0.1 == nil }.map { "'\($0.0)'" }.joined(separator: ", ")
            throw context.error(.malformedHeader, "header lacks the key(s) \(missing): \(quoted(text))")
        }
        let parsed: (dtype: DType, byteOrder: ByteOrder)
        switch descr {
        case .string(let s): parsed = try DType.parse(descr: s, context: context)
        case .list, .tuple:
            throw context.error(.unsupportedDType,
                "structured dtype \(descr.shortDescription) is not supported; expected a plain numeric descr such as '<f8'")
        default:
            throw context.error(.malformedHeader, "'descr' is \(descr.shortDescription); expected a string such as '<f8'")
        }
        guard case .bool(let fortranOrder) = fortran else {
            throw context.error(.malformedHeader, "'fortran_order' is \(fortran.shortDescription); expected True or False")
        }
        let items: [PythonLiteral]
        switch shapeValue {
        case .tuple(let t), .list(let t): items = t
        default:
            throw context.error(.malformedHeader, "'shape' is \(shapeValue.shortDescription); expected a tuple of integers such as (3, 4)")
        }
        guard items.count <= maxRank else {
            throw context.error(.invalidShape, "shape has \(items.count) axes; at most \(maxRank) are supported")
        }
        var shape: [Int] = []
        for item in items {
            switch item {
            case .int(let n) where n >= 0: shape.append(n)
            case .int(let n):
                throw context.error(.invalidShape, "shape \(shapeValue.shortDescription) has the negative axis length \(n)")
            case .bigInt(let digits):
                throw context.error(.invalidShape, "shape \(shapeValue.shortDescription) has the axis length \(digits), which does not fit in Int")
            default:
                throw context.error(.malformedHeader, "shape entry \(item.shortDescription) is not an integer")
            }
        }
        var count = 1
        for n in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw context.error(.invalidShape, "shape \(pythonTuple(shape)) has more elements than Int can count")
            }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: parsed.dtype.itemSize)
        guard !overflow else {
            throw context.error(.invalidShape,
                "shape \(pythonTuple(shape)) = \(count) \(parsed.dtype.name) elements is more bytes than Int can count")
        }
        return NPYHeader(version: (1, 0), dtype: parsed.dtype, byteOrder: parsed.byteOrder, fortranOrder: fortranOrder,
                         shape: shape, count: count, byteCount: bytes, dataOffset: 0)
    }

    /// Checks that the data after the header has exactly the declared length.
    static func checkPayload(_ header: NPYHeader, available: Int, context: ErrorContext, noun: String = "file") throws(FormatError) {
        guard available != header.byteCount else { return }
        let detail = available < header.byteCount
            ? "truncated: \(header.byteCount - available) bytes missing"
            : "\(available - header.byteCount) extra bytes after the array"
        throw context.error(.sizeMismatch,
            "header declares shape \(pythonTuple(header.shape)) = \(header.count) \(header.dtype.name) elements "
            + "(\(header.byteCount) bytes) but the \(noun) holds \(available) bytes of data (\(detail))")
    }

    /// Python's `repr` of a shape tuple: `()`, `(3,)`, `(2, 3)`.
    static func pythonTuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingTrailingWhitespace
        return trimmed.count > 120 ? "\"\(trimmed.prefix(120))…\"" : "\"\(trimmed)\""
    }

    /// The header bytes numpy's `np.save` writes for a C-order array in the given byte order: version 1.0
    /// (2.0 if the header does not fit a 16-bit length), the dict with keys in sorted order, 21 − len(repr(shape[0]))
    /// spaces of growth room, then spaces and `\n` up to a multiple of 64 bytes.
    static func headerBytes(dtype: DType, shape: [Int], byteOrder: ByteOrder = .native) -> [UInt8] {
        var dict = "{'descr': '\(dtype.descr(byteOrder: byteOrder))', 'fortran_order': False, 'shape': \(pythonTuple(shape)), }"
        if let first = shape.first {
            dict += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        let text = Array(dict.utf8)  // ASCII only
        for (major, lengthSize) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let hlen = text.count + 1
            let padding = alignment - (magic.count + 2 + lengthSize + hlen) % alignment
            let total = hlen + padding
            guard lengthSize == 4 || total < 1 << 16 else { continue }
            var out = magic + [major, 0]
            for k in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: total >> (8 * k))) }
            out += text
            out += [UInt8](repeating: 0x20, count: padding)
            out.append(0x0A)
            return out
        }
        return []  // unreachable: version 2.0 always fits (a shape has at most 64 axes)
    }
}

extension String {
    var trimmingTrailingWhitespace: Substring {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}

// MARK: - Python literals

/// The subset of Python literals that appear in `.npy` headers.
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    /// An integer literal that does not fit in `Int` (its digits, sign included).
    case bigInt(String)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(PythonLiteral, PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .int(let n): String(n)
        case .bigInt(let digits): digits
        case .bool(let b): b ? "True" : "False"
        case .none: "None"
        case .tuple(let items): items.count == 1 ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(let pairs): "{" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    /// The description, cut to a length fit for an error message.
    var shortDescription: String {
        let d = description
        return d.count > 80 ? String(d.prefix(80)) + "…" : d
    }
}

/// A recursive-descent parser for Python literal syntax (no evaluation of anything).
///
/// Grammar: dicts `{k: v, …}`, tuples `(a,)` / `(a, b)` / `()`, lists, single- or double-quoted strings
/// (optionally `u`/`b`-prefixed), integers (optionally signed, with a Python 2 `L` suffix), `True`,
/// `False`, `None`. Trailing commas and any whitespace are accepted. Nesting deeper than 16 levels is refused.
struct PythonLiteralParser {
    struct ParseError: Error { var message: String }

    static let maxDepth = 16

    private let scalars: [Unicode.Scalar]
    private var position = 0

    static func parseResult(_ text: String) -> Result<PythonLiteral, ParseError> {
        do throws(ParseError) { return .success(try parse(text)) } catch { return .failure(error) }
    }

    static func parse(_ text: String) throws(ParseError) -> PythonLiteral {
        var parser = PythonLiteralParser(scalars: Array(text.unicodeScalars))
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else {
            throw ParseError(message: "unexpected \(parser.currentDescription) after the literal")
        }
        return value
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private var currentDescription: String {
        guard let c = current else { return "end of header" }
        return "character '\(c.escaped(asASCII: true))' at offset \(position)"
    }

    private mutating func skipWhitespace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" || c == "\u{0B}" {
            position += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(ParseError) -> PythonLiteral {
        guard depth < Self.maxDepth else { throw ParseError(message: "nesting deeper than \(Self.maxDepth) levels") }
        skipWhitespace()
        guard let c = current else { throw ParseError(message: "unexpected end of header, expected a value") }
        switch c {
        case "{":
            position += 1
            var pairs: [(PythonLiteral, PythonLiteral)] = []
            while true {
                skipWhitespace()
                if current == "}" { position += 1; return .dict(pairs) }
                let key = try parseValue(depth: depth + 1)
                skipWhitespace()
                guard current == ":" else { throw ParseError(message: "expected ':' but found \(currentDescription)") }
                position += 1
                let value = try parseValue(depth: depth + 1)
                pairs.append((key, value))
                skipWhitespace()
                if current == "," { position += 1; continue }
                guard current == "}" else { throw ParseError(message: "expected ',' or '}' but found \(currentDescription)") }
            }
        case "(", "[":
            let close: Unicode.Scalar = c == "(" ? ")" : "]"
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                if current == close {
                    position += 1
                    if c == "[" { return .list(items) }
                    // `(x)` is just x in Python; `(x,)` and `()` are tuples.
                    return items.count == 1 && !sawComma ? items[0] : .tuple(items)
                }
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if current == "," { position += 1; sawComma = true; continue }
                guard current == close else {
                    throw ParseError(message: "expected ',' or '\(close)' but found \(currentDescription)")
                }
            }
        case "'", "\"":
            return .string(try parseString())
        case "u", "U", "b", "B":
            if position + 1 < scalars.count, scalars[position + 1] == "'" || scalars[position + 1] == "\"" {
                position += 1
                return .string(try parseString())
            }
            return try parseWord()
        case "-", "+", "0"..."9":
            return try parseInt()
        default:
            return try parseWord()
        }
    }

    private mutating func parseWord() throws(ParseError) -> PythonLiteral {
        let start = position
        while let c = current, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) { position += 1 }
        let word = String(String.UnicodeScalarView(scalars[start..<position]))
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        case "": throw ParseError(message: "unexpected \(currentDescription)")
        default: throw ParseError(message: "'\(word.prefix(40))' is not a literal (names and calls are not evaluated)")
        }
    }

    private mutating func parseInt() throws(ParseError) -> PythonLiteral {
        var negative = false
        if current == "-" || current == "+" {
            negative = current == "-"
            position += 1
            skipWhitespace()
        }
        let start = position
        while let c = current, ("0"..."9").contains(c) || c == "_" { position += 1 }
        let digits = String(String.UnicodeScalarView(scalars[start..<position])).filter { $0 != "_" }
        guard !digits.isEmpty else { throw ParseError(message: "expected digits but found \(currentDescription)") }
        if current == "L" || current == "l" { position += 1 }  // Python 2 long suffix
        if let c = current, c == "." || c == "e" || c == "E" || c == "x" || c == "j" {
            throw ParseError(message: "only integer numbers are expected, found \(currentDescription)")
        }
        guard let n = Int(digits) else {
            return .bigInt((negative ? "-" : "") + (digits.count > 40 ? digits.prefix(40) + "…" : digits))
        }
        return .int(negative ? -n : n)
    }

    private mutating func parseString() throws(ParseError) -> String {
        guard let quote = current else { throw ParseError(message: "expected a string") }
        position += 1
        var result = String.UnicodeScalarView()
        while let c = current {
            position += 1
            if c == quote { return String(result) }
            if c == "\n" { throw ParseError(message: "newline inside a string") }
            if c == "\\" {
                guard let e = current else { break }
                position += 1
                switch e {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                default: result.append(e)  // \\, \', \" and anything else: the character itself
                }
            } else {
                result.append(c)
            }
        }
        throw ParseError(message: "unterminated string")
    }
}
