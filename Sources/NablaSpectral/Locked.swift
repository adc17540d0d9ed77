import Foundation

/// A value guarded by a pthread mutex (`NSLock`).
///
/// Used instead of `Synchronization.Mutex`: on Linux that type locks with raw futex calls, which
/// ThreadSanitizer cannot see, so every access it guards is reported as a race. A pthread mutex gives the
/// same guarantees and keeps `Scripts/sanitizers.sh` meaningful.
///
/// `@unchecked Sendable`: `value` is only read or written inside `withLock`, under `lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
