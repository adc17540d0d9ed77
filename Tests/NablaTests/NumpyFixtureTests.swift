import Foundation
import Nabla
import Testing

/// numpy.gradient's outputs (Fixtures/gradient_cases.json, from Scripts/make_gradient_fixtures.py) against
/// Nabla's, per case, in ulps of the result type.
@Suite("numpy.gradient fixtures")
struct NumpyFixtureTests {
    /// The largest ulp distance accepted. The implementation aims at 0 (bitwise).
    static let toleranceULP: UInt64 = 4

    @Test("the fixture file loads and covers every dtype")
    func fixtureLoads() throws {
        let file = try Fixtures.load(GradientFixtureFile.self, from: "gradient_cases")
        #expect(file.cases.count > 200)
        let dtypes = Set(file.cases.map(\.input.dtype))
        #expect(dtypes == ["float64", "float32", "float16", "int8", "int16", "int32", "int64",
                           "uint8", "uint16", "uint32", "uint64"])
        #expect(Set(file.cases.map(\.name)).count == file.cases.count, "case names are unique")
        #expect(Set(file.cases.map(\.input.shape.count)) == [1, 2, 3, 4])
        #expect(Set(file.cases.map(\.edgeOrder)) == [1, 2])
    }

    @Test("Nabla matches numpy.gradient within 4 ulp", arguments: GradientFixtureFile.cases)
    func matchesNumpy(_ testCase: GradientCase) throws {
        let outcome = try testCase.run()
        #expect(outcome.outputCount == testCase.outputs.count,
                "numpy returned \(testCase.outputs.count) arrays, Nabla \(outcome.outputCount)")
        for (k, c) in outcome.comparisons.enumerated() {
            #expect(c.shapeMatches && c.worstULP <= Self.toleranceULP, "output \(k): \(c)")
        }
        #expect(outcome.singleAxisAgrees, "gradient(of:along:) differs from gradient(of:axes:)")
    }

    /// One pass over every case that reports the worst ulp distance and the cases that are not bitwise.
    @Test("summary: worst ulp distance over all fixtures")
    func summary() throws {
        var worst: UInt64 = 0
        var worstCase = ""
        var notBitwise: [String] = []
        var values = 0
        for testCase in GradientFixtureFile.cases {
            let outcome = try testCase.run()
            for (k, c) in outcome.comparisons.enumerated() {
                values += c.count
                if !c.isBitwise { notBitwise.append("\(testCase.name) [output \(k)]: \(c)") }
                if c.worstULP > worst { worst = c.worstULP; worstCase = testCase.name }
            }
        }
        print("numpy fixtures: \(GradientFixtureFile.cases.count) cases, \(values) values, worst \(worst) ulp\(worst > 0 ? " (\(worstCase))" : ""), \(notBitwise.count) outputs not bitwise")
        for line in notBitwise { print("  not bitwise: \(line)") }
        #expect(worst <= Self.toleranceULP)
    }
}

// MARK: - Fixture model

struct GradientFixtureFile: Decodable, Sendable {
    let numpy: String
    let cases: [GradientCase]

    /// Every case, or none if the file cannot be read (``NumpyFixtureTests/fixtureLoads()`` then fails).
    static let cases: [GradientCase] = (try? Fixtures.load(GradientFixtureFile.self, from: "gradient_cases").cases) ?? []
}

struct FixtureArray: Decodable, Sendable {
    let dtype: String
    let shape: [Int]
    let values: [String]

    func doubles() -> [Double] {
        switch dtype {
        case "int8", "int16", "int32", "int64":
            values.map { Double(Int64($0)!) }
        case "uint8", "uint16", "uint32", "uint64":
            values.map { Double(UInt64($0)!) }
        default:
            values.map(parseDouble)
        }
    }

    func floats<T: BinaryFloatingPoint>(_: T.Type = T.self) throws -> NDArray<T> {
        let v = values.map { s -> T in
            let d = parseDouble(s)
            let t = T(d)
            precondition(Double(t) == d || d.isNaN, "fixture value \(s) is not exact in \(T.self)")
            return t
        }
        return try NDArray(shape: shape, scalars: v)
    }

    func integers<I: FixedWidthInteger>(_: I.Type) throws -> NDArray<I> {
        try NDArray(shape: shape, scalars: values.map { I($0)! })
    }
}

struct FixtureSpacing: Decodable, Sendable {
    let kind: String
    let value: String?
    let dtype: String?
    let shape: [Int]?
    let values: [String]?

    /// The Nabla spacing: a number, or coordinates converted to `Double` as numpy converts integer ones.
    var spacing: Spacing {
        if kind == "scalar" { return .uniform(parseDouble(value!)) }
        return .coordinates(FixtureArray(dtype: dtype!, shape: shape!, values: values!).doubles())
    }
}

struct GradientCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let input: FixtureArray
    let spacing: [FixtureSpacing]
    let axis: [Int]?
    let axisIsInt: Bool
    let edgeOrder: Int
    let outputs: [FixtureArray]

    var testDescription: String { name }

    struct Outcome {
        var comparisons: [ArrayComparison] = []
        var outputCount = 0
        var singleAxisAgrees = true
    }

    func run() throws -> Outcome {
        switch input.dtype {
        case "float64": try runFloat(Double.self)
        case "float32": try runFloat(Float.self)
        case "float16": try runFloat(Float16.self)
        case "int8": try runInteger(Int8.self)
        case "int16": try runInteger(Int16.self)
        case "int32": try runInteger(Int32.self)
        case "int64": try runInteger(Int64.self)
        case "uint8": try runInteger(UInt8.self)
        case "uint16": try runInteger(UInt16.self)
        case "uint32": try runInteger(UInt32.self)
        case "uint64": try runInteger(UInt64.self)
        default: throw FixtureError.unknownDType(input.dtype)
        }
    }

    private func runFloat<T: FieldScalar>(_: T.Type) throws -> Outcome {
        let f: NDArray<T> = try input.floats()
        let original = f
        let spacings = spacing.map(\.spacing)
        let got = try gradient(of: f, spacing: spacings, axes: axis, edgeOrder: edgeOrder)
        var outcome = Outcome(outputCount: got.count)
        for (g, e) in zip(got, outputs) {
            outcome.comparisons.append(compare(g, try e.floats(T.self)))
        }
        if axisIsInt, let axis, got.count == 1 {
            let single = try derivative(of: f, along: axis[0], spacing: spacings.first ?? 1, edgeOrder: edgeOrder)
            outcome.singleAxisAgrees = compare(single, got[0]).isBitwise
        }
        precondition(f == original)
        return outcome
    }

    private func runInteger<I: FixedWidthInteger & Sendable>(_: I.Type) throws -> Outcome {
        let f = try input.integers(I.self)
        let got: [NDArray<Double>] = try gradient(of: f, spacing: spacing.map(\.spacing), axes: axis, edgeOrder: edgeOrder)
        var outcome = Outcome(outputCount: got.count)
        for (g, e) in zip(got, outputs) {
            outcome.comparisons.append(compare(g, try e.floats(Double.self)))
        }
        return outcome
    }
}

enum FixtureError: Error {
    case unknownDType(String)
}
