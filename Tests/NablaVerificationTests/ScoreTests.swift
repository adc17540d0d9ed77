import Foundation
import Nabla
import NablaVerification
import Testing

/// Every statistic of `score(_:against:)` on small cases computed by hand.
@Suite("Scoring a field against a reference")
struct ScoreTests {
    // a = [1, 2, 3, 4], b = [1, 2.5, 3, 2]: |a − b| = [0, 0.5, 0, 2].
    static let a = NDArray<Double>([1, 2, 3, 4])
    static let b = NDArray<Double>([1, 2.5, 3, 2])

    @Test("max abs, max rel (Theano), rel L2, RMS, argmax, values at argmax")
    func statistics() throws {
        let s = try score(Self.a, against: Self.b).overall
        #expect(s.count == 4 && s.finiteCount == 4)
        #expect(s.maxAbsError == 2)
        #expect(s.argmax == [3])
        #expect(s.computedAtArgmax == 4 && s.referenceAtArgmax == 2)
        // rel = [0, 0.5/4.5, 0, 2/6]
        #expect(s.maxRelError == 2.0 / 6.0)
        #expect(s.argmaxRel == [3])
        #expect(abs(s.l2Error - 4.25.squareRoot()) < 1e-15)
        #expect(abs(s.referenceL2Norm - 4.5) < 1e-15)
        #expect(abs(s.relL2Error - 4.25.squareRoot() / 4.5) < 1e-15)
        #expect(abs(s.rmsError - (4.25 / 4).squareRoot()) < 1e-15)
        #expect(s.mismatched == 2)
        #expect(s.nanMismatches == 0)
        #expect(!s.passed)
    }

    @Test("the band is numpy.isclose's: |a − b| ≤ atol + rtol·|b|")
    func band() throws {
        #expect(try score(Self.a, against: Self.b, options: .init(absoluteTolerance: 0.6, relativeTolerance: 0)).overall.mismatched == 1)
        // rtol 0.25: element 1 band 0.625 ≥ 0.5 passes, element 3 band 0.5 < 2 fails.
        #expect(try score(Self.a, against: Self.b, options: .init(absoluteTolerance: 0, relativeTolerance: 0.25)).overall.mismatched == 1)
        #expect(try score(Self.a, against: Self.b, options: .init(absoluteTolerance: 2, relativeTolerance: 0)).passed)
        // numpy.allclose's defaults: 1 + 1e-5 is close to 1, 1 + 2e-5 is not.
        #expect(try score(NDArray([1 + 1e-5]), against: NDArray([1.0])).passed)
        #expect(try !score(NDArray([1 + 2e-5]), against: NDArray([1.0])).passed)
        // The band is relative to the reference, not symmetric (as numpy.isclose).
        let big = NDArray([100.0]), small = NDArray([99.9985])
        #expect(try score(small, against: big, options: .init(absoluteTolerance: 0, relativeTolerance: 1.5e-5)).passed)
        #expect(try !score(big, against: NDArray([99.998]), options: .init(absoluteTolerance: 0, relativeTolerance: 2e-5)).passed)
    }

    @Test("argmax is the first occurrence, as numpy.argmax")
    func firstOccurrence() throws {
        let s = try score(NDArray<Double>([0, 1, 0, 1]), against: NDArray<Double>([0, 0, 0, 0])).overall
        #expect(s.argmax == [1])
        #expect(s.argmaxRel == [1])
    }

    @Test("relative-error floor: |a − b| / max(|a| + |b|, floor)")
    func floor() throws {
        let a = NDArray<Double>([0]), b = NDArray<Double>([1e-10])
        #expect(abs(try score(a, against: b).overall.maxRelError - 1e-2) < 1e-15)
        #expect(try score(a, against: b, options: .init(relativeErrorFloor: 1e-12)).overall.maxRelError == 1)
        #expect(try score(a, against: a, options: .init(relativeErrorFloor: 0)).overall.maxRelError == 0)
    }

    @Test("NaN and infinities: matches, mismatches, counts; never hidden")
    func nonFinite() throws {
        let a = NDArray<Double>([.nan, 1, .infinity, .infinity, 1, -.infinity])
        let b = NDArray<Double>([.nan, .nan, .infinity, -.infinity, 1, 5])
        let s = try score(a, against: b).overall
        #expect(s.nanMismatches == 3)           // 1 vs NaN, +∞ vs −∞, −∞ vs 5
        #expect(s.nonFiniteComputed == 4)
        #expect(s.nonFiniteReference == 4)
        #expect(s.finiteCount == 1)
        #expect(s.mismatched == 0)
        #expect(s.maxAbsError == 0)
        #expect(!s.passed)
        // NaN against NaN at the same place, and equal infinities, match.
        let same = try score(NDArray<Double>([.nan, .infinity, 2]), against: NDArray<Double>([.nan, .infinity, 2]))
        #expect(same.passed)
        #expect(same.overall.nonFiniteComputed == 2 && same.overall.nanMismatches == 0)
        #expect("\(same)".contains("PASSED"))
        // A NaN in the computed field only.
        let one = try score(NDArray<Double>([.nan, 2]), against: NDArray<Double>([1, 2]))
        #expect(!one.passed && one.overall.nanMismatches == 1)
        #expect("\(one)".contains("1 NaN/Inf mismatch"))
        // All NaN: no finite pair, no location.
        let none = try score(NDArray<Double>([.nan]), against: NDArray<Double>([0]))
        #expect(none.overall.argmax == nil && none.overall.finiteCount == 0)
    }

    @Test("zero reference: rel L2 is 0 when equal, +∞ otherwise")
    func zeroReference() throws {
        let z = try NDArray<Double>(repeating: 0, shape: [3])
        #expect(try score(z, against: z).overall.relL2Error == 0)
        #expect(try score(NDArray<Double>([0, 1, 0]), against: z).overall.relL2Error == .infinity)
    }

    @Test("interior and edge points, edge width and periodic axes")
    func interiorAndEdge() throws {
        let b = try NDArray<Double>(repeating: 1, shape: [4, 5])
        var a = b
        a[0, 2] = 2      // edge
        a[2, 2] = 1.5    // interior
        let s = try score(a, against: b)
        #expect(s.interior.count == 6 && s.edge.count == 14 && s.overall.count == 20)
        #expect(s.edge.maxAbsError == 1 && s.edge.argmax == [0, 2])
        #expect(s.interior.maxAbsError == 0.5 && s.interior.argmax == [2, 2])
        #expect(s.overall.argmax == [0, 2])
        #expect(s.interior.mismatched == 1 && s.edge.mismatched == 1 && s.overall.mismatched == 2)

        // Width 2: no interior left in 4 rows.
        let wide = try score(a, against: b, options: .init(edgeWidth: 2))
        #expect(wide.interior.count == 0 && wide.interior.argmax == nil && wide.interior.passed)
        #expect(wide.edge.count == 20)
        // Width 0: everything is interior.
        #expect(try score(a, against: b, options: .init(edgeWidth: 0)).interior.count == 20)

        // A periodic axis has no boundary: only rows 0 and 3 are edge.
        let grid = Grid(.linspace(0, 3, count: 4), .periodic(period: 5, count: 5))
        let p = try score(a, against: b, grid: grid)
        #expect(p.edge.count == 10 && p.interior.count == 10)
        #expect(p.overall.argmaxCoordinates == [0, 2])
        #expect(p.interior.argmaxCoordinates == [2, 2])
    }

    @Test("a closure sampled on a grid, coordinates of the worst point")
    func closureOnGrid() throws {
        let grid = Grid(.linspace(0, 1, count: 11))
        var f = grid.sample { x in x * x }
        f[7] += 1e-3
        let s = try score(f, against: { p in p[0] * p[0] }, on: grid)
        #expect(s.overall.argmax == [7])
        #expect(s.overall.argmaxCoordinates == [0.7000000000000001])
        #expect(s.overall.mismatched == 1)
        #expect("\(s)".contains("x = 0.7000000000000001"))
    }

    @Test("Float and Double, and mixed", arguments: [false, true])
    func precision(float: Bool) throws {
        let b = NDArray<Double>([1, 2, 3])
        let s = float ? try score(NDArray<Float>([1, 2, 3.5]), against: b)
                      : try score(NDArray<Double>([1, 2, 3.5]), against: b)
        #expect(s.overall.maxAbsError == 0.5 && s.overall.argmax == [2])
        let f = try score(NDArray<Float>([1, 2, 3]), against: NDArray<Float>([1, 2, 3.5]))
        #expect(f.overall.maxAbsError == 0.5)
    }

    @Test("shape mismatch and invalid options throw")
    func errors() throws {
        #expect(throws: NablaError.self) { try score(NDArray<Double>([1, 2]), against: NDArray<Double>([1, 2, 3])) }
        #expect(throws: NablaError.self) { try score(Self.a, against: Self.b, options: .init(absoluteTolerance: -1)) }
        #expect(throws: NablaError.self) { try score(Self.a, against: Self.b, options: .init(relativeTolerance: .nan)) }
        #expect(throws: NablaError.self) { try score(Self.a, against: Self.b, options: .init(edgeWidth: -1)) }
        #expect(throws: NablaError.self) { try score(Self.a, against: Self.b, grid: Grid(.linspace(0, 1, count: 5))) }
    }

    @Test("vector fields: per component and as a whole")
    func vectorField() throws {
        let b0 = NDArray<Double>([1, 1, 1]), b1 = NDArray<Double>([2, 2, 2])
        let a0 = NDArray<Double>([1, 1.5, 1]), a1 = NDArray<Double>([2, 2, 4])
        let v = try score([a0, a1], against: [b0, b1])
        #expect(v.components.count == 2)
        #expect(v.components[0].overall.maxAbsError == 0.5 && v.components[1].overall.maxAbsError == 2)
        #expect(v.overall.maxAbsError == 2 && v.overall.argmax == [2] && v.overall.argmaxComponent == 1)
        #expect(v.overall.count == 6 && v.overall.mismatched == 2)
        // rel L2 of everything at once: √(0.25 + 4) / √(3 + 12)
        #expect(abs(v.overall.relL2Error - 4.25.squareRoot() / 15.0.squareRoot()) < 1e-15)
        #expect(abs(v.overall.rmsError - (4.25 / 6).squareRoot()) < 1e-15)
        // max rel: 0.5/2.5 = 0.2 (component 0) vs 2/6 = 0.333 (component 1)
        #expect(v.overall.argmaxRelComponent == 1)
        #expect(v.edge.count == 4 && v.interior.count == 2)
        #expect(v.interior.argmaxComponent == 0)
        #expect("\(v)".contains("component 1 [2]"))

        // Against a closure returning every component.
        let grid = Grid(.linspace(0, 2, count: 3))
        let c = try score([a0, a1], against: { _ in [1, 2] }, on: grid)
        #expect(c.overall.maxAbsError == 2 && c.overall.argmaxComponent == 1 && c.overall.argmaxCoordinates == [2])
        #expect(c.overall.relL2Error == v.overall.relL2Error && c.components[0].overall == v.components[0].overall.located(at: [1]))
        #expect(throws: NablaError.self) { try score([a0], against: [b0, b1]) }
    }

    @Test("description: verdict, aligned table, location")
    func description() throws {
        let text = "\(try score(Self.a, against: Self.b))"
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("FAILED: 2 of 4 points outside"))
        #expect(lines[1].hasPrefix("region"))
        #expect(lines[2].hasPrefix("all") && lines[3].hasPrefix("interior") && lines[4].hasPrefix("edge"))
        // Aligned: the columns of the table rows have equal widths.
        #expect(Set(lines[1...4].map(\.count)).count == 1)
        #expect(text.contains("max abs error 2.000e+00 at [3]: computed 4.0, reference 2.0"))
    }
}

extension ErrorStatistics {
    /// The same statistics with grid coordinates `x` at both locations.
    func located(at x: [Double]) -> ErrorStatistics {
        var s = self
        s.argmaxCoordinates = x
        s.argmaxRelCoordinates = x
        return s
    }
}

@Suite("Reports as JSON")
struct ReportJSONTests {
    @Test("FieldScore round trip, snake_case keys, non-finite numbers as strings")
    func fieldScore() throws {
        let s = try score(NDArray<Double>([0, 1, .nan]), against: NDArray<Double>([0, 0, .nan]),
                          grid: Grid(.linspace(0, 1, count: 3)))
        #expect(s.overall.relL2Error == .infinity)
        let text = try VerificationJSON.string(s)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["max_abs_error", "max_rel_error", "rel_l2_error", "rms_error", "argmax", "mismatched",
                    "nan_mismatches", "passed", "interior", "edge", "shape", "options"] {
            #expect(object[key] != nil, "missing key \(key)")
        }
        #expect(object["rel_l2_error"] as? String == "Infinity")
        #expect(object["argmax"] as? [Int] == [1])
        #expect(text.contains("\"argmax_component\" : null"))
        let back = try VerificationJSON.decode(FieldScore.self, from: text)
        #expect(back == s)
    }

    @Test("VectorFieldScore, NamedFieldScores, ConvergenceStudy, gradient reports round trip")
    func others() throws {
        let v = try score([NDArray<Double>([1, 2]), NDArray<Double>([3, 4])], against: [NDArray<Double>([1, 2.5]), NDArray<Double>([3, 4])])
        #expect(try VerificationJSON.decode(VectorFieldScore.self, from: VerificationJSON.string(v)) == v)

        let named = NamedFieldScores([("dVdx", try score(NDArray<Double>([1]), against: NDArray<Double>([2]))),
                                      ("b_c", try score(NDArray<Double>([1]), against: NDArray<Double>([1])))])
        let text = try VerificationJSON.string(named)
        #expect(text.contains("\"dVdx\"") && text.contains("\"b_c\"") && text.contains("\"argmax_array\" : \"dVdx\""))
        let back = try VerificationJSON.decode(NamedFieldScores.self, from: text)
        #expect(back["dVdx"] == named["dVdx"] && back["b_c"] == named["b_c"])
        #expect(back.overall.maxAbsError == 1 && back.names[back.overall.argmaxComponent!] == "dVdx")

        let study = try ConvergenceStudy(steps: [0.1, 0.05], errors: [1e-2, 2.5e-3], expectedOrder: 2)
        #expect(try VerificationJSON.decode(ConvergenceStudy.self, from: VerificationJSON.string(study)) == study)

        let check = try checkGradient(of: { $0[0] * $0[0] }, gradient: { [2 * $0[0]] }, at: [3])
        #expect(try VerificationJSON.decode(GradientCheck.self, from: VerificationJSON.string(check)) == check)
        let verification = try verifyGradient(of: { $0[0] * $0[0] }, gradient: { [2 * $0[0]] }, at: [3])
        #expect(try VerificationJSON.decode(GradientVerification.self, from: VerificationJSON.string(verification)) == verification)
    }
}
