/// Builders of finite-difference ``AxisStencil``s of any derivative order and even accuracy order.
///
/// - Bounded axis: the centred stencil inside; near each edge a one-sided stencil of `m + p` points
///   (offsets `0..<m+p` from the edge, evaluated at the row) — order `p` everywhere.
/// - Periodic axis (uniform samples, endpoint not repeated): the centred stencil on every row, with
///   indices taken modulo the length.
/// - Non-uniform coordinates: Fornberg weights on the actual positions, row by row; the centred window
///   has at least `m + p` points (`2⌈(m+p-1)/2⌉ + 1`), so even derivatives keep order `p`
///   (findiff's three-point second derivative drops to first order on non-uniform grids).
enum FiniteDifference {
    /// The least number of samples an axis needs.
    static func minimumLength(derivative m: Int, accuracy p: Int, periodic: Bool) -> Int {
        periodic ? 1 : max(m + p, 2 * Stencil.centralHalfWidth(derivative: m, accuracy: p) + 1)
    }

    /// Checks derivative and accuracy orders.
    static func validate(derivative m: Int, accuracy p: Int) throws(NablaError) {
        guard m >= 1 else { throw .invalidArgument("derivative order \(m) is not supported; use 1 or more") }
        guard p >= 2, p % 2 == 0, p <= 16 else {
            throw .invalidArgument("accuracy order \(p) is not supported; use an even number from 2 to 16")
        }
    }

    /// The stencil for derivative `m` at accuracy `p` along an axis of `n` samples with `spacing`.
    /// Uniform stencils are returned in the weight type `W`; non-uniform ones always in `Double`.
    static func uniform<W: BinaryFloatingPoint & Sendable>(
        length n: Int, step h: Double, derivative m: Int, accuracy p: Int, periodic: Bool, as: W.Type
    ) -> AxisStencil<W> {
        let scale = 1 / integerPower(h, m)
        let central = Stencil.central(derivative: m, accuracy: p)
        // Drop exact zero weights (the centre of an odd derivative): less work, same sum.
        let terms = zip(central.offsets, central.weights).filter { $0.1 != 0 }
        let offsets = terms.map(\.0)
        let weights = terms.map { W($0.1 * scale) }
        let q = central.offsets.last ?? 0
        if periodic {
            func wrapped(_ i: Int) -> AxisStencil<W>.RowRule {
                .weighted(rows: offsets.map { ((i + $0) % n + n) % n }, weights: weights)
            }
            if n < 2 * q + 1 {
                return AxisStencil(length: n, leading: (0..<n).map(wrapped), trailing: [], interior: .uniform(offsets: offsets, weights: weights))
            }
            return AxisStencil(length: n, leading: (0..<q).map(wrapped), trailing: ((n - q)..<n).map(wrapped),
                               interior: .uniform(offsets: offsets, weights: weights))
        }
        let s = m + p
        let window = Array(0..<s)
        let leading: [AxisStencil<W>.RowRule] = (0..<q).map { i in
            let w = fornbergWeights(derivative: m, points: window.map(Double.init), at: Double(i))
            return .weighted(rows: window, weights: w.map { W($0 * scale) })
        }
        let trailing: [AxisStencil<W>.RowRule] = (0..<q).map { k in
            // Row n - q + k, mirrored: evaluated at s - q + k - … on the last s samples.
            let row = n - q + k
            let rows = Array((n - s)..<n)
            let w = fornbergWeights(derivative: m, points: rows.map { Double($0 - (n - s)) }, at: Double(row - (n - s)))
            return .weighted(rows: rows, weights: w.map { W($0 * scale) })
        }
        return AxisStencil(length: n, leading: leading, trailing: trailing, interior: .uniform(offsets: offsets, weights: weights))
    }

    /// Non-uniform coordinates `x` (strictly monotonic, `x.count == n`).
    static func nonUniform(coordinates x: [Double], derivative m: Int, accuracy p: Int) -> AxisStencil<Double> {
        let n = x.count
        let q = (m + p) / 2  // 2q + 1 ≥ m + p
        let s = m + p
        let offsets = Array(-q...q)
        // Row i's Fornberg weights on its own window (rows q..<n-q; boundary rows use their own rules).
        let terms = offsets.count
        let weights = WeightTable<Double>(rows: n, terms: terms, costPerRow: 32 * terms) { rows, w in
            for i in rows {
                guard i >= q && i < n - q else {
                    for k in 0..<terms { w[k * n + i] = 0 }
                    continue
                }
                let row = fornbergWeights(derivative: m, points: offsets.map { x[i + $0] }, at: x[i])
                for k in 0..<terms { w[k * n + i] = row[k] }
            }
        }
        let leadingCount = min(q, n)
        let trailingCount = min(q, n - leadingCount)
        let firstRows = Array(0..<min(s, n))
        let lastRows = Array(max(0, n - s)..<n)
        let leading: [AxisStencil<Double>.RowRule] = (0..<leadingCount).map { i in
            .weighted(rows: firstRows, weights: fornbergWeights(derivative: m, points: firstRows.map { x[$0] }, at: x[i]))
        }
        let trailing: [AxisStencil<Double>.RowRule] = ((n - trailingCount)..<n).map { i in
            .weighted(rows: lastRows, weights: fornbergWeights(derivative: m, points: lastRows.map { x[$0] }, at: x[i]))
        }
        return AxisStencil(length: n, leading: leading, trailing: trailing, interior: .perRow(offsets: offsets, weights: weights))
    }
}

/// `x` to the integer power `m ≥ 0`, by repeated multiplication.
func integerPower(_ x: Double, _ m: Int) -> Double {
    var result = 1.0
    for _ in 0..<m { result *= x }
    return result
}
