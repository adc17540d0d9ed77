import Nabla

/// Errors of a distributed field against a reference, reduced over every rank: the statistics of
/// NablaVerification's ``ErrorStatistics`` that need one pass (max with its argmax, L2, RMS).
///
/// ```
/// maxAbsError = max_i |a_i − b_i|          argmax = the first global index (C order) where it occurs
/// l2Error     = sqrt(Σ_i (a_i − b_i)²)     rmsError = l2Error / sqrt(N)
/// ```
/// The maximum and its location come from one `MPI_Allreduce` with `MPI_MAXLOC` (the lowest rank holding
/// the maximum wins, so the argmax is the first occurrence, numpy's `argmax`); the sums from
/// `MPI_Allreduce` with `MPI_SUM` (their last bits depend on the number of ranks).
public struct DistributedErrorSummary: Sendable, Hashable, CustomStringConvertible {
    /// The number of points.
    public var count: Int
    /// The largest `|a − b|` (infinity when any difference is not finite).
    public var maxAbsError: Double
    /// The global index of the largest error.
    public var argmax: [Int]
    /// `sqrt(Σ (a − b)²)`.
    public var l2Error: Double
    /// `l2Error / sqrt(count)`.
    public var rmsError: Double
    /// The largest `|b|` of the reference (for relative errors).
    public var referenceMaxAbs: Double
    /// The number of points where the field or the reference is NaN or infinite.
    public var nonFiniteCount: Int

    public var description: String {
        "max |error| \(maxAbsError) at \(argmax), L2 \(l2Error), RMS \(rmsError) over \(count) points (reference max \(referenceMaxAbs))"
    }
}

extension DistributedField {
    /// The errors of this field against `reference` (same shape and split), on every rank. Collective.
    public func errors(against reference: DistributedField<Scalar>) throws -> DistributedErrorSummary {
        precondition(reference.shape == shape && reference.counts == counts, "a field is scored against a reference of its shape and split")
        return try errors { offset in Double(reference.local.scalars[offset]) }
    }

    /// The errors of this field against the exact values `exact(index)` at each global index, on every
    /// rank (each rank evaluates its own planes). Collective.
    public func errors(against exact: ([Int]) -> Double) throws -> DistributedErrorSummary {
        let start = planes.lowerBound
        return try errors { offset in
            var index = local.multiIndex(ofFlatOffset: offset)
            index[0] += start
            return exact(index)
        }
    }

    private func errors(reference: (Int) -> Double) throws -> DistributedErrorSummary {
        var worst = -1.0, worstAt = 0, sum = 0.0, referenceMax = 0.0, nonFinite = 0
        for (k, a) in local.scalars.enumerated() {
            let b = reference(k)
            let e = abs(Double(a) - b)
            guard e.isFinite && b.isFinite else {
                nonFinite += 1
                if worst != .infinity { (worst, worstAt) = (.infinity, k) }
                continue
            }
            if e > worst { (worst, worstAt) = (e, k) }
            sum += e * e
            referenceMax = max(referenceMax, abs(b))
        }
        let (maxError, owner) = try communicator.maxLocation(worst)
        var index = local.count > 0 ? local.multiIndex(ofFlatOffset: worstAt) : Array(repeating: 0, count: shape.count)
        index[0] += planes.lowerBound
        let argmax = try communicator.broadcast(index, from: owner)
        let sums = try communicator.allReduce([sum], .sum)
        let maxima = try communicator.allReduce([referenceMax], .max)
        let counts = try communicator.allReduce([nonFinite, local.count], .sum)
        return DistributedErrorSummary(count: counts[1], maxAbsError: max(0, maxError), argmax: argmax,
                                       l2Error: sums[0].squareRoot(),
                                       rmsError: counts[1] > 0 ? (sums[0] / Double(counts[1])).squareRoot() : 0,
                                       referenceMaxAbs: maxima[0], nonFiniteCount: counts[0])
    }
}
