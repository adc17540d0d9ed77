import Foundation

/// A value guarded by a pthread mutex (`NSLock`): the one lock type of the package.
///
/// Used instead of `Synchronization.Mutex`: on Linux that type locks with raw futex calls, which
/// ThreadSanitizer cannot see, so every access it guards is reported as a race. A pthread mutex gives the
/// same guarantees and keeps `Scripts/sanitizers.sh` meaningful. Not recursive: `body` must not take the
/// same lock again.
///
/// `@unchecked Sendable`: `value` is only read or written inside `withLock`, under `lock`.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    package func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

extension Locked where Value == Void {
    /// A lock that guards no value, only a critical section (e.g. calls into a non-thread-safe C library).
    package convenience init() { self.init(()) }

    /// Runs `body` while holding the lock.
    ///
    /// Takes the lock directly rather than through the value-passing `withLock`: an `inout` access to the
    /// zero-sized `value` is reported by ThreadSanitizer as a race on the object (there is nothing to race on).
    package func withLock<Result, E: Error>(_ body: () throws(E) -> Result) throws(E) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
