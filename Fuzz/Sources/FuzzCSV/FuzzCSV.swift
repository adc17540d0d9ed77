import Foundation
import Nabla
import NablaFormats

/// libFuzzer entry point. The first byte picks the mode (grid or column "a"; sniffed, comma or tab
/// delimiter); the rest is the text. Any text must parse or throw a `FormatError`, and a parsed grid must
/// be written and read back to exactly the same values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else {
        precondition((try? CSV.read(data: Data(), name: "fuzz.csv")) == nil, "empty input parsed")
        return 0
    }
    let mode = data[0]
    let text = Data(bytes: data + 1, count: size - 1)
    let delimiter: CSV.Delimiter? = switch mode % 3 { case 0: nil; case 1: .comma; default: .tab }
    let column: String? = mode & 0x80 != 0 ? "a" : nil
    do {
        let array = try CSV.read(data: text, name: "fuzz.csv", column: column, delimiter: delimiter)
        precondition(array.count <= size, "more values than input bytes")
        precondition(array.shape.reduce(1, *) == array.count, "shape does not match the values")
        let encoded = try CSV.encode(.float64(array), delimiter: delimiter ?? .comma)
        let back = try CSV.read(data: encoded, name: "again.csv", delimiter: delimiter ?? .comma)
        let expectedShape = array.rank == 1 ? [array.count, 1] : array.shape
        precondition(back.shape == expectedShape, "round trip changed the shape \(array.shape) -> \(back.shape)")
        for (x, y) in zip(array.scalars, back.scalars) {
            precondition(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN), "round trip changed \(x) to \(y)")
        }
    } catch {
        // Refused with a FormatError (the readers throw nothing else): fine.
        _ = error.kind
    }
    return 0
}
