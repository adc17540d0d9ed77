/// Finite-difference weights by Fornberg's algorithm.
///
/// For sample positions `x[0..<n]` and an evaluation point `z`, returns `w` such that
/// ```
/// f⁽ᵐ⁾(z) ≈ Σ_j w[j] · f(x[j])
/// ```
/// exactly for every polynomial of degree `< n` (the stencil's degree). On `n` points the m-th
/// derivative is accurate to order `n - m` in the spacing (one more for centred uniform stencils of
/// even `n - m`, by symmetry).
///
/// Reference: B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced grids",
/// Math. Comp. 51 (1988), 699–706. The recurrence builds the weights for all derivative orders
/// `0...m` on the first `1, 2, …, n` points, so the cost is `O(n² m)`.
///
/// - Parameters:
///   - m: the derivative order `m ≥ 0` (argument label `derivative`).
///   - x: distinct sample positions (any order), at least `m + 1` of them (argument label `points`).
///   - z: where the derivative is evaluated.
/// - Returns: one weight per point, in the order of `x`.
public func fornbergWeights(derivative m: Int, points x: [Double], at z: Double = 0) -> [Double] {
    let n = x.count
    precondition(m >= 0, "derivative order must be non-negative, got \(m)")
    precondition(n > m, "\(n) points cannot give a derivative of order \(m); at least \(m + 1) are needed")
    // c[j][k]: weight of point j for derivative k.
    var c = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: n)
    var c1 = 1.0
    var c4 = x[0] - z
    c[0][0] = 1
    for i in 1..<n {
        let mn = min(i, m)
        var c2 = 1.0
        let c5 = c4
        c4 = x[i] - z
        for j in 0..<i {
            let c3 = x[i] - x[j]
            precondition(c3 != 0, "stencil points must be distinct; x[\(i)] == x[\(j)] == \(x[i])")
            c2 *= c3
            if j == i - 1 {
                for k in stride(from: mn, through: 1, by: -1) {
                    c[i][k] = c1 * (Double(k) * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                }
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            }
            for k in stride(from: mn, through: 1, by: -1) {
                c[j][k] = (c4 * c[j][k] - Double(k) * c[j][k - 1]) / c3
            }
            c[j][0] = c4 * c[j][0] / c3
        }
        c1 = c2
    }
    return c.map { $0[m] }
}

/// Integer-offset weights: `fornbergWeights(derivative:points:at:)` on `offsets` evaluated at 0, for a
/// unit step. Divide by `hᵐ` for a step `h`.
///
/// ```
/// fornbergWeights(derivative: 2, offsets: [-1, 0, 1])          // [1, -2, 1]
/// fornbergWeights(derivative: 1, offsets: [-2, -1, 0, 1, 2])   // [1/12, -2/3, 0, 2/3, -1/12]
/// fornbergWeights(derivative: 1, offsets: [0, 1, 2])           // [-3/2, 2, -1/2]
/// ```
public func fornbergWeights(derivative m: Int, offsets: [Int]) -> [Double] {
    fornbergWeights(derivative: m, points: offsets.map(Double.init), at: 0)
}
