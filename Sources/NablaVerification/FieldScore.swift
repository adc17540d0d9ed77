import ComplexModule
import RealModule
import Foundation
import Nabla

/// How a field is scored: the tolerance band, the floor of the relative error and the width of the edge.
///
/// The defaults are numpy.allclose's tolerances (`atol = 1e-8`, `rtol = 1e-5`; a point passes when
/// `|a − b| ≤ atol + rtol·|b|`) and Theano's relative-error floor (`1e-8`).
public struct ScoreOptions: Sendable, Hashable, Codable {
    /// `atol`: the absolute part of the band. Default 1e-8 (numpy.allclose).
    public var absoluteTolerance: Double
    /// `rtol`: the relative part of the band, times `|reference|`. Default 1e-5 (numpy.allclose).
    public var relativeTolerance: Double
    /// The floor of the relative error's denominator, `|a − b| / max(|a| + |b|, floor)`. Default 1e-8
    /// (Theano's `verify_grad`).
    public var relativeErrorFloor: Double
    /// A point is an *edge* point when it lies within `edgeWidth` points of a boundary along any axis
    /// (`i < edgeWidth` or `i ≥ n − edgeWidth`); the rest is the *interior*. Default 1. Periodic grid axes
    /// have no boundary.
    public var edgeWidth: Int

    private enum CodingKeys: String, CodingKey {
        case absoluteTolerance = "atol", relativeTolerance = "rtol", relativeErrorFloor = "relative_error_floor",
             edgeWidth = "edge_width"
    }

    /// Scoring options; every argument defaults to the value described on its property.
    public init(absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-5,
                relativeErrorFloor: Double = 1e-8, edgeWidth: Int = 1) {
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.relativeErrorFloor = relativeErrorFloor
        self.edgeWidth = edgeWidth
    }

    /// Throws unless the tolerances and the floor are finite and non-negative and the edge width is not
    /// negative.
    public func validate() throws(NablaError) {
        for (name, value) in [("absolute tolerance (atol)", absoluteTolerance),
                              ("relative tolerance (rtol)", relativeTolerance),
                              ("relative-error floor", relativeErrorFloor)] {
            guard value.isFinite, value >= 0 else {
                throw .invalidArgument("the \(name) is \(value); it must be a finite number ≥ 0")
            }
        }
        guard edgeWidth >= 0 else { throw .invalidArgument("the edge width is \(edgeWidth); it must be ≥ 0") }
    }
}

/// The score of one computed field against its reference: ``ErrorStatistics`` over all points, over the
/// interior and over the edge.
///
/// ```swift
/// let grid = Grid(.linspace(0, 1, count: 101))
/// let f = grid.sample { x in sin(3 * x) }
/// let df = try grid.gradient(of: f)[0]
/// let s = try score(df, against: { p in 3 * cos(3 * p[0]) }, on: grid, options: .init(absoluteTolerance: 1e-3))
/// print(s)            // aligned table; s.passed, s.overall.maxAbsError, s.edge.argmax, …
/// ```
/// `Codable`: with ``VerificationJSON/encoder`` the overall statistics are the top-level keys
/// (`max_abs_error`, `argmax`, `passed`, …) beside `interior`, `edge`, `shape` and `options`.
public struct FieldScore: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The shape of the fields.
    public var shape: [Int]
    /// The options the score was computed with.
    public var options: ScoreOptions
    /// Every point.
    public var overall: ErrorStatistics
    /// Points further than `edgeWidth` points from every boundary.
    public var interior: ErrorStatistics
    /// Points within `edgeWidth` points of a boundary.
    public var edge: ErrorStatistics

    /// Whether every point is within the band and there is no NaN/Inf mismatch (numpy.allclose with
    /// `equal_nan=True`).
    public var passed: Bool { overall.passed }

    /// Creates a score from its parts.
    public init(shape: [Int], options: ScoreOptions, overall: ErrorStatistics, interior: ErrorStatistics,
                edge: ErrorStatistics) {
        self.shape = shape
        self.options = options
        self.overall = overall
        self.interior = interior
        self.edge = edge
    }

    /// An aligned, human-readable report.
    public var description: String {
        var lines = [ScoreTable.verdict(overall, options: options) + "  (shape \(ReportFormat.index(shape)), edge width \(options.edgeWidth))"]
        lines += ScoreTable.rows([("all", overall), ("interior", interior), ("edge", edge)])
        lines += ScoreTable.locations(overall, part: nil)
        return lines.joined(separator: "\n")
    }

    /// Encodes with the snake_case keys of ``VerificationJSON``: the overall statistics' keys at the top level,
    /// beside `interior`, `edge`, `shape` and `options`.
    public func encode(to encoder: any Encoder) throws {
        try ScoreParts(overall: overall, interior: interior, edge: edge).encode(to: encoder)
        try Extra(shape: shape, options: options).encode(to: encoder)
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let (parts, extra) = (try ScoreParts(from: decoder), try Extra(from: decoder))
        self.init(shape: extra.shape, options: extra.options, overall: parts.overall, interior: parts.interior, edge: parts.edge)
    }

    private struct Extra: Codable { var shape: [Int], options: ScoreOptions }
}

/// The statistics every score has, as its JSON holds them: the overall statistics' keys at the top level,
/// beside `interior` and `edge`.
struct ScoreParts: Codable {
    var overall: ErrorStatistics
    var interior: ErrorStatistics
    var edge: ErrorStatistics

    private enum CodingKeys: String, CodingKey { case interior, edge }

    init(overall: ErrorStatistics, interior: ErrorStatistics, edge: ErrorStatistics) {
        (self.overall, self.interior, self.edge) = (overall, interior, edge)
    }

    init(from decoder: any Decoder) throws {
        overall = try ErrorStatistics(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        interior = try c.decode(ErrorStatistics.self, forKey: .interior)
        edge = try c.decode(ErrorStatistics.self, forKey: .edge)
    }

    func encode(to encoder: any Encoder) throws {
        try overall.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(interior, forKey: .interior)
        try c.encode(edge, forKey: .edge)
    }
}

/// The score of a vector field (one array per component) against its reference: each component on its own,
/// and all components together (``ErrorStatistics/combining(_:)``; ``ErrorStatistics/argmaxComponent``
/// says which component holds the worst point).
public struct VectorFieldScore: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Each component's score, in order.
    public var components: [FieldScore]
    /// All components together.
    public var overall: ErrorStatistics
    /// The interiors of all components together.
    public var interior: ErrorStatistics
    /// The edges of all components together.
    public var edge: ErrorStatistics

    /// Whether every component passed.
    public var passed: Bool { overall.passed }

    /// Combines component scores.
    public init(components: [FieldScore]) {
        self.components = components
        overall = .combining(components.map(\.overall))
        interior = .combining(components.map(\.interior))
        edge = .combining(components.map(\.edge))
    }

    /// An aligned, human-readable report.
    public var description: String {
        let options = components.first?.options ?? ScoreOptions()
        var lines = [ScoreTable.verdict(overall, options: options) + "  (\(components.count) components, shape \(ReportFormat.index(components.first?.shape ?? [])), edge width \(options.edgeWidth))"]
        var rows: [(String, ErrorStatistics)] = [("all", overall), ("interior", interior), ("edge", edge)]
        for (k, c) in components.enumerated() { rows.append(("component \(k)", c.overall)) }
        lines += ScoreTable.rows(rows)
        lines += ScoreTable.locations(overall, part: { "component \($0)" })
        return lines.joined(separator: "\n")
    }

    /// Encodes with the snake_case keys of ``VerificationJSON``: the overall statistics' keys at the top level,
    /// beside `interior`, `edge` and `components`.
    public func encode(to encoder: any Encoder) throws {
        try ScoreParts(overall: overall, interior: interior, edge: edge).encode(to: encoder)
        try Extra(components: components).encode(to: encoder)
    }

    /// Decodes what ``encode(to:)`` writes (the combined statistics as written, not recomputed).
    public init(from decoder: any Decoder) throws {
        let (parts, extra) = (try ScoreParts(from: decoder), try Extra(from: decoder))
        (components, overall, interior, edge) = (extra.components, parts.overall, parts.interior, parts.edge)
    }

    private struct Extra: Codable { var components: [FieldScore] }
}

// MARK: Scoring

/// Scores a computed field against a reference of the same shape (see ``ErrorStatistics`` for every
/// formula). The statistics are computed in `Double` whatever the element types.
///
/// - Parameters:
///   - computed: the field to judge (`a`).
///   - reference: the field it should equal (`b`; the band `atol + rtol·|b|` is relative to it, as in
///     numpy.isclose).
///   - options: tolerances, relative-error floor, edge width.
///   - grid: when given, locations are also reported as coordinates, and its periodic axes have no edge.
/// - Throws: `NablaError.shapeMismatch(expected:actual:)` when the shapes differ (or the grid's shape
///   differs), `NablaError.invalidArgument(_:)` for invalid options.
public func score(_ computed: NDArray<Double>, against reference: NDArray<Double>, options: ScoreOptions = .init(),
                  grid: Grid? = nil) throws(NablaError) -> FieldScore {
    try scored(computed, against: reference, options: options, grid: grid)
}

/// Scores fields of any floating-point types (`Float`, `Float16`, `Double`, mixed), converted to `Double`
/// first. See ``score(_:against:options:grid:)-(NDArray<Double>,_,_,_)``.
public func score<A: BinaryFloatingPoint & Sendable, B: BinaryFloatingPoint & Sendable>(
    _ computed: NDArray<A>, against reference: NDArray<B>, options: ScoreOptions = .init(), grid: Grid? = nil
) throws(NablaError) -> FieldScore {
    try score(computed.map { Double($0) }, against: reference.map { Double($0) }, options: options, grid: grid)
}

/// Scores a computed field sampled on `grid` against a closure evaluated at the grid's points
/// (`reference(grid.point(at: index))`). See ``score(_:against:options:grid:)-(NDArray<Double>,_,_,_)``.
public func score<A: BinaryFloatingPoint & Sendable>(
    _ computed: NDArray<A>, against reference: ([Double]) throws -> Double, on grid: Grid, options: ScoreOptions = .init()
) throws -> FieldScore {
    let sampled: NDArray<Double> = try grid.sample(reference)
    return try score(computed.map { Double($0) }, against: sampled, options: options, grid: grid)
}

/// Scores a vector field, component by component and as a whole. `computed[k]` is compared with
/// `reference[k]`.
///
/// - Throws: `NablaError.shapeMismatch(expected:actual:)` when the component counts or any shapes differ.
public func score<A: BinaryFloatingPoint & Sendable, B: BinaryFloatingPoint & Sendable>(
    _ computed: [NDArray<A>], against reference: [NDArray<B>], options: ScoreOptions = .init(), grid: Grid? = nil
) throws(NablaError) -> VectorFieldScore {
    guard computed.count == reference.count else {
        throw .shapeMismatch(expected: [reference.count], actual: "\(computed.count) computed components for \(reference.count) reference components")
    }
    var parts: [FieldScore] = []
    for (k, (a, b)) in zip(computed, reference).enumerated() {
        do {
            parts.append(try score(a, against: b, options: options, grid: grid))
        } catch {
            if case let .shapeMismatch(expected, actual) = error {
                throw .shapeMismatch(expected: expected, actual: "component \(k): \(actual)")
            }
            throw error
        }
    }
    return VectorFieldScore(components: parts)
}

/// Scores a vector field sampled on `grid` against a closure returning every component at a point
/// (`reference(point)[k]` is component `k`).
public func score<A: BinaryFloatingPoint & Sendable>(
    _ computed: [NDArray<A>], against reference: ([Double]) throws -> [Double], on grid: Grid,
    options: ScoreOptions = .init()
) throws -> VectorFieldScore {
    let values: NDArray<[Double]> = try grid.sample(reference)
    var components: [NDArray<Double>] = []
    for k in 0..<computed.count {
        components.append(try values.map { v in
            guard k < v.count else {
                throw NablaError.shapeMismatch(expected: [computed.count], actual: "a reference closure returning \(v.count) components")
            }
            return v[k]
        })
    }
    return try score(computed, against: components, options: options, grid: grid)
}

/// Scores two complex fields by the modulus of their difference, `|a − b|` (numpy's `abs(a - b)` on
/// complex arrays): every statistic of ``FieldScore`` is computed from
/// ```
/// error_i = |a_i − b_i|      relative_i = |a_i − b_i| / max(|a_i| + |b_i|, floor)      band: atol + rtol·|b_i|
/// ```
/// and the values reported at the worst point are the moduli `|a_i|`, `|b_i|`.
///
/// - Parameters:
///   - computed: the complex field to judge (`a`).
///   - reference: the complex field it should equal (`b`).
///   - options: tolerances, relative-error floor, edge width.
///   - grid: when given, locations are also reported as coordinates.
/// - Throws: `NablaError.shapeMismatch(expected:actual:)` when the shapes differ, `NablaError.invalidArgument(_:)`
///   for invalid options.
public func score(_ computed: NDArray<Complex<Double>>, against reference: NDArray<Complex<Double>>,
                  options: ScoreOptions = .init(), grid: Grid? = nil) throws(NablaError) -> FieldScore {
    try scored(computed, against: reference, options: options, grid: grid)
}

/// The score of real or complex fields, after the checks every public form makes: valid options, one shape
/// for the two fields and the grid.
private func scored<V: ScoredValue>(_ computed: NDArray<V>, against reference: NDArray<V>, options: ScoreOptions,
                                    grid: Grid?) throws(NablaError) -> FieldScore {
    try options.validate()
    guard computed.shape == reference.shape else {
        throw .shapeMismatch(expected: reference.shape, actual: "a computed field of shape \(computed.shape) (the reference's shape is \(reference.shape))")
    }
    if let grid, grid.shape != computed.shape {
        throw .shapeMismatch(expected: grid.shape, actual: "fields of shape \(computed.shape) (the grid's shape is \(grid.shape))")
    }
    return FieldScorer(shape: computed.shape, options: options, grid: grid).score(computed.scalars, reference.scalars)
}

/// A value the scorer compares: a real number, or a complex number compared by the modulus of the difference.
protocol ScoredValue {
    var isFinite: Bool { get }
    /// `|self − other|`.
    func distance(to other: Self) -> Double
    /// `|self|`.
    var modulus: Double { get }
    /// What is reported at the worst point (the value, or the modulus of a complex value).
    var shownValue: Double { get }
    /// Whether two non-finite values agree (NaN with NaN, the same infinity).
    func matchesNonFinite(_ other: Self) -> Bool
}

extension Double: ScoredValue {
    func distance(to other: Double) -> Double { abs(self - other) }
    var modulus: Double { abs(self) }
    var shownValue: Double { self }
    func matchesNonFinite(_ other: Double) -> Bool { (isNaN && other.isNaN) || (isInfinite && self == other) }
}

extension Complex<Double>: ScoredValue {
    func distance(to other: Complex<Double>) -> Double { (self - other).length }
    var modulus: Double { length }
    var shownValue: Double { length }
    func matchesNonFinite(_ other: Complex<Double>) -> Bool {
        real.matchesNonFinite(other.real) || real == other.real
            ? (imaginary.matchesNonFinite(other.imaginary) || imaginary == other.imaginary) : false
    }
}

/// One pass over a pair of fields, accumulating the overall, interior and edge statistics.
struct FieldScorer {
    let shape: [Int]
    let options: ScoreOptions
    let grid: Grid?

    /// One set of statistics being accumulated.
    struct Accumulator {
        var stats = ErrorStatistics.empty
        var argmaxOffset: Int?
        var argmaxRelOffset: Int?
        var diff = ScaledSumOfSquares()
        var reference = ScaledSumOfSquares()

        mutating func add<V: ScoredValue>(_ a: V, _ b: V, offset: Int, options: ScoreOptions) {
            stats.count += 1
            if !a.isFinite { stats.nonFiniteComputed += 1 }
            if !b.isFinite { stats.nonFiniteReference += 1 }
            guard a.isFinite && b.isFinite else {
                if !a.matchesNonFinite(b) { stats.nanMismatches += 1 }
                return
            }
            stats.finiteCount += 1
            let d = a.distance(to: b)
            if argmaxOffset == nil || d > stats.maxAbsError {
                stats.maxAbsError = d
                argmaxOffset = offset
                stats.computedAtArgmax = a.shownValue
                stats.referenceAtArgmax = b.shownValue
            }
            let b = b.modulus, a = a.modulus
            let denominator = max(abs(a) + abs(b), options.relativeErrorFloor)
            let rel = d == 0 ? 0 : d / denominator
            if argmaxRelOffset == nil || rel > stats.maxRelError {
                stats.maxRelError = rel
                argmaxRelOffset = offset
            }
            diff.add(d)
            reference.add(b)
            if !(d <= options.absoluteTolerance + options.relativeTolerance * abs(b)) { stats.mismatched += 1 }
        }

        func finished(shape: [Int], grid: Grid?) -> ErrorStatistics {
            var s = stats
            s.finish(diff: diff, reference: reference)
            if let offset = argmaxOffset {
                s.argmax = FieldScorer.multiIndex(offset, shape: shape)
                s.argmaxCoordinates = grid?.point(at: s.argmax!)
            }
            if let offset = argmaxRelOffset {
                s.argmaxRel = FieldScorer.multiIndex(offset, shape: shape)
                s.argmaxRelCoordinates = grid?.point(at: s.argmaxRel!)
            }
            return s
        }
    }

    func score<V: ScoredValue>(_ a: [V], _ b: [V]) -> FieldScore {
        let count = a.count
        let rank = shape.count
        let width = options.edgeWidth
        let bounded = (0..<rank).map { k in !(grid?.axes[k].isPeriodic ?? false) }
        var overall = Accumulator(), interior = Accumulator(), edge = Accumulator()
        var index = [Int](repeating: 0, count: rank)
        for offset in 0..<count {
            var isEdge = false
            for k in 0..<rank where bounded[k] && (index[k] < width || index[k] >= shape[k] - width) {
                isEdge = true
                break
            }
            overall.add(a[offset], b[offset], offset: offset, options: options)
            if isEdge {
                edge.add(a[offset], b[offset], offset: offset, options: options)
            } else {
                interior.add(a[offset], b[offset], offset: offset, options: options)
            }
            // Advance the multi-index in row-major order (last axis fastest).
            var k = rank - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return FieldScore(shape: shape, options: options, overall: overall.finished(shape: shape, grid: grid),
                          interior: interior.finished(shape: shape, grid: grid),
                          edge: edge.finished(shape: shape, grid: grid))
    }

    static func multiIndex(_ offset: Int, shape: [Int]) -> [Int] {
        var rest = offset
        var index = [Int](repeating: 0, count: shape.count)
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            index[k] = rest % shape[k]
            rest /= shape[k]
        }
        return index
    }
}

/// The aligned text of score reports.
enum ScoreTable {
    static func verdict(_ s: ErrorStatistics, options: ScoreOptions) -> String {
        let band = "atol \(ReportFormat.value(options.absoluteTolerance)) + rtol \(ReportFormat.value(options.relativeTolerance))·|ref|"
        if s.passed {
            return "PASSED: all \(s.count) points within \(band)" + (s.nonFiniteComputed > 0 ? " (\(s.nonFiniteComputed) matching NaN/Inf)" : "")
        }
        var parts: [String] = []
        if s.mismatched > 0 { parts.append("\(s.mismatched) of \(s.count) points outside \(band)") }
        if s.nanMismatches > 0 { parts.append("\(s.nanMismatches) NaN/Inf mismatch\(s.nanMismatches == 1 ? "" : "es")") }
        return "FAILED: " + parts.joined(separator: "; ")
    }

    static func rows(_ rows: [(String, ErrorStatistics)]) -> [String] {
        let nameWidth = max(8, rows.map(\.0.count).max() ?? 0)
        let header = ReportFormat.pad("region", nameWidth) + "  " + ReportFormat.pad("points", 8, right: true)
            + "  max abs err  max rel err  rel L2 err   RMS err       outside   NaN/Inf"
        var lines = [header]
        for (name, s) in rows {
            var line = ReportFormat.pad(name, nameWidth) + "  " + ReportFormat.pad("\(s.count)", 8, right: true)
            for x in [s.maxAbsError, s.maxRelError, s.relL2Error, s.rmsError] {
                line += "  " + ReportFormat.pad(ReportFormat.number(x), 11)
            }
            line += " " + ReportFormat.pad("\(s.mismatched)", 9, right: true) + " " + ReportFormat.pad("\(s.nanMismatches)", 9, right: true)
            lines.append(line)
        }
        return lines
    }

    /// The lines naming where the worst errors are; `part` names a component or array of combined
    /// statistics.
    static func locations(_ s: ErrorStatistics, part: ((Int) -> String)?) -> [String] {
        var lines: [String] = []
        if let i = s.argmax {
            var line = "max abs error \(ReportFormat.number(s.maxAbsError)) at "
            if let part, let k = s.argmaxComponent { line += part(k) + " " }
            line += ReportFormat.index(i)
            if let x = s.argmaxCoordinates { line += " (x = " + x.map(ReportFormat.value).joined(separator: ", ") + ")" }
            if let a = s.computedAtArgmax, let b = s.referenceAtArgmax {
                line += ": computed \(ReportFormat.value(a)), reference \(ReportFormat.value(b))"
            }
            lines.append(line)
        }
        if let i = s.argmaxRel {
            var line = "max rel error \(ReportFormat.number(s.maxRelError)) at "
            if let part, let k = s.argmaxRelComponent { line += part(k) + " " }
            line += ReportFormat.index(i)
            if let x = s.argmaxRelCoordinates { line += " (x = " + x.map(ReportFormat.value).joined(separator: ", ") + ")" }
            lines.append(line)
        }
        if s.nonFiniteComputed > 0 || s.nonFiniteReference > 0 {
            lines.append("non-finite values: \(s.nonFiniteComputed) computed, \(s.nonFiniteReference) reference; \(s.nanMismatches) mismatched")
        }
        return lines
    }
}

/// The scores of several named fields (the arrays of a `.npz` archive, paired by name), each on its own and
/// all together.
///
/// `Codable`: with ``VerificationJSON/encoder`` the combined statistics are the top-level keys
/// (`max_abs_error`, `argmax`, `passed`, …), `argmax_array` names the array holding `argmax`, and `arrays`
/// is an object mapping each name to its ``FieldScore``.
public struct NamedFieldScores: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The names, in order.
    public var names: [String]
    /// The score of each named field, in the order of ``names``.
    public var scores: [FieldScore]
    /// All fields together (``ErrorStatistics/combining(_:)``; ``ErrorStatistics/argmaxComponent`` is a
    /// position in ``names``).
    public var overall: ErrorStatistics

    /// Whether every field passed.
    public var passed: Bool { overall.passed }

    /// The score of the field called `name`.
    public subscript(name: String) -> FieldScore? {
        names.firstIndex(of: name).map { scores[$0] }
    }

    /// Combines named scores.
    ///
    /// - Precondition: as many names as scores, names unique.
    public init(_ named: [(name: String, score: FieldScore)]) {
        precondition(Set(named.map(\.name)).count == named.count, "field names must be unique")
        names = named.map(\.name)
        scores = named.map(\.score)
        overall = .combining(scores.map(\.overall))
    }

    /// An aligned, human-readable report.
    public var description: String {
        let options = scores.first?.options ?? ScoreOptions()
        var lines = [ScoreTable.verdict(overall, options: options) + "  (\(names.count) arrays, edge width \(options.edgeWidth))"]
        var rows: [(String, ErrorStatistics)] = [("all", overall)]
        for (name, s) in zip(names, scores) {
            rows.append((name, s.overall))
            rows.append(("  interior", s.interior))
            rows.append(("  edge", s.edge))
        }
        lines += ScoreTable.rows(rows)
        let names = self.names
        lines += ScoreTable.locations(overall, part: { "'\(names[$0])'" })
        return lines.joined(separator: "\n")
    }

    private struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private enum ExtraKeys: String, CodingKey { case arrays, argmaxArray = "argmax_array", argmaxRelArray = "argmax_rel_array" }

    /// Encodes with the snake_case keys of ``VerificationJSON``.
    public func encode(to encoder: any Encoder) throws {
        try overall.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(overall.argmaxComponent.map { names[$0] }, forKey: .argmaxArray)
        try c.encode(overall.argmaxRelComponent.map { names[$0] }, forKey: .argmaxRelArray)
        var arrays = c.nestedContainer(keyedBy: NameKey.self, forKey: .arrays)
        for (name, s) in zip(names, scores) { try arrays.encode(s, forKey: NameKey(stringValue: name)) }
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ExtraKeys.self)
        let arrays = try c.decode([String: FieldScore].self, forKey: .arrays)
        let stats = try ErrorStatistics(from: decoder)
        // Object keys carry no order: restore it from the combined argmax where possible, else sort.
        names = arrays.keys.sorted()
        scores = names.map { arrays[$0]! }
        overall = stats
        if let name = try c.decodeIfPresent(String.self, forKey: .argmaxArray) { overall.argmaxComponent = names.firstIndex(of: name) }
        if let name = try c.decodeIfPresent(String.self, forKey: .argmaxRelArray) { overall.argmaxRelComponent = names.firstIndex(of: name) }
    }
}
