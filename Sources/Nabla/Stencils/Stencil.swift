/// A finite-difference stencil on a unit-step grid: integer offsets and their weights.
///
/// ```
/// f⁽ᵐ⁾(x_i) ≈ (1 / hᵐ) Σ_k weights[k] · f(x_{i + offsets[k]})
/// ```
/// Weights come from ``fornbergWeights(derivative:offsets:)`` and are exact for polynomials of degree
/// below the number of points. Like findiff's `coefficients(deriv, acc)`:
/// ```swift
/// Stencil.central(derivative: 2, accuracy: 2)   // offsets [-1, 0, 1], weights [1, -2, 1]
/// Stencil.central(derivative: 1, accuracy: 4)   // [-2…2]: [1/12, -2/3, 0, 2/3, -1/12]
/// Stencil.forward(derivative: 1, accuracy: 2)   // [0, 1, 2]: [-3/2, 2, -1/2]
/// ```
public struct Stencil: Sendable, Hashable, CustomStringConvertible {
    /// Sample offsets relative to the evaluation point.
    public let offsets: [Int]
    /// One weight per offset, for a unit step.
    public let weights: [Double]
    /// The derivative order.
    public let derivative: Int

    /// The stencil of derivative `m` on `offsets`, evaluated at offset 0.
    public init(derivative m: Int, offsets: [Int]) {
        self.offsets = offsets
        self.derivative = m
        self.weights = fornbergWeights(derivative: m, offsets: offsets)
    }

    /// The centred stencil of derivative `m ≥ 1` and even accuracy order `p`: `2⌊(m+1)/2⌋ - 1 + p` points.
    ///
    /// Symmetric (even `m`) or antisymmetric (odd `m`) to the last bit; the centre weight of an odd
    /// derivative is exactly zero.
    public static func central(derivative m: Int, accuracy p: Int) -> Stencil {
        let q = centralHalfWidth(derivative: m, accuracy: p)
        let raw = Stencil(derivative: m, offsets: Array(-q...q))
        // Enforce the exact symmetry the rounding of the recurrence may blur.
        var w = raw.weights
        for k in 0...q {
            let a = w[q + k], b = w[q - k]
            let value = m % 2 == 0 ? (a + b) / 2 : (a - b) / 2
            w[q + k] = value
            w[q - k] = m % 2 == 0 ? value : -value
        }
        return Stencil(offsets: raw.offsets, weights: w, derivative: m)
    }

    /// The one-sided stencil of derivative `m` and accuracy `p` on offsets `0..<(m + p)`.
    public static func forward(derivative m: Int, accuracy p: Int) -> Stencil {
        Stencil(derivative: m, offsets: Array(0..<(m + p)))
    }

    /// The one-sided stencil of derivative `m` and accuracy `p` on offsets `-(m + p - 1)...0`.
    public static func backward(derivative m: Int, accuracy p: Int) -> Stencil {
        Stencil(derivative: m, offsets: Array((1 - m - p)...0))
    }

    /// Half the width of ``central(derivative:accuracy:)``.
    public static func centralHalfWidth(derivative m: Int, accuracy p: Int) -> Int {
        (2 * ((m + 1) / 2) - 1 + p - 1) / 2
    }

    init(offsets: [Int], weights: [Double], derivative: Int) {
        self.offsets = offsets
        self.weights = weights
        self.derivative = derivative
    }

    /// The derivative order and each `offset: weight` pair, e.g. `Stencil(d2: -1: 1.0, 0: -2.0, 1: 1.0)`.
    public var description: String {
        "Stencil(d\(derivative): " + zip(offsets, weights).map { "\($0): \($1)" }.joined(separator: ", ") + ")"
    }
}
