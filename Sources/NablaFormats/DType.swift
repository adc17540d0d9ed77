import ComplexModule
import RealModule
import Nabla

/// The byte order of multi-byte elements in a file.
public enum ByteOrder: String, Sendable, Hashable, CaseIterable {
    /// Least significant byte first (`'<'` in a numpy descr; x86-64, arm64).
    case little
    /// Most significant byte first (`'>'` in a numpy descr).
    case big

    /// The byte order of the machine running this code.
    public static var native: ByteOrder { 1.littleEndian == 1 ? .little : .big }
}

/// The numpy dtypes Nabla reads and writes: IEEE floats, complex numbers, fixed-width integers and bool.
///
/// A numpy dtype descriptor (`descr`) is a byte-order character followed by a kind and an item size:
/// ```
/// '<f8'  little-endian float64      '>i4'  big-endian int32
/// '|u1'  uint8 (no byte order)      '|b1'  bool
/// '=f4'  native-endian float32
/// ```
/// Object (`'|O'`), structured (a list descr), string, datetime and other dtypes are
/// refused with a ``FormatError`` of kind ``FormatError/Kind/unsupportedDType``.
public enum DType: String, Sendable, Hashable, CaseIterable {
    /// IEEE 754 binary16, binary32 and binary64 (`'<f2'`, `'<f4'`, `'<f8'`): `Float16`, `Float`, `Double`.
    case float16, float32, float64
    /// Complex numbers of two float32 or two float64 values, real part first (`'<c8'`, `'<c16'`):
    /// `Complex<Float>`, `Complex<Double>` (swift-numerics).
    case complex64, complex128
    /// Two's-complement signed integers of 1, 2, 4 and 8 bytes (`'|i1'`, `'<i2'`, `'<i4'`, `'<i8'`).
    case int8, int16, int32, int64
    /// Unsigned integers of 1, 2, 4 and 8 bytes (`'|u1'`, `'<u2'`, `'<u4'`, `'<u8'`).
    case uint8, uint16, uint32, uint64
    /// numpy's bool (`'|b1'`): one byte, 0 or 1.
    case bool

    /// The size of one element in bytes (numpy's `itemsize`).
    public var itemSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .float16, .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64, .complex64: 8
        case .complex128: 16
        }
    }

    /// Whether the elements are complex numbers.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }

    /// The size in bytes of one real number in an element (the unit of byte order): the item size, or half
    /// of it for complex dtypes.
    public var scalarSize: Int { isComplex ? itemSize / 2 : itemSize }

    /// numpy's kind character: `f`, `i`, `u` or `b`.
    public var kindCharacter: Character {
        switch self {
        case .float16, .float32, .float64: "f"
        case .complex64, .complex128: "c"
        case .int8, .int16, .int32, .int64: "i"
        case .uint8, .uint16, .uint32, .uint64: "u"
        case .bool: "b"
        }
    }

    /// The numpy name (`"float64"`, `"uint8"`, `"bool"`).
    public var name: String { rawValue }

    /// The numpy descriptor string in the given byte order: `'<f8'`, `'>i4'`; single-byte types use `'|'`.
    public func descr(byteOrder: ByteOrder = .native) -> String {
        let order: Character = itemSize == 1 ? "|" : (byteOrder == .little ? "<" : ">")
        return "\(order)\(kindCharacter)\(itemSize)"
    }

    /// Parses a numpy descriptor string such as `'<f8'`, `'>i4'`, `'|u1'`, `'|b1'`, `'=f4'` or `'f8'`.
    ///
    /// - Returns: the dtype and the byte order of the data (``ByteOrder/native`` for single-byte types,
    ///   `'='` and a missing order character).
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/unsupportedDType`` for any other dtype; the
    ///   error's `file` is empty (the file readers fill it in).
    public static func parse(descr: String) throws(FormatError) -> (dtype: DType, byteOrder: ByteOrder) {
        try parse(descr: descr, context: ErrorContext(file: ""))
    }

    static func parse(descr: String, context: ErrorContext) throws(FormatError) -> (dtype: DType, byteOrder: ByteOrder) {
        var rest = Substring(descr)
        var order: ByteOrder = .native
        var explicitOrder: Character?
        if let first = rest.first, "<>=|".contains(first) {
            explicitOrder = first
            rest = rest.dropFirst()
            if first == "<" { order = .little } else if first == ">" { order = .big }
        }
        let shown = "'\(descr.count > 40 ? String(descr.prefix(40)) + "…" : descr)'"
        guard let kind = rest.first else {
            throw context.error(.unsupportedDType, "dtype descr \(shown) is empty; expected e.g. '<f8'")
        }
        let sizeText = rest.dropFirst()
        let dtype: DType?
        switch (kind, sizeText) {
        case ("f", "2"), ("e", ""): dtype = .float16
        case ("f", "4"): dtype = .float32
        case ("f", "8"), ("d", ""): dtype = .float64
        case ("c", "8"), ("F", ""): dtype = .complex64
        case ("c", "16"), ("D", ""): dtype = .complex128
        case ("i", "1"), ("b", ""): dtype = .int8
        case ("i", "2"), ("h", ""): dtype = .int16
        case ("i", "4"): dtype = .int32
        case ("i", "8"), ("q", ""): dtype = .int64
        case ("u", "1"), ("B", ""): dtype = .uint8
        case ("u", "2"), ("H", ""): dtype = .uint16
        case ("u", "4"): dtype = .uint32
        case ("u", "8"), ("Q", ""): dtype = .uint64
        case ("b", "1"), ("?", ""): dtype = .bool
        default: dtype = nil
        }
        guard let dtype else {
            let what: String
            switch kind {
            case "O": what = "object arrays (pickled Python objects) are not supported"
            case "c": what = "complex\(bits(sizeText)) is not supported (only complex64 and complex128)"
            case "S", "a", "U": what = "string dtypes are not supported"
            case "V": what = "void/structured dtypes are not supported"
            case "M", "m": what = "datetime/timedelta dtypes are not supported"
            case "f": what = "float\(bits(sizeText)) is not supported"
            default: what = "not a supported dtype"
            }
            throw context.error(.unsupportedDType,
                "dtype descr \(shown): \(what); expected one of float16/32/64, complex64/128, int8..64, uint8..64 or bool")
        }
        // '|' on a multi-byte type means "not applicable", which numpy reads as native, like '='.
        if dtype.itemSize == 1 || explicitOrder == "|" { order = .native }
        return (dtype, order)
    }

    /// The bits of an item size written in a descr (`"16"` → `"128"`), or `"?"` when the text is not a
    /// byte count whose bits fit an `Int` (a header may say `<c-000…7318123910777003452`).
    private static func bits(_ sizeText: Substring) -> String {
        guard let bytes = Int(sizeText), bytes > 0 else { return "?" }
        let (bits, overflow) = bytes.multipliedReportingOverflow(by: 8)
        return overflow ? "?" : String(bits)
    }
}

/// An element type that has a numpy dtype: `Float16`, `Float`, `Double`, `Int8`…`Int64`, `UInt8`…`UInt64`, `Bool`.
public protocol NPYScalar: Sendable, Equatable {
    /// The numpy dtype of this element type.
    static var dtype: DType { get }
    /// Wraps an array of this element type.
    static func wrap(_ array: NDArray<Self>) -> AnyNDArray
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    static func unwrap(_ any: AnyNDArray) -> NDArray<Self>?
}


extension Float16: NPYScalar {
    /// `float16`.
    public static var dtype: DType { .float16 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Float16>) -> AnyNDArray { .float16(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Float16>? { if case .float16(let a) = any { a } else { nil } }
}
extension Float: NPYScalar {
    /// `float32`.
    public static var dtype: DType { .float32 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Float>) -> AnyNDArray { .float32(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Float>? { if case .float32(let a) = any { a } else { nil } }
}
extension Double: NPYScalar {
    /// `float64`.
    public static var dtype: DType { .float64 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Double>) -> AnyNDArray { .float64(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Double>? { if case .float64(let a) = any { a } else { nil } }
}
extension Int8: NPYScalar {
    /// `int8`.
    public static var dtype: DType { .int8 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Int8>) -> AnyNDArray { .int8(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Int8>? { if case .int8(let a) = any { a } else { nil } }
}
extension Int16: NPYScalar {
    /// `int16`.
    public static var dtype: DType { .int16 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Int16>) -> AnyNDArray { .int16(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Int16>? { if case .int16(let a) = any { a } else { nil } }
}
extension Int32: NPYScalar {
    /// `int32`.
    public static var dtype: DType { .int32 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Int32>) -> AnyNDArray { .int32(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Int32>? { if case .int32(let a) = any { a } else { nil } }
}
extension Int64: NPYScalar {
    /// `int64`.
    public static var dtype: DType { .int64 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Int64>) -> AnyNDArray { .int64(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Int64>? { if case .int64(let a) = any { a } else { nil } }
}
extension UInt8: NPYScalar {
    /// `uint8`.
    public static var dtype: DType { .uint8 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<UInt8>) -> AnyNDArray { .uint8(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<UInt8>? { if case .uint8(let a) = any { a } else { nil } }
}
extension UInt16: NPYScalar {
    /// `uint16`.
    public static var dtype: DType { .uint16 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<UInt16>) -> AnyNDArray { .uint16(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<UInt16>? { if case .uint16(let a) = any { a } else { nil } }
}
extension UInt32: NPYScalar {
    /// `uint32`.
    public static var dtype: DType { .uint32 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<UInt32>) -> AnyNDArray { .uint32(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<UInt32>? { if case .uint32(let a) = any { a } else { nil } }
}
extension UInt64: NPYScalar {
    /// `uint64`.
    public static var dtype: DType { .uint64 }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<UInt64>) -> AnyNDArray { .uint64(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<UInt64>? { if case .uint64(let a) = any { a } else { nil } }
}
extension Bool: NPYScalar {
    /// `bool`.
    public static var dtype: DType { .bool }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Bool>) -> AnyNDArray { .bool(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Bool>? { if case .bool(let a) = any { a } else { nil } }
}

/// `Float` and `Double`, the parts of numpy's complex64 and complex128.
public protocol NPYComplexPart: NPYScalar, Real {
    /// The complex dtype whose parts have this type.
    static var complexDType: DType { get }
    /// Wraps a complex array as the matching ``AnyNDArray`` case.
    static func wrapComplex(_ array: NDArray<Complex<Self>>) -> AnyNDArray
    /// The complex array inside `any` if its parts have this type.
    static func unwrapComplex(_ any: AnyNDArray) -> NDArray<Complex<Self>>?
}

extension Float: NPYComplexPart {
    /// `complex64`.
    public static var complexDType: DType { .complex64 }
    /// Wraps the array as ``AnyNDArray/complex64(_:)``.
    public static func wrapComplex(_ array: NDArray<Complex<Float>>) -> AnyNDArray { .complex64(array) }
    /// The array inside `any` if it is complex64.
    public static func unwrapComplex(_ any: AnyNDArray) -> NDArray<Complex<Float>>? { if case .complex64(let a) = any { a } else { nil } }
}
extension Double: NPYComplexPart {
    /// `complex128`.
    public static var complexDType: DType { .complex128 }
    /// Wraps the array as ``AnyNDArray/complex128(_:)``.
    public static func wrapComplex(_ array: NDArray<Complex<Double>>) -> AnyNDArray { .complex128(array) }
    /// The array inside `any` if it is complex128.
    public static func unwrapComplex(_ any: AnyNDArray) -> NDArray<Complex<Double>>? { if case .complex128(let a) = any { a } else { nil } }
}

extension Complex: NPYScalar where RealType: NPYComplexPart {
    /// `complex64` or `complex128`.
    public static var dtype: DType { RealType.complexDType }
    /// Wraps the array as the matching ``AnyNDArray`` case.
    public static func wrap(_ array: NDArray<Complex<RealType>>) -> AnyNDArray { RealType.wrapComplex(array) }
    /// The array inside `any` if its dtype is exactly this type, otherwise `nil`.
    public static func unwrap(_ any: AnyNDArray) -> NDArray<Complex<RealType>>? { RealType.unwrapComplex(any) }
}
