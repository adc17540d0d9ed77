import Nabla

extension SlabbedOperation {
    /// The operation on a distributed field (one component per input: one for gradient and Laplacian, one
    /// per axis for divergence and curl), distributed alike — each rank's results for its planes are the
    /// one-process results to the bit.
    ///
    /// Each rank's ghost planes travel by non-blocking messages (``HaloPlan``) while it computes the
    /// planes that need none; then the planes near its slab's ends are computed from small buffers of
    /// ghosts and owned planes. A ghost plane comes from whichever rank owns it (ranks holding fewer planes
    /// than the halo is deep are served by ranks further on); a periodic axis 0 wraps between the last
    /// and first rank. A periodic axis 0 too short to cut (`2·depth ≥ n0`) is gathered whole on every
    /// rank that owns planes.
    ///
    /// Collective: every rank of the fields' communicator calls it with the same operation.
    ///
    /// - Throws: the ``NablaError`` the in-memory function throws for the same arguments (identically on
    ///   every rank, before any message), ``MPIError`` when a message fails.
    public func apply<T: FieldScalar>(to components: [DistributedField<T>]) throws -> [DistributedField<T>] {
        precondition(!components.isEmpty, "an operation needs at least one input component")
        let first = components[0]
        let shape = first.shape
        let communicator = first.communicator
        guard components.allSatisfy({ $0.shape == shape && $0.counts == first.counts }) else {
            throw NablaError.invalidShape("the components of a vector field must share one shape and split; got \(components.map(\.shape))")
        }
        let inputCount = inputCount(rank: shape.count)
        guard components.count == inputCount else {
            throw NablaError.invalidArgument("\(inputCount) component\(inputCount == 1 ? "" : "s") are needed, \(components.count) were given")
        }
        let prepared = try prepared(shape: shape)
        let resultCount = try resultCount(shape: shape)
        let rest = Array(shape.dropFirst())
        let owned = first.planes
        let planeElements = first.planeElements
        func wrap(_ locals: [NDArray<T>]) throws -> [DistributedField<T>] {
            try locals.map { (local) throws(NablaError) in
                try DistributedField(shape: shape, communicator: communicator, counts: first.counts, local: local)
            }
        }
        if shape.contains(0) {
            return try wrap((0..<resultCount).map { _ in try NDArray<T>(repeating: 0, shape: first.local.shape) })
        }

        let whole = prepared.needsWholeAxis0
        var starts = [0]
        for c in first.counts { starts.append(starts[starts.count - 1] + c) }
        let depth = whole ? 0 : prepared.depth
        let decomposition = try SlabDecomposition(planeCount: shape[0], depth: depth,
                                                  periodic: prepared.periodicAxis0 && !whole, counts: first.counts)
        func ghosts(_ rank: Int) -> [Int] {
            let slab = decomposition[rank]
            guard !slab.planes.isEmpty else { return [] }
            if whole { return (0..<shape[0]).filter { !slab.planes.contains($0) } }
            return slab.haloBefore + slab.haloAfter
        }
        let rank = communicator.rank
        let slab = decomposition[rank]
        let halo = HaloPlan(rank: rank, starts: starts, ghosts: ghosts)
        let inputs = components.map(\.local)
        let pending = try PendingHalo.start(halo, fields: inputs, firstPlane: owned.lowerBound, planeElements: planeElements,
                                            communicator: communicator, tag: 17)
        if owned.isEmpty {
            _ = try pending.finish()
            return try wrap((0..<resultCount).map { _ in try NDArray<T>(repeating: 0, shape: first.local.shape) })
        }

        // Overlap: planes at least `depth` from both ends of the slab need no ghost; compute them (with the
        // slab alone as the buffer) while the ghosts travel.
        let d = prepared.depth
        let overlaps = !whole && d > 0 && owned.count >= 2 * d + 1
        var results: [NDArray<T>] = []
        if overlaps || d == 0 {
            try self.apply(inputs, bufferPlanes: Array(owned), prepared: prepared, into: &results)
        }
        let ghostValues = try pending.finish()
        if d == 0 && !whole { return try wrap(results) }

        // A buffer of the given global planes for each component: owned planes from the slab, ghosts from
        // the exchange.
        let ghostSlot = Dictionary(halo.ghosts.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func buffer(_ planes: [Int]) throws -> [NDArray<T>] {
            try (0..<components.count).map { c in
                var values: [T] = []
                values.reserveCapacity(planes.count * planeElements)
                for p in planes {
                    if owned.contains(p) {
                        let at = (p - owned.lowerBound) * planeElements
                        values += inputs[c].scalars[at..<at + planeElements]
                    } else {
                        let at = ghostSlot[p]! * planeElements
                        values += ghostValues[c][at..<at + planeElements]
                    }
                }
                return try NDArray(shape: [planes.count] + rest, scalars: values)
            }
        }

        if overlaps {
            // The first and last `d` planes, each from halo + 2·d owned planes (a sub-slab of `d` planes).
            let front = slab.haloBefore + Array(owned.lowerBound..<owned.lowerBound + 2 * d)
            let back = Array(owned.upperBound - 2 * d..<owned.upperBound) + slab.haloAfter
            var zone: [NDArray<T>] = []
            try self.apply(try buffer(front), bufferPlanes: front, prepared: prepared, into: &zone)
            for r in 0..<resultCount {
                let from = slab.haloBefore.count * planeElements
                results[r].replaceElements(0..<d * planeElements, with: zone[r].scalars[from..<from + d * planeElements])
            }
            try self.apply(try buffer(back), bufferPlanes: back, prepared: prepared, into: &zone)
            for r in 0..<resultCount {
                let to = owned.count * planeElements
                results[r].replaceElements(to - d * planeElements..<to,
                                           with: zone[r].scalars[d * planeElements..<2 * d * planeElements])
            }
            return try wrap(results)
        }

        // Small slabs (or a whole periodic axis): one buffer of ghosts and owned planes.
        let planes = whole ? Array(0..<shape[0]) : slab.bufferPlanes
        var outputs: [NDArray<T>] = []
        try self.apply(try buffer(planes), bufferPlanes: whole ? nil : planes, prepared: prepared, into: &outputs)
        let offset = (whole ? owned.lowerBound : slab.ownedOffset) * planeElements
        return try wrap(outputs.map { (output) throws(NablaError) in
            try NDArray(shape: first.local.shape, scalars: Array(output.scalars[offset..<offset + owned.count * planeElements]))
        })
    }
}

extension SlabbedOperation {
    /// The bytes each rank holds while ``apply(to:)`` runs on fields of `shape` split as `counts`, with
    /// values of `elementSize` bytes (an estimate from the algorithm's buffers, for memory budgets):
    /// ```
    /// bytes_r = (c·n + R·n + 2·c·g + (c + R)·z) · plane · elementSize
    /// ```
    /// for `n` owned planes, `c` input components, `R` results, `g` ghost planes (at most 2·depth; the
    /// rest of axis 0 when a short periodic axis is gathered whole) received and as many sent, and `z`
    /// planes of the buffers near the slab's ends (3·depth, or the whole buffer `n + g` for slabs too
    /// thin to overlap). A rank that owns nothing holds nothing.
    ///
    /// - Throws: the ``NablaError`` of ``apply(to:)`` for an operation that does not fit `shape`.
    public func distributedBytes(shape: [Int], counts: [Int], elementSize: Int) throws(NablaError) -> [Int] {
        let prepared = try prepared(shape: shape)
        let c = inputCount(rank: shape.count), results = try resultCount(shape: shape)
        let plane = shape.dropFirst().reduce(1, *)
        let d = prepared.depth, whole = prepared.needsWholeAxis0
        // The slabs ``apply(to:)`` builds.
        let decomposition = try SlabDecomposition(planeCount: shape[0], depth: whole ? 0 : d,
                                                  periodic: prepared.periodicAxis0 && !whole, counts: counts)
        return counts.indices.map { k in
            let n = counts[k]
            guard n > 0 else { return 0 }
            let slab = decomposition[k]
            let g = whole ? shape[0] - n : slab.haloBefore.count + slab.haloAfter.count
            let zone = whole ? n + g : d == 0 ? 0 : n >= 2 * d + 1 ? 3 * d : n + g
            let planes = c * n + results * n + 2 * c * g + (c + results) * zone
            return planes * plane * elementSize
        }
    }
}
