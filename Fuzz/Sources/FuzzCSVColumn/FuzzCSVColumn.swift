import Foundation
import Nabla
import NablaFormats

/// libFuzzer entry point for the CSV header and column path: `CSV.read(data:column:)` with a column name
/// taken from the input. Layout: one mode byte (delimiter: sniffed, comma or tab), the column name up to
/// the first NUL byte, then the table's text. Any input must give a 1-D column or throw a `FormatError`;
/// a column read must survive writing it under its name and reading it back by that name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVColumn(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let delimiter: CSV.Delimiter? = switch bytes[0] % 3 { case 0: nil; case 1: .comma; default: .tab }
    let rest = bytes[1...]
    let split = rest.firstIndex(of: 0) ?? rest.endIndex
    let name = String(decoding: rest[rest.startIndex..<split], as: UTF8.self)
    let text = split < rest.endIndex ? Data(Array(rest[(split + 1)...])) : Data()
    do throws(FormatError) {
        let column = try CSV.read(data: text, name: "fuzz.csv", column: name, delimiter: delimiter)
        precondition(column.rank == 1, "a column must be 1-D, got shape \(column.shape)")
        precondition(column.count >= 1 && column.count <= text.count, "\(column.count) values from \(text.count) bytes")
        // Round trip under the same name (names the reader would trim or strip cannot come back unchanged).
        let blank: Set<Character> = [" ", "\t"]
        guard let first = name.first, let last = name.last, !blank.contains(first), !blank.contains(last),
              first != "\u{FEFF}", !name.contains("\u{0}") else { return 0 }
        let encoded = try CSV.encode(.float64(column), delimiter: delimiter ?? .comma, header: [name])
        let back = try CSV.read(data: encoded, name: "again.csv", column: name, delimiter: delimiter ?? .comma)
        precondition(back.count == column.count, "round trip changed the length \(column.count) -> \(back.count)")
        for (x, y) in zip(column.scalars, back.scalars) {
            precondition(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN), "round trip changed \(x) to \(y)")
        }
    } catch {
        // Refused with a FormatError (the readers throw nothing else): fine.
        _ = error.kind
    }
    // The grid path on the same text must also refuse cleanly or give a consistent grid.
    if let grid = try? CSV.read(data: text, name: "fuzz.csv", delimiter: delimiter) {
        precondition(grid.rank == 2 && grid.shape[0] * grid.shape[1] == grid.count, "grid shape \(grid.shape)")
    }
    return 0
}
