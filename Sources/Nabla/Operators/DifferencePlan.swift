/// Checked arguments of a finite-difference operator: the selected axes, their spacings, periodicity
/// and the scheme, turned into one stencil per axis on request.
///
/// Every operator (gradient, derivative, Laplacian, divergence, curl, Jacobian, Hessian) validates its
/// arguments here, so they all fail the same way on the same bad input.
struct DifferencePlan: Sendable {
    private(set) var shape: [Int]
    /// Selected axes, non-negative, in the caller's order.
    let axes: [Int]
    /// One per selected axis.
    private(set) var spacings: [ResolvedSpacing]
    /// One per selected axis: whether the axis is periodic (its scheme is the periodic one).
    let periodic: [Bool]
    /// One per selected axis: whether stencils wrap around the ends. Equal to ``periodic`` except in a
    /// slab's plan (``restricted(toPlanes:)``), whose halo planes stand in for the wrap.
    private(set) var wraps: [Bool]
    let edgeOrder: Int
    let accuracy: Int
    /// The derivative order of the single-axis stencils.
    let derivative: Int

    /// - Parameters:
    ///   - derivatives: other derivative orders the caller will ask ``stencil(at:derivative:)`` for
    ///     (checked for axis length too).
    ///   - edgeOrder, accuracy: as given by the caller (`nil`: not given); see ``scheme(edgeOrder:accuracy:)``.
    init(shape: [Int], spacing: [Spacing], axes requested: [Int]?, edgeOrder givenEdgeOrder: Int?, accuracy givenAccuracy: Int?,
         derivatives: [Int]?, derivative: Int, periodicAxes: [Int]) throws(NablaError) {
        guard !shape.isEmpty else {
            throw .invalidShape("cannot differentiate a 0-D array (a single number); the field needs at least one axis")
        }
        if let e = givenEdgeOrder, e != 1 && e != 2 {
            throw .invalidArgument("edge order \(e) is not supported; use 1 or 2")
        }
        let (edgeOrder, accuracy) = Self.scheme(edgeOrder: givenEdgeOrder, accuracy: givenAccuracy)
        let orders = derivatives ?? [derivative]
        for m in orders { try FiniteDifference.validate(derivative: m, accuracy: accuracy) }
        let axes = try normalizedAxes(requested, rank: shape.count)
        let periodicSet = Set(try normalizedAxes(periodicAxes, rank: shape.count))
        let given: [Spacing]
        switch spacing.count {
        case 0:
            given = Array(repeating: .uniform(1), count: axes.count)
        case 1 where axes.count != 1:
            guard case .uniform = spacing[0] else {
                throw .invalidSpacing("one coordinate array was given for \(axes.count) axes; give one spacing per selected axis, or a single number for all")
            }
            given = Array(repeating: spacing[0], count: axes.count)
        case axes.count:
            given = spacing
        default:
            throw .invalidSpacing("\(spacing.count) spacings were given for \(axes.count) selected ax\(axes.count == 1 ? "is" : "es"); give none, one number for all, or one per selected axis")
        }
        var spacings: [ResolvedSpacing] = []
        for (axis, s) in zip(axes, given) {
            let length = shape[axis]
            let isPeriodic = periodicSet.contains(axis)
            let needed = orders.map { m in
                Self.usesNumpyScheme(derivative: m, accuracy: accuracy, periodic: isPeriodic)
                    ? edgeOrder + 1
                    : FiniteDifference.minimumLength(derivative: m, accuracy: accuracy, periodic: isPeriodic)
            }.max() ?? 1
            guard length >= needed else {
                let what = accuracy == 2 && orders == [1] && !isPeriodic
                    ? "(edge order + 1) are required to compute a gradient with edge order \(edgeOrder)"
                    : "are required for derivative order \(orders.max() ?? 1) at accuracy \(accuracy)"
                throw .axisTooShort("axis \(axis) has \(length) point\(length == 1 ? "" : "s"); at least \(needed) \(what)")
            }
            let resolved = try CoordinateCache.resolve(s, length: length, axis: axis)
            if isPeriodic, resolved.step == nil {
                throw .invalidSpacing("axis \(axis) is periodic but its coordinates are not uniformly spaced; a periodic axis needs a uniform step")
            }
            spacings.append(resolved)
        }
        self.shape = shape
        self.axes = axes
        self.spacings = spacings
        self.periodic = axes.map { periodicSet.contains($0) }
        self.wraps = self.periodic
        self.edgeOrder = edgeOrder
        self.accuracy = accuracy
        self.derivative = derivative
    }

    /// The edge order and accuracy in force: numpy's defaults (edge order 1, accuracy 2) when neither is
    /// given; an accuracy `p` given without an edge order means order `p` everywhere, edges included (for
    /// `p = 2` and a first derivative, numpy's `edge_order=2`); an edge order given explicitly is kept.
    static func scheme(edgeOrder: Int?, accuracy: Int?) -> (edgeOrder: Int, accuracy: Int) {
        (edgeOrder ?? (accuracy == nil ? 1 : 2), accuracy ?? 2)
    }

    /// numpy.gradient's scheme applies: first derivative, accuracy 2, bounded axis.
    static func usesNumpyScheme(derivative m: Int, accuracy p: Int, periodic: Bool) -> Bool {
        m == 1 && p == 2 && !periodic
    }

    /// The stencil of `derivative` (default: the plan's) along `axes[position]`.
    func stencil<T: FieldScalar>(at position: Int, derivative m: Int? = nil) -> BuiltStencil<T> {
        let m = m ?? derivative
        let n = shape[axes[position]]
        let isPeriodic = periodic[position]
        let spacing = spacings[position]
        // numpy's scheme keeps the steps and computes its weights on each row as it goes (no table).
        if Self.usesNumpyScheme(derivative: m, accuracy: accuracy, periodic: isPeriodic) {
            return NumpyStencils.stencil(length: n, spacing: spacing, edgeOrder: edgeOrder)
        }
        switch spacing {
        case let .steps(_, x), let .floatSteps(_, x):
            // Fornberg's per-row weights: kept with the coordinates for the next call (see CoordinateCache).
            let kind = CoordinateCache.StencilKind(derivative: m, accuracy: accuracy, element: ObjectIdentifier(T.self))
            return CoordinateCache.stencil(on: x, kind: kind) { () -> BuiltStencil<T> in
                .inDouble(FiniteDifference.nonUniform(coordinates: x, derivative: m, accuracy: accuracy))
            }
        case let .weakStep(h):
            return .native(FiniteDifference.uniform(length: n, step: h, derivative: m, accuracy: accuracy,
                                                    periodic: wraps[position], as: T.self))
        case let .floatStrongStep(h):
            return .inDouble(FiniteDifference.uniform(length: n, step: Double(h), derivative: m, accuracy: accuracy,
                                                      periodic: wraps[position], as: Double.self))
        case let .strongStep(h):
            return .inDouble(FiniteDifference.uniform(length: n, step: h, derivative: m, accuracy: accuracy,
                                                      periodic: wraps[position], as: Double.self))
        }
    }
}

extension DifferencePlan {
    /// The halo depth a slab decomposition along axis 0 needs for this plan: enough planes beyond its own
    /// that every owned plane sees exactly the samples it sees in the whole field (centred stencils inside,
    /// the `m + p`-point one-sided windows at a global edge, the non-uniform centred windows).
    func haloDepth(derivatives: [Int]? = nil) -> Int {
        guard let position = axes.firstIndex(of: 0) else { return 0 }
        return (derivatives ?? [derivative]).map { m in
            // numpy's scheme: three-point rows inside, windows of edgeOrder + 1 points at the edges.
            if Self.usesNumpyScheme(derivative: m, accuracy: accuracy, periodic: periodic[position]) { return max(1, edgeOrder) }
            // Fornberg: centred rows reach ⌈…⌉ planes each way (non-uniform: (m + p)/2), edge rows use the
            // first or last m + p planes.
            return max(Stencil.centralHalfWidth(derivative: m, accuracy: accuracy), (m + accuracy) / 2, m + accuracy - 1)
        }.max() ?? 0
    }

    /// The plan for the buffer of a slab: axis 0 cut to the planes `planes` (global indices, in buffer
    /// order, halos included), its coordinates cut alike (kept non-uniform even where the cut is evenly
    /// spaced, so the arithmetic stays the whole field's), and no wrap along axis 0 (the halo planes hold
    /// the wrapped samples) while its scheme stays periodic.
    func restricted(toPlanes planes: [Int], wrapsAxis0: Bool = false) -> DifferencePlan {
        var plan = self
        var shape = self.shape
        shape[0] = planes.count
        plan.shape = shape
        for (position, axis) in axes.enumerated() where axis == 0 {
            switch spacings[position] {
            case let .steps(_, x):
                let cut = planes.map { x[$0] }
                plan.spacings[position] = .steps(zip(cut.dropFirst(), cut).map { $0 - $1 }, coordinates: cut)
            case let .floatSteps(steps, x):
                // The float32 steps themselves, cut alike (each is the step to the next plane).
                let cut = planes.map { x[$0] }
                plan.spacings[position] = .floatSteps(planes.dropLast().map { steps[$0] }, coordinates: cut)
            case .weakStep, .strongStep, .floatStrongStep:
                break
            }
            plan.wraps[position] = wrapsAxis0
        }
        return plan
    }
}

/// Axis indices in `-rank..<rank` made non-negative and checked for range and repeats, in the order
/// given — numpy's `normalize_axis_tuple`; `nil` means every axis.
///
/// - Throws: ``NablaError/invalidAxis(_:)`` naming the axis that is out of range or repeated.
public func normalizedAxes(_ axes: [Int]?, rank: Int) throws(NablaError) -> [Int] {
    guard let axes else { return Array(0..<rank) }
    var result: [Int] = []
    for a in axes {
        guard a >= -rank && a < rank else {
            throw .invalidAxis("axis \(a) is out of bounds for an array of dimension \(rank) (valid: \(-rank) to \(rank - 1))")
        }
        let k = a < 0 ? a + rank : a
        guard !result.contains(k) else {
            throw .invalidAxis("axis \(a) is repeated in \(axes)")
        }
        result.append(k)
    }
    return result
}
