// Vector calculus on sampled fields: Laplacian, divergence, curl, Jacobian, Hessian and mixed partials.
// Each is a sum of single-axis stencils applied by the same engine as `gradient`, accumulating into one
// output array (no temporaries, except the intermediate of a mixed partial).
//
// `spacing` follows numpy.gradient's varargs over ALL axes: empty (step 1), one number for every axis,
// or one entry per axis (a step or coordinates).

/// The Laplacian `∇²f = Σ_k ∂²f/∂x_k²`, built from true second-derivative stencils of accuracy `p`.
///
/// ```
/// uniform, p = 2:  ∂²f/∂x² ≈ (f[i-1] - 2 f[i] + f[i+1]) / h²        O(h²)
/// ```
/// Unlike the divergence of numpy's gradient (which applies the first-derivative stencil twice and so
/// spans 5 points with half the resolution), this is the compact 3-point stencil, and its edges are
/// one-sided stencils of the same order `p`: `O(h^p)` everywhere (periodic axes wrap around).
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - spacing: over ALL axes: empty (step 1), one number for every axis, or one step or coordinate list
///     per axis.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period (uniform steps); negative values count from the end.
/// - Returns: `∇²f`, of `f`'s shape and element type.
/// - Throws: ``NablaError`` for a 0-D field, bad spacing or coordinates, an unsupported accuracy, an
///   axis out of range, or an axis shorter than the stencil (`p + 2` points on a bounded axis).
/// - Complexity: `O(n · d · k)` for `n = f.count`, `d` axes and `k`-point stencils (`k = p + 1` inside);
///   one output array, accumulated axis by axis, on all cores.
public func laplacian<T: FieldScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], accuracy: Int = 2, periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<T> {
    try laneLaplacian(of: f, lane: T.self, spacing: spacing, accuracy: accuracy, periodicAxes: periodicAxes)
}

/// ``laplacian(of:spacing:accuracy:periodicAxes:)`` of real (`E == T`) or complex (`E` a pair of `T`) data.
package func laneLaplacian<E: Sendable, T: FieldScalar>(
    of f: NDArray<E>, lane: T.Type, spacing: [Spacing], accuracy: Int, periodicAxes: [Int]
) throws(NablaError) -> NDArray<E> {
    let plan = try DifferencePlan(shape: f.shape, spacing: spacing, axes: nil, edgeOrder: 1, accuracy: accuracy,
                                  derivatives: nil, derivative: 2, periodicAxes: periodicAxes)
    var result = NDArray<E>.uninitializedElements(shape: f.shape)
    for position in plan.axes.indices {
        let stencil: BuiltStencil<T> = plan.stencil(at: position)
        result.apply(stencil, along: plan.axes[position], from: f, accumulate: position > 0)
    }
    return result
}

/// The divergence `∇·F = Σ_k ∂F_k/∂x_k` of a vector field given as one array per axis.
///
/// ```
/// ∂F_k/∂x_k ≈ (F_k[i+1] - F_k[i-1]) / (2h)    O(h²) inside, O(h^edgeOrder) at the edges (accuracy 2)
/// ```
/// With the defaults each `∂F_k/∂x_k` is numpy.gradient's, so `divergence(of: gradient(of: f))` equals
/// numpy's `sum(np.gradient(g[k], axis=k))` of `g = np.gradient(f)`. With `accuracy: p > 2` every term is
/// `O(h^p)`, edges included.
///
/// - Parameters:
///   - components: `F_0 … F_(d-1)`, one array per axis, all of the same `d`-D shape.
///   - spacing: over ALL axes: empty, one number for every axis, or one step or coordinate list per axis.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`accuracy: 2`); `nil`: 1, or 2 when
///     `accuracy` is given.
///   - accuracy: the even order of accuracy `p`, 2…16; given, edges are order `p` too (`nil`: numpy's scheme).
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `∇·F`, of the components' shape.
/// - Throws: ``NablaError`` when there is not one component per axis or shapes differ, and for any
///   argument ``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]`` refuses.
/// - Complexity: `O(n · d · k)` for `n` elements per component and `k`-point stencils; one output array.
public func divergence<T: FieldScalar>(
    of components: [NDArray<T>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<T> {
    try laneDivergence(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                       periodicAxes: periodicAxes)
}

/// ``divergence(of:spacing:edgeOrder:accuracy:periodicAxes:)`` of real or complex components.
package func laneDivergence<E: Sendable, T: FieldScalar>(
    of components: [NDArray<E>], lane: T.Type, spacing: [Spacing], edgeOrder: Int?, accuracy: Int?,
    periodicAxes: [Int]
) throws(NablaError) -> NDArray<E> {
    let shape = try vectorFieldShape(components)
    let plan = try DifferencePlan(shape: shape, spacing: spacing, axes: nil, edgeOrder: edgeOrder, accuracy: accuracy,
                                  derivatives: nil, derivative: 1, periodicAxes: periodicAxes)
    var result = NDArray<E>.uninitializedElements(shape: shape)
    for k in plan.axes.indices {
        let stencil: BuiltStencil<T> = plan.stencil(at: k)
        result.apply(stencil, along: k, from: components[k], accumulate: k > 0)
    }
    return result
}

/// The curl of a 3-D vector field `(F0, F1, F2)` along axes `(x0, x1, x2)`:
/// ```
/// (∂F2/∂x1 - ∂F1/∂x2,  ∂F0/∂x2 - ∂F2/∂x0,  ∂F1/∂x0 - ∂F0/∂x1)
/// ```
/// or of a 2-D field `(F0, F1)`: the scalar `∂F1/∂x0 - ∂F0/∂x1` (one array in the result). Each partial is
/// the gradient's first derivative: `O(h²)` inside and `O(h^edgeOrder)` at the edges with `accuracy: 2`,
/// `O(h^p)` everywhere with `accuracy: p`.
///
/// - Parameters:
///   - components: `(F0, F1, F2)` of a 3-D field or `(F0, F1)` of a 2-D field, all of one shape.
///   - spacing: over ALL axes: empty, one number for every axis, or one step or coordinate list per axis.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`accuracy: 2`); `nil`: 1, or 2 when
///     `accuracy` is given.
///   - accuracy: the even order of accuracy `p`, 2…16; given, edges are order `p` too (`nil`: numpy's scheme).
///   - periodicAxes: axes whose samples are one period.
/// - Returns: three arrays (3-D) or one (2-D), of the components' shape.
/// - Throws: ``NablaError`` for a field that is not 2-D or 3-D, mismatched components, or any argument
///   the gradient refuses.
/// - Complexity: `O(n · k)` per partial, 6 partials in 3-D (2 in 2-D); no temporaries.
public func curl<T: FieldScalar>(
    of components: [NDArray<T>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> [NDArray<T>] {
    try laneCurl(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                 periodicAxes: periodicAxes)
}

/// ``curl(of:spacing:edgeOrder:accuracy:periodicAxes:)`` of real or complex components.
package func laneCurl<E: Sendable, T: FieldScalar>(
    of components: [NDArray<E>], lane: T.Type, spacing: [Spacing], edgeOrder: Int?, accuracy: Int?,
    periodicAxes: [Int]
) throws(NablaError) -> [NDArray<E>] {
    let shape = try vectorFieldShape(components)
    guard shape.count == 2 || shape.count == 3 else {
        throw .invalidShape("curl needs a 2-D or 3-D vector field; these components have shape \(shape)")
    }
    let plan = try DifferencePlan(shape: shape, spacing: spacing, axes: nil, edgeOrder: edgeOrder, accuracy: accuracy,
                                  derivatives: nil, derivative: 1, periodicAxes: periodicAxes)
    // Component c = ∂F[a]/∂x[b] - ∂F[b]/∂x[a] for (a, b) = (2,1), (0,2), (1,0) in 3-D; (1,0) in 2-D.
    let pairs = shape.count == 3 ? [(2, 1), (0, 2), (1, 0)] : [(1, 0)]
    return pairs.map { a, b in
        var c = NDArray<E>.uninitializedElements(shape: shape)
        let first: BuiltStencil<T> = plan.stencil(at: b), second: BuiltStencil<T> = plan.stencil(at: a)
        c.apply(first, along: b, from: components[a], accumulate: false)
        c.apply(second.negated, along: a, from: components[b], accumulate: true)
        return c
    }
}

/// The Jacobian of a vector field: `J[i][j] = ∂F_i/∂x_j`, one gradient per component.
/// ```
/// J[i][j] ≈ (F_i[.., k+1, ..] - F_i[.., k-1, ..]) / (2h_j)    O(h²) inside, O(h^edgeOrder) at the edges
/// ```
/// (accuracy 2; `O(h^p)` everywhere with `accuracy: p`).
///
/// - Parameters:
///   - components: `F_0 … F_(d-1)`, one array per axis, all of the same `d`-D shape.
///   - spacing: over ALL axes: empty, one number for every axis, or one step or coordinate list per axis.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme (`accuracy: 2`); `nil`: 1, or 2 when
///     `accuracy` is given.
///   - accuracy: the even order of accuracy `p`, 2…16; given, edges are order `p` too (`nil`: numpy's scheme).
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `d` rows of `d` arrays; row `i` is the gradient of `F_i`.
/// - Throws: ``NablaError`` for mismatched components or any argument the gradient refuses.
/// - Complexity: `d` gradients: `O(n · d² · k)` for `n` elements per component.
public func jacobian<T: FieldScalar>(
    of components: [NDArray<T>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> [[NDArray<T>]] {
    try laneJacobian(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                     periodicAxes: periodicAxes)
}

/// ``jacobian(of:spacing:edgeOrder:accuracy:periodicAxes:)`` of real or complex components.
package func laneJacobian<E: Sendable, T: FieldScalar>(
    of components: [NDArray<E>], lane: T.Type, spacing: [Spacing], edgeOrder: Int?, accuracy: Int?,
    periodicAxes: [Int]
) throws(NablaError) -> [[NDArray<E>]] {
    _ = try vectorFieldShape(components)
    var rows: [[NDArray<E>]] = []
    for component in components {
        rows.append(try laneGradient(of: component, lane: T.self, spacing: spacing, axes: nil, edgeOrder: edgeOrder,
                                     accuracy: accuracy, derivative: 1, periodicAxes: periodicAxes))
    }
    return rows
}

/// The Hessian of a scalar field: `H[i][j] = ∂²f/∂x_i∂x_j`. Diagonal entries use second-derivative
/// stencils of accuracy `p`; off-diagonal ones apply first-derivative stencils along `x_j` then `x_i`.
/// `H[j][i]` shares `H[i][j]`'s storage (copy-on-write), so the matrix is exactly symmetric.
/// ```
/// H[i][i] ≈ (f[k-1] - 2 f[k] + f[k+1]) / h_i²                       O(h²) (accuracy 2), one-sided at edges
/// H[i][j] ≈ D_i(D_j f),  D = numpy's first derivative, edge order 2    O(h²) everywhere (accuracy 2)
/// ```
/// The edge order is fixed at 2 (there is no `edgeOrder` parameter): with `accuracy: 2` the off-diagonal
/// entries are numpy's `gradient(gradient(f, axis=j, edge_order=2), axis=i, edge_order=2)`, so the whole
/// matrix is second order up to the edges. With `accuracy: p > 2` every entry uses order-`p` stencils,
/// `O(h^p)` everywhere.
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - spacing: over ALL axes: empty, one number for every axis, or one step or coordinate list per axis.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `d` rows of `d` arrays of `f`'s shape.
/// - Throws: ``NablaError`` for a 0-D field, an axis too short for the second-derivative stencil, and
///   any argument the gradient refuses.
/// - Complexity: `d` first derivatives, `d` second derivatives and `d(d-1)/2` mixed ones, each `O(n · k)`;
///   `d` temporaries (the first derivatives).
public func hessian<T: FieldScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], accuracy: Int = 2, periodicAxes: [Int] = []
) throws(NablaError) -> [[NDArray<T>]] {
    try laneHessian(of: f, lane: T.self, spacing: spacing, accuracy: accuracy, periodicAxes: periodicAxes)
}

/// ``hessian(of:spacing:accuracy:periodicAxes:)`` of real or complex data.
package func laneHessian<E: Sendable, T: FieldScalar>(
    of f: NDArray<E>, lane: T.Type, spacing: [Spacing], accuracy: Int, periodicAxes: [Int]
) throws(NablaError) -> [[NDArray<E>]] {
    let plan = try DifferencePlan(shape: f.shape, spacing: spacing, axes: nil, edgeOrder: 2, accuracy: accuracy,
                                  derivatives: [1, 2], derivative: 1, periodicAxes: periodicAxes)
    let r = f.rank
    func stencil(_ axis: Int, _ m: Int) -> BuiltStencil<T> { plan.stencil(at: axis, derivative: m) }
    let firsts = (0..<r).map { f.applying(stencil($0, 1), along: $0) }
    var h = [[NDArray<E>]](repeating: [], count: r)
    for i in 0..<r {
        for j in 0..<r {
            if i == j {
                h[i].append(f.applying(stencil(i, 2), along: i))
            } else if j < i {
                h[i].append(h[j][i])
            } else {
                h[i].append(firsts[j].applying(stencil(i, 1), along: i))
            }
        }
    }
    return h
}

/// A mixed partial derivative `∂^(Σm) f / ∂x_0^m0 ∂x_1^m1 …`: `orders[k]` is the derivative order along
/// axis `k` (0 to skip it). Applied one axis after another, each with a stencil of accuracy `p`:
/// ```
/// ∂^(Σm) f ≈ D_(d-1)^(m_(d-1)) ( … D_0^(m_0) f )    O(h^p) (numpy's scheme for an order-1 axis at p = 2:
///                                                  O(h²) inside, O(h^edgeOrder) at the edges)
/// ```
///
/// - Parameters:
///   - f: the sampled field, at least 1-D.
///   - orders: one non-negative derivative order per axis, at least one positive.
///   - spacing: over ALL axes: empty, one number for every axis, or one step or coordinate list per axis.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme for axes of order 1 at `accuracy: 2`.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: the derivative, of `f`'s shape.
/// - Throws: ``NablaError`` when `orders` has the wrong length, a negative entry or none positive, and
///   for any argument the gradient refuses.
/// - Complexity: `O(n · k)` per differentiated axis, one temporary array per axis after the first.
public func partialDerivative<T: FieldScalar>(
    of f: NDArray<T>, orders: [Int], spacing: [Spacing] = [], accuracy: Int? = nil, edgeOrder: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<T> {
    try lanePartialDerivative(of: f, lane: T.self, orders: orders, spacing: spacing, accuracy: accuracy,
                              edgeOrder: edgeOrder, periodicAxes: periodicAxes)
}

/// ``partialDerivative(of:orders:spacing:accuracy:edgeOrder:periodicAxes:)`` of real or complex data.
package func lanePartialDerivative<E: Sendable, T: FieldScalar>(
    of f: NDArray<E>, lane: T.Type, orders: [Int], spacing: [Spacing], accuracy: Int?, edgeOrder: Int?,
    periodicAxes: [Int]
) throws(NablaError) -> NDArray<E> {
    let used = try checkedDerivativeOrders(orders, rank: f.rank)
    let plan = try DifferencePlan(shape: f.shape, spacing: spacing, axes: nil, edgeOrder: edgeOrder, accuracy: accuracy,
                                  derivatives: used, derivative: used[0], periodicAxes: periodicAxes)
    var result = f
    for (axis, m) in orders.enumerated() where m > 0 {
        let stencil: BuiltStencil<T> = plan.stencil(at: axis, derivative: m)
        result = result.applying(stencil, along: axis)
    }
    return result
}

/// The distinct positive orders of a mixed derivative's `orders` (one per axis of a rank-`rank` field),
/// ascending, after checking them.
func checkedDerivativeOrders(_ orders: [Int], rank: Int) throws(NablaError) -> [Int] {
    guard orders.count == rank else {
        throw .invalidArgument("\(orders.count) derivative orders were given for a \(rank)-D field; give one per axis (0 to skip an axis)")
    }
    if let bad = orders.first(where: { $0 < 0 }) {
        throw .invalidArgument("derivative order \(bad) is negative")
    }
    let used = Array(Set(orders.filter { $0 > 0 })).sorted()
    guard !used.isEmpty else { throw .invalidArgument("every derivative order is 0; nothing to differentiate") }
    return used
}

/// The common shape of a vector field's components: one component per axis, all of that shape.
func vectorFieldShape<T>(_ components: [NDArray<T>]) throws(NablaError) -> [Int] {
    guard let shape = components.first?.shape else {
        throw .invalidArgument("a vector field needs at least one component")
    }
    guard components.count == shape.count else {
        throw .shapeMismatch(expected: shape, actual: "\(components.count) components for a \(shape.count)-D field; a vector field has one component per axis")
    }
    for (k, c) in components.enumerated() where c.shape != shape {
        throw .shapeMismatch(expected: shape, actual: "component \(k) of shape \(c.shape)")
    }
    return shape
}

extension Grid {
    /// The Laplacian of a field sampled on this grid (periodic axes wrap around):
    /// `∇²f = Σ_k ∂²f/∂x_k²` with the grid's spacings, `O(h^p)` everywhere.
    ///
    /// - Parameters:
    ///   - f: the field, of the grid's shape.
    ///   - accuracy: the even order of accuracy `p`, 2…16.
    /// - Throws: ``NablaError`` when `f` does not have the grid's shape, and as
    ///   ``laplacian(of:spacing:accuracy:periodicAxes:)``.
    /// - Complexity: as ``laplacian(of:spacing:accuracy:periodicAxes:)``.
    public func laplacian<T: FieldScalar>(of f: NDArray<T>, accuracy: Int = 2) throws(NablaError) -> NDArray<T> {
        _ = try checkedAxes(for: f, nil)
        return try Nabla.laplacian(of: f, spacing: spacing, accuracy: accuracy, periodicAxes: periodicAxisIndices)
    }

    /// The divergence `∇·F = Σ_k ∂F_k/∂x_k` of a vector field sampled on this grid: `O(h²)` inside and
    /// `O(h^edgeOrder)` at the edges with `accuracy: 2`, `O(h^p)` with `accuracy: p`.
    ///
    /// - Parameters:
    ///   - components: one array per axis, each of the grid's shape.
    ///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme.
    ///   - accuracy: the even order of accuracy `p`, 2…16.
    /// - Throws: ``NablaError`` when the components do not have the grid's shape, and as
    ///   ``divergence(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
    /// - Complexity: as ``divergence(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
    public func divergence<T: FieldScalar>(of components: [NDArray<T>], edgeOrder: Int? = nil, accuracy: Int? = nil) throws(NablaError) -> NDArray<T> {
        if let first = components.first { _ = try checkedAxes(for: first, nil) }
        return try Nabla.divergence(of: components, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                                    periodicAxes: periodicAxisIndices)
    }

    /// The curl of a 2-D or 3-D vector field sampled on this grid: `(∂F2/∂x1 - ∂F1/∂x2, ∂F0/∂x2 - ∂F2/∂x0,
    /// ∂F1/∂x0 - ∂F0/∂x1)`, or the scalar `∂F1/∂x0 - ∂F0/∂x1` in 2-D; orders of accuracy as
    /// ``curl(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
    ///
    /// - Parameters:
    ///   - components: one array per axis, each of the grid's shape.
    ///   - edgeOrder: 1 or 2, the edge accuracy of numpy's scheme.
    ///   - accuracy: the even order of accuracy `p`, 2…16.
    /// - Throws: ``NablaError`` when the components do not have the grid's shape, and as
    ///   ``curl(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
    /// - Complexity: as ``curl(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
    public func curl<T: FieldScalar>(of components: [NDArray<T>], edgeOrder: Int? = nil, accuracy: Int? = nil) throws(NablaError) -> [NDArray<T>] {
        if let first = components.first { _ = try checkedAxes(for: first, nil) }
        return try Nabla.curl(of: components, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                              periodicAxes: periodicAxisIndices)
    }
}
