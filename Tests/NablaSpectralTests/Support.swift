import Foundation
import Nabla
import NablaSpectral

/// Maximum absolute difference of two arrays of the same shape, in Double.
func maxError<T: BinaryFloatingPoint>(_ a: NDArray<T>, _ b: NDArray<T>) -> Double {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    return zip(a.scalars, b.scalars).reduce(0) { max($0, Swift.abs(Double($1.0) - Double($1.1))) }
}

func maxAbs<T: BinaryFloatingPoint>(_ a: NDArray<T>) -> Double {
    a.scalars.reduce(0) { max($0, Swift.abs(Double($1))) }
}

/// The accuracy bound of the spectral rules: 10·N·ε·max|f^(m)|.
func bound<T: BinaryFloatingPoint>(_: T.Type, n: Int, scale: Double) -> Double {
    10 * Double(n) * Double(T.ulpOfOne) * scale
}

/// A reproducible pseudo-random field in [-1, 1).
func randomField<T: SpectralScalar>(_: T.Type, shape: [Int], seed: UInt64 = 0x9E3779B97F4A7C15) throws -> NDArray<T> {
    var state = seed
    let count = shape.reduce(1, *)
    let values = (0..<count).map { _ -> T in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return T(Double(state >> 11) / Double(1 << 52) - 1)
    }
    return try NDArray(shape: shape, scalars: values)
}
