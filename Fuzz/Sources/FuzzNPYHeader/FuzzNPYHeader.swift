import Foundation
import NablaFormats

/// libFuzzer entry point: any bytes must either parse or throw a `FormatError` — never trap, never allocate
/// more than the input justifies (libFuzzer's `-rss_limit_mb` catches that).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPYHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    do {
        let array = try NPY.read(data: bytes, name: "fuzz.npy")
        // Invariants of a successful read.
        let count = array.shape.reduce(1, *)
        precondition(count == array.count, "shape \(array.shape) does not match \(array.count) elements")
        precondition(count * array.dtype.itemSize <= size, "more element bytes than input bytes")
        // What was read must encode and read back to the same array.
        let again = try NPY.read(data: NPY.encode(array), name: "again.npy")
        precondition(again.shape == array.shape && again.dtype == array.dtype, "encode/read changed the array")
    } catch {
        // Refused with a FormatError (the readers throw nothing else): fine.
        _ = error.kind
    }
    return 0
}
