/// The floating-point types Nabla differentiates: `Double`, `Float` and `Float16`.
///
/// The requirements are implementation details: each conforming type routes the generic engine to code
/// specialised for it, so a call from another module runs at full speed (an unspecialised generic
/// loop is about 30 times slower). Do not conform other types.
public protocol FieldScalar: BinaryFloatingPoint, Sendable {
    /// Applies a stencil whose weights are of this type. Implementation detail.
    static func _apply(_ stencil: AxisStencil<Self>, to input: UnsafeBufferPointer<Self>, shape: [Int], axis: Int,
                       into output: UnsafeMutableBufferPointer<Self>, accumulate: Bool)
    /// Applies a stencil whose weights and sums are `Double`, rounding each result to this type.
    /// Implementation detail.
    static func _applyInDouble(_ stencil: AxisStencil<Double>, to input: UnsafeBufferPointer<Self>, shape: [Int],
                               axis: Int, into output: UnsafeMutableBufferPointer<Self>, accumulate: Bool)
    /// Applies several stencils along several axes in one pass. Implementation detail.
    static func _applyFused(_ stencils: [BuiltStencil<Self>], axes: [Int], to input: UnsafeBufferPointer<Self>,
                            shape: [Int], into outputs: [UnsafeMutablePointer<Self>])
}

extension Double: FieldScalar {
    /// Applies several stencils along several axes in one pass. Implementation detail.
    public static func _applyFused(_ stencils: [BuiltStencil<Double>], axes: [Int], to input: UnsafeBufferPointer<Double>,
                                   shape: [Int], into outputs: [UnsafeMutablePointer<Double>]) {
        AxisKernel.applyFused(stencils, axes: axes, to: input, shape: shape, into: outputs)
    }
    /// Applies a stencil whose weights are of this type. Implementation detail.
    public static func _apply(_ stencil: AxisStencil<Double>, to input: UnsafeBufferPointer<Double>, shape: [Int],
                              axis: Int, into output: UnsafeMutableBufferPointer<Double>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
    /// Applies a stencil with `Double` weights and sums, rounding each result. Implementation detail.
    public static func _applyInDouble(_ stencil: AxisStencil<Double>, to input: UnsafeBufferPointer<Double>,
                                      shape: [Int], axis: Int, into output: UnsafeMutableBufferPointer<Double>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
}

extension Float: FieldScalar {
    /// Applies several stencils along several axes in one pass. Implementation detail.
    public static func _applyFused(_ stencils: [BuiltStencil<Float>], axes: [Int], to input: UnsafeBufferPointer<Float>,
                                   shape: [Int], into outputs: [UnsafeMutablePointer<Float>]) {
        AxisKernel.applyFused(stencils, axes: axes, to: input, shape: shape, into: outputs)
    }
    /// Applies a stencil whose weights are of this type. Implementation detail.
    public static func _apply(_ stencil: AxisStencil<Float>, to input: UnsafeBufferPointer<Float>, shape: [Int],
                              axis: Int, into output: UnsafeMutableBufferPointer<Float>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
    /// Applies a stencil with `Double` weights and sums, rounding each result. Implementation detail.
    public static func _applyInDouble(_ stencil: AxisStencil<Double>, to input: UnsafeBufferPointer<Float>,
                                      shape: [Int], axis: Int, into output: UnsafeMutableBufferPointer<Float>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
}

extension Float16: FieldScalar {
    /// Applies several stencils along several axes in one pass. Implementation detail.
    public static func _applyFused(_ stencils: [BuiltStencil<Float16>], axes: [Int], to input: UnsafeBufferPointer<Float16>,
                                   shape: [Int], into outputs: [UnsafeMutablePointer<Float16>]) {
        AxisKernel.applyFused(stencils, axes: axes, to: input, shape: shape, into: outputs)
    }
    /// Applies a stencil whose weights are of this type. Implementation detail.
    public static func _apply(_ stencil: AxisStencil<Float16>, to input: UnsafeBufferPointer<Float16>, shape: [Int],
                              axis: Int, into output: UnsafeMutableBufferPointer<Float16>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
    /// Applies a stencil with `Double` weights and sums, rounding each result. Implementation detail.
    public static func _applyInDouble(_ stencil: AxisStencil<Double>, to input: UnsafeBufferPointer<Float16>,
                                      shape: [Int], axis: Int, into output: UnsafeMutableBufferPointer<Float16>, accumulate: Bool) {
        AxisKernel.apply(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
    }
}
