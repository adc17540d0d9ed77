/// A linear operator along one axis, as data: which samples each output combines, with which weights.
///
/// Every derivative Nabla computes by finite differences is one of these applied by the stencil engine:
/// numpy's gradient, higher accuracy orders, higher derivatives, periodic wrap-around.
///
/// Output row `i` (a position along the axis) is computed by
/// - a boundary rule for the first rows (one-sided stencils at the leading edge),
/// - a boundary rule for the last rows (one-sided stencils at the trailing edge),
/// - the interior stencil otherwise: `Σ_k w_k(i) · f[i + offsets[k]]`, summed left to right
///   (the same weights on every row for a uniform axis; for coordinates, numpy's weights computed on
///   each row from the steps, or a table of per-row weights for higher orders).
///
/// `W` is the type the weights are stored and the sums are computed in; results are rounded to the
/// element type at the end (numpy computes `Float` data with `Double` coordinates in `Double`).
///
/// An implementation detail (`package`): callers build stencils through ``Stencil`` or the derivative
/// functions.
package struct AxisStencil<W: BinaryFloatingPoint & Sendable>: Sendable {
    /// How one boundary row is computed, with absolute source rows.
    enum RowRule: Sendable {
        /// `(f[plus] - f[minus]) / divisor`, the difference taken in the element type (numpy's first-order edges).
        case quotient(plus: Int, minus: Int, divisor: W)
        /// `Σ_k weights[k] · f[rows[k]]`, left to right.
        case weighted(rows: [Int], weights: [W])
    }

    /// The stencil used between the boundary rows.
    enum Interior: Sendable {
        /// `(f[i+1] - f[i-1]) / divisor` — numpy's uniform central difference, bit for bit.
        case centralQuotient(divisor: W)
        /// `Σ_k weights[k] · f[i + offsets[k]]`, the same weights on every row.
        case uniform(offsets: [Int], weights: [W])
        /// `Σ_k weights[k · length + i] · f[i + offsets[k]]`: each row its own weights (non-uniform coordinates);
        /// `weights[k * length + i]` is term `k`'s weight on row `i` (entries of boundary rows are unused).
        case perRow(offsets: [Int], weights: WeightTable<W>)
        /// `(a(i) · f[i-1] + b(i) · f[i]) + c(i) · f[i+1]` with numpy's non-uniform weights computed on each
        /// row from the steps (see ``NumpySteps``), in the steps' type, then converted to `W`.
        case numpySteps(NumpySteps)
    }

    /// The number of samples along the axis.
    var length: Int
    var leading: [RowRule]
    var trailing: [RowRule]
    var interior: Interior
    /// Whether quotients `(f[a] - f[b]) / d` are computed as `(f[a] - f[b]) · (1/d)`, the reciprocal taken
    /// in `W`: numpy's complex division by a divisor with a zero imaginary part does exactly that
    /// (`(re + im·0) · (1/d)`), so complex data is differenced this way to match numpy bit for bit.
    var dividesByReciprocal = false

    /// Rows computed with the interior stencil.
    var interiorRows: Range<Int> { leading.count..<max(leading.count, length - trailing.count) }
}

/// A stencil ready to apply to `T` data: with weights of type `T`, or with `Double` weights whose sums
/// are rounded to `T` (numpy's behaviour for coordinates given as float64).
package enum BuiltStencil<T: FieldScalar>: Sendable {
    case native(AxisStencil<T>)
    case inDouble(AxisStencil<Double>)

    /// The same operator with every weight negated (exact).
    var negated: BuiltStencil {
        switch self {
        case let .native(s): .native(s.negated)
        case let .inDouble(s): .inDouble(s.negated)
        }
    }
}

extension AxisStencil {
    /// The stencil with every weight (and divisor) negated: `-(Σ w f) == Σ (-w) f` exactly.
    var negated: AxisStencil {
        func flip(_ rule: RowRule) -> RowRule {
            switch rule {
            case let .quotient(plus, minus, divisor): .quotient(plus: plus, minus: minus, divisor: -divisor)
            case let .weighted(rows, weights): .weighted(rows: rows, weights: weights.map { -$0 })
            }
        }
        let newInterior: Interior
        switch interior {
        case let .centralQuotient(divisor): newInterior = .centralQuotient(divisor: -divisor)
        case let .uniform(offsets, weights): newInterior = .uniform(offsets: offsets, weights: weights.map { -$0 })
        case let .perRow(offsets, weights): newInterior = .perRow(offsets: offsets, weights: weights.negated)
        case var .numpySteps(steps):
            steps.negated.toggle()
            newInterior = .numpySteps(steps)
        }
        return AxisStencil(length: length, leading: leading.map(flip), trailing: trailing.map(flip), interior: newInterior,
                           dividesByReciprocal: dividesByReciprocal)
    }

    /// The same stencil with its quotients computed as numpy computes them for complex data (see
    /// ``dividesByReciprocal``).
    var forComplexData: AxisStencil {
        var s = self
        s.dividesByReciprocal = true
        return s
    }

    /// The same stencil with weights converted to `V` (exactly, when `V` is at least as precise as `W`).
    func converted<V: BinaryFloatingPoint & Sendable>(to _: V.Type) -> AxisStencil<V> {
        func convert(_ rule: RowRule) -> AxisStencil<V>.RowRule {
            switch rule {
            case let .quotient(plus, minus, divisor): .quotient(plus: plus, minus: minus, divisor: V(divisor))
            case let .weighted(rows, weights): .weighted(rows: rows, weights: weights.map { V($0) })
            }
        }
        let newInterior: AxisStencil<V>.Interior
        switch interior {
        case let .centralQuotient(divisor): newInterior = .centralQuotient(divisor: V(divisor))
        case let .uniform(offsets, weights): newInterior = .uniform(offsets: offsets, weights: weights.map { V($0) })
        case let .perRow(offsets, weights): newInterior = .perRow(offsets: offsets, weights: weights.converted(to: V.self))
        // The weights are computed in the steps' type and converted to the weight type on each row.
        case let .numpySteps(steps): newInterior = .numpySteps(steps)
        }
        return AxisStencil<V>(length: length, leading: leading.map(convert), trailing: trailing.map(convert),
                              interior: newInterior, dividesByReciprocal: dividesByReciprocal)
    }
}

extension BuiltStencil {
    /// The stencil with numpy's complex quotients (see ``AxisStencil/dividesByReciprocal``).
    var forComplexData: BuiltStencil {
        switch self {
        case let .native(s): .native(s.forComplexData)
        case let .inDouble(s): .inDouble(s.forComplexData)
        }
    }
}
