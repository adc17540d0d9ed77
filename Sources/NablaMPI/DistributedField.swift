import Nabla

/// A field of a global shape distributed over the ranks of a communicator in slabs of axis 0: each rank
/// holds the planes it owns (``local``), no more.
///
/// The split is FFTW-MPI's block split by default (``SlabDecomposition/blockCounts(planeCount:parts:)``:
/// ⌈n0/P⌉ planes per rank, the remainder on the next one, none after), so that finite differences and
/// spectral derivatives share one layout. Ghost (halo) planes are not stored with the field: each
/// operation exchanges the depth it needs (see ``SlabbedOperation/apply(to:)``) — PETSc's global vector,
/// whose ghosted local form exists only while an operation runs.
public struct DistributedField<Scalar: FieldScalar>: Sendable {
    /// The ranks the field lives on.
    public let communicator: Communicator
    /// The whole field's shape.
    public let shape: [Int]
    /// How many planes of axis 0 each rank owns, by rank.
    public let counts: [Int]
    /// This rank's planes: shape `[planes.count] + shape[1...]`.
    public var local: NDArray<Scalar> {
        didSet { precondition(local.shape == oldValue.shape, "a distributed field's local slab keeps its shape") }
    }

    /// The global planes this rank owns.
    public var planes: Range<Int> {
        let rank = communicator.rank
        let start = counts[..<rank].reduce(0, +)
        return start..<start + counts[rank]
    }

    /// The number of elements in one plane of axis 0.
    public var planeElements: Int { shape.dropFirst().reduce(1, *) }

    /// A field from this rank's planes.
    ///
    /// - Parameters:
    ///   - counts: planes per rank (sum `shape[0]`); nil: FFTW-MPI's block split.
    ///   - local: this rank's planes, of shape `[counts[rank]] + shape[1...]`.
    /// - Throws: ``NablaError/invalidShape(_:)`` when the shape is 0-D or `local`'s shape does not fit.
    public init(shape: [Int], communicator: Communicator, counts: [Int]? = nil, local: NDArray<Scalar>) throws(NablaError) {
        guard !shape.isEmpty else {
            throw .invalidShape("a distributed field needs at least one axis (it is split along axis 0)")
        }
        let counts = counts ?? SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
        guard counts.count == communicator.size, counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) == shape[0] else {
            throw .invalidShape("plane counts \(counts) do not split the \(shape[0]) planes of axis 0 over \(communicator.size) ranks")
        }
        let expected = [counts[communicator.rank]] + shape.dropFirst()
        guard local.shape == expected else {
            throw .invalidShape("rank \(communicator.rank) owns \(expected[0]) planes, so its local array must have shape \(expected), not \(local.shape)")
        }
        self.shape = shape
        self.communicator = communicator
        self.counts = counts
        self.local = local
    }

    /// A field whose value at each global index is `value(index)`, each rank computing its own planes
    /// (a field built analytically, nothing communicated).
    public init(shape: [Int], communicator: Communicator, counts: [Int]? = nil,
                value: ([Int]) throws -> Scalar) throws {
        guard !shape.isEmpty else {
            throw NablaError.invalidShape("a distributed field needs at least one axis (it is split along axis 0)")
        }
        let counts = counts ?? SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
        guard counts.count == communicator.size, counts.reduce(0, +) == shape[0] else {
            throw NablaError.invalidShape("plane counts \(counts) do not split the \(shape[0]) planes of axis 0 over \(communicator.size) ranks")
        }
        let start = counts[..<communicator.rank].reduce(0, +)
        let local = try NDArray<Scalar>(shape: [counts[communicator.rank]] + shape.dropFirst()) { index in
            var global = index
            global[0] += start
            return try value(global)
        }
        try self.init(shape: shape, communicator: communicator, counts: counts, local: local)
    }

    /// This rank's planes of a whole field every rank holds (e.g. read by every rank from a file that
    /// cannot be read in parts).
    public init(scattering whole: NDArray<Scalar>, communicator: Communicator, counts: [Int]? = nil) throws(NablaError) {
        let shape = whole.shape
        guard !shape.isEmpty else {
            throw .invalidShape("a distributed field needs at least one axis (it is split along axis 0)")
        }
        let counts = counts ?? SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
        let start = counts[..<min(communicator.rank, counts.count)].reduce(0, +)
        let plane = shape.dropFirst().reduce(1, *)
        let count = communicator.rank < counts.count ? counts[communicator.rank] : 0
        let local = try NDArray(shape: [count] + shape.dropFirst(),
                                scalars: Array(whole.scalars[start * plane..<(start + count) * plane]))
        try self.init(shape: shape, communicator: communicator, counts: counts, local: local)
    }

    /// The same field split as `counts` instead (planes travel between ranks; values are not changed):
    /// each rank sends the planes it owns that another rank owns under `counts`, one message per pair.
    /// Collective.
    ///
    /// - Throws: ``NablaError/invalidShape(_:)`` (on every rank) when `counts` does not split axis 0 over
    ///   the ranks; ``MPIError`` when a message fails.
    public func redistributed(counts newCounts: [Int]) throws -> DistributedField<Scalar> {
        guard newCounts != counts else { return self }
        guard newCounts.count == communicator.size, newCounts.allSatisfy({ $0 >= 0 }), newCounts.reduce(0, +) == shape[0] else {
            throw NablaError.invalidShape("plane counts \(newCounts) do not split the \(shape[0]) planes of axis 0 over \(communicator.size) ranks")
        }
        func ranges(_ counts: [Int]) -> [Range<Int>] {
            var start = 0
            return counts.map { c in defer { start += c }; return start..<start + c }
        }
        let old = ranges(counts), new = ranges(newCounts)
        let me = communicator.rank, plane = planeElements
        func overlap(_ a: Range<Int>, _ b: Range<Int>) -> Range<Int> {
            let low = max(a.lowerBound, b.lowerBound)
            return low..<max(low, min(a.upperBound, b.upperBound))
        }
        var sends: [(rank: Int, values: [Scalar])] = []
        var receives: [(rank: Int, count: Int)] = []
        for q in 0..<communicator.size {
            let out = overlap(old[me], new[q])
            if !out.isEmpty {
                let from = (out.lowerBound - old[me].lowerBound) * plane
                sends.append((q, Array(local.scalars[from..<from + out.count * plane])))
            }
            let into = overlap(old[q], new[me])
            if !into.isEmpty { receives.append((q, into.count * plane)) }
        }
        let parts = try communicator.startExchange(sending: sends, receiving: receives, tag: 902).finish()
        let values = try NDArray(shape: [new[me].count] + shape.dropFirst(), scalars: parts.flatMap { $0 })
        return try DistributedField(shape: shape, communicator: communicator, counts: newCounts, local: values)
    }

    /// The whole field on rank `root` (nil on the others). Collective; for tests and small fields.
    public func gathered(on root: Int = 0) throws -> NDArray<Scalar>? {
        let me = communicator.rank
        let exchange = try communicator.startExchange(
            sending: [(root, local.scalars)],
            receiving: me == root ? counts.enumerated().map { ($0.offset, $0.element * planeElements) } : [],
            tag: 901)
        let parts = try exchange.finish()
        guard me == root else { return nil }
        return try NDArray(shape: shape, scalars: parts.flatMap { $0 })
    }
}
