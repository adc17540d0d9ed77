import Foundation

/// A byte count given on the command line: `4G`, `512M`, `1.5GiB`, `64k`, `1000000` (units are powers of
/// 1024; a trailing `B`/`iB` is optional).
package struct ByteSize: Sendable, Equatable, CustomStringConvertible {
    /// The number of bytes.
    package var bytes: Int

    /// A byte count.
    package init(bytes: Int) { self.bytes = bytes }

    /// Parses `text`, or returns nil.
    package init?(parsing text: String) {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
        var multiplier = 1.0
        if let last = s.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            multiplier = pow(1024, Double(power))
            s.removeLast()
        }
        guard let value = Double(s.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0,
              value * multiplier < Double(Int.max / 2) else { return nil }
        bytes = Int(value * multiplier)
        guard bytes > 0 else { return nil }
    }

    /// `1.5 GiB`, `512 MiB`, `900 B`.
    package var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// Half of the machine's physical memory: the default budget.
    package static var defaultBudget: ByteSize { ByteSize(bytes: max(1 << 26, Int(ProcessInfo.processInfo.physicalMemory / 2))) }
}

/// A budget of bytes shared by a batch's workers: a worker reserves a file's estimated need before loading
/// it and gives it back when the file is written, so the data held at once never exceeds the budget.
///
/// Requests are served in order (first come, first served), so a large file waiting for room is not
/// overtaken forever by small ones. A request larger than the whole budget waits until nothing else is
/// held, then runs alone (it reserves the whole budget); the batch refuses, before reading it, a file whose
/// in-memory estimate exceeds the whole budget (``GradientFileTask/memoryNeed(_:share:total:)``).
final class MemoryBudget: @unchecked Sendable {  // state guarded by `condition`
    let total: Int
    private var available: Int
    private var nextTicket = 0
    private var serving = 0
    private let condition = NSCondition()

    init(total: Int) {
        precondition(total > 0, "a memory budget must be positive")
        self.total = total
        available = total
    }

    /// What ``reserve(_:)`` granted.
    struct Grant {
        var bytes: Int
        /// The request exceeded the whole budget: it holds all of it and runs alone.
        var alone: Bool
    }

    /// Blocks until `bytes` (at most the whole budget) are free and this request's turn has come.
    func reserve(_ bytes: Int) -> Grant {
        let amount = min(max(bytes, 0), total)
        condition.lock()
        defer { condition.unlock() }
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket || available < amount { condition.wait() }
        serving += 1
        available -= amount
        condition.broadcast()
        return Grant(bytes: amount, alone: bytes > total)
    }

    /// Gives back a grant.
    func release(_ grant: Grant) {
        condition.lock()
        available += grant.bytes
        assert(available <= total, "released more than was reserved")
        condition.broadcast()
        condition.unlock()
    }
}
