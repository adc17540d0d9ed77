import Foundation
import NablaFormats

/// libFuzzer entry point: any bytes must either read as an archive or throw a `FormatError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    do {
        let members = try NPZ.read(data: bytes, name: "fuzz.npz")
        for (_, array) in members {
            precondition(array.shape.reduce(1, *) == array.count, "shape \(array.shape) does not match \(array.count) elements")
        }
    } catch {
        // Refused with a FormatError (the readers throw nothing else): fine.
        _ = error.kind
    }
    return 0
}
