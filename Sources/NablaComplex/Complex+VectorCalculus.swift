import Nabla

// Vector calculus on complex fields: the real operators' stencils applied to the real and imaginary parts
// independently (real weights), accumulated into one output, with no temporaries.

/// The Laplacian `∇²f = Σ_k ∂²f/∂x_k²` of a complex field, with true second-derivative stencils:
/// ```
/// uniform, p = 2:  ∂²f/∂x² ≈ (f[i-1] - 2 f[i] + f[i+1]) / h²        O(h^p) everywhere
/// ```
///
/// - Parameters:
///   - f: the sampled complex field, at least 1-D.
///   - spacing: over ALL axes: empty (step 1), one number for every axis, or one entry per axis.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `∇²f`, of `f`'s shape and element type.
/// - Throws: `NablaError` as for a real field.
/// - Complexity: `O(n · d · k)` for `n = f.count`, `d` axes, `k`-point stencils; one output array.
public func laplacian<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [], accuracy: Int = 2, periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<Complex<T>> {
    try laneLaplacian(of: f, lane: T.self, spacing: spacing, accuracy: accuracy, periodicAxes: periodicAxes)
}

/// The divergence `∇·F = Σ_k ∂F_k/∂x_k` of a complex vector field (one array per axis); each term is
/// numpy's gradient of the complex component:
/// ```
/// ∂F_k/∂x_k ≈ (F_k[i+1] - F_k[i-1]) · (1/(2h))    O(h²) inside, O(h^edgeOrder) at the edges
/// ```
///
/// - Parameters:
///   - components: `F_0 … F_(d-1)`, all of one `d`-D shape.
///   - spacing: over ALL axes.
///   - edgeOrder: 1 or 2 (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `∇·F`.
/// - Throws: `NablaError` for mismatched components or any argument the gradient refuses.
/// - Complexity: `O(n · d · k)`; one output array.
public func divergence<T: ComplexFieldScalar>(
    of components: [NDArray<Complex<T>>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> NDArray<Complex<T>> {
    try laneDivergence(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                       periodicAxes: periodicAxes)
}

/// The curl of a complex 3-D vector field, or the scalar curl of a 2-D one:
/// ```
/// (∂F2/∂x1 - ∂F1/∂x2,  ∂F0/∂x2 - ∂F2/∂x0,  ∂F1/∂x0 - ∂F0/∂x1)        2-D: ∂F1/∂x0 - ∂F0/∂x1
/// ```
///
/// - Parameters:
///   - components: `(F0, F1, F2)` or `(F0, F1)`, all of one shape.
///   - spacing: over ALL axes.
///   - edgeOrder: 1 or 2 (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: three arrays (3-D) or one (2-D).
/// - Throws: `NablaError` for a field that is not 2-D or 3-D, or any bad argument.
/// - Complexity: `O(n · k)` per partial; no temporaries.
public func curl<T: ComplexFieldScalar>(
    of components: [NDArray<Complex<T>>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> [NDArray<Complex<T>>] {
    try laneCurl(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                 periodicAxes: periodicAxes)
}

/// The Jacobian `J[i][j] = ∂F_i/∂x_j` of a complex vector field: one gradient per component.
/// ```
/// J[i][j] ≈ (F_i[.., k+1, ..] - F_i[.., k-1, ..]) · (1/(2h_j))    numpy's gradient of F_i
/// ```
///
/// - Parameters:
///   - components: `F_0 … F_(d-1)`, all of one `d`-D shape.
///   - spacing: over ALL axes.
///   - edgeOrder: 1 or 2 (`nil`: 1, or 2 when `accuracy` is given).
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `d` rows of `d` arrays.
/// - Throws: `NablaError` for mismatched components or any bad argument.
/// - Complexity: `d` gradients.
public func jacobian<T: ComplexFieldScalar>(
    of components: [NDArray<Complex<T>>], spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil,
    periodicAxes: [Int] = []
) throws(NablaError) -> [[NDArray<Complex<T>>]] {
    try laneJacobian(of: components, lane: T.self, spacing: spacing, edgeOrder: edgeOrder, accuracy: accuracy,
                     periodicAxes: periodicAxes)
}

/// The Hessian `H[i][j] = ∂²f/∂x_i∂x_j` of a complex scalar field (exactly symmetric: `H[j][i]` shares
/// `H[i][j]`'s storage):
/// ```
/// H[i][i] ≈ (f[k-1] - 2 f[k] + f[k+1]) / h_i²      H[i][j] ≈ D_i(D_j f), D = numpy's gradient, edge order 2
/// ```
///
/// - Parameters:
///   - f: the sampled complex field, at least 1-D.
///   - spacing: over ALL axes.
///   - accuracy: the even order of accuracy `p`, 2…16.
///   - periodicAxes: axes whose samples are one period.
/// - Returns: `d` rows of `d` arrays of `f`'s shape.
/// - Throws: `NablaError` as for a real field.
/// - Complexity: `d` first, `d` second and `d(d-1)/2` mixed derivatives; `d` temporaries.
public func hessian<T: ComplexFieldScalar>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [], accuracy: Int = 2, periodicAxes: [Int] = []
) throws(NablaError) -> [[NDArray<Complex<T>>]] {
    try laneHessian(of: f, lane: T.self, spacing: spacing, accuracy: accuracy, periodicAxes: periodicAxes)
}
