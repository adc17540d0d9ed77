// Elementwise arithmetic on arrays of the same shape, and with scalars — what comparisons of computed
// and reference fields need (`E = -gradV`, `error = computed - reference`). Shapes must match exactly
// (no broadcasting); a mismatch is a programmer error and stops with a message naming both shapes.

extension NDArray where Element: Numeric {
    /// Elementwise `lhs + rhs`.
    public static func + (lhs: NDArray, rhs: NDArray) -> NDArray { lhs.combined(with: rhs, +) }
    /// Elementwise `lhs - rhs`.
    public static func - (lhs: NDArray, rhs: NDArray) -> NDArray { lhs.combined(with: rhs, -) }
    /// Elementwise (Hadamard) product `lhs * rhs` — not a matrix or dot product.
    public static func * (lhs: NDArray, rhs: NDArray) -> NDArray { lhs.combined(with: rhs, *) }
    /// Every element times `scalar`.
    public static func * (lhs: NDArray, scalar: Element) -> NDArray { lhs.map { $0 * scalar } }
    /// Every element times `scalar`.
    public static func * (scalar: Element, rhs: NDArray) -> NDArray { rhs.map { scalar * $0 } }
    /// Every element plus `scalar`.
    public static func + (lhs: NDArray, scalar: Element) -> NDArray { lhs.map { $0 + scalar } }
    /// Every element minus `scalar`.
    public static func - (lhs: NDArray, scalar: Element) -> NDArray { lhs.map { $0 - scalar } }

    /// `lhs = lhs + rhs`.
    public static func += (lhs: inout NDArray, rhs: NDArray) { lhs = lhs + rhs }
    /// `lhs = lhs - rhs`.
    public static func -= (lhs: inout NDArray, rhs: NDArray) { lhs = lhs - rhs }

    /// The sum of all elements.
    public func sum() -> Element { scalars.reduce(0, +) }

    /// `transform(self[i], other[i])` for every element; the shapes must be equal.
    public func combined<R: Sendable>(with other: NDArray, _ transform: (Element, Element) throws -> R) rethrows -> NDArray<R> {
        precondition(shape == other.shape, "elementwise operation on arrays of shapes \(shape) and \(other.shape); the shapes must be equal")
        var result: [R] = []
        result.reserveCapacity(count)
        for (a, b) in zip(scalars, other.scalars) { result.append(try transform(a, b)) }
        return NDArray<R>(uncheckedShape: shape, scalars: result)
    }
}

extension NDArray where Element: SignedNumeric {
    /// Every element negated.
    public static prefix func - (operand: NDArray) -> NDArray { operand.map { -$0 } }
}

extension NDArray where Element: FloatingPoint {
    /// Elementwise `lhs / rhs`.
    public static func / (lhs: NDArray, rhs: NDArray) -> NDArray { lhs.combined(with: rhs, /) }
    /// Every element divided by `scalar`.
    public static func / (lhs: NDArray, scalar: Element) -> NDArray { lhs.map { $0 / scalar } }

    /// The largest absolute value (NaN if any element is NaN; 0 for an empty array).
    public func maxMagnitude() -> Element {
        var m: Element = 0
        for x in scalars {
            if x.isNaN { return x }
            m = Swift.max(m, x.magnitude)
        }
        return m
    }

    /// Whether every element is finite.
    public var isFinite: Bool { scalars.allSatisfy(\.isFinite) }
}
