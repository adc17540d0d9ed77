import Nabla
import NablaFormats

extension AnyNDArray {
    /// The number of NaN and ±infinity elements (0 for integer and boolean arrays).
    var nonFiniteCount: Int {
        switch self {
        case let .float16(a): a.nonFiniteCount
        case let .float32(a): a.nonFiniteCount
        case let .float64(a): a.nonFiniteCount
        case let .complex64(a): a.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        case let .complex128(a): a.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        default: 0
        }
    }
}

extension NDArray where Element: BinaryFloatingPoint {
    var nonFiniteCount: Int {
        var n = 0
        for v in scalars where !v.isFinite { n &+= 1 }
        return n
    }
}
