import Foundation
import NablaFormats

/// The array headers of a `.npy` file or `.npz` archive, read without reading any array data: what a batch
/// needs to estimate a file's memory before loading it, and to check an existing output for `--resume`.
///
/// For an archive this reads only the ZIP directory and each member's `.npy` header — a few kilobytes
/// whatever the archive's size.
struct ArchiveHeaders {
    /// One array: its name (file stem for `.npy`, member name without `.npy` for `.npz`), dtype and shape.
    struct Entry: Equatable {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// Whether the member is stored (not deflated) with exactly the bytes its header declares.
        var complete: Bool
        /// The bytes the array occupies in memory once read (`Int.max` when that overflows: a header that
        /// lies about its shape must not trap the batch).
        var byteCount: Int { Saturating.product(shape + [dtype.itemSize]) }
    }

    var entries: [Entry]

    /// The header of a `.npy` file (checked by NablaFormats, payload size included).
    static func npy(_ url: URL) throws(PipelineError) -> ArchiveHeaders {
        do {
            let header = try NPY.readHeader(from: url)
            return ArchiveHeaders(entries: [Entry(name: url.deletingPathExtension().lastPathComponent, dtype: header.dtype,
                                                  shape: header.shape, complete: true)])
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }

    /// Whether the `.npz` archive at `url` verifies completely (``NPZ/verify(from:)``: directory, local
    /// headers, sizes and every member's CRC-32), read in bounded chunks.
    static func verifies(_ url: URL) -> Bool {
        (try? NPZ.verify(from: url)) != nil
    }

    /// The member headers of an `.npz` archive, in archive order (``NPZ/headers(from:)``).
    static func npz(_ url: URL) throws(PipelineError) -> ArchiveHeaders {
        do {
            return ArchiveHeaders(entries: try NPZ.headers(from: url).map {
                Entry(name: $0.name, dtype: $0.header.dtype, shape: $0.header.shape, complete: $0.isCompleteStored)
            })
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }
}

/// Arithmetic on sizes from file headers, which may be absurd: results stick at `Int.max` instead of
/// trapping on overflow.
enum Saturating {
    /// `a + b`, or `Int.max`.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : r
    }

    /// `a × b`, or `Int.max`.
    static func product(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow || r < 0 ? .max : r
    }

    /// The product of `factors` (non-negative), or `Int.max`.
    static func product(_ factors: [Int]) -> Int { factors.reduce(1) { product($0, $1) } }
}
