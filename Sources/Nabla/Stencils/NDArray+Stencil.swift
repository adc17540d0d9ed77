/// A stencil ready to apply to `T` data: with weights of type `T`, or with `Double` weights whose sums
/// are rounded to `T` (numpy's behaviour for coordinates given as float64). Implementation detail of
/// ``FieldScalar``.
public enum BuiltStencil<T: FieldScalar>: Sendable {
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
        }
        return AxisStencil(length: length, leading: leading.map(flip), trailing: trailing.map(flip), interior: newInterior)
    }
}

extension NDArray where Element: FieldScalar {
    /// New arrays: `stencils[k]` applied along `axes[k]`, in one pass over `self` when that is faster.
    func applying(_ stencils: [BuiltStencil<Element>], along axes: [Int]) -> [NDArray] {
        var results = axes.map { _ in NDArray.uninitialized(shape: shape) }
        apply(stencils, along: axes, into: &results)
        return results
    }

    /// Overwrites `outputs[k]` (of `self`'s shape) with `stencils[k]` applied along `axes[k]` of `self`.
    func apply(_ stencils: [BuiltStencil<Element>], along axes: [Int], into outputs: inout [NDArray]) {
        let shape = self.shape
        precondition(outputs.count == axes.count && outputs.allSatisfy { $0.shape == shape })
        // Fused when several axes share the planes of axis 0 and there are enough planes to share out.
        guard count > 0 else { return }
        guard axes.count >= 2, rank >= 2, shape[0] >= 2 * Parallel.workerCount else {
            for k in axes.indices { outputs[k].apply(stencils[k], along: axes[k], from: self, accumulate: false) }
            return
        }
        // Make every output uniquely referenced before taking its pointer (copy-on-write happens here).
        var pointers: [UnsafeMutablePointer<Element>] = []
        for k in outputs.indices {
            outputs[k].scalars.withUnsafeMutableBufferPointer { buffer in
                if let base = buffer.baseAddress { pointers.append(base) }
            }
        }
        precondition(pointers.count == outputs.count)
        // The pointers stay valid: `outputs` is not resized or shared until the call returns.
        withExtendedLifetime(outputs) {
            scalars.withUnsafeBufferPointer { input in
                Element._applyFused(stencils, axes: axes, to: input, shape: shape, into: pointers)
            }
        }
    }

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
        let scalars = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Floating-point element types are trivial: any bit pattern is a valid value. The kernels
            // overwrite every element before the array is read.
            Memory.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
        return NDArray(uncheckedShape: shape, scalars: scalars)
    }
}
