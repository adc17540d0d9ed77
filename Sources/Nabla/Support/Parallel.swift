import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splitting large work over all cores: the package's one data-parallel style.
///
/// Every parallel loop in the package (finite-difference kernels, weight tables, the spectral engine's
/// multiplies and checks) goes through ``forEachChunk(count:costPerItem:_:)``; workers that write shared
/// memory reach it through a ``SharedBuffer`` and write only the range they were given.
package enum Parallel {
    /// The number of online processors (at least 1): how many worker threads large work is spread over,
    /// FFTW's threads included.
    package static let coreCount: Int = {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, n)
        #else
        return 1
        #endif
    }()

    /// Work below this many element operations (`count * costPerItem`) runs on the calling thread.
    package static let threshold = 1 << 16

    /// Calls `body` on disjoint ranges that together cover `0..<count`, concurrently (4 chunks per core)
    /// when the work is large enough (`count * costPerItem` at least ``threshold``), else once on the
    /// calling thread.
    ///
    /// `body` must only write to memory its own range owns.
    ///
    /// - Complexity: `count * costPerItem / coreCount` per worker, plus one dispatch per chunk.
    package static func forEachChunk(count: Int, costPerItem: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkCount(count: count, costPerItem: costPerItem)
        if chunks == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(c, range)` for `chunks` disjoint ranges covering `0..<count`, concurrently; range `c`
    /// is `count·c/chunks ..< count·(c+1)/chunks` (possibly empty). For reductions that keep one slot per
    /// chunk.
    package static func forEachChunk(count: Int, chunks: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let chunks = max(1, chunks)
        if chunks == 1 { body(0, 0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body(c, (count * c / chunks)..<(count * (c + 1) / chunks))
        }
    }

    /// The number of chunks ``forEachChunk(count:costPerItem:_:)`` uses.
    package static func chunkCount(count: Int, costPerItem: Int = 1) -> Int {
        let work = count.multipliedReportingOverflow(by: max(1, costPerItem))
        if work.overflow || work.partialValue >= threshold { return max(1, min(count, coreCount * 4)) }
        return 1
    }
}
