import Nabla

/// The gradient of a complex N-dimensional field: numpy 2.x's `gradient` on complex64/complex128 data, bit
/// for bit, and higher accuracy, higher derivatives and periodic axes on request.
///
/// The real and imaginary parts are differenced independently with real weights, by numpy's formulas in
/// numpy's order of operations:
/// ```
/// interior, uniform h:   f'(x_i) ≈ (f[i+1] - f[i-1]) · (1/(2h))       numpy's complex divide by a real
///                                                                    divisor multiplies by its reciprocal
/// interior, non-uniform: f'(x_i) ≈ a_i f[i-1] + b_i f[i] + c_i f[i+1]  real weights (see the real form)
/// edges, edgeOrder 1:    f'(x_0) ≈ (f[1] - f[0]) · (1/h)
/// edges, edgeOrder 2:    f'(x_0) ≈ -1.5/h f[0] + 2/h f[1] - 0.5/h f[2]
/// ```
/// Coordinates are real (`Spacing`), as in numpy. Every argument means what it means for real fields
/// (`Nabla.gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)`), including the rule
/// that an explicit `accuracy: p` makes the edges order `p` too.
///
/// - Parameters:
///   - f: the sampled complex field, at least 1-D.
///   - spacing: empty (step 1), one step for every selected axis, or one step or coordinate list per
///     selected axis.
///   - axes: the axes to differentiate along (`nil`: all), in the order of the results.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16 (`nil`: numpy's scheme with its default edges).
///   - derivative: the derivative order `m ≥ 1`.
///   - periodicAxes: axes whose samples are one period (stencils wrap around).
/// - Returns: one complex array per selected axis, of `f`'s shape and element type.
/// - Throws: `NablaError` exactly as for a real field of the same shape.
/// - Complexity: `O(n · a · k)` for `n = f.count`, `a` axes and `k`-point stencils: the cost of a real
///   field of `2n` values, on all cores. Memory: the results only.
///
/// Not bit-identical to numpy only where numpy's complex arithmetic mixes the parts: when a part is
/// infinite or NaN (numpy's `im · 0` makes the other part NaN) and in the sign of some zero results.
public func gradient<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int? = nil,
    accuracy: Int? = nil, derivative: Int = 1, periodicAxes: [Int] = []
) throws(NablaError) -> [NDArray<Complex<T>>] {
    try laneGradient(of: f, lane: T.self, spacing: spacing, axes: axes, edgeOrder: edgeOrder, accuracy: accuracy,
                     derivative: derivative, periodicAxes: periodicAxes)
}

/// The gradient of a complex field written into caller-supplied arrays (entries of `f`'s shape that are
/// not shared are overwritten without allocating); formulas and arguments as
/// ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)``:
/// ```
/// outputs[q] = ∂^m f / ∂x_{axes[q]}^m    (real and imaginary parts differenced independently)
/// ```
///
/// - Parameters:
///   - f: the sampled complex field, at least 1-D.
///   - spacing: empty, one step for every selected axis, or one step or coordinate list per selected axis.
///   - axes: the axes to differentiate along (`nil`: all).
///   - edgeOrder: 1 or 2 (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - derivative: the derivative order `m ≥ 1`.
///   - periodicAxes: axes whose samples are one period.
///   - outputs: resized to one array per selected axis.
/// - Throws: `NablaError` before any output is written.
/// - Complexity: as the allocating form, without allocating when `outputs` already fit.
public func gradient<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [], axes: [Int]? = nil, edgeOrder: Int? = nil,
    accuracy: Int? = nil, derivative: Int = 1, periodicAxes: [Int] = [], into outputs: inout [NDArray<Complex<T>>]
) throws(NablaError) {
    try laneGradient(of: f, lane: T.self, spacing: spacing, axes: axes, edgeOrder: edgeOrder, accuracy: accuracy,
                     derivative: derivative, periodicAxes: periodicAxes, into: &outputs)
}

/// The derivative of a complex field along one axis: numpy's `gradient(f, spacing, axis=axis)` by default.
/// ```
/// ∂^m f/∂x^m ≈ (1/h^m) Σ_k w_k f[i + o_k]    real weights on both parts; O(h^p)
/// ```
///
/// - Parameters:
///   - f: the sampled complex field, at least 1-D.
///   - axis: the axis to differentiate along; negative values count from the end.
///   - order: the derivative order `m ≥ 1`.
///   - spacing: the step along `axis`, or its (real) coordinates.
///   - accuracy: the even order of accuracy `p`, 2…16; given, the edges are order `p` too.
///   - edgeOrder: 1 or 2, numpy's edge order (`nil`: 1, or 2 when `accuracy` is given).
///   - periodic: whether `f` holds one period along `axis`.
/// - Returns: the derivative, of `f`'s shape and element type.
/// - Throws: `NablaError` as ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)``.
/// - Complexity: `O(n · k)` for `n = f.count` and a `k`-point stencil, on all cores.
public func derivative<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, along axis: Int, order: Int = 1, spacing: Spacing = 1, accuracy: Int? = nil,
    edgeOrder: Int? = nil, periodic: Bool = false
) throws(NablaError) -> NDArray<Complex<T>> {
    try laneGradient(of: f, lane: T.self, spacing: [spacing], axes: [axis], edgeOrder: edgeOrder, accuracy: accuracy,
                     derivative: order, periodicAxes: periodic ? [axis] : [])[0]
}

/// A mixed partial derivative of a complex field, `∂^(Σm) f / ∂x_0^m0 ∂x_1^m1 …` (`orders[k]` along axis
/// `k`, 0 to skip it), one axis after another:
/// ```
/// ∂^(Σm) f ≈ D_(d-1)^(m_(d-1)) ( … D_0^(m_0) f )    O(h^p)
/// ```
///
/// - Parameters:
///   - f: the sampled complex field.
///   - orders: one non-negative derivative order per axis, at least one positive.
///   - spacing: over ALL axes: empty, one number for every axis, or one entry per axis.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - edgeOrder: 1 or 2, numpy's edge order for axes of order 1 at accuracy 2.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: the derivative, of `f`'s shape.
/// - Throws: `NablaError` as for a real field.
/// - Complexity: `O(n · k)` per differentiated axis.
public func partialDerivative<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, orders: [Int], spacing: [Spacing] = [], accuracy: Int? = nil, edgeOrder: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<Complex<T>> {
    try lanePartialDerivative(of: f, lane: T.self, orders: orders, spacing: spacing, accuracy: accuracy,
                              edgeOrder: edgeOrder, periodicAxes: periodicAxes)
}

extension Grid {
    /// The gradient of a complex field sampled on this grid (the grid supplies spacings and periodic axes):
    /// ```
    /// bounded axis, numpy's scheme: (f[i+1] - f[i-1]) · (1/(2h)) inside; edges O(h^edgeOrder)
    /// periodic axis:               the centred stencil, wrapped around, O(h^p)
    /// ```
    ///
    /// - Parameters:
    ///   - f: the complex field, of the grid's shape.
    ///   - axes: the axes to differentiate along (`nil`: all).
    ///   - edgeOrder: 1 or 2 (`nil`: 1, or 2 when `accuracy` is given).
    ///   - accuracy: the even order of accuracy `p`, 2…16.
    ///   - derivative: the derivative order `m ≥ 1`.
    /// - Returns: one complex array per selected axis.
    /// - Throws: `NablaError` when `f` does not have the grid's shape, or for any bad argument.
    /// - Complexity: as ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)``.
    public func gradient<T: ComplexFieldScalar>(
        of f: NDArray<Complex<T>>, axes: [Int]? = nil, edgeOrder: Int? = nil, accuracy: Int? = nil, derivative: Int = 1
    ) throws(NablaError) -> [NDArray<Complex<T>>] {
        guard f.shape == shape else {
            throw .shapeMismatch(expected: shape, actual: "a field of shape \(f.shape) (the grid's shape is \(shape))")
        }
        let selected = try normalizedAxes(axes, rank: rank)
        return try laneGradient(of: f, lane: T.self, spacing: selected.map { self.axes[$0].spacing }, axes: selected,
                                edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative,
                                periodicAxes: periodicAxisIndices)
    }
}
