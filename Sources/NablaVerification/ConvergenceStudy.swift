import Foundation
import Nabla

/// Which single number measures the error of one resolution in a convergence study.
public enum ErrorNorm: String, Sendable, Hashable, Codable, CaseIterable {
    /// `max |a − b|` (the L∞ norm): the strictest; edges usually dominate it.
    case maxAbsolute = "max_absolute"
    /// `√(Σ (a − b)² / n)`.
    case rms
    /// `‖a − b‖₂ / ‖b‖₂`.
    case relativeL2 = "relative_l2"

    /// The norm's value in a set of statistics.
    public func value(in s: ErrorStatistics) -> Double {
        switch self {
        case .maxAbsolute: s.maxAbsError
        case .rms: s.rmsError
        case .relativeL2: s.relL2Error
        }
    }
}

/// Which points of a field a convergence study measures.
public enum ScoreRegion: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every point.
    case all
    /// The points further than the edge width from every boundary.
    case interior
    /// The points within the edge width of a boundary.
    case edge

    /// The statistics of this region in a score.
    public func statistics(in s: FieldScore) -> ErrorStatistics {
        switch self {
        case .all: s.overall
        case .interior: s.interior
        case .edge: s.edge
        }
    }
}

/// The observed order of convergence of a computation run at several resolutions.
///
/// With errors `eᵢ` at steps `hᵢ`, the model `e ≈ C·hᵖ` is fitted by least squares on the logarithms:
/// ```
/// log eᵢ ≈ log C + p · log hᵢ          p = observedOrder (the slope), C = constant
/// pᵢ = log(eᵢ / eᵢ₋₁) / log(hᵢ / hᵢ₋₁)  pairwise order between consecutive levels (Level.order)
/// ```
/// This is what findiff's tests and the method of manufactured solutions do; numpy, scipy and the gradient
/// checkers (check_grad, verify_grad, gradcheck, check_grads) have nothing like it.
///
/// ```swift
/// let grids = [16, 32, 64, 128].map { Grid(.periodic(period: 2 * .pi, count: $0)) }
/// let study = try ConvergenceStudy.derivative(of: { sin($0[0]) }, exact: { cos($0[0]) }, on: grids, accuracy: 4)
/// print(study)          // table of h, error, pairwise order; study.observedOrder ≈ 4
/// ```
public struct ConvergenceStudy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One resolution.
    public struct Level: Sendable, Hashable, Codable {
        /// The step `h` (its absolute value is used in the fit).
        public var step: Double
        /// The error at this step (positive).
        public var error: Double
        /// The number of grid points, when known (`null` in JSON when not).
        @ExplicitNull public var points: Int?
        /// The pairwise order against the previous level, `nil` (`null` in JSON) for the first.
        @ExplicitNull public var order: Double?

        /// A level.
        public init(step: Double, error: Double, points: Int? = nil, order: Double? = nil) {
            self.step = step
            self.error = error
            self.points = points
            self.order = order
        }
    }

    /// The levels, in the order given.
    public var levels: [Level]
    /// The least-squares slope `p` of `log e` against `log h`.
    public var observedOrder: Double
    /// `C` in `e ≈ C·hᵖ`.
    public var constant: Double
    /// The order the method should have, if stated.
    public var expectedOrder: Double?
    /// What was measured (for the report), e.g. `"d/dx0, accuracy 4, max_absolute error"`.
    public var label: String?

    private enum CodingKeys: String, CodingKey {
        case levels, observedOrder = "observed_order", constant, expectedOrder = "expected_order", label
    }

    /// Fits the observed order to measured errors.
    ///
    /// - Parameters:
    ///   - steps: the step `h` of each level (non-zero, finite; at least two distinct `|h|`).
    ///   - errors: the error of each level (finite and positive: an error of exactly 0 has no logarithm —
    ///     the method is exact for this function, choose one it is not exact for).
    ///   - points: optionally, the number of points of each level, for the report.
    ///   - expectedOrder: the order the method should have, shown in the report and used by
    ///     ``isConsistent(withOrder:tolerance:)``.
    ///   - label: what was measured, for the report.
    /// - Throws: `NablaError.invalidArgument(_:)` naming the offending level.
    public init(steps: [Double], errors: [Double], points: [Int]? = nil, expectedOrder: Double? = nil,
                label: String? = nil) throws(NablaError) {
        guard steps.count == errors.count else {
            throw .invalidArgument("\(steps.count) steps but \(errors.count) errors; give one error per step")
        }
        if let points, points.count != steps.count {
            throw .invalidArgument("\(points.count) point counts for \(steps.count) levels")
        }
        guard steps.count >= 2 else {
            throw .invalidArgument("a convergence study needs at least 2 levels, got \(steps.count)")
        }
        for (i, (h, e)) in zip(steps, errors).enumerated() {
            guard h.isFinite, h != 0 else { throw .invalidArgument("level \(i): step \(h) must be finite and non-zero") }
            guard e.isFinite, e > 0 else {
                throw .invalidArgument("level \(i) (h = \(h)): error \(e) must be finite and positive to take its logarithm" + (e == 0 ? " (the computation is exact at this level; use a function the method is not exact for)" : ""))
            }
        }
        let x = steps.map { log(abs($0)) }, y = errors.map { log($0) }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (xi, yi) in zip(x, y) {
            sxx += (xi - mx) * (xi - mx)
            sxy += (xi - mx) * (yi - my)
        }
        guard sxx > 0 else { throw .invalidArgument("every level has the same step \(abs(steps[0])); use different resolutions") }
        let slope = sxy / sxx
        observedOrder = slope
        constant = exp(my - slope * mx)
        levels = (0..<steps.count).map { i in
            let order: Double? = i == 0 || x[i] == x[i - 1] ? nil : (y[i] - y[i - 1]) / (x[i] - x[i - 1])
            return Level(step: steps[i], error: errors[i], points: points?[i], order: order)
        }
        self.expectedOrder = expectedOrder
        self.label = label
    }

    /// Runs `measure` at each resolution and fits the observed order.
    ///
    /// - Parameters:
    ///   - resolutions: e.g. point counts `[16, 32, 64, 128]`, passed to `measure` in order.
    ///   - expectedOrder: the order the method should have, if known.
    ///   - label: what was measured, for the report.
    ///   - measure: returns the step and the error at one resolution.
    /// - Throws: whatever `measure` throws, and the errors of ``init(steps:errors:points:expectedOrder:label:)``.
    public init(resolutions: [Int], expectedOrder: Double? = nil, label: String? = nil,
                measure: (Int) throws -> (step: Double, error: Double)) throws {
        var steps: [Double] = [], errors: [Double] = []
        for n in resolutions {
            let (h, e) = try measure(n)
            steps.append(h)
            errors.append(e)
        }
        try self.init(steps: steps, errors: errors, points: resolutions, expectedOrder: expectedOrder, label: label)
    }

    /// Whether the observed order is within `tolerance` of `order` (default: ``expectedOrder``).
    public func isConsistent(withOrder order: Double? = nil, tolerance: Double = 0.2) -> Bool {
        guard let p = order ?? expectedOrder else { return false }
        return abs(observedOrder - p) <= tolerance
    }

    /// An aligned, human-readable report.
    public var description: String {
        var lines: [String] = []
        var head = "observed order \(String(format: "%.3f", observedOrder))"
        if let p = expectedOrder { head += " (expected \(ReportFormat.value(p)))" }
        head += ", error ≈ \(ReportFormat.number(constant))·h^\(String(format: "%.2f", observedOrder))"
        if let label { head += "  [\(label)]" }
        lines.append(head)
        lines.append("  points  h            error        order")
        for level in levels {
            let pts = ReportFormat.pad(level.points.map(String.init) ?? "-", 8, right: true)
            let order = level.order.map { String(format: "%.3f", $0) } ?? "-"
            lines.append(pts + "  " + ReportFormat.pad(ReportFormat.number(level.step), 11) + "  "
                         + ReportFormat.pad(ReportFormat.number(level.error), 11) + "  " + order)
        }
        return lines.joined(separator: "\n")
    }
}

extension ConvergenceStudy {
    /// Differentiates an analytic field on each grid with Nabla and fits the observed order of the error
    /// against the analytic derivative.
    ///
    /// On each grid: `f` is sampled, differentiated along `axis` (`Nabla.gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)`
    /// with the grid's spacing, `accuracy`, `order` and `edgeOrder`), scored against `exact` sampled on
    /// the grid, and the `norm` of the `region` is the error; the step is the grid's step along `axis` (the
    /// largest step for explicit coordinates).
    ///
    /// - Parameters:
    ///   - f: the field, of the grid point's coordinates.
    ///   - exact: its exact derivative of order `order` along `axis`.
    ///   - grids: the resolutions, coarse to fine (each at least as long as the stencil needs).
    ///   - axis: the axis to differentiate along.
    ///   - order: the derivative order `m`.
    ///   - accuracy: the accuracy order `p` of the stencils; also the default expected order.
    ///   - edgeOrder: numpy's edge order for `accuracy: 2, order: 1`. Defaults to 2 here (not numpy's 1), so
    ///     that every point is second order and the study measures the scheme, not its first-order edges.
    ///   - periodic: differentiate `axis` as periodic even if the grids do not mark it (axes the grids mark
    ///     periodic are always periodic).
    ///   - norm: which number measures one resolution's error (default: the maximum absolute error).
    ///   - region: which points are measured: all, the interior or the edge.
    ///   - edgeWidth: how many points from a boundary count as edge.
    ///   - type: the element type the field is sampled and differentiated in (`Double` by default).
    /// - Returns: the study, with ``expectedOrder`` `accuracy` and a label naming the derivative, norm and region.
    /// - Throws: `NablaError` for an axis out of range, fewer than two grids, a grid too short for the
    ///   stencil, non-finite derivatives, or an error of exactly 0 (the stencil is exact for `f`).
    // `@_optimize(none)`: Swift 6.3's optimiser crashes on this function ("Found ownership error",
    // CopyPropagation) in release builds. It only orchestrates calls into optimised code, so nothing is lost.
    @_optimize(none)
    public static func derivative<T: FieldScalar>(
        of f: ([Double]) -> Double, exact: ([Double]) -> Double, on grids: [Grid], axis: Int = 0,
        order: Int = 1, accuracy: Int = 2, edgeOrder: Int = 2, periodic: Bool = false,
        norm: ErrorNorm = .maxAbsolute, region: ScoreRegion = .all, edgeWidth: Int = 1, as type: T.Type = Double.self
    ) throws -> ConvergenceStudy {
        var steps: [Double] = [], errors: [Double] = [], points: [Int] = []
        for grid in grids {
            guard axis >= 0 && axis < grid.rank else {
                throw NablaError.invalidAxis("axis \(axis) is out of range for a \(grid.rank)-D grid")
            }
            let field: NDArray<T> = grid.sample { p in T(f(p)) }
            var periodicAxes = grid.periodicAxisIndices
            if periodic && !periodicAxes.contains(axis) { periodicAxes.append(axis) }
            let d = try Nabla.gradient(of: field, spacing: [grid.axes[axis].spacing], axes: [axis], edgeOrder: edgeOrder,
                                       accuracy: accuracy, derivative: order, periodicAxes: periodicAxes)[0]
            var scoringGrid = grid
            if periodic { scoringGrid.axes[axis].isPeriodic = true }
            let s = try score(d, against: exact, on: scoringGrid, options: ScoreOptions(edgeWidth: edgeWidth))
            let stats = region.statistics(in: s)
            if stats.nanMismatches > 0 || stats.nonFiniteComputed > 0 {
                throw NablaError.invalidArgument("grid with \(grid.shape) points: the derivative has \(stats.nonFiniteComputed) non-finite values")
            }
            let axisSpec = grid.axes[axis]
            let h = axisSpec.uniformStep.map(abs) ?? zip(axisSpec.coordinates.dropFirst(), axisSpec.coordinates).map { abs($0 - $1) }.max() ?? 0
            steps.append(h)
            errors.append(norm.value(in: stats))
            points.append(grid.shape[axis])
        }
        return try ConvergenceStudy(steps: steps, errors: errors, points: points, expectedOrder: Double(accuracy),
                                    label: "d\(order == 1 ? "" : "^\(order)")/dx\(axis)\(order == 1 ? "" : "^\(order)"), accuracy \(accuracy), \(norm.rawValue) error, \(region.rawValue) points")
    }

    /// The 1-D form of ``derivative(of:exact:on:axis:order:accuracy:edgeOrder:periodic:norm:region:edgeWidth:as:)``:
    /// `f` and `exact` of one coordinate, on 1-D grids; the other arguments are the same.
    ///
    /// ```swift
    /// let grids = [16, 32, 64].map { Grid(.linspace(0, 1, count: $0)) }
    /// let study = try ConvergenceStudy.derivative(of: { exp($0) }, exact: { exp($0) }, on: grids, accuracy: 4)
    /// study.observedOrder      // ≈ 4
    /// ```
    public static func derivative<T: FieldScalar>(
        of f: (Double) -> Double, exact: (Double) -> Double, on grids: [Grid], order: Int = 1, accuracy: Int = 2,
        edgeOrder: Int = 2, periodic: Bool = false, norm: ErrorNorm = .maxAbsolute, region: ScoreRegion = .all,
        edgeWidth: Int = 1, as type: T.Type = Double.self
    ) throws -> ConvergenceStudy {
        if let bad = grids.first(where: { $0.rank != 1 }) {
            throw NablaError.invalidArgument("a function of one coordinate needs 1-D grids; got a \(bad.rank)-D grid")
        }
        return try derivative(of: { p in f(p[0]) }, exact: { p in exact(p[0]) }, on: grids, axis: 0, order: order,
                              accuracy: accuracy, edgeOrder: edgeOrder, periodic: periodic, norm: norm, region: region,
                              edgeWidth: edgeWidth, as: type)
    }
}
