import Foundation

/// Error statistics of a computed field against a reference, over one set of points (a whole field, its
/// interior or its edge, or several fields together).
///
/// For computed values `a` and reference values `b`, over the pairs where both are finite:
/// ```
/// max abs error   max |a − b|                                   (argmax: numpy's np.argmax, first occurrence)
/// max rel error   max |a − b| / max(|a| + |b|, floor)           (Theano's verify_grad relative error)
/// rel L2 error    ‖a − b‖₂ / ‖b‖₂                                (0 when both norms are 0, +∞ when only ‖b‖₂ is)
/// RMS error       ‖a − b‖₂ / √finiteCount
/// mismatched      #{ |a − b| > atol + rtol·|b| }                 (the complement of numpy.isclose)
/// ```
/// Non-finite values are never hidden. A pair is a NaN/Inf *match* when both are NaN or both are the same
/// infinity (numpy.isclose with `equal_nan=True`), and a NaN/Inf *mismatch* (``nanMismatches``) otherwise;
/// pairs with a non-finite side take no part in the error statistics above. ``passed`` is
/// `mismatched == 0 && nanMismatches == 0` — numpy.allclose(a, b, rtol, atol, equal_nan=True).
///
/// `Codable` with snake_case keys (`max_abs_error`, `argmax`, …) and `null` for an absent location
/// (``ExplicitNull``). Encode
/// with ``VerificationJSON/encoder``, which writes non-finite numbers as the strings `"NaN"`, `"Infinity"`,
/// `"-Infinity"` (a plain `JSONEncoder` refuses them).
public struct ErrorStatistics: Sendable, Hashable, Codable {
    /// Points compared.
    public var count: Int
    /// Points where both values are finite: the error statistics are taken over these.
    public var finiteCount: Int
    /// The largest `|a − b|`.
    public var maxAbsError: Double
    /// The multi-index of the largest `|a − b|` (first occurrence in row-major order); `nil` when no pair
    /// is finite.
    @ExplicitNull public var argmax: [Int]?
    /// Grid coordinates of ``argmax`` when the field was scored on a grid.
    @ExplicitNull public var argmaxCoordinates: [Double]?
    /// Which component (vector field) or array (archive) holds ``argmax``, for combined statistics.
    @ExplicitNull public var argmaxComponent: Int?
    /// The computed value at ``argmax``.
    @ExplicitNull public var computedAtArgmax: Double?
    /// The reference value at ``argmax``.
    @ExplicitNull public var referenceAtArgmax: Double?
    /// The largest relative error `|a − b| / max(|a| + |b|, floor)`.
    public var maxRelError: Double
    /// The multi-index of the largest relative error (first occurrence).
    @ExplicitNull public var argmaxRel: [Int]?
    /// Grid coordinates of ``argmaxRel``.
    @ExplicitNull public var argmaxRelCoordinates: [Double]?
    /// Which component or array holds ``argmaxRel``, for combined statistics.
    @ExplicitNull public var argmaxRelComponent: Int?
    /// `‖a − b‖₂`.
    public var l2Error: Double
    /// `‖b‖₂`.
    public var referenceL2Norm: Double
    /// `‖a − b‖₂ / ‖b‖₂`.
    public var relL2Error: Double
    /// `√(Σ (a − b)² / finiteCount)`.
    public var rmsError: Double
    /// Finite pairs outside the band `|a − b| ≤ atol + rtol·|b|`.
    public var mismatched: Int
    /// Pairs with a NaN or an infinity on at least one side that do not match (NaN vs number, NaN vs ∞,
    /// ∞ vs number, +∞ vs −∞).
    public var nanMismatches: Int
    /// Non-finite computed values (matched or not).
    public var nonFiniteComputed: Int
    /// Non-finite reference values (matched or not).
    public var nonFiniteReference: Int
    /// `mismatched == 0 && nanMismatches == 0`.
    public var passed: Bool

    /// Statistics of no points at all: zero errors, no location, passed.
    public static let empty = ErrorStatistics(
        count: 0, finiteCount: 0, maxAbsError: 0, argmax: nil, argmaxCoordinates: nil, argmaxComponent: nil,
        computedAtArgmax: nil, referenceAtArgmax: nil, maxRelError: 0, argmaxRel: nil, argmaxRelCoordinates: nil,
        argmaxRelComponent: nil, l2Error: 0, referenceL2Norm: 0, relL2Error: 0, rmsError: 0, mismatched: 0,
        nanMismatches: 0, nonFiniteComputed: 0, nonFiniteReference: 0, passed: true)

    /// Creates statistics from their values (for decoding and tests; ``score(_:against:options:grid:)-(NDArray<Double>,_,_,_)``
    /// computes them).
    public init(count: Int, finiteCount: Int, maxAbsError: Double, argmax: [Int]?, argmaxCoordinates: [Double]?,
                argmaxComponent: Int?, computedAtArgmax: Double?, referenceAtArgmax: Double?, maxRelError: Double,
                argmaxRel: [Int]?, argmaxRelCoordinates: [Double]?, argmaxRelComponent: Int?, l2Error: Double,
                referenceL2Norm: Double, relL2Error: Double, rmsError: Double, mismatched: Int, nanMismatches: Int,
                nonFiniteComputed: Int, nonFiniteReference: Int, passed: Bool) {
        self.count = count
        self.finiteCount = finiteCount
        self.maxAbsError = maxAbsError
        self.argmax = argmax
        self.argmaxCoordinates = argmaxCoordinates
        self.argmaxComponent = argmaxComponent
        self.computedAtArgmax = computedAtArgmax
        self.referenceAtArgmax = referenceAtArgmax
        self.maxRelError = maxRelError
        self.argmaxRel = argmaxRel
        self.argmaxRelCoordinates = argmaxRelCoordinates
        self.argmaxRelComponent = argmaxRelComponent
        self.l2Error = l2Error
        self.referenceL2Norm = referenceL2Norm
        self.relL2Error = relL2Error
        self.rmsError = rmsError
        self.mismatched = mismatched
        self.nanMismatches = nanMismatches
        self.nonFiniteComputed = nonFiniteComputed
        self.nonFiniteReference = nonFiniteReference
        self.passed = passed
    }

    /// The statistics of several fields taken together (the components of a vector field, the arrays of an
    /// archive): counts add up, maxima are the largest (the earliest part wins a tie) with
    /// ``argmaxComponent`` set to its position in `parts`, and the L2 norms combine as
    /// `√(Σ‖·‖²)`, so ``relL2Error`` and ``rmsError`` are those of all the points at once.
    public static func combining(_ parts: [ErrorStatistics]) -> ErrorStatistics {
        var result = ErrorStatistics.empty
        var diff = ScaledSumOfSquares(), reference = ScaledSumOfSquares()
        for part in parts {
            result.count += part.count
            result.finiteCount += part.finiteCount
            result.mismatched += part.mismatched
            result.nanMismatches += part.nanMismatches
            result.nonFiniteComputed += part.nonFiniteComputed
            result.nonFiniteReference += part.nonFiniteReference
            diff.add(part.l2Error)
            reference.add(part.referenceL2Norm)
        }
        if let k = result.takeMaximum(.absolute, of: parts) {
            result.computedAtArgmax = parts[k].computedAtArgmax
            result.referenceAtArgmax = parts[k].referenceAtArgmax
        }
        result.takeMaximum(.relative, of: parts)
        result.finish(diff: diff, reference: reference)
        return result
    }

    /// Where one maximum and its location are kept: the absolute error's or the relative error's.
    struct Maximum {
        let value: WritableKeyPath<ErrorStatistics, Double>
        let index: WritableKeyPath<ErrorStatistics, [Int]?>
        let coordinates: WritableKeyPath<ErrorStatistics, [Double]?>
        let component: WritableKeyPath<ErrorStatistics, Int?>

        static var absolute: Maximum { Maximum(value: \.maxAbsError, index: \.argmax, coordinates: \.argmaxCoordinates,
                                              component: \.argmaxComponent) }
        static var relative: Maximum { Maximum(value: \.maxRelError, index: \.argmaxRel, coordinates: \.argmaxRelCoordinates,
                                              component: \.argmaxRelComponent) }
    }

    /// Takes `maximum` from the part of `parts` where it is largest (among the parts that locate it; the
    /// earliest wins a tie), with its location and, as its component, the part's position. Returns that
    /// position, nil when no part locates it.
    @discardableResult
    mutating func takeMaximum(_ maximum: Maximum, of parts: [ErrorStatistics]) -> Int? {
        var taken: Int?
        for (k, part) in parts.enumerated() where part[keyPath: maximum.index] != nil {
            guard taken == nil || part[keyPath: maximum.value] > self[keyPath: maximum.value] else { continue }
            taken = k
            self[keyPath: maximum.value] = part[keyPath: maximum.value]
            self[keyPath: maximum.index] = part[keyPath: maximum.index]
            self[keyPath: maximum.coordinates] = part[keyPath: maximum.coordinates]
            self[keyPath: maximum.component] = k
        }
        return taken
    }

    /// Sets the norms, the relative L2 and RMS errors and ``passed`` from the accumulated sums.
    mutating func finish(diff: ScaledSumOfSquares, reference: ScaledSumOfSquares) {
        l2Error = diff.norm
        referenceL2Norm = reference.norm
        if referenceL2Norm > 0 {
            relL2Error = l2Error / referenceL2Norm
        } else {
            relL2Error = l2Error == 0 ? 0 : .infinity
        }
        rmsError = finiteCount > 0 ? l2Error / Double(finiteCount).squareRoot() : 0
        passed = mismatched == 0 && nanMismatches == 0
    }

    private enum CodingKeys: String, CodingKey {
        case count, finiteCount = "finite_count", maxAbsError = "max_abs_error", argmax,
             argmaxCoordinates = "argmax_coordinates", argmaxComponent = "argmax_component",
             computedAtArgmax = "computed_at_argmax", referenceAtArgmax = "reference_at_argmax",
             maxRelError = "max_rel_error", argmaxRel = "argmax_rel", argmaxRelCoordinates = "argmax_rel_coordinates",
             argmaxRelComponent = "argmax_rel_component", l2Error = "l2_error", referenceL2Norm = "reference_l2_norm",
             relL2Error = "rel_l2_error", rmsError = "rms_error", mismatched, nanMismatches = "nan_mismatches",
             nonFiniteComputed = "non_finite_computed", nonFiniteReference = "non_finite_reference", passed
    }
}

/// An optional property whose JSON key is always written: `null` when the value is absent (a synthesised
/// `Encodable` leaves an absent optional's key out), so that every report of a kind has the same keys.
/// Decoding accepts a value, `null` or a missing key.
///
/// ```swift
/// struct Row: Codable { var step: Double; @ExplicitNull var order: Double? }
/// // {"step":0.1,"order":null}
/// ```
@propertyWrapper
public struct ExplicitNull<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// The value, `nil` when absent.
    public var wrappedValue: Value?

    /// Wraps `wrappedValue`.
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    /// Decodes a value or `null`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    /// Encodes the value, or `null` when it is absent.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key is an absent value, as for a plain optional.
    public func decode<Value>(_ type: ExplicitNull<Value>.Type, forKey key: Key) throws -> ExplicitNull<Value> {
        ExplicitNull(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

/// `√(Σ xᵢ²)` accumulated without overflow or underflow: LAPACK's `dlassq` scaling,
/// `Σ xᵢ² = scale² · ssq` with `scale = max |xᵢ|`.
struct ScaledSumOfSquares: Sendable {
    var scale = 0.0
    var ssq = 0.0

    mutating func add(_ x: Double) {
        let v = abs(x)
        guard v != 0, !v.isNaN else { return }
        if v.isInfinite || scale.isInfinite {
            scale = .infinity
            ssq = 1
        } else if v > scale {
            let r = scale / v
            ssq = 1 + ssq * r * r
            scale = v
        } else {
            let r = v / scale
            ssq += r * r
        }
    }

    var norm: Double { scale == 0 ? 0 : scale * ssq.squareRoot() }
}

/// The JSON conventions of every Nabla verification report.
///
/// ```
/// keys          snake_case (maxAbsError → "max_abs_error", relL2Error → "rel_l2_error"), spelled out in
///               each type's CodingKeys, so any JSONEncoder gives the same keys (names of arrays are kept)
/// NaN, ±∞       the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers)
/// ```
/// The output is valid JSON (RFC 8259), so `python3 -c 'import json,sys; json.load(sys.stdin)'` reads it.
public enum VerificationJSON {
    /// An encoder with the conventions above, keys sorted, indented.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }

    /// A decoder that reads what ``encoder`` writes.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    /// The JSON text of a value, with the conventions above.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes a value from JSON text written with the conventions above.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }
}

/// Compact number formatting for reports: `1.234e-05`, and `nan`, `inf`, `-inf`.
enum ReportFormat {
    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.3e", x)
    }

    /// A value as Swift prints it (shortest round-trip), for values at a location.
    static func value(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    static func index(_ i: [Int]) -> String { "[" + i.map(String.init).joined(separator: ", ") + "]" }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = s.count
        if n >= width { return s }
        let fill = String(repeating: " ", count: width - n)
        return right ? fill + s : s + fill
    }
}
