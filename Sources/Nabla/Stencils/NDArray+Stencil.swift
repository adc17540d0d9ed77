/// A stencil ready to apply to `T` data: with weights of type `T`, or with `Double` weights whose sums
/// are rounded to `T` (numpy's behaviour for coordinates given as float64).
enum BuiltStencil<T: FieldScalar>: Sendable {
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
        case let .perRow(offsets, weights): newInterior = .perRow(offsets: offsets, weights: weights.map { -$0 })
        }
        return AxisStencil(length: length, leading: leading.map(flip), trailing: trailing.map(flip), interior: newInterior)
    }
}

extension NDArray where Element: FieldScalar {
    /// A new array: `stencil` applied along `axis`.
    func applying(_ stencil: BuiltStencil<Element>, along axis: Int) -> NDArray {
        var result = NDArray.uninitialized(shape: shape)
        result.apply(stencil, along: axis, from: self, accumulate: false)
        return result
    }

    /// Overwrites `self` with (or, when `accumulate`, adds to `self`) `stencil` applied along `axis` of
    /// `source`, which has the same shape and is a different array.
    mutating func apply(_ stencil: BuiltStencil<Element>, along axis: Int, from source: NDArray, accumulate: Bool) {
        precondition(source.shape == shape, "output shape \(shape) differs from input shape \(source.shape)")
        let shape = self.shape
        source.scalars.withUnsafeBufferPointer { input in
            scalars.withUnsafeMutableBufferPointer { output in
                switch stencil {
                case let .native(s):
                    Element._apply(s, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
                case let .inDouble(s):
                    Element._applyInDouble(s, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
                }
            }
        }
    }
}

extension NDArray where Element: BinaryFloatingPoint {
    /// An array whose contents are unspecified until written: the caller overwrites every element.
    ///
    /// Allocating without initialising saves a full pass over memory, and lets the worker threads that
    /// write the result touch its pages first.
    static func uninitialized(shape: [Int]) -> NDArray {
        let count = shape.reduce(1, *)
        let scalars = [Element](unsafeUninitializedCapacity: count) { _, initialized in
            // Floating-point element types are trivial: any bit pattern is a valid value. The kernels
            // overwrite every element before the array is read.
            initialized = count
        }
        return NDArray(uncheckedShape: shape, scalars: scalars)
    }
}
