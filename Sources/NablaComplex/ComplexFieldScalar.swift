@_exported import ComplexModule
import RealModule
import Nabla

/// The component types of the complex fields Nabla differentiates: `Float` (numpy's complex64) and
/// `Double` (complex128).
///
/// `Complex<T>` (swift-numerics) is stored as `(real, imaginary)`, so an `NDArray<Complex<T>>` of shape
/// `S` is, in memory, a `T` array of shape `S + [2]`. Every operator in this module differences that
/// real array in place — the real and imaginary parts independently, with real weights, as numpy does —
/// through the same engine (and the same specialised loops) as real fields: no copies, no temporaries.
public protocol ComplexFieldScalar: FieldScalar, Real {}

extension Float: ComplexFieldScalar {}
extension Double: ComplexFieldScalar {}
