/// The checked spacings and built stencils of the last few coordinate arrays, so a repeated call with
/// the same coordinates skips validating them, taking their steps and, for Fornberg's stencils
/// (accuracy above 2 or higher derivatives), computing per-row weights (for 2^24 points those cost
/// several times the differencing itself). numpy's scheme needs only the steps: its stencil keeps them
/// and the kernel computes each row's three weights as it goes (``NumpySteps``).
///
/// ```
/// key          the coordinates, compared in full (bit patterns) — or found by identity of storage
/// entry        ResolvedSpacing (steps, or the collapsed uniform step) and, per Fornberg stencil kind
///              (m, p; element type), the BuiltStencil with its per-row weights
/// bounds       at most `maxEntries` entries and `maxBytes` bytes (coordinates, steps, weights); LRU
/// ```
///
/// Why a stale entry cannot happen: an entry keeps the caller's array itself (sharing its storage), so
/// that storage is never freed or reused while the entry lives, and Swift's copy-on-write gives any
/// mutation of the caller's array new storage first. Storage identity therefore implies equal contents;
/// any other array is compared element by element (bit patterns, so `-0.0` and `0.0` differ).
/// Slab plans cut the coordinates into new arrays: they find nothing and store nothing.
enum CoordinateCache {
    /// At most this many coordinate arrays are kept.
    static let maxEntries = 8
    /// At most this many bytes (coordinates, steps, weights) are kept; larger entries are not kept.
    static let maxBytes = 1 << 30

    /// What a Fornberg stencil was built for: (m, p) and the field's element type.
    struct StencilKind: Hashable {
        var derivative: Int
        var accuracy: Int
        var element: ObjectIdentifier
    }

    enum Coordinates {
        case double([Double])
        case float([Float])

        var count: Int {
            switch self {
            case let .double(x): x.count
            case let .float(x): x.count
            }
        }

        var bytes: Int {
            switch self {
            case let .double(x): x.count * 8
            case let .float(x): x.count * 4
            }
        }

        /// Equal contents, decided by identity of storage when possible (see ``CoordinateCache``).
        func matches(_ other: Coordinates) -> Bool {
            switch (self, other) {
            case let (.double(a), .double(b)):
                guard a.count == b.count else { return false }
                if a.sharesStorage(with: b) { return true }
                for i in a.indices where a[i].bitPattern != b[i].bitPattern { return false }
                return true
            case let (.float(a), .float(b)):
                guard a.count == b.count else { return false }
                if a.sharesStorage(with: b) { return true }
                for i in a.indices where a[i].bitPattern != b[i].bitPattern { return false }
                return true
            default:
                return false
            }
        }
    }

    struct Entry {
        let key: Coordinates
        let resolved: ResolvedSpacing
        var stencils: [StencilKind: any Sendable] = [:]
        var bytes: Int

        init(key: Coordinates, resolved: ResolvedSpacing) {
            self.key = key
            self.resolved = resolved
            var bytes = key.bytes
            switch resolved {
            case let .steps(dx, x): bytes += dx.count * 8 + (key.bytes == x.count * 8 ? 0 : x.count * 8)
            case let .floatSteps(dx, x): bytes += dx.count * 4 + x.count * 8
            case .weakStep, .strongStep, .floatStrongStep: break
            }
            self.bytes = bytes
        }

        /// The positions the entry's stencils are built on (its resolved spacing's `Double` coordinates).
        var positions: [Double]? {
            switch resolved {
            case let .steps(_, x), let .floatSteps(_, x): x
            case .weakStep, .strongStep, .floatStrongStep: nil
            }
        }
    }

    /// Most recently used last.
    private static let entries = Locked<[Entry]>([])

    /// ``ResolvedSpacing/resolve(_:length:axis:)``, from the cache when these coordinates were resolved
    /// before.
    static func resolve(_ spacing: Spacing, length: Int, axis: Int) throws(NablaError) -> ResolvedSpacing {
        let key: Coordinates
        switch spacing {
        case .uniform: return try ResolvedSpacing.resolve(spacing, length: length, axis: axis)
        case let .coordinates(x): key = .double(x)
        case let .floatCoordinates(x): key = .float(x)
        }
        // An entry was validated for an axis of its own length, so it serves axes of that length only.
        if key.count == length, let hit = entries.withLock({ list -> ResolvedSpacing? in
            guard let i = list.firstIndex(where: { $0.key.matches(key) }) else { return nil }
            let entry = list.remove(at: i)
            list.append(entry)
            return entry.resolved
        }) {
            return hit
        }
        let resolved = try ResolvedSpacing.resolve(spacing, length: length, axis: axis)
        let entry = Entry(key: key, resolved: resolved)
        guard entry.bytes <= maxBytes else { return resolved }
        entries.withLock { list in
            list.append(entry)
            evict(&list)
        }
        return resolved
    }

    /// The stencil of `kind` built on `positions` (the coordinates of a spacing this cache resolved, found
    /// by identity of storage), building and keeping it with `build` on a miss. Coordinates the cache
    /// did not resolve (a slab's cut) are built and not kept.
    static func stencil<T: FieldScalar>(
        on positions: [Double], kind: StencilKind, build: () -> BuiltStencil<T>
    ) -> BuiltStencil<T> {
        let found = entries.withLock { list -> (known: Bool, stencil: BuiltStencil<T>?) in
            guard let entry = list.last(where: { $0.positions?.sharesStorage(with: positions) == true }) else { return (false, nil) }
            return (true, entry.stencils[kind] as? BuiltStencil<T>)
        }
        if let stencil = found.stencil { return stencil }
        let stencil = build()
        guard found.known else { return stencil }
        let bytes = weightBytes(stencil)
        entries.withLock { list in
            guard let i = list.lastIndex(where: { $0.positions?.sharesStorage(with: positions) == true }),
                  list[i].bytes + bytes <= maxBytes else { return }
            if list[i].stencils.updateValue(stencil, forKey: kind) == nil { list[i].bytes += bytes }
            evict(&list)
        }
        return stencil
    }

    /// Drops every entry.
    static func removeAll() { entries.withLock { $0.removeAll() } }

    /// The number of entries and their bytes (for tests).
    static var usage: (entries: Int, bytes: Int) {
        entries.withLock { list in (list.count, list.reduce(0) { $0 + $1.bytes }) }
    }

    /// Drops least recently used entries beyond the bounds (keeping the newest one).
    private static func evict(_ list: inout [Entry]) {
        while list.count > maxEntries || (list.count > 1 && list.reduce(0, { $0 + $1.bytes }) > maxBytes) {
            list.removeFirst()
        }
    }

    /// The bytes of a stencil's per-row weights (the rest is a few rows' worth).
    private static func weightBytes<T>(_ stencil: BuiltStencil<T>) -> Int {
        switch stencil {
        case let .native(s): s.perRowWeightCount * MemoryLayout<T>.stride
        case let .inDouble(s): s.perRowWeightCount * 8
        }
    }
}

extension AxisStencil {
    /// The number of per-row interior weights (0 for uniform interiors).
    var perRowWeightCount: Int {
        if case let .perRow(_, weights) = interior { return weights.count }
        return 0
    }
}
