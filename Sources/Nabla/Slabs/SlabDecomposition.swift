/// A field split into slabs along its outermost axis (axis 0), each with the halo planes its stencils need.
///
/// This is the one description of a decomposition that the streaming engine (a file processed a slab at a
/// time within a memory budget) and the MPI layer (a slab per rank, halos from the neighbours) share.
///
/// A slab *owns* the planes `planes`; its *buffer* holds those planes plus up to ``depth`` halo planes on
/// each side. Differentiating the buffer as if it were the whole field gives, for the owned planes, exactly
/// the values (to the bit) of differentiating the whole field, because
/// - inside, each owned plane is at least `depth` planes from the buffer's ends, so it gets the same centred
///   stencil with the same neighbours, evaluated in the same order;
/// - at a global edge the buffer starts (or ends) at the field's own edge and holds at least `depth + 1`
///   planes, so the one-sided edge stencils see the same planes too;
/// - along a periodic axis 0 the halos wrap around (the planes before plane 0 are the last planes), so the
///   owned planes get the wrapped centred stencil.
/// Values computed for halo planes are discarded.
///
/// The depth a scheme needs is ``FiniteDifferenceScheme/haloDepth``.
public struct SlabDecomposition: Sendable, Hashable {
    /// The length of axis 0 (the number of planes).
    public let planeCount: Int
    /// The halo depth: how many planes beyond its own a slab's buffer holds on each side (fewer at a
    /// non-periodic edge).
    public let depth: Int
    /// Whether axis 0 is periodic (halos wrap around).
    public let isPeriodic: Bool
    /// The first plane of each slab, then `planeCount`: slab `k` owns `starts[k]..<starts[k + 1]`.
    public let starts: [Int]

    /// Slabs of at most `planesPerSlab` planes (the last may be shorter).
    ///
    /// - Throws: ``NablaError/invalidArgument(_:)`` when `planesPerSlab < 1`, or when a periodic axis is
    ///   shorter than the halo (the halo would wrap onto the slab's own planes).
    public init(planeCount: Int, depth: Int, periodic: Bool = false, planesPerSlab: Int) throws(NablaError) {
        guard planesPerSlab >= 1 else {
            throw .invalidArgument("a slab must hold at least 1 plane, not \(planesPerSlab)")
        }
        let count = planeCount == 0 ? 0 : (planeCount - 1) / planesPerSlab + 1
        try self.init(planeCount: planeCount, depth: depth, periodic: periodic,
                      counts: (0..<count).map { min(planesPerSlab, planeCount - $0 * planesPerSlab) })
    }

    /// Slabs of the given sizes, in order (an MPI rank's share, e.g. FFTW-MPI's `local_n0`). Empty slabs
    /// are allowed (a rank with no planes).
    ///
    /// - Throws: ``NablaError/invalidArgument(_:)`` when the counts are negative or do not add up to
    ///   `planeCount`, or a periodic axis is shorter than twice the halo.
    public init(planeCount: Int, depth: Int, periodic: Bool = false, counts: [Int]) throws(NablaError) {
        guard planeCount >= 0, depth >= 0 else {
            throw .invalidArgument("a decomposition needs a plane count and halo depth of at least 0, not \(planeCount) and \(depth)")
        }
        guard counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, { $0 &+ $1 }) == planeCount else {
            throw .invalidArgument("slab sizes \(counts) do not add up to the \(planeCount) planes of axis 0")
        }
        if periodic && planeCount > 0 && 2 * depth >= planeCount {
            throw .axisTooShort("periodic axis 0 has \(planeCount) planes; stencils reaching \(depth) planes each way need more than \(2 * depth)")
        }
        self.planeCount = planeCount
        self.depth = depth
        self.isPeriodic = periodic
        var starts = [0]
        for c in counts { starts.append(starts[starts.count - 1] + c) }
        self.starts = starts
    }

    /// FFTW-MPI's block split of `planeCount` planes over `parts` processes: `⌈planeCount / parts⌉` planes
    /// each, the remainder on the next one, and none after (16 planes on 3 ranks: 6, 6, 4; 3 planes on 4
    /// ranks: 1, 1, 1, 0).
    public static func blockCounts(planeCount: Int, parts: Int) -> [Int] {
        precondition(parts >= 1 && planeCount >= 0, "blockCounts needs at least one part")
        let block = (planeCount + parts - 1) / parts
        return (0..<parts).map { k in max(0, min(block, planeCount - k * block)) }
    }

    /// The number of slabs.
    public var count: Int { starts.count - 1 }

    /// Slab `k` (`0..<count`).
    public subscript(k: Int) -> Slab {
        precondition(k >= 0 && k < count, "slab \(k) is outside 0..<\(count)")
        let planes = starts[k]..<starts[k + 1]
        guard !planes.isEmpty else { return Slab(planes: planes, haloBefore: [], haloAfter: []) }
        let before: [Int], after: [Int]
        if isPeriodic {
            before = (planes.lowerBound - depth..<planes.lowerBound).map { ($0 + planeCount) % planeCount }
            after = (planes.upperBound..<planes.upperBound + depth).map { $0 % planeCount }
        } else {
            before = Array(max(0, planes.lowerBound - depth)..<planes.lowerBound)
            after = Array(planes.upperBound..<min(planeCount, planes.upperBound + depth))
        }
        return Slab(planes: planes, haloBefore: before, haloAfter: after)
    }
}

/// One slab of a ``SlabDecomposition``: the planes it owns and the halo planes its buffer holds around them.
public struct Slab: Sendable, Hashable {
    /// The global planes whose results this slab computes.
    public let planes: Range<Int>
    /// The global indices of the halo planes before the owned ones, in buffer order.
    public let haloBefore: [Int]
    /// The global indices of the halo planes after the owned ones, in buffer order.
    public let haloAfter: [Int]

    /// The number of planes in the buffer: halo, owned planes, halo.
    public var bufferPlaneCount: Int { haloBefore.count + planes.count + haloAfter.count }

    /// Where the owned planes start in the buffer.
    public var ownedOffset: Int { haloBefore.count }

    /// The global index of every buffer plane, in buffer order.
    public var bufferPlanes: [Int] { haloBefore + Array(planes) + haloAfter }

    /// The buffer's planes as runs of consecutive global planes, in buffer order (one run, or up to three
    /// when a periodic halo wraps): what to read, each run with one contiguous read.
    public var bufferRuns: [Range<Int>] {
        var runs: [Range<Int>] = []
        for p in bufferPlanes {
            if let last = runs.last, last.upperBound == p {
                runs[runs.count - 1] = last.lowerBound..<p + 1
            } else {
                runs.append(p..<p + 1)
            }
        }
        return runs
    }
}
