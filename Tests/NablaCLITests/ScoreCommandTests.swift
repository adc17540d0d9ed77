import Foundation
import Nabla
import NablaFormats
import Testing

/// `nabla score`, run as a subprocess (helpers: `Sandbox` in Support.swift): exit status 0 / 1 / 2, the
/// table, and the JSON object.
@Suite("nabla score (CLI)")
struct ScoreCommandTests {
    static let reference = NDArray<Double>([1, 2, 3, 4])

    /// Parses stdout as one JSON object (JSONSerialization, like Python's json.load, rejects bare NaN).
    static func object(_ result: RunResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(value as? [String: Any], "stdout is not one JSON object:\n\(result)", sourceLocation: sourceLocation)
    }

    static let requiredKeys = ["max_abs_error", "max_rel_error", "rel_l2_error", "rms_error", "argmax", "mismatched",
                               "nan_mismatches", "passed"]

    @Test("identical arrays pass: exit 0, the table on stdout")
    func passes() throws {
        let box = try Sandbox()
        try box.write(Self.reference, "a.npy")
        try box.write(Self.reference, "b.npy")
        let result = try box.succeed(["score", "a.npy", "b.npy"])
        #expect(result.stdout.hasPrefix("PASSED: all 4 points within atol 1e-08 + rtol 1e-05"))
        #expect(result.stdout.contains("interior") && result.stdout.contains("edge"))
    }

    @Test("a point outside the band fails: exit 1, nothing on stderr, the worst point named")
    func fails() throws {
        let box = try Sandbox()
        try box.write(NDArray<Double>([1, 2.5, 3, 4]), "a.npy")
        try box.write(Self.reference, "b.npy")
        let result = try box.run(["score", "a.npy", "b.npy"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("FAILED: 1 of 4 points outside"))
        #expect(result.stdout.contains("max abs error 5.000e-01 at [1]: computed 2.5, reference 2.0"))
        // --atol widens the band.
        try box.succeed(["score", "a.npy", "b.npy", "--atol", "0.5"])
        // --rtol is relative to the reference: 0.25·2 = 0.5.
        try box.succeed(["score", "a.npy", "b.npy", "--atol", "0", "--rtol", "0.25"])
    }

    @Test("the defaults are numpy.allclose's (atol 1e-8, rtol 1e-5)")
    func defaults() throws {
        let box = try Sandbox()
        try box.write(NDArray<Double>([1 + 1e-5]), "close.npy")
        try box.write(NDArray<Double>([1 + 2e-5]), "far.npy")
        try box.write(NDArray<Double>([1]), "one.npy")
        try box.succeed(["score", "close.npy", "one.npy"])
        #expect(try box.run(["score", "far.npy", "one.npy"]).status == 1)
    }

    @Test("--json: one valid JSON object with the documented keys")
    func json() throws {
        let box = try Sandbox()
        try box.write(NDArray<Double>([[1, 2], [3, 9]]), "a.npy")
        try box.write(NDArray<Float>([[1, 2], [3, 4]]), "b.npy")       // dtypes are converted to float64
        let result = try box.run(["score", "a.npy", "b.npy", "--json"])
        #expect(result.status == 1)
        let object = try Self.object(result)
        for key in Self.requiredKeys { #expect(object[key] != nil, "missing \(key)") }
        #expect(object["max_abs_error"] as? Double == 5)
        #expect(object["argmax"] as? [Int] == [1, 1])
        #expect(object["mismatched"] as? Int == 1)
        #expect(object["nan_mismatches"] as? Int == 0)
        #expect(object["passed"] as? Bool == false)
        #expect(abs((object["max_rel_error"] as? Double ?? 0) - 5.0 / 13.0) < 1e-15)
        #expect((object["interior"] as? [String: Any]) != nil && (object["edge"] as? [String: Any]) != nil)
        #expect(object["arrays"] == nil)
    }

    @Test("--json with NaN and infinities stays valid JSON (non-finite numbers as strings)")
    func jsonNonFinite() throws {
        let box = try Sandbox()
        try box.write(NDArray<Double>([.nan, 1, .infinity, 0]), "a.npy")
        try box.write(NDArray<Double>([.nan, .nan, .infinity, 0]), "b.npy")
        let result = try box.run(["score", "a.npy", "b.npy", "--json"])
        #expect(result.status == 1)
        let object = try Self.object(result)
        #expect(object["nan_mismatches"] as? Int == 1)
        #expect(object["non_finite_computed"] as? Int == 2)
        #expect(object["passed"] as? Bool == false)
        // Zero reference, non-zero error: the relative L2 error is infinite.
        try box.write(NDArray<Double>([0, 1]), "c.npy")
        try box.write(NDArray<Double>([0, 0]), "z.npy")
        let inf = try box.run(["score", "c.npy", "z.npy", "--json"])
        #expect(try Self.object(inf)["rel_l2_error"] as? String == "Infinity")
        // NaN matching NaN passes.
        try box.succeed(["score", "b.npy", "b.npy", "--json"])
    }

    @Test(".npz archives are paired by name, whatever their order; per-array objects under 'arrays'")
    func archives() throws {
        let box = try Sandbox()
        let u = NDArray<Double>([1, 2, 3]), v = NDArray<Double>([4, 5, 6])
        var v2 = v
        v2[2] = 7
        try box.writeNPZ([("u", AnyNDArray(u)), ("v", AnyNDArray(v2))], "computed.npz")
        try box.writeNPZ([("v", AnyNDArray(v)), ("u", AnyNDArray(u))], "exact.npz")
        let result = try box.run(["score", "computed.npz", "exact.npz", "--json"])
        #expect(result.status == 1, "\(result)")
        let object = try Self.object(result)
        for key in Self.requiredKeys { #expect(object[key] != nil, "missing \(key)") }
        #expect(object["argmax"] as? [Int] == [2])
        #expect(object["argmax_array"] as? String == "v")
        let arrays = try #require(object["arrays"] as? [String: [String: Any]])
        #expect(Set(arrays.keys) == ["u", "v"])
        for (name, a) in arrays { for key in Self.requiredKeys { #expect(a[key] != nil, "\(name): missing \(key)") } }
        #expect(arrays["u"]?["passed"] as? Bool == true)
        #expect(arrays["v"]?["passed"] as? Bool == false)
        #expect(arrays["v"]?["max_abs_error"] as? Double == 1)

        let table = try box.run(["score", "computed.npz", "exact.npz"])
        #expect(table.status == 1)
        #expect(table.stdout.contains("max abs error 1.000e+00 at 'v' [2]"))
        try box.succeed(["score", "exact.npz", "exact.npz"])

        // A .npy against an archive of one array.
        try box.writeNPZ([("only", AnyNDArray(u))], "one.npz")
        try box.write(u, "u.npy")
        try box.succeed(["score", "u.npy", "one.npz"])
        try box.succeed(["score", "one.npz", "u.npy"])
    }

    @Test("bad input: exit 2 and one 'nabla: error:' line")
    func badInput() throws {
        let box = try Sandbox()
        try box.writeNPZ([("u", AnyNDArray(Self.reference)), ("v", AnyNDArray(Self.reference))], "a.npz")
        try box.writeNPZ([("u", AnyNDArray(Self.reference)), ("w", AnyNDArray(Self.reference))], "b.npz")
        // Different names: both missing arrays are named.
        try box.fail(["score", "a.npz", "b.npz"], mentions: ["'v'", "'w'", "paired by name"], status: 2)
        try box.fail(["score", "a.npz", "b.npz", "--json"], mentions: ["'v'", "'w'"], status: 2)
        // Shape mismatch.
        try box.write(Self.reference, "four.npy")
        try box.write(NDArray<Double>([1, 2, 3]), "three.npy")
        try box.fail(["score", "four.npy", "three.npy"], mentions: ["shape", "[4]", "[3]"], status: 2)
        try box.writeNPZ([("u", AnyNDArray(Self.reference)), ("v", AnyNDArray(NDArray<Double>([1])))], "c.npz")
        try box.fail(["score", "a.npz", "c.npz"], mentions: ["'v'", "shape"], status: 2)
        // Missing and unreadable files, unknown extension, invalid tolerance.
        try box.fail(["score", "four.npy", "missing.npy"], mentions: ["missing.npy"], status: 2)
        try box.writeBytes([1, 2, 3], "junk.npy")
        try box.fail(["score", "junk.npy", "four.npy"], mentions: ["junk.npy"], status: 2)
        try box.fail(["score", "four.npy", "four.txt"], mentions: ["four.txt"], status: 2)
        try box.fail(["score", "four.npy", "four.npy", "--atol=-1"], mentions: ["atol"], status: 2)
        // An archive of several arrays against a .npy: which one is ambiguous.
        try box.fail(["score", "four.npy", "a.npz"], mentions: ["a.npz", "'four'"], status: 2)
    }

    @Test("help text with examples")
    func help() throws {
        let box = try Sandbox()
        let result = try box.run(["score", "--help"])
        #expect(result.status == 0)
        for text in ["--atol", "--rtol", "--json", "Examples:", "nabla score", "Exit status"] {
            #expect(result.stdout.contains(text), "help should mention \(text)")
        }
    }
}
