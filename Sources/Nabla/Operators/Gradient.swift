/// The gradient of an N-dimensional field with numpy 2.x semantics: second-order central differences
/// inside, first- or second-order one-sided differences at the edges.
///
/// Along an axis with samples `x_i` and steps `h1 = x[i] - x[i-1]`, `h2 = x[i+1] - x[i]`:
/// ```
/// interior, uniform h:   f'(x_i) ≈ (f[i+1] - f[i-1]) / (2h)                            O(h²)
/// interior, non-uniform: f'(x_i) ≈ -h2/(h1(h1+h2)) f[i-1] + (h2-h1)/(h1 h2) f[i]
///                                  + h1/(h2(h1+h2)) f[i+1]                             O(h²)
/// edges, edgeOrder 1:    f'(x_0) ≈ (f[1] - f[0]) / h                                  O(h)
/// edges, edgeOrder 2:    f'(x_0) ≈ (-1.5 f[0] + 2 f[1] - 0.5 f[2]) / h                O(h²)
/// ```
/// Results equal `numpy.gradient`'s to the bit: the same formulas in the same order of operations,
/// and the same types (see ``gradient(of:spacing:axes:edgeOrder:)``).
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - spacing: numpy's `varargs`: empty (step 1 everywhere), one uniform step for every selected axis,
///     or one entry per selected axis (in the order of `axes`), each a step or the coordinates of the
///     samples.
///   - axes: the axes to differentiate along, in the order the results are returned; negative values
///     count from the end. `nil` selects every axis.
///   - edgeOrder: 1 or 2, the accuracy order at the edges.
/// - Returns: one array per selected axis, of `f`'s shape and element type.
/// - Throws: ``NablaError`` for a 0-D field, an axis out of range or repeated, a spacing list of the wrong
///   length, coordinates of the wrong length or not strictly monotonic, an edge order other than 1 or 2,
///   or an axis shorter than `edgeOrder + 1`.
///
/// `Float` and `Float16` fields keep their type. As in numpy, a step given as a number is used in the
/// field's type, while coordinates (and uniform coordinates collapsed to a step) are `Double` and the
/// arithmetic is done in `Double`, rounded to the field's type at the end.
public func gradient<T: FieldScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int = 1
) throws(NablaError) -> [NDArray<T>] {
    let plan = try GradientPlan(shape: f.shape, spacing: spacing, axes: axes, edgeOrder: edgeOrder)
    return plan.axes.indices.map { plan.apply(axisAt: $0, to: f) }
}

/// The derivative along one axis, numpy's `gradient(f, spacing, axis=axis, edge_order=edgeOrder)`.
public func gradient<T: FieldScalar>(
    of f: NDArray<T>, along axis: Int, spacing: Spacing = 1, edgeOrder: Int = 1
) throws(NablaError) -> NDArray<T> {
    let plan = try GradientPlan(shape: f.shape, spacing: [spacing], axes: [axis], edgeOrder: edgeOrder)
    return plan.apply(axisAt: 0, to: f)
}

/// The gradient of an integer field: numpy converts integers to `Double` before differencing, so there is
/// no wrap-around (`[5, 4, 3, 2, 1]` as `UInt8` gives `-1` everywhere).
public func gradient<I: BinaryInteger & Sendable>(
    of f: NDArray<I>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int = 1
) throws(NablaError) -> [NDArray<Double>] {
    try gradient(of: f.converted(), spacing: spacing, axes: axes, edgeOrder: edgeOrder)
}

extension Grid {
    /// The gradient of a field sampled on this grid: the grid supplies every axis's spacing.
    ///
    /// - Parameters:
    ///   - axes: the axes to differentiate along (`nil`: all), in the order of the results.
    public func gradient<T: FieldScalar>(
        of f: NDArray<T>, axes: [Int]? = nil, edgeOrder: Int = 1
    ) throws(NablaError) -> [NDArray<T>] {
        guard f.shape == shape else {
            throw .shapeMismatch(expected: shape, actual: "a field of shape \(f.shape) (the grid's shape is \(shape))")
        }
        let selected = try normalizedAxes(axes, rank: rank)
        return try Nabla.gradient(of: f, spacing: selected.map { self.axes[$0].spacing }, axes: selected, edgeOrder: edgeOrder)
    }
}

/// Checked arguments of a gradient: the axes and their resolved spacings.
struct GradientPlan: Sendable {
    let shape: [Int]
    let axes: [Int]
    let spacings: [ResolvedSpacing]
    let edgeOrder: Int

    init(shape: [Int], spacing: [Spacing], axes requested: [Int]?, edgeOrder: Int) throws(NablaError) {
        guard !shape.isEmpty else {
            throw .invalidShape("cannot differentiate a 0-D array (a single number); the field needs at least one axis")
        }
        guard edgeOrder == 1 || edgeOrder == 2 else {
            throw .invalidArgument("edge order \(edgeOrder) is not supported; use 1 or 2")
        }
        let axes = try normalizedAxes(requested, rank: shape.count)
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
            guard length >= edgeOrder + 1 else {
                throw .axisTooShort("axis \(axis) has \(length) point\(length == 1 ? "" : "s"); at least \(edgeOrder + 1) (edge order + 1) are required to compute a gradient with edge order \(edgeOrder)")
            }
            spacings.append(try ResolvedSpacing.resolve(s, length: length, axis: axis))
        }
        self.shape = shape
        self.axes = axes
        self.spacings = spacings
        self.edgeOrder = edgeOrder
    }

    /// The derivative along `axes[position]`.
    func apply<T: FieldScalar>(axisAt position: Int, to f: NDArray<T>) -> NDArray<T> {
        let axis = axes[position]
        let n = shape[axis]
        return f.applying(NumpyStencils.stencil(length: n, spacing: spacings[position], edgeOrder: edgeOrder), along: axis)
    }
}

/// Axis indices in `-rank..<rank`, made non-negative, without repeats; `nil` means all axes.
func normalizedAxes(_ axes: [Int]?, rank: Int) throws(NablaError) -> [Int] {
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

/// numpy.gradient's stencils, with numpy's expressions for the weights.
enum NumpyStencils {
    /// numpy's stencil for `spacing`, in the precision numpy computes it in.
    static func stencil<T: FieldScalar>(length n: Int, spacing: ResolvedSpacing, edgeOrder: Int) -> BuiltStencil<T> {
        switch spacing {
        case let .weakStep(h): .native(uniform(length: n, step: h, edgeOrder: edgeOrder, as: T.self))
        case let .strongStep(h): .inDouble(uniform(length: n, step: h, edgeOrder: edgeOrder, as: Double.self))
        case let .steps(dx): .inDouble(nonUniform(steps: dx, edgeOrder: edgeOrder))
        }
    }

    /// Uniform step `h`: weights computed in `Double` as numpy computes them, then converted to `W`.
    static func uniform<W: BinaryFloatingPoint & Sendable>(length n: Int, step h: Double, edgeOrder: Int, as: W.Type) -> AxisStencil<W> {
        let leading: AxisStencil<W>.RowRule
        let trailing: AxisStencil<W>.RowRule
        if edgeOrder == 1 {
            // 1D equivalent -- out[0] = (f[1] - f[0]) / h ; out[-1] = (f[-1] - f[-2]) / h
            leading = .quotient(plus: 1, minus: 0, divisor: W(h))
            trailing = .quotient(plus: n - 1, minus: n - 2, divisor: W(h))
        } else {
            // 1D equivalent -- out[0] = a * f[0] + b * f[1] + c * f[2]
            leading = .weighted(rows: [0, 1, 2], weights: [W(-1.5 / h), W(2.0 / h), W(-0.5 / h)])
            // 1D equivalent -- out[-1] = a * f[-3] + b * f[-2] + c * f[-1]
            trailing = .weighted(rows: [n - 3, n - 2, n - 1], weights: [W(0.5 / h), W(-2.0 / h), W(1.5 / h)])
        }
        return AxisStencil(length: n, leading: [leading], trailing: [trailing],
                           interior: .centralQuotient(divisor: W(2.0 * h)))
    }

    /// Non-uniform steps `dx[i] = x[i+1] - x[i]`, weights in `Double`.
    static func nonUniform(steps dx: [Double], edgeOrder: Int) -> AxisStencil<Double> {
        let n = dx.count + 1
        var weights = [Double](repeating: 0, count: 3 * n)
        for i in 1..<(n - 1) {
            let dx1 = dx[i - 1], dx2 = dx[i]
            weights[i] = -(dx2) / (dx1 * (dx1 + dx2))
            weights[n + i] = (dx2 - dx1) / (dx1 * dx2)
            weights[2 * n + i] = dx1 / (dx2 * (dx1 + dx2))
        }
        let leading: AxisStencil<Double>.RowRule
        let trailing: AxisStencil<Double>.RowRule
        if edgeOrder == 1 {
            leading = .quotient(plus: 1, minus: 0, divisor: dx[0])
            trailing = .quotient(plus: n - 1, minus: n - 2, divisor: dx[n - 2])
        } else {
            var dx1 = dx[0], dx2 = dx[1]
            leading = .weighted(rows: [0, 1, 2], weights: [
                -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2)),
                (dx1 + dx2) / (dx1 * dx2),
                -dx1 / (dx2 * (dx1 + dx2)),
            ])
            dx1 = dx[n - 3]; dx2 = dx[n - 2]
            trailing = .weighted(rows: [n - 3, n - 2, n - 1], weights: [
                (dx2) / (dx1 * (dx1 + dx2)),
                -(dx2 + dx1) / (dx1 * dx2),
                (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2)),
            ])
        }
        return AxisStencil(length: n, leading: [leading], trailing: [trailing],
                           interior: .perRow(offsets: [-1, 0, 1], weights: weights))
    }
}
