import Nabla

/// Who sends which planes to whom so that every rank's slab buffer gets its ghost (halo) planes: the
/// messages of one halo exchange, computed by every rank from the decomposition alone (no negotiation).
///
/// General, not just nearest neighbours: a ghost plane comes from whichever rank owns it, so a rank that
/// owns fewer planes than the halo is deep is served by ranks further away, a periodic axis 0 wraps
/// between the last and the first rank (onto the rank itself when there is one), and ranks that own
/// nothing neither send nor receive. One message per pair of ranks and direction, all components packed
/// into it.
struct HaloPlan: Sendable, Equatable {
    /// This rank's ghost planes (global indices, in buffer order).
    let ghosts: [Int]
    /// From each rank, the planes it sends here, in the order they appear in ``ghosts``.
    let receives: [(rank: Int, planes: [Int])]
    /// To each rank, the planes of this rank it needs, in the order of its ghosts.
    let sends: [(rank: Int, planes: [Int])]

    static func == (a: HaloPlan, b: HaloPlan) -> Bool {
        a.ghosts == b.ghosts && a.receives.map(\.rank) == b.receives.map(\.rank) && a.receives.map(\.planes) == b.receives.map(\.planes)
            && a.sends.map(\.rank) == b.sends.map(\.rank) && a.sends.map(\.planes) == b.sends.map(\.planes)
    }

    /// The messages for rank `rank` when each rank `q` needs the ghost planes `ghosts(q)` and owns the
    /// planes `starts[q]..<starts[q + 1]`.
    init(rank: Int, starts: [Int], ghosts: (Int) -> [Int]) {
        let ranks = starts.count - 1
        func owner(_ plane: Int) -> Int {
            // The last rank whose range starts at or before the plane and is not empty.
            var low = 0, high = ranks - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if starts[mid] <= plane { low = mid } else { high = mid - 1 }
            }
            return low
        }
        let mine = ghosts(rank)
        self.ghosts = mine
        var receives: [(rank: Int, planes: [Int])] = []
        for q in 0..<ranks {
            let planes = mine.filter { owner($0) == q }
            if !planes.isEmpty { receives.append((q, planes)) }
        }
        var sends: [(rank: Int, planes: [Int])] = []
        for q in 0..<ranks {
            let planes = ghosts(q).filter { owner($0) == rank }
            if !planes.isEmpty { sends.append((q, planes)) }
        }
        self.receives = receives
        self.sends = sends
    }
}

/// A halo exchange in flight: ghost planes of every component travelling while the rank computes what
/// needs none (PETSc's `DMGlobalToLocalBegin`/`End`, split in two).
struct PendingHalo<T: FieldScalar> {
    let plan: HaloPlan
    let exchange: PendingExchange<T>
    let components: Int
    let planeElements: Int

    /// Starts sending this rank's planes that others need and receiving its ghosts (`MPI_Isend`/`MPI_Irecv`).
    static func start(_ plan: HaloPlan, fields: [NDArray<T>], firstPlane: Int, planeElements: Int,
                      communicator: Communicator, tag: Int) throws(MPIError) -> PendingHalo<T> {
        var sends: [(rank: Int, values: [T])] = []
        for (rank, planes) in plan.sends {
            var values: [T] = []
            values.reserveCapacity(planes.count * planeElements * fields.count)
            for field in fields {
                for p in planes {
                    let at = (p - firstPlane) * planeElements
                    values += field.scalars[at..<at + planeElements]
                }
            }
            sends.append((rank, values))
        }
        let receives = plan.receives.map { ($0.rank, $0.planes.count * planeElements * fields.count) }
        let exchange = try communicator.startExchange(sending: sends, receiving: receives, tag: tag)
        return PendingHalo(plan: plan, exchange: exchange, components: fields.count, planeElements: planeElements)
    }

    /// Waits for the ghosts; returns, per component, the ghost planes' values in ``HaloPlan/ghosts`` order.
    func finish() throws(MPIError) -> [[T]] {
        let received = try exchange.finish()
        var result = Array(repeating: [T](), count: components)
        for c in 0..<components { result[c].reserveCapacity(plan.ghosts.count * planeElements) }
        var cursor = Array(repeating: 0, count: plan.receives.count)
        let slot = Dictionary(uniqueKeysWithValues: plan.receives.enumerated().map { ($0.element.rank, $0.offset) })
        // Ghosts in buffer order: each is the next plane of the message from its owner. The owner of each
        // ghost, in ghost order, follows from the receive lists (each lists its planes in ghost order).
        var ghostOwners: [Int] = []
        var remaining = plan.receives.map { $0.planes[...] }
        for g in plan.ghosts {
            let k = remaining.firstIndex { $0.first == g }!
            remaining[k] = remaining[k].dropFirst()
            ghostOwners.append(plan.receives[k].rank)
        }
        for owner in ghostOwners {
            let k = slot[owner]!
            let message = received[k]
            let perComponent = plan.receives[k].planes.count * planeElements
            for c in 0..<components {
                let at = c * perComponent + cursor[k] * planeElements
                result[c] += message[at..<at + planeElements]
            }
            cursor[k] += 1
        }
        return result
    }
}
