import Foundation
import Nabla
import NablaFormats
import Testing

@Suite("CSV and TSV tables")
struct CSVTests {
    private func grid(_ text: String, delimiter: CSV.Delimiter? = nil) throws -> NDArray<Double> {
        try CSV.read(data: Data(text.utf8), name: "data.csv", delimiter: delimiter)
    }

    private func error(_ text: String, column: String? = nil, delimiter: CSV.Delimiter? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) -> FormatError? {
        formatError({ _ = try CSV.read(data: Data(text.utf8), name: "data.csv", column: column, delimiter: delimiter) },
                    sourceLocation: sourceLocation)
    }

    @Test("a grid of numbers, with and without a trailing newline, LF or CRLF")
    func basicGrid() throws {
        for text in ["1,2,3\n4,5,6\n", "1,2,3\n4,5,6", "1,2,3\r\n4,5,6\r\n", "1,2,3\r4,5,6\r", "\u{FEFF}1,2,3\n4,5,6\n"] {
            let a = try grid(text)
            #expect(a.shape == [2, 3], "\(text.debugDescription)")
            #expect(a.scalars == [1, 2, 3, 4, 5, 6])
        }
        #expect(try grid("42").shape == [1, 1])
        #expect(try grid("1\n2\n3\n").shape == [3, 1])
    }

    @Test("whitespace, blank lines, signs, exponents")
    func lenient() throws {
        let a = try grid("  1.5 ,\t-2e3,+.25\n\n   \n 7 , 8. , -0 \n\n")
        #expect(a.shape == [2, 3])
        #expect(a.scalars == [1.5, -2000, 0.25, 7, 8, 0])
        #expect(a.scalars[5].sign == .minus)
    }

    @Test("NaN and infinities are numbers")
    func nonFinite() throws {
        let a = try grid("nan,NaN,inf\n-inf,Infinity,-INF\n")
        #expect(a.scalars[0].isNaN && a.scalars[1].isNaN)
        #expect(a.scalars[2] == .infinity && a.scalars[3] == -.infinity && a.scalars[4] == .infinity && a.scalars[5] == -.infinity)
    }

    @Test("a header row is detected and skipped")
    func header() throws {
        let a = try grid("x,y,z\n1,2,3\n4,5,6\n")
        #expect(a.shape == [2, 3] && a.scalars == [1, 2, 3, 4, 5, 6])
        let b = try grid("\"time (s)\",\"u, m/s\",v\n0,1,2\n")
        #expect(b.shape == [1, 3])
    }

    @Test("quoted fields (RFC 4180)")
    func quotes() throws {
        let a = try grid("\"1\",\" 2 \",3\n\"4\",5,\"6\"\n")
        #expect(a.scalars == [1, 2, 3, 4, 5, 6])
        // Quoted header names may hold delimiters, doubled quotes and line breaks.
        let text = "t,\"a, \"\"quoted\"\"\nname\",c\n1,2,3\n4,5,6\n"
        let column = try CSV.read(data: Data(text.utf8), column: "a, \"quoted\"\nname")
        #expect(column.shape == [2] && column.scalars == [2, 5])
        // A line break inside quotes counts for later line numbers.
        let e = error("\"a\nb\",c\n1,2\n3,x\n")
        #expect(e?.description == "data.csv: line 4, column 2: 'x' is not a number")
    }

    @Test("columns by header name")
    func columns() throws {
        let text = "date,pressure,temperature\n2024-01-01,1.5,20\n2024-01-02,1.25,21\n"
        let p = try CSV.read(data: Data(text.utf8), column: "pressure")
        #expect(p.shape == [2] && p.scalars == [1.5, 1.25])
        let missing = error(text, column: "density")
        #expect(missing?.kind == .invalidName)
        #expect(missing?.description.contains("'date', 'pressure', 'temperature'") == true)
        // Non-numbers in the selected column are still errors.
        let bad = error(text, column: "date")
        #expect(bad?.description == "data.csv: line 2, column 1: '2024-01-01' is not a number")
        #expect(error("1,2\n3,4\n", column: "x")?.description.contains("holds numbers, not a header row") == true)
        #expect(error("a,a\n1,2\n", column: "a")?.description.contains("columns 1 and 2") == true)
        #expect(error("a,b\n", column: "a")?.kind == .sizeMismatch)
    }

    @Test("TSV by extension or sniffing")
    func tabs() throws {
        let a = try grid("1\t2\t3\n4\t5\t6\n", delimiter: .tab)
        #expect(a.shape == [2, 3])
        let sniffed = try grid("x\ty\n1.5\t2\n3\t4\n")
        #expect(sniffed.shape == [2, 2] && sniffed.scalars == [1.5, 2, 3, 4])
        // An empty TSV field is not swallowed as whitespace.
        #expect(error("1\t2\t3\n1\t\t3\n", delimiter: .tab)?.description == "data.csv: line 2, column 2: the field is empty; expected a number")
        let dir = try TemporaryDirectory()
        let url = dir.file("t.tsv")
        try Data("1\t2\n3\t4\n".utf8).write(to: url)
        #expect(try CSV.read(from: url).shape == [2, 2])
    }

    @Test("non-numbers name the line and column")
    func notANumber() throws {
        let text = "1,2,3\n4,5,6\n7,8,abc\n"
        #expect(error(text)?.description == "data.csv: line 3, column 3: 'abc' is not a number")
        #expect(error(text)?.kind == .malformedHeader)
        #expect(error("x,y\n1,2\n3,\n")?.description == "data.csv: line 3, column 2: the field is empty; expected a number")
        #expect(error("1,2\n3,1_000\n")?.description == "data.csv: line 2, column 2: '1_000' is not a number")
        // Long and binary junk is shortened and escaped.
        let long = String(repeating: "z", count: 500)
        let e = error("1\n\(long)\u{1}\n")
        #expect(e?.description.count ?? 0 < 120)
    }

    @Test("ragged rows name the line and column")
    func ragged() throws {
        #expect(error("1,2,3\n4,5\n")?.description == "data.csv: line 2, column 3: the row has 2 fields, but line 1 has 3")
        #expect(error("a,b\n1,2\n3,4,5\n")?.description == "data.csv: line 3, column 3: the row has 3 fields, but the header (line 1) has 2")
        #expect(error("1,2\n3,4\n5,6,\n")?.kind == .invalidShape)
    }

    @Test("broken quoting")
    func brokenQuotes() throws {
        #expect(error("1,\"2\n3,4\n")?.description == "data.csv: line 1, column 2: the quoted field never ends (no closing '\"')")
        #expect(error("1,\"2\"x\n")?.description.contains("line 1, column 2: unexpected 'x' after the closing quote") == true)
    }

    @Test("empty input")
    func empty() throws {
        #expect(error("")?.kind == .sizeMismatch)
        #expect(error("\n\n  \n")?.description == "data.csv: the file is empty; expected rows of numbers")
        #expect(error("x,y\n")?.description.contains("line 1 is a header") == true)
    }

    @Test("write then read gives back exactly the same values", arguments: [CSV.Delimiter.comma, .tab])
    func roundTrip(delimiter: CSV.Delimiter) throws {
        var values: [Double] = [0.1, 1.0 / 3.0, -0.0, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan,
                                123456789012345678, 2.5e-8, -7]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<36 {
            let x = Double(bitPattern: generator.next())
            values.append(x.isFinite ? x : 1)
        }
        let array = try NDArray(shape: [8, 6], scalars: values)
        let dir = try TemporaryDirectory()
        let url = dir.file(delimiter == .comma ? "out.csv" : "out.tsv")
        try CSV.write(array, to: url)
        let back = try CSV.read(from: url)
        #expect(back.shape == [8, 6])
        for (x, y) in zip(values, back.scalars) {
            #expect(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN), "\(x) != \(y)")
        }
        #expect(try dir.contents() == [url.lastPathComponent], "no temporary file left behind")
    }

    @Test("1-D arrays are one column; other dtypes; headers are quoted when needed")
    func writeShapes() throws {
        let column = try CSV.encode(.float32(NDArray<Float>([0.1, 2])), header: ["p, \"x\""])
        #expect(String(decoding: column, as: UTF8.self) == "\"p, \"\"x\"\"\"\n0.10000000149011612\n2.0\n")
        let back = try CSV.read(data: column, column: "p, \"x\"")
        #expect(back.scalars == [Double(Float(0.1)), 2])
        let ints = try CSV.encode(.int64(try NDArray(shape: [2, 2], scalars: [Int64.min, 1, -2, 3])), delimiter: .tab)
        #expect(String(decoding: ints, as: UTF8.self) == "-9223372036854775808\t1\n-2\t3\n")
        let three = formatError { _ = try CSV.encode(.float64(try NDArray(repeating: 0, shape: [2, 2, 2]))) }
        #expect(three?.kind == .invalidShape && three?.description.contains(".npz") == true)
        #expect(formatError { _ = try CSV.encode(.float64(NDArray([1, 2])), header: ["a", "b"]) }?.kind == .invalidName)
        #expect(try CSV.encode(.float64(NDArray(scalar: 4))) == Data("4.0\n".utf8))
    }

    @Test("a file that is not readable is an io error naming it")
    func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/nabla/data.csv")
        let e = formatError { _ = try CSV.read(from: url) }
        #expect(e?.kind == .io && e?.description.hasPrefix(url.path) == true)
    }

    @Test("valueCountBound: exact for a plain table, never below the numbers read with quotes, CRLF, a header, blank lines")
    func valueCountBound() throws {
        let dir = try TemporaryDirectory()
        let cases: [(name: String, text: String, exact: Bool)] = [
            ("plain.csv", "1,2,3\n4,5,6\n", false),
            ("unterminated.csv", "1,2,3\n4,5,6", true),
            ("crlf.csv", "a,b\r\n1,2\r\n3,4\r\n", false),
            ("cr.tsv", "1\t2\r3\t4\r", false),
            ("quoted.csv", "\"x,y\",z\n\"1.5\",2\n\n3,4\n", false),
        ]
        for (name, text, _) in cases {
            try Data(text.utf8).write(to: dir.file(name))
            let read = try CSV.read(from: dir.file(name)).count
            let bound = try CSV.valueCountBound(of: dir.file(name))
            #expect(bound >= read, "\(name): \(bound) < \(read)")
            // Each line end and delimiter adds one: a handful more than the numbers, never a multiple.
            #expect(bound <= read + text.utf8.filter { $0 == 0x0A || $0 == 0x0D }.count + 3, "\(name): \(bound) for \(read)")
        }
        #expect(try CSV.valueCountBound(of: dir.file("unterminated.csv")) == 6)
        // A column: one number per line.
        try Data("t,p\n0,1.5\n1,2.5\n2,3.5\n".utf8).write(to: dir.file("column.csv"))
        #expect(try CSV.read(from: dir.file("column.csv"), column: "p").count == 3)
        #expect(try CSV.valueCountBound(of: dir.file("column.csv"), column: true) == 5)
        let missing = formatError { _ = try CSV.valueCountBound(of: dir.file("missing.csv")) }
        #expect(missing?.kind == .io)
    }
}
