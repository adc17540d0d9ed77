/// The gradient of an N-dimensional field: numpy 2.x's `gradient` by default, and higher accuracy,
/// higher derivatives and periodic axes on request.
///
/// With the defaults (no `accuracy`, `derivative: 1`, no periodic axis) this is `numpy.gradient`, to the bit:
/// second-order central differences inside, first- or second-order one-sided differences at the edges.
/// Along an axis with samples `x_i` and steps `h1 = x[i] - x[i-1]`, `h2 = x[i+1] - x[i]`:
/// ```
/// interior, uniform h:   f'(x_i) ≈ (f[i+1] - f[i-1]) / (2h)                            O(h²)
/// interior, non-uniform: f'(x_i) ≈ -h2/(h1(h1+h2)) f[i-1] + (h2-h1)/(h1 h2) f[i]
///                                  + h1/(h2(h1+h2)) f[i+1]                             O(h²)
/// edges, edgeOrder 1:    f'(x_0) ≈ (f[1] - f[0]) / h                                  O(h)
/// edges, edgeOrder 2:    f'(x_0) ≈ (-1.5 f[0] + 2 f[1] - 0.5 f[2]) / h                O(h²)
/// ```
/// Same formulas, same order of operations and same types as numpy, so the same bits.
///
/// With `accuracy: p` (even, 2…16) or `derivative: m > 1`, every row gets a stencil of order `p`
/// (Fornberg weights; see ``Stencil``): centred inside, one-sided with `m + p` points near the edges,
/// and wrapped around on the `periodicAxes`.
///
/// **Accuracy and edge order.** An accuracy given explicitly means order `p` everywhere, edges included:
/// `accuracy: 2` alone is numpy's `edge_order=2` (3-point one-sided edges). Without `accuracy` and
/// `edgeOrder`, numpy's default (first-order edges) stays. An explicit `edgeOrder` is kept for numpy's
/// scheme (`accuracy: 2, edgeOrder: 1` is numpy's default); for `p > 2` or `m > 1` it does not apply.
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - spacing: numpy's `varargs`: empty (step 1 everywhere), one uniform step for every selected axis,
///     or one entry per selected axis (in the order of `axes`), each a step or the coordinates of the
///     samples.
///   - axes: the axes to differentiate along, in the order the results are returned; negative values
///     count from the end. `nil` selects every axis.
///   - edgeOrder: 1 or 2, the accuracy order at the edges of numpy's scheme; `nil`: 1, or 2 when
///     `accuracy` is given.
///   - accuracy: the order of accuracy `p`, an even number from 2 to 16; 2 is numpy's. `nil`: 2 inside,
///     with numpy's default edges.
///   - derivative: the derivative order `m ≥ 1` along each selected axis.
///   - periodicAxes: axes whose samples are one period of a periodic field (uniform spacing, endpoint not
///     repeated): stencils wrap around instead of going one-sided. Negative values count from the end.
/// - Returns: one array per selected axis, of `f`'s shape and element type.
/// - Throws: ``NablaError`` for a 0-D field, an axis out of range or repeated, a spacing list of the wrong
///   length, coordinates of the wrong length or not strictly monotonic, an edge order other than 1 or 2,
///   an accuracy that is not even or outside 2…16, a derivative order below 1, coordinates on a periodic
///   axis, or an axis too short for the stencil.
/// - Complexity: `O(n · a · k)` for `n = f.count` elements, `a` selected axes and `k`-point stencils
///   (`k = 2` for numpy's scheme, about `m + p` otherwise), spread over all cores; several axes are computed
///   in one pass over `f` when axis 0 is long enough. Coordinates cost `O(N)` more per axis of length `N`
///   on their first use (checking them, taking their steps); numpy's scheme then computes each row's
///   three weights from the steps as it goes (3 divisions per row, vectorised along a contiguous axis;
///   8 or more lines sharing an axis of at most 2^16 samples read them from a table made once per call),
///   Fornberg's stencils (`p > 2` or `m > 1`) build per-row weights, `O(N · k²)`. The checked steps (and
///   Fornberg weights) of the last 8 coordinate arrays (1 GiB at most) are kept, so a later call with the
///   same coordinates (found by identity of the array's storage, else compared in full) pays `O(N)` at
///   most. Memory: the `a` results, and that cache (for numpy's scheme: the steps, no weight table).
///
/// `Float` and `Float16` fields keep their type. As in numpy, a step given as a number is used in the
/// field's type, while coordinates (and uniform coordinates collapsed to a step) are `Double` and the
/// arithmetic is done in `Double`, rounded to the field's type at the end.
public func gradient<T: FieldScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int? = nil,
    accuracy: Int? = nil, derivative: Int = 1, periodicAxes: [Int] = []
) throws(NablaError) -> [NDArray<T>] {
    try laneGradient(of: f, lane: T.self, spacing: spacing, axes: axes, edgeOrder: edgeOrder, accuracy: accuracy,
                     derivative: derivative, periodicAxes: periodicAxes)
}

/// ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]`` of an array whose
/// elements are `T` or pairs of `T` (complex numbers, real part first; differenced part by part as numpy
/// does). For `NablaComplex`.
package func laneGradient<E: Sendable, T: FieldScalar>(
    of f: NDArray<E>, lane: T.Type, spacing: [Spacing], axes: [Int]?, edgeOrder: Int?, accuracy: Int?,
    derivative: Int, periodicAxes: [Int]
) throws(NablaError) -> [NDArray<E>] {
    let plan = try DifferencePlan(shape: f.shape, spacing: spacing, axes: axes, edgeOrder: edgeOrder,
                                  accuracy: accuracy, derivatives: nil, derivative: derivative, periodicAxes: periodicAxes)
    let stencils: [BuiltStencil<T>] = plan.axes.indices.map { plan.stencil(at: $0) }
    return f.applying(stencils, along: plan.axes)
}

/// The gradient written into caller-supplied arrays, so pipelines reuse memory (numpy has no `out=`).
///
/// The formulas and orders of accuracy are those of
/// ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]``:
/// ```
/// outputs[q] = ∂^m f / ∂x_{axes[q]}^m    interior O(h^p); numpy's scheme (m = 1, p = 2): edges O(h^edgeOrder)
/// ```
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - spacing: empty, one step for every selected axis, or one step or coordinate list per selected axis.
///   - axes: the axes to differentiate along (`nil`: all); negative values count from the end.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16 (`nil`: numpy's scheme, default edges).
///   - derivative: the derivative order `m ≥ 1`.
///   - periodicAxes: axes whose samples are one period (stencils wrap around).
///   - outputs: resized to one array per selected axis; an entry that already has `f`'s shape and is not
///     shared with another array is overwritten in place, without allocating.
/// - Throws: as the allocating form, before any output is written.
/// - Complexity: as the allocating form, without allocating when `outputs` already fit.
public func gradient<T: FieldScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int? = nil,
    accuracy: Int? = nil, derivative: Int = 1, periodicAxes: [Int] = [], into outputs: inout [NDArray<T>]
) throws(NablaError) {
    try laneGradient(of: f, lane: T.self, spacing: spacing, axes: axes, edgeOrder: edgeOrder, accuracy: accuracy,
                     derivative: derivative, periodicAxes: periodicAxes, into: &outputs)
}

/// The `into:` form of ``laneGradient(of:lane:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)``.
package func laneGradient<E: Sendable, T: FieldScalar>(
    of f: NDArray<E>, lane: T.Type, spacing: [Spacing], axes: [Int]?, edgeOrder: Int?, accuracy: Int?,
    derivative: Int, periodicAxes: [Int], into outputs: inout [NDArray<E>]
) throws(NablaError) {
    let plan = try DifferencePlan(shape: f.shape, spacing: spacing, axes: axes, edgeOrder: edgeOrder,
                                  accuracy: accuracy, derivatives: nil, derivative: derivative, periodicAxes: periodicAxes)
    if outputs.count > plan.axes.count { outputs.removeLast(outputs.count - plan.axes.count) }
    for position in plan.axes.indices {
        if position == outputs.count { outputs.append(NDArray<E>.uninitializedElements(shape: f.shape)) }
        if outputs[position].shape != f.shape { outputs[position] = NDArray<E>.uninitializedElements(shape: f.shape) }
    }
    let stencils: [BuiltStencil<T>] = plan.axes.indices.map { plan.stencil(at: $0) }
    f.apply(stencils, along: plan.axes, into: &outputs)
}

/// The derivative along one axis: numpy's `gradient(f, spacing, axis=axis, edge_order=edgeOrder)` by
/// default; any derivative order, accuracy order and a periodic axis on request (see
/// ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]``).
/// ```
/// ∂^m f/∂x^m ≈ (1/h^m) Σ_k w_k f[i + o_k]    O(h^p) inside and at the edges (p = accuracy);
///                                             numpy's scheme (m = 1, p = 2): O(h²) inside, O(h^edgeOrder) at edges
/// ```
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - axis: the axis to differentiate along; negative values count from the end.
///   - order: the derivative order `m ≥ 1`.
///   - spacing: the step along `axis`, or its coordinates.
///   - accuracy: the even order of accuracy `p`, 2…16; given, the edges are order `p` too.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`order: 1, accuracy: 2` only); `nil`: 1, or 2
///     when `accuracy` is given.
///   - periodic: whether `f` holds one period along `axis` (the stencil wraps around).
/// - Returns: the derivative, of `f`'s shape and element type.
/// - Throws: ``NablaError`` as ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]``.
/// - Complexity: `O(n · k)` for `n = f.count` and a `k`-point stencil, on all cores.
public func derivative<T: FieldScalar>(
    of f: NDArray<T>, along axis: Int, order: Int = 1, spacing: Spacing = 1, accuracy: Int? = nil,
    edgeOrder: Int? = nil, periodic: Bool = false
) throws(NablaError) -> NDArray<T> {
    try gradient(of: f, spacing: [spacing], axes: [axis], edgeOrder: edgeOrder, accuracy: accuracy,
                 derivative: order, periodicAxes: periodic ? [axis] : [])[0]
}

/// The gradient of an integer field: numpy converts integers to `Double` before differencing, so there is
/// no wrap-around (`[5, 4, 3, 2, 1]` as `UInt8` gives `-1` everywhere).
///
/// Formulas, orders of accuracy and arguments are those of
/// ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]`` applied to
/// `f.converted()`:
/// ```
/// interior, uniform h: f'(x_i) ≈ (Double(f[i+1]) - Double(f[i-1])) / (2h)    O(h²)
/// ```
///
/// - Parameters:
///   - f: the sampled integer field, at least 1-D.
///   - spacing: empty, one step for every selected axis, or one step or coordinate list per selected axis.
///   - axes: the axes to differentiate along (`nil`: all).
///   - edgeOrder: 1 or 2.
///   - accuracy: the even order of accuracy, 2…16.
///   - derivative: the derivative order `m ≥ 1`.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: one `Double` array per selected axis.
/// - Throws: ``NablaError`` as the floating-point form.
/// - Complexity: `O(n)` for the conversion, then as the floating-point form.
public func gradient<I: BinaryInteger & Sendable>(
    of f: NDArray<I>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int? = nil,
    accuracy: Int? = nil, derivative: Int = 1, periodicAxes: [Int] = []
) throws(NablaError) -> [NDArray<Double>] {
    try gradient(of: f.converted(), spacing: spacing, axes: axes, edgeOrder: edgeOrder,
                 accuracy: accuracy, derivative: derivative, periodicAxes: periodicAxes)
}

extension Grid {
    /// The gradient of a field sampled on this grid: the grid supplies every axis's spacing and which
    /// axes are periodic.
    ///
    /// The free function's formulas on the grid's spacings:
    /// ```
    /// bounded axis, numpy's scheme (m = 1, p = 2):  (f[i+1] - f[i-1]) / (2h) inside O(h²); edges O(h^edgeOrder)
    /// otherwise:                                    order-p Fornberg stencils, O(h^p) everywhere
    /// periodic axis:                                the centred stencil, wrapped around, O(h^p)
    /// ```
    ///
    /// - Parameters:
    ///   - f: the field, sampled on this grid (its shape must be the grid's shape).
    ///   - axes: the axes to differentiate along (`nil`: all), in the order of the results.
    ///   - edgeOrder: 1 or 2, the accuracy order at the edges of numpy's scheme (`accuracy: 2`, first
    ///     derivative); `nil`: 1, or 2 when `accuracy` is given.
    ///   - accuracy: the order of accuracy `p`, even, 2…16; 2 is numpy's. Given, the edges are order `p` too.
    ///   - derivative: the derivative order `m ≥ 1` along each selected axis.
    /// - Returns: one array per selected axis, of `f`'s shape and element type.
    /// - Throws: ``NablaError`` when `f` does not have the grid's shape, or for any argument the free
    ///   function refuses.
    /// - Complexity: as ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]``.
    public func gradient<T: FieldScalar>(
        of f: NDArray<T>, axes: [Int]? = nil, edgeOrder: Int? = nil, accuracy: Int? = nil, derivative: Int = 1
    ) throws(NablaError) -> [NDArray<T>] {
        let selected = try checkedAxes(for: f, axes)
        return try Nabla.gradient(of: f, spacing: selected.map { self.axes[$0].spacing }, axes: selected,
                                  edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative,
                                  periodicAxes: periodicAxisIndices)
    }

    /// The indices of the periodic axes.
    public var periodicAxisIndices: [Int] { axes.indices.filter { axes[$0].isPeriodic } }

    /// Normalised `axes` (all when `nil`), after checking that `f` was sampled on this grid.
    func checkedAxes<T>(for f: NDArray<T>, _ axes: [Int]?) throws(NablaError) -> [Int] {
        guard f.shape == shape else {
            throw .shapeMismatch(expected: shape, actual: "a field of shape \(f.shape) (the grid's shape is \(shape))")
        }
        return try normalizedAxes(axes, rank: rank)
    }
}

/// numpy.gradient's stencils, with numpy's expressions for the weights.
enum NumpyStencils {
    /// numpy's stencil for `spacing`, in the precision numpy computes it in.
    static func stencil<T: FieldScalar>(length n: Int, spacing: ResolvedSpacing, edgeOrder: Int) -> BuiltStencil<T> {
        switch spacing {
        case let .weakStep(h): .native(uniform(length: n, step: h, edgeOrder: edgeOrder, as: T.self))
        case let .strongStep(h): .inDouble(uniform(length: n, step: h, edgeOrder: edgeOrder, as: Double.self))
        case let .steps(dx, _): .inDouble(nonUniform(steps: dx, edgeOrder: edgeOrder, interior: .double(dx)))
        // float32 coordinates: numpy's steps and weights are float32, the arithmetic is in the promoted
        // type of the data and float32 (float32 for float32 data, float64 for float64 data).
        case let .floatStrongStep(h): inFloatPrecision(uniform(length: n, step: Double(h), edgeOrder: edgeOrder, as: Float.self))
        case let .floatSteps(dx, _): inFloatPrecision(nonUniform(steps: dx, edgeOrder: edgeOrder, interior: .float(dx)))
        }
    }

    /// A stencil with `Float` weights for `T` data, computed in `promote(T, Float)`: `Float` or `Double` data
    /// natively (the conversion of the weights is exact); `Float16` data in `Double` (numpy would compute in
    /// float32 and round once; the double rounding can differ in the last bit).
    static func inFloatPrecision<T: FieldScalar>(_ s: AxisStencil<Float>) -> BuiltStencil<T> {
        T.self == Float16.self ? .inDouble(s.converted(to: Double.self)) : .native(s.converted(to: T.self))
    }

    /// Uniform step `h`: weights computed in `Double` as numpy computes them, then converted to `W`.
    /// (For a float32 step, `W(-1.5 / h)` equals float32's own `-1.5 / h`: one operation rounded to double
    /// then to float is rounded correctly, as 53 ≥ 2·24 + 2.)
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

    /// Non-uniform steps `dx[i] = x[i+1] - x[i]`: numpy's expressions, in the steps' type `W` (numpy computes
    /// them in the coordinates' dtype), in numpy's order. The edge rows' weights are computed here; the
    /// interior's on each row by the kernel, from `interior`, the same steps (see ``NumpySteps``), so no
    /// per-row weight table is built or stored.
    /// ```
    /// interior:        a = -h2/(h1(h1+h2)), b = (h2-h1)/(h1 h2), c = h1/(h2(h1+h2))            O(h²)
    /// edges, order 2:  -(2h1+h2)/(h1(h1+h2)), (h1+h2)/(h1 h2), -h1/(h2(h1+h2)) (and mirrored)   O(h²)
    /// ```
    /// - Complexity: `O(1)`; the stencil shares the steps' storage.
    static func nonUniform<W: BinaryFloatingPoint & Sendable>(steps dx: [W], edgeOrder: Int, interior: NumpySteps.Values) -> AxisStencil<W> {
        let n = dx.count + 1
        let leading: AxisStencil<W>.RowRule
        let trailing: AxisStencil<W>.RowRule
        if edgeOrder == 1 {
            leading = .quotient(plus: 1, minus: 0, divisor: dx[0])
            trailing = .quotient(plus: n - 1, minus: n - 2, divisor: dx[n - 2])
        } else {
            var dx1 = dx[0], dx2 = dx[1]
            leading = .weighted(rows: [0, 1, 2], weights: [
                -(2 * dx1 + dx2) / (dx1 * (dx1 + dx2)),
                (dx1 + dx2) / (dx1 * dx2),
                -dx1 / (dx2 * (dx1 + dx2)),
            ])
            dx1 = dx[n - 3]; dx2 = dx[n - 2]
            trailing = .weighted(rows: [n - 3, n - 2, n - 1], weights: [
                (dx2) / (dx1 * (dx1 + dx2)),
                -(dx2 + dx1) / (dx1 * dx2),
                (2 * dx2 + dx1) / (dx2 * (dx1 + dx2)),
            ])
        }
        return AxisStencil(length: n, leading: [leading], trailing: [trailing],
                           interior: .numpySteps(NumpySteps(values: interior)))
    }
}
