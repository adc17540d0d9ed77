import Foundation
import Nabla
import Testing

// MARK: - ULP distance

/// The distance in units in the last place between two values of the same floating-point type: how many
/// representable values lie between them (0 when equal; `+0` and `-0` are 0 apart). NaN is 0 from NaN and
/// `UInt64.max` from anything else.
func ulpDistance<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> UInt64 {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
    let (d, overflow) = orderedBits(a).subtractingReportingOverflow(orderedBits(b))
    return overflow ? .max : d.magnitude
}

/// Maps a non-NaN float to an integer so that consecutive floats map to consecutive integers
/// (`-0` and `+0` both map to 0).
func orderedBits<T: BinaryFloatingPoint>(_ x: T) -> Int64 {
    let magnitude = Int64(UInt64(x.exponentBitPattern) << UInt64(T.significandBitCount) | UInt64(x.significandBitPattern))
    return x.sign == .minus ? -magnitude : magnitude
}

/// Whether two values have the same bits (distinguishes `-0` from `+0`; all NaNs are treated as equal).
func bitwiseEqual<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern
        && a.significandBitPattern == b.significandBitPattern
}

/// The result of comparing two arrays element by element.
struct ArrayComparison: Sendable, CustomStringConvertible {
    var worstULP: UInt64 = 0
    var worstIndex: Int? = nil
    var worstValues: (String, String)? = nil
    var nonBitwise = 0
    var count = 0
    var shapeMatches = true

    var isBitwise: Bool { shapeMatches && nonBitwise == 0 }

    var description: String {
        guard shapeMatches else { return "shape mismatch" }
        if let i = worstIndex, let (got, want) = worstValues {
            return "worst \(worstULP) ulp at flat index \(i) (got \(got), expected \(want)); \(nonBitwise)/\(count) not bitwise"
        }
        return "\(count) values bitwise equal"
    }
}

func compare<T: BinaryFloatingPoint>(_ got: NDArray<T>, _ expected: NDArray<T>) -> ArrayComparison {
    var c = ArrayComparison()
    guard got.shape == expected.shape else { c.shapeMatches = false; c.worstULP = .max; return c }
    c.count = got.count
    for i in 0..<got.count {
        let a = got.scalars[i], b = expected.scalars[i]
        if !bitwiseEqual(a, b) {
            c.nonBitwise += 1
            let d = ulpDistance(a, b)
            if c.worstIndex == nil || d > c.worstULP {
                c.worstULP = d
                c.worstIndex = i
                c.worstValues = ("\(a)", "\(b)")
            }
        }
    }
    return c
}

/// Expects two arrays to be equal bit for bit.
func expectBitwise<T: BinaryFloatingPoint>(
    _ got: NDArray<T>, _ expected: NDArray<T>, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let c = compare(got, expected)
    #expect(c.isBitwise, "\(comment()) \(c)", sourceLocation: sourceLocation)
}

/// numpy's `assert_almost_equal(actual, desired)` (decimal=7): `|desired - actual| < 1.5e-7` everywhere.
func expectAlmostEqual<T: BinaryFloatingPoint>(
    _ got: NDArray<T>, _ expected: NDArray<T>, decimal: Int = 7, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(got.shape == expected.shape, "\(comment()) shape \(got.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard got.shape == expected.shape else { return }
    let tolerance = 1.5 * pow(10.0, Double(-decimal))
    for i in 0..<got.count {
        let d = abs(Double(got.scalars[i]) - Double(expected.scalars[i]))
        #expect(d < tolerance, "\(comment()) index \(i): \(got.scalars[i]) vs \(expected.scalars[i])",
                sourceLocation: sourceLocation)
    }
}

// MARK: - Errors

/// Runs `body` and returns the ``NablaError`` it throws, or `nil` if it returns. Any other error is
/// recorded as an issue. (Closures are inferred as `throws(any Error)` without the FullTypedThrows feature,
/// so `body` is untyped.)
func thrownError<R>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) -> NablaError? {
    do {
        _ = try body()
        return nil
    } catch let error as NablaError {
        return error
    } catch {
        Issue.record("expected a NablaError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension NablaError {
    /// The case name, for comparisons that ignore the message.
    var kind: String {
        switch self {
        case .shapeMismatch: "shapeMismatch"
        case .invalidShape: "invalidShape"
        case .invalidAxis: "invalidAxis"
        case .invalidSpacing: "invalidSpacing"
        case .axisTooShort: "axisTooShort"
        case .invalidArgument: "invalidArgument"
        }
    }
}

/// Expects `body` to throw a ``NablaError`` of case `kind` whose description contains every string of
/// `mentioning`.
func expectNablaError<R>(
    _ kind: String, mentioning: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) {
    guard let error = thrownError(sourceLocation: sourceLocation, body) else {
        Issue.record("expected a NablaError.\(kind), but nothing was thrown", sourceLocation: sourceLocation)
        return
    }
    #expect(error.kind == kind, "got \(error)", sourceLocation: sourceLocation)
    for needle in mentioning {
        #expect(error.description.contains(needle), "\"\(error)\" does not mention \"\(needle)\"",
                sourceLocation: sourceLocation)
    }
}

// MARK: - Fixtures

enum Fixtures {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                     "fixture \(name).json is missing; run Scripts/make_gradient_fixtures.py")
    }

    static func load<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let data = try Data(contentsOf: try url(name))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: data)
    }
}

/// Parses a fixture string exactly (`repr(float(x))` from Python).
func parseDouble(_ s: String) -> Double {
    guard let v = Double(s) else { fatalError("fixture value \(s) is not a number") }
    return v
}

// MARK: - A seeded generator

/// SplitMix64: a small deterministic generator for property tests (the seed is printed on failure).
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
