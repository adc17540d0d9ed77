import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splitting large work over all cores.
enum Parallel {
    /// The number of worker threads used for large arrays: the active processor count.
    static let workerCount: Int = {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, n)
        #else
        return 1
        #endif
    }()

    /// Calls `body` on disjoint ranges that together cover `0..<count`, concurrently when the work is
    /// large enough (`count * costPerItem` at least about 2^16 element operations).
    ///
    /// `body` must only write to memory its own range owns.
    static func forEachChunk(count: Int, costPerItem: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let work = count.multipliedReportingOverflow(by: max(1, costPerItem))
        let chunks: Int
        if work.overflow || work.partialValue >= (1 << 16) {
            chunks = min(count, workerCount * 4)
        } else {
            chunks = 1
        }
        if chunks == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// A raw pointer handed to worker threads.
///
/// `@unchecked Sendable` because the compiler cannot see that the workers write disjoint ranges;
/// ``Parallel/forEachChunk(count:costPerItem:_:)`` guarantees that each range is owned by one worker.
struct SendablePointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// A read-only raw pointer handed to worker threads (see ``SendablePointer``).
struct SendableReadPointer<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
}
