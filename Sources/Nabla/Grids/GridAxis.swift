/// One axis of a sampling grid: where the samples lie along it.
///
/// The four ways numpy users build axes are all here:
/// ```
/// GridAxis(start: -100, step: 25, count: 9)           // uniform: x_i = i·step + start
/// GridAxis.mgrid(-100, 101, step: 25)                 // an axis of numpy.mgrid[-100:101:25., …] (stop excluded)
/// GridAxis.arange(0, 1, step: 0.1)                    // numpy.arange(0, 1, 0.1)
/// GridAxis.linspace(-1, 1, count: 5)                  // numpy.mgrid[-1:1:5j]         (stop included)
/// try GridAxis.coordinates([0, 0.5, 1, 3, 5, 7])      // explicit, strictly monotonic
/// ```
/// Uniform coordinates are computed as numpy.mgrid computes them, `Double(i) * step + start`, so
/// sampled fields match numpy's to the bit.
///
/// A periodic axis holds samples `x0 + j·h`, `j = 0..<count`, of a function with period `count·h`;
/// the endpoint is not repeated. Stencils wrap around on such an axis.
public struct GridAxis: Sendable, Hashable {
    /// How the sample positions are stored.
    public enum Layout: Sendable, Hashable {
        /// `x_i = Double(i) * step + start`.
        case uniform(start: Double, step: Double)
        /// Explicit, strictly monotonic positions.
        case coordinates([Double])
    }

    /// The sample positions.
    public let layout: Layout
    /// The number of samples.
    public let count: Int
    /// Whether the field is periodic along this axis with period `count · step`.
    public var isPeriodic: Bool

    /// A uniform axis `x_i = Double(i) * step + start`, `i = 0..<count`.
    ///
    /// - Precondition: `count >= 0`, `step` finite and non-zero, `start` finite.
    public init(start: Double, step: Double, count: Int, periodic: Bool = false) {
        precondition(count >= 0, "an axis needs a non-negative count, got \(count)")
        precondition(step.isFinite && step != 0, "an axis step must be finite and non-zero, got \(step)")
        precondition(start.isFinite, "an axis start must be finite, got \(start)")
        self.layout = .uniform(start: start, step: step)
        self.count = count
        self.isPeriodic = periodic
    }

    /// One axis of numpy's N-D `mgrid[start:stop:step]` (real step): `ceil((stop - start) / step)` samples at
    /// `Double(i) * step + start`, `stop` excluded — `mgrid[-100:101:25., -100:101:25.]`'s axes, bit for bit.
    public static func mgrid(_ start: Double, _ stop: Double, step: Double) -> GridAxis {
        let n = ((stop - start) / step).rounded(.up)
        return GridAxis(start: start, step: step, count: n > 0 ? Int(n) : 0)
    }

    /// numpy's `arange(start, stop, step)` (and 1-D `mgrid[start:stop:step]`), bit for bit:
    /// `ceil((stop - start) / step)` samples at `start + i·δ` with numpy's `δ = (start + step) - start`,
    /// which differs from `step` in the last bits when `start + step` rounds. The axis's step is `δ`.
    public static func arange(_ start: Double, _ stop: Double, step: Double) -> GridAxis {
        let n = ((stop - start) / step).rounded(.up)
        return GridAxis(start: start, step: (start + step) - start, count: n > 0 ? Int(n) : 0)
    }

    /// numpy's `mgrid[start:stop:countj]`: `count` samples from `start` to `stop` inclusive, step
    /// `(stop - start) / (count - 1)`.
    public static func linspace(_ start: Double, _ stop: Double, count: Int) -> GridAxis {
        precondition(count >= 2, "linspace needs at least 2 samples, got \(count)")
        return GridAxis(start: start, step: (stop - start) / Double(count - 1), count: count)
    }

    /// A periodic axis of `count` samples covering one period `[start, start + period)`.
    public static func periodic(start: Double = 0, period: Double, count: Int) -> GridAxis {
        precondition(count >= 1, "a periodic axis needs at least one sample")
        return GridAxis(start: start, step: period / Double(count), count: count, periodic: true)
    }

    /// An axis at explicit positions.
    ///
    /// Positions whose steps are all exactly equal are still stored as given; ``spacing`` then reports a
    /// uniform step, as numpy.gradient does.
    /// - Throws: ``NablaError/invalidSpacing(_:)`` if the positions are not finite and strictly monotonic.
    public static func coordinates(_ positions: [Double]) throws(NablaError) -> GridAxis {
        try Spacing.validateCoordinates(positions, axisDescription: "grid axis")
        return GridAxis(layout: .coordinates(positions), count: positions.count)
    }

    init(layout: Layout, count: Int, periodic: Bool = false) {
        self.layout = layout
        self.count = count
        self.isPeriodic = periodic
    }

    /// The position of sample `i`.
    public func coordinate(at i: Int) -> Double {
        switch layout {
        case let .uniform(start, step): Double(i) * step + start
        case let .coordinates(x): x[i]
        }
    }

    /// All sample positions.
    public var coordinates: [Double] { (0..<count).map(coordinate(at:)) }

    /// The spacing numpy.gradient would be given for this axis: the step of a uniform axis, or the
    /// coordinates of a non-uniform one.
    public var spacing: Spacing {
        switch layout {
        case let .uniform(_, step): .uniform(step)
        case let .coordinates(x): .coordinates(x)
        }
    }

    /// The step of a uniform axis, `nil` for explicit coordinates.
    public var uniformStep: Double? {
        if case let .uniform(_, step) = layout { return step }
        return nil
    }

    /// The same axis, marked periodic (or not).
    public func periodic(_ isPeriodic: Bool = true) -> GridAxis {
        var copy = self
        copy.isPeriodic = isPeriodic
        return copy
    }
}
