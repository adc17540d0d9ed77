import Foundation
import Nabla
import NablaComplex
import Testing

/// numpy.gradient on complex64/complex128 fields, and on real fields with float32 coordinates
/// (Fixtures/complex_gradient_cases.json, from Scripts/make_complex_fixtures.py), compared bit for bit.
@Suite("numpy.gradient complex fixtures")
struct ComplexFixtureTests {
    @Test("the fixture file loads and covers complex64, complex128 and float32 coordinates")
    func fixtureLoads() throws {
        let cases = ComplexFixtureFile.cases
        #expect(cases.count > 250)
        #expect(Set(cases.map(\.input.dtype)) == ["complex128", "complex64", "float64", "float32", "float16"])
        #expect(Set(cases.map(\.input.shape.count)) == [1, 2, 3])
        #expect(Set(cases.map(\.edgeOrder)) == [1, 2])
        #expect(cases.contains { $0.spacing.contains { $0.dtype == "float32" } })
    }

    @Test("Nabla equals numpy bit for bit", arguments: ComplexFixtureFile.cases)
    func matchesNumpy(_ testCase: ComplexCase) throws {
        let worst = try testCase.worstULP()
        #expect(worst.count == testCase.outputs.count)
        for (k, w) in worst.enumerated() { #expect(w == 0, "\(testCase.name) output \(k): \(w) ulp") }
    }

    @Test("summary: worst ulp distance over all complex fixtures")
    func summary() throws {
        var worst: UInt64 = 0, values = 0, notBitwise = 0
        for c in ComplexFixtureFile.cases {
            let w = try c.worstULP()
            worst = max(worst, w.max() ?? 0)
            notBitwise += w.filter { $0 > 0 }.count
            values += c.outputs.reduce(0) { $0 + $1.real.count }
        }
        print("complex fixtures: \(ComplexFixtureFile.cases.count) cases, \(values) values, worst \(worst) ulp, \(notBitwise) outputs not bitwise")
        #expect(worst == 0)
    }
}

// MARK: - Fixture model

struct ComplexFixtureFile: Decodable, Sendable {
    let numpy: String
    let cases: [ComplexCase]

    static let cases: [ComplexCase] = {
        guard let url = Bundle.module.url(forResource: "complex_gradient_cases", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return (try? decoder.decode(ComplexFixtureFile.self, from: data).cases) ?? []
    }()
}

struct ComplexFixtureArray: Decodable, Sendable {
    let dtype: String
    let shape: [Int]
    let real: [String]
    let imag: [String]?

    var reals: [Double] { real.map { Double($0)! } }
    var imags: [Double] { (imag ?? []).map { Double($0)! } }

    func complex<T: ComplexFieldScalar>(_: T.Type) throws -> NDArray<Complex<T>> {
        try NDArray(shape: shape, scalars: zip(reals, imags).map { Complex(T($0), T($1)) })
    }

    func realArray<T: FieldScalar>(_: T.Type) throws -> NDArray<T> {
        try NDArray(shape: shape, scalars: reals.map { T($0) })
    }
}

struct SpacingEntry: Decodable, Sendable {
    let kind: String
    let value: String?
    let dtype: String?
    let values: [String]?

    var spacing: Spacing {
        if kind == "scalar" { return .uniform(Double(value!)!) }
        let x = values!.map { Double($0)! }
        return dtype == "float32" ? .floatCoordinates(x.map { Float($0) }) : .coordinates(x)
    }
}

struct ComplexCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let input: ComplexFixtureArray
    let spacing: [SpacingEntry]
    let axis: [Int]?
    let edgeOrder: Int
    let outputs: [ComplexFixtureArray]

    var testDescription: String { name }

    /// The worst ulp distance of each output (over both parts for complex data).
    func worstULP() throws -> [UInt64] {
        let spacing = self.spacing.map(\.spacing)
        switch input.dtype {
        case "complex128": return try compareComplex(Double.self, spacing)
        case "complex64": return try compareComplex(Float.self, spacing)
        case "float64": return try compareReal(Double.self, spacing)
        case "float32": return try compareReal(Float.self, spacing)
        case "float16": return try compareReal(Float16.self, spacing)
        default: Issue.record("unknown dtype \(input.dtype)"); return []
        }
    }

    func compareComplex<T: ComplexFieldScalar>(_: T.Type, _ spacing: [Spacing]) throws -> [UInt64] {
        let got = try gradient(of: try input.complex(T.self), spacing: spacing, axes: axis, edgeOrder: edgeOrder)
        return zip(got, outputs).map { g, want in
            guard g.shape == want.shape else { return .max }
            var worst: UInt64 = 0
            for (i, z) in g.scalars.enumerated() {
                worst = max(worst, ulp(z.real, T(want.reals[i])), ulp(z.imaginary, T(want.imags[i])))
            }
            return worst
        }
    }

    func compareReal<T: FieldScalar>(_: T.Type, _ spacing: [Spacing]) throws -> [UInt64] {
        let got = try gradient(of: try input.realArray(T.self), spacing: spacing, axes: axis, edgeOrder: edgeOrder)
        return zip(got, outputs).map { g, want in
            guard g.shape == want.shape else { return .max }
            var worst: UInt64 = 0
            for (i, x) in g.scalars.enumerated() { worst = max(worst, ulp(x, T(want.reals[i]))) }
            return worst
        }
    }
}

/// Distance in units in the last place (0 for bitwise-equal values, including equal NaNs).
func ulp<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> UInt64 {
    if a.isNaN && b.isNaN { return 0 }
    if a.isNaN || b.isNaN { return .max }
    func key(_ x: T) -> Int64 {
        let bits = Int64(truncatingIfNeeded: UInt64(x.significandBitPattern) | (UInt64(x.exponentBitPattern) << UInt64(T.significandBitCount)))
        return x.sign == .minus ? -bits : bits
    }
    let d = key(a) - key(b)
    return d == 0 ? (a.sign == b.sign || a != 0 ? 0 : 1) : d.magnitude
}
