import ComplexModule
import RealModule
import Nabla

/// An `NDArray` of any numpy dtype Nabla supports, in native byte order and C (row-major) order.
///
/// This is what ``NPY/read(from:)`` returns when the dtype is only known at run time. Use
/// ``asDouble()`` to compute with it (numpy's `gradient` also converts integers to float64), or
/// ``array(of:)`` to take out an array of a known element type without converting.
public enum AnyNDArray: Sendable, Equatable {
    /// A `float16` array of `Float16` elements.
    case float16(NDArray<Float16>)
    /// A `float32` array of `Float` elements.
    case float32(NDArray<Float>)
    /// A `float64` array of `Double` elements.
    case float64(NDArray<Double>)
    /// A `complex64` array of `Complex<Float>` elements.
    case complex64(NDArray<Complex<Float>>)
    /// A `complex128` array of `Complex<Double>` elements.
    case complex128(NDArray<Complex<Double>>)
    /// A `int8` array of `Int8` elements.
    case int8(NDArray<Int8>)
    /// A `int16` array of `Int16` elements.
    case int16(NDArray<Int16>)
    /// A `int32` array of `Int32` elements.
    case int32(NDArray<Int32>)
    /// A `int64` array of `Int64` elements.
    case int64(NDArray<Int64>)
    /// A `uint8` array of `UInt8` elements.
    case uint8(NDArray<UInt8>)
    /// A `uint16` array of `UInt16` elements.
    case uint16(NDArray<UInt16>)
    /// A `uint32` array of `UInt32` elements.
    case uint32(NDArray<UInt32>)
    /// A `uint64` array of `UInt64` elements.
    case uint64(NDArray<UInt64>)
    /// A `bool` array of `Bool` elements.
    case bool(NDArray<Bool>)

    /// Wraps an array of any supported element type.
    public init<T: NPYScalar>(_ array: NDArray<T>) { self = T.wrap(array) }

    /// The wrapped array with its element type erased: the one list of every case, for what does not depend
    /// on the element type.
    private var erased: any ErasedNDArray {
        switch self {
        case .float16(let a): a
        case .float32(let a): a
        case .float64(let a): a
        case .complex64(let a): a
        case .complex128(let a): a
        case .int8(let a): a
        case .int16(let a): a
        case .int32(let a): a
        case .int64(let a): a
        case .uint8(let a): a
        case .uint16(let a): a
        case .uint32(let a): a
        case .uint64(let a): a
        case .bool(let a): a
        }
    }

    /// The length of each axis.
    public var shape: [Int] { erased.shape }

    /// The numpy dtype of the elements.
    public var dtype: DType { erased.dtype }

    /// The number of elements.
    public var count: Int { erased.count }

    /// The array if its element type is exactly `T`, otherwise `nil` (no conversion).
    public func array<T: NPYScalar>(of type: T.Type = T.self) -> NDArray<T>? { T.unwrap(self) }

    /// The elements converted to `Double` as numpy's `astype(np.float64)` does: floats exactly,
    /// integers rounded to nearest (exact up to 2^53), `false`/`true` as 0/1, complex numbers by their
    /// real part (numpy warns `ComplexWarning`; check ``DType/isComplex`` first to refuse them). A float64
    /// array is returned as is, without a copy.
    public func asDouble() -> NDArray<Double> { converted(to: Double.self) }

    /// The elements converted to `Float` (rounding to nearest), as numpy's `astype(np.float32)` (complex
    /// numbers: their real part).
    /// A float32 array is returned as is.
    public func asFloat() -> NDArray<Float> { converted(to: Float.self) }

    /// The elements converted to `F` as numpy's `astype` does (see ``asDouble()``); an array whose elements
    /// are already `F` is returned as is, without a copy.
    private func converted<F: BinaryFloatingPoint>(to _: F.Type) -> NDArray<F> {
        switch self {
        case .float16(let a): a as? NDArray<F> ?? a.map { F($0) }
        case .float32(let a): a as? NDArray<F> ?? a.map { F($0) }
        case .float64(let a): a as? NDArray<F> ?? a.map { F($0) }
        case .complex64(let a): a.map { F($0.real) }
        case .complex128(let a): a.map { F($0.real) }
        case .int8(let a): a.map { F($0) }
        case .int16(let a): a.map { F($0) }
        case .int32(let a): a.map { F($0) }
        case .int64(let a): a.map { F($0) }
        case .uint8(let a): a.map { F($0) }
        case .uint16(let a): a.map { F($0) }
        case .uint32(let a): a.map { F($0) }
        case .uint64(let a): a.map { F($0) }
        case .bool(let a): a.map { $0 ? 1 : 0 }
        }
    }
}

extension AnyNDArray: CustomStringConvertible {
    /// The dtype name followed by the array, e.g. `float64 [1.0, 2.0]`.
    public var description: String { "\(dtype.name) \(erased)" }
}

/// What every ``AnyNDArray`` case's array answers whatever its element type.
private protocol ErasedNDArray: CustomStringConvertible {
    var shape: [Int] { get }
    var count: Int { get }
    var dtype: DType { get }
}

extension NDArray: ErasedNDArray where Element: NPYScalar {
    fileprivate var dtype: DType { Element.dtype }
}
