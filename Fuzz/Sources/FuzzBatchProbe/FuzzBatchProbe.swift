import Foundation
import NablaFormats

/// libFuzzer entry point for the batch planner's file probing (`nabla batch` reads only headers to plan
/// memory, and checks existing outputs for `--resume`). The tool's own target is internal, so this fuzzes
/// the NablaFormats calls it makes, on a file: `NPY.readHeader(from:)`, `NPZ.headers(from:)` and
/// `NPZ.verify(from:)`. The first byte picks `.npy` (even) or `.npz` (odd); the rest is the file.
///
/// Checks: nothing traps (the planner's sums of header sizes included); an archive that verifies reads,
/// and its members agree with the headers the planner saw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchProbe(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Data(bytes: data + 1, count: size - 1)
    let url = scratch.appendingPathComponent(data[0] % 2 == 0 ? "probe.npy" : "probe.npz")
    guard (try? bytes.write(to: url)) != nil else { return 0 }
    if data[0] % 2 == 0 {
        if let header = try? NPY.readHeader(from: url) {
            // The planner's estimate: overflow must saturate, never trap.
            _ = saturatingProduct(header.shape + [header.dtype.itemSize])
            let array = try? NPY.read(data: bytes)
            precondition(array != nil, "a header that checks out (payload size included) must read")
            precondition(array?.shape == header.shape && array?.dtype == header.dtype, "read disagrees with the header")
        }
        return 0
    }
    let headers = try? NPZ.headers(from: url)
    if let headers {
        var held = 0
        for member in headers {
            held = saturatingSum(held, saturatingProduct(member.header.shape + [member.header.dtype.itemSize]))
        }
        _ = held
    }
    if (try? NPZ.verify(from: url)) != nil {
        let members: [(name: String, array: AnyNDArray)]
        do {
            members = try NPZ.read(data: bytes)
        } catch {
            preconditionFailure("verify passed an archive that read refuses: \(error)")
        }
        guard let headers else { preconditionFailure("verify passed an archive whose headers do not read") }
        precondition(members.map(\.name) == headers.map(\.name), "names differ between read and headers")
        for (member, header) in zip(members, headers) {
            precondition(member.array.shape == header.header.shape && member.array.dtype == header.header.dtype,
                         "member \(member.name): read and headers disagree")
        }
    }
    return 0
}

/// A private folder for this process's probe files.
let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-fuzz-probe-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? .max : r
}

func saturatingProduct(_ factors: [Int]) -> Int {
    factors.reduce(1) { a, b in
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o || r < 0 ? .max : r
    }
}
