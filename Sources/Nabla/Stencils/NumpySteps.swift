/// The steps of a non-uniform axis, from which the stencil engine computes numpy's second-order interior
/// weights on each row as it goes: no per-row weight table is stored.
///
/// Row `i` (`1 ≤ i ≤ n - 2`), with `h1 = dx[i-1]`, `h2 = dx[i]` and `dx[i] = x[i+1] - x[i]`:
/// ```
/// a = -h2 / (h1 (h1 + h2))    b = (h2 - h1) / (h1 h2)    c = h1 / (h2 (h1 + h2))
/// out[i] = (a f[i-1] + b f[i]) + c f[i+1]                                               O(h²)
/// ```
/// numpy's expressions in numpy's order, evaluated in the steps' type (numpy computes the weights in
/// the coordinates' dtype), then converted to the stencil's weight type `W` and summed left to right in
/// `W`: the bits numpy's `gradient` gives.
///
/// - Complexity: 3 divisions per row, done by the kernel (4 rows at a time in SIMD registers along a
///   contiguous axis); when 8 or more lines share an axis of at most 2^16 samples, once per call into a
///   table the lines read (``CompiledStencil/numpyTableLimit``). Memory: the steps, shared with the
///   ``ResolvedSpacing`` they came from (no copy); no per-row weights are kept.
package struct NumpySteps: Sendable {
    /// The steps, in the type numpy computes the weights in.
    enum Values: Sendable {
        case double([Double])
        case float([Float])
    }

    let values: Values
    /// Whether every weight is negated (`-(Σ w f) == Σ (-w) f` exactly).
    var negated = false

    /// The number of steps (the axis length minus 1).
    var count: Int {
        switch values {
        case let .double(dx): dx.count
        case let .float(dx): dx.count
        }
    }

    /// numpy's interior weights `(a, b, c)` for steps `h1 = dx[i-1]`, `h2 = dx[i]`, in the steps' type.
    @inline(__always)
    static func weights<S: BinaryFloatingPoint>(_ h1: S, _ h2: S) -> (a: S, b: S, c: S) {
        // 1D equivalent -- a = -dx2/(dx1(dx1+dx2)); b = (dx2-dx1)/(dx1 dx2); c = dx1/(dx2(dx1+dx2))
        let sum = h1 + h2
        return (-(h2) / (h1 * sum), (h2 - h1) / (h1 * h2), h1 / (h2 * sum))
    }
}
