/// An error on one rank, known to every rank: the message of the lowest rank that failed.
public struct DistributedError: Error, CustomStringConvertible, Sendable {
    /// The lowest rank on which the step failed.
    public var rank: Int
    /// Its error's description.
    public var message: String

    public var description: String { message }
}

extension Communicator {
    /// Runs `body` on every rank, then agrees (one `MPI_Allreduce`) on whether it succeeded everywhere: if
    /// it threw on any rank, every rank throws the same ``DistributedError`` (the message of the lowest
    /// failing rank, broadcast from it), so that no rank goes on to a collective call the others skip —
    /// an error on one rank never leaves the others waiting.
    ///
    /// `body` must not make collective calls that some ranks could skip by throwing early.
    public func collectively<Result>(_ body: () throws -> Result) throws -> Result {
        var outcome: Result?
        var failure: (any Error)?
        do { outcome = try body() } catch { failure = error }
        let failing = try allReduce([failure == nil ? Int.max : rank], .min)[0]
        guard failing != Int.max else { return outcome! }
        let text = failure.map { "\($0)" } ?? ""
        let message = try broadcast(Array(text.utf8), from: failing)
        throw DistributedError(rank: failing, message: String(decoding: message, as: UTF8.self))
    }
}
