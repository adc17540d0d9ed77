/// The sample spacing along one axis, as numpy.gradient's `varargs` give it: a scalar step or the
/// coordinates of the samples.
///
/// ```swift
/// try gradient(of: f, spacing: [0.1])                          // one step for every axis
/// try gradient(of: f, spacing: [0.1, .coordinates(x)])         // one entry per axis, mixed
/// ```
/// Coordinates whose steps are all exactly equal collapse to their step, so the result is bitwise the
/// one of the scalar path, as in numpy.
public enum Spacing: Sendable, Hashable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    /// Samples `h` apart. `h` may be negative (a decreasing axis) but not zero, infinite or NaN.
    case uniform(Double)
    /// Samples at these positions: finite and strictly increasing or strictly decreasing, one per sample.
    case coordinates([Double])
    /// Samples at these `Float` (numpy float32) positions. numpy computes the steps and the weights of its
    /// scheme in the coordinates' type, float32, so Nabla does too (bit for bit); stencils of higher
    /// accuracy or derivative order use the positions as `Double`.
    case floatCoordinates([Float])

    /// A literal step: `0.1` means `.uniform(0.1)`.
    public init(floatLiteral value: Double) { self = .uniform(value) }
    /// A literal step: `2` means `.uniform(2)`.
    public init(integerLiteral value: Int) { self = .uniform(Double(value)) }

    /// Checks that positions are finite and strictly monotonic.
    static func validateCoordinates(_ x: [Double], axisDescription: String) throws(NablaError) {
        // One branch-free pass decides the common case (finite, strictly monotonic); the loops below only
        // run to name the offending value.
        let fine: Bool = {
            guard x.count >= 2 else { return x.allSatisfy(\.isFinite) }
            var poison = 0.0  // NaN once any value is NaN or infinite (0 · ±inf = NaN)
            var smallest = Double.infinity, largest = -Double.infinity
            for i in 1..<x.count {
                let step = x[i] - x[i &- 1]
                poison += x[i] * 0
                smallest = step < smallest ? step : smallest
                largest = step > largest ? step : largest
            }
            poison += x[0] * 0
            return !poison.isNaN && (smallest > 0 || largest < 0)
        }()
        if fine { return }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw .invalidSpacing("\(axisDescription): coordinate \(bad) is \(x[bad]); coordinates must be finite")
        }
        guard x.count >= 2 else { return }
        let increasing = x[1] > x[0]
        for i in 1..<x.count {
            let step = x[i] - x[i - 1]
            if step == 0 {
                throw .invalidSpacing("\(axisDescription): coordinates \(i - 1) and \(i) are both \(x[i]); coordinate steps must be non-zero")
            }
            if (step > 0) != increasing {
                throw .invalidSpacing("\(axisDescription): coordinates are not monotonic (\(x[i - 1]) then \(x[i]) at index \(i)); they must be strictly increasing or strictly decreasing")
            }
        }
    }
}

/// A spacing checked against its axis and reduced as numpy reduces it.
enum ResolvedSpacing: Sendable, Equatable {
    /// A step given as a number. For `Float` data numpy computes with it in `Float` (a Python float is a
    /// "weak" scalar under NEP 50), so Nabla does too.
    case weakStep(Double)
    /// A step from coordinates that were all equally spaced: a float64 scalar in numpy, so `Float` data is
    /// differentiated in `Double` and rounded at the end.
    case strongStep(Double)
    /// Non-uniform coordinates `x` and their steps `x[i+1] - x[i]` (`count - 1` of them), in `Double`.
    case steps([Double], coordinates: [Double])
    /// Float32 coordinates that were all equally spaced: a float32 scalar step in numpy.
    case floatStrongStep(Float)
    /// Non-uniform float32 coordinates: steps in `Float` (numpy's weights are computed in float32); the
    /// coordinates as `Double` for other stencils.
    case floatSteps([Float], coordinates: [Double])

    /// The step if uniform.
    var step: Double? {
        switch self {
        case let .weakStep(h), let .strongStep(h): h
        case let .floatStrongStep(h): Double(h)
        case .steps, .floatSteps: nil
        }
    }

    /// Resolves `spacing` for an axis of length `length`.
    static func resolve(_ spacing: Spacing, length: Int, axis: Int) throws(NablaError) -> ResolvedSpacing {
        switch spacing {
        case let .uniform(h):
            guard h.isFinite, h != 0 else {
                throw .invalidSpacing("spacing \(h) for axis \(axis) must be finite and non-zero")
            }
            return .weakStep(h)
        case let .coordinates(x):
            guard x.count == length else {
                throw .invalidSpacing("axis \(axis) has length \(length) but its coordinate array has \(x.count) elements; when 1-D, coordinates must match the length of the axis")
            }
            guard length >= 2 else {
                throw .axisTooShort("axis \(axis) has \(length) point\(length == 1 ? "" : "s"); coordinates need at least 2")
            }
            try Spacing.validateCoordinates(x, axisDescription: "axis \(axis)")
            var steps = [Double](repeating: 0, count: length - 1)
            for i in 0..<(length - 1) { steps[i] = x[i + 1] - x[i] }
            if steps.allSatisfy({ $0 == steps[0] }) { return .strongStep(steps[0]) }
            return .steps(steps, coordinates: x)
        case let .floatCoordinates(x):
            guard x.count == length else {
                throw .invalidSpacing("axis \(axis) has length \(length) but its coordinate array has \(x.count) elements; when 1-D, coordinates must match the length of the axis")
            }
            guard length >= 2 else {
                throw .axisTooShort("axis \(axis) has \(length) point\(length == 1 ? "" : "s"); coordinates need at least 2")
            }
            let wide = x.map { Double($0) }
            // Distinct floats have a non-zero float difference, so the checks in Double decide for Float too.
            try Spacing.validateCoordinates(wide, axisDescription: "axis \(axis)")
            var steps = [Float](repeating: 0, count: length - 1)
            for i in 0..<(length - 1) { steps[i] = x[i + 1] - x[i] }
            if steps.allSatisfy({ $0 == steps[0] }) { return .floatStrongStep(steps[0]) }
            return .floatSteps(steps, coordinates: wide)
        }
    }
}
