import Foundation
@testable import Nabla
import Testing

/// numpy's non-uniform scheme with its weights computed on each row from the steps (`NumpySteps`): the
/// same bits as a plain scalar evaluation of numpy's expressions, whatever the axis, the length (SIMD
/// tails), the precision, the slab size, and when negated and accumulated (curl).
@Suite("numpy's non-uniform weights computed from the steps")
struct NumpyStepsTests {
    /// numpy.gradient along one line, written out as numpy writes it: steps and weights in the
    /// coordinates' type `S`, the sums in `W` (the promoted type of the data and the coordinates), left to
    /// right, rounded to the data's type `T`.
    static func reference<T: BinaryFloatingPoint, S: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        _ f: [T], x: [S], edgeOrder: Int, sumsIn _: W.Type
    ) -> [T] {
        let n = f.count
        let dx = (0..<(n - 1)).map { x[$0 + 1] - x[$0] }
        func sum(_ a: S, _ b: S, _ c: S, _ i: Int, _ j: Int, _ k: Int) -> T {
            T((W(a) * W(f[i]) + W(b) * W(f[j])) + W(c) * W(f[k]))
        }
        var out = [T](repeating: 0, count: n)
        for i in 1..<(n - 1) {
            let dx1 = dx[i - 1], dx2 = dx[i]
            let a = -(dx2) / (dx1 * (dx1 + dx2))
            let b = (dx2 - dx1) / (dx1 * dx2)
            let c = dx1 / (dx2 * (dx1 + dx2))
            out[i] = sum(a, b, c, i - 1, i, i + 1)
        }
        if edgeOrder == 1 {
            out[0] = T(W(f[1] - f[0]) / W(dx[0]))
            out[n - 1] = T(W(f[n - 1] - f[n - 2]) / W(dx[n - 2]))
        } else {
            var dx1 = dx[0], dx2 = dx[1]
            out[0] = sum(-(2 * dx1 + dx2) / (dx1 * (dx1 + dx2)), (dx1 + dx2) / (dx1 * dx2), -dx1 / (dx2 * (dx1 + dx2)), 0, 1, 2)
            dx1 = dx[n - 3]; dx2 = dx[n - 2]
            out[n - 1] = sum(dx2 / (dx1 * (dx1 + dx2)), -(dx2 + dx1) / (dx1 * dx2), (2 * dx2 + dx1) / (dx2 * (dx1 + dx2)),
                             n - 3, n - 2, n - 1)
        }
        return out
    }

    /// `line` applied to every line of `f` along `axis`.
    static func alongAxis<T: FieldScalar>(_ f: NDArray<T>, _ axis: Int, _ line: ([T]) -> [T]) -> NDArray<T> {
        let n = f.shape[axis], inner = f.shape[(axis + 1)...].reduce(1, *), outer = f.shape[..<axis].reduce(1, *)
        var out = f.scalars
        for o in 0..<outer {
            for j in 0..<inner {
                let indices = (0..<n).map { (o * n + $0) * inner + j }
                for (index, value) in zip(indices, line(indices.map { f.scalars[$0] })) { out[index] = value }
            }
        }
        return try! NDArray(shape: f.shape, scalars: out)
    }

    /// Strictly increasing, nowhere evenly spaced.
    static func coordinates(_ n: Int, phase: Double = 0) -> [Double] {
        (0..<n).map { i -> Double in
            let t = Double(i)
            return t * 0.1 + 0.03 * sin(1.7 * t + phase)
        }
    }

    static func field<T: FieldScalar>(_ type: T.Type, shape: [Int], seed: UInt64 = 1) -> NDArray<T> {
        var rng = SplitMix64(seed: seed)
        let values = (0..<shape.reduce(1, *)).map { _ -> T in
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            return T(u * 4 - 2)
        }
        return try! NDArray(shape: shape, scalars: values)
    }

    /// The expected gradient along `axis` for coordinates `x` given as `Double` (`float: false`) or `Float`.
    static func expected<T: FieldScalar>(_ f: NDArray<T>, axis: Int, x: [Double], float: Bool, edgeOrder: Int) -> NDArray<T> {
        alongAxis(f, axis) { line in
            switch (float, T.self == Float.self) {
            case (false, _): reference(line, x: x, edgeOrder: edgeOrder, sumsIn: Double.self)
            case (true, true): reference(line, x: x.map { Float($0) }, edgeOrder: edgeOrder, sumsIn: Float.self)
            // Float coordinates with Double (or Float16) data: float32 weights, sums in Double.
            case (true, false): reference(line, x: x.map { Float($0) }, edgeOrder: edgeOrder, sumsIn: Double.self)
            }
        }
    }

    static func spacing(_ x: [Double], float: Bool) -> Spacing {
        float ? .floatCoordinates(x.map { Float($0) }) : .coordinates(x)
    }

    static let lengths = Array(3...13) + [15, 16, 17, 31, 33, 64, 65, 127, 1000, 1001, 4099]

    func checkLine<T: FieldScalar>(_: T.Type) throws {
        for n in Self.lengths {
            let f = Self.field(T.self, shape: [n], seed: UInt64(n))
            let x = Self.coordinates(n)
            for float in [false, true] {
                for edgeOrder in n >= 3 ? [1, 2] : [1] {
                    let got = try gradient(of: f, spacing: [Self.spacing(x, float: float)], edgeOrder: edgeOrder)[0]
                    expectBitwise(got, Self.expected(f, axis: 0, x: x, float: float, edgeOrder: edgeOrder),
                                  "\(T.self) n=\(n) float coordinates: \(float), edge order \(edgeOrder)")
                }
            }
        }
    }

    @Test("1-D, n = 3…4099 (every SIMD tail), Double data, Double and Float coordinates, edge orders 1 and 2")
    func lineDouble() throws { try checkLine(Double.self) }

    @Test("1-D, n = 3…4099, Float data, Double and Float coordinates, edge orders 1 and 2")
    func lineFloat() throws { try checkLine(Float.self) }

    @Test("1-D, Float16 data (sums in Double, scalar loop)")
    func lineHalf() throws { try checkLine(Float16.self) }

    func checkAxes<T: FieldScalar>(_: T.Type) throws {
        // [12, 5, 2]: axis 1 has rows of 2 elements (the paired loop of complex data); its last axis is
        // too short for coordinates and is left out.
        for shape in [[7, 9], [9, 7, 5], [5, 6, 33], [12, 5, 2]] {
            let f = Self.field(T.self, shape: shape, seed: UInt64(shape.reduce(3, *)))
            let xs = shape.indices.map { Self.coordinates(shape[$0], phase: Double($0)) }
            for float in [false, true] {
                for edgeOrder in [1, 2] {
                    // One axis at a time (rows of `inner` elements, or the contiguous last axis) …
                    for axis in shape.indices where shape[axis] >= 3 {
                        let got = try gradient(of: f, spacing: [Self.spacing(xs[axis], float: float)], axes: [axis],
                                               edgeOrder: edgeOrder)[0]
                        expectBitwise(got, Self.expected(f, axis: axis, x: xs[axis], float: float, edgeOrder: edgeOrder),
                                      "\(T.self) \(shape) axis \(axis) float: \(float) edge order \(edgeOrder)")
                    }
                    // … and every axis in one call (the fused pass when axis 0 is long enough).
                    let selected = shape.indices.filter { shape[$0] >= 3 }
                    let all = try gradient(of: f, spacing: selected.map { Self.spacing(xs[$0], float: float) }, axes: selected,
                                           edgeOrder: edgeOrder)
                    for (position, axis) in selected.enumerated() {
                        expectBitwise(all[position], Self.expected(f, axis: axis, x: xs[axis], float: float, edgeOrder: edgeOrder),
                                      "\(T.self) \(shape) all axes, axis \(axis) float: \(float) edge order \(edgeOrder)")
                    }
                }
            }
        }
    }

    @Test("axes 0, 1 and last of 2-D and 3-D arrays, one at a time and all at once (Double)")
    func axesDouble() throws { try checkAxes(Double.self) }

    @Test("axes 0, 1 and last of 2-D and 3-D arrays, one at a time and all at once (Float)")
    func axesFloat() throws { try checkAxes(Float.self) }

    func checkCurl<T: FieldScalar>(_: T.Type) throws {
        // Negated weights, accumulated into the first partial: the curl's second term.
        for shape in [[6, 37], [5, 4, 19]] {
            let F = (0..<shape.count).map { Self.field(T.self, shape: shape, seed: UInt64(20 + $0)) }
            let xs = shape.indices.map { Self.coordinates(shape[$0], phase: 0.5 * Double($0)) }
            for float in [false, true] {
                let curl = try Nabla.curl(of: F, spacing: xs.map { Self.spacing($0, float: float) })
                let pairs = shape.count == 3 ? [(2, 1), (0, 2), (1, 0)] : [(1, 0)]
                for (c, (a, b)) in pairs.enumerated() {
                    let first = Self.expected(F[a], axis: b, x: xs[b], float: float, edgeOrder: 1)
                    let second = Self.expected(F[b], axis: a, x: xs[a], float: float, edgeOrder: 1)
                    let want = try NDArray(shape: shape, scalars: zip(first.scalars, second.scalars).map { $0 - $1 })
                    expectBitwise(curl[c], want, "\(T.self) \(shape) curl component \(c) float: \(float)")
                }
            }
        }
    }

    @Test("curl: negated weights, accumulated (Double and Float)")
    func curl() throws {
        try checkCurl(Double.self)
        try checkCurl(Float.self)
    }

    func checkNegatedAccumulated<T: FieldScalar>(_: T.Type) throws {
        // Along a contiguous axis of one line the weights are computed in SIMD registers; negated and
        // added to an output (what curl does off this path) they must give `g - ∂f/∂x` to the bit.
        for n in Self.lengths {
            let f = Self.field(T.self, shape: [n], seed: UInt64(n)), g = Self.field(T.self, shape: [n], seed: UInt64(n + 1))
            let x = Self.coordinates(n)
            for float in [false, true] {
                let plan = try DifferencePlan(shape: [n], spacing: [Self.spacing(x, float: float)], axes: nil, edgeOrder: 2,
                                              accuracy: nil, derivatives: nil, derivative: 1, periodicAxes: [])
                let stencil: BuiltStencil<T> = plan.stencil(at: 0)
                var out = g
                out.apply(stencil.negated, along: 0, from: f, accumulate: true)
                let d = Self.expected(f, axis: 0, x: x, float: float, edgeOrder: 2)
                expectBitwise(out, try NDArray(shape: [n], scalars: zip(g.scalars, d.scalars).map { $0 - $1 }),
                              "\(T.self) n=\(n) float coordinates: \(float)")
            }
        }
    }

    @Test("negated and accumulated along one line (Double and Float)")
    func negatedAccumulated() throws {
        try checkNegatedAccumulated(Double.self)
        try checkNegatedAccumulated(Float.self)
    }

    @Test("slabs of every size along axis 0 give the whole array's bits (1-D and 2-D, Double and Float)")
    func slabs() throws {
        for shape in [[41], [29, 5]] {
            let x = Self.coordinates(shape[0])
            for float in [false, true] {
                for edgeOrder in [1, 2] {
                    let spacing = [Self.spacing(x, float: float)] + Array(repeating: Spacing.uniform(0.5), count: shape.count - 1)
                    let op = SlabbedOperation(.gradient(axes: nil, derivative: 1), spacing: spacing, edgeOrder: edgeOrder)
                    let f = Self.field(Double.self, shape: shape)
                    let expected = try gradient(of: f, spacing: spacing, edgeOrder: edgeOrder)
                    expectBitwise(expected[0], Self.expected(f, axis: 0, x: x, float: float, edgeOrder: edgeOrder))
                    try SlabEngineTests.check(op, [f], expected: expected)
                    let g = Self.field(Float.self, shape: shape)
                    let expectedFloat = try gradient(of: g, spacing: spacing, edgeOrder: edgeOrder)
                    expectBitwise(expectedFloat[0], Self.expected(g, axis: 0, x: x, float: float, edgeOrder: edgeOrder))
                    try SlabEngineTests.check(op, [g], expected: expectedFloat)
                }
            }
        }
    }

    @Test("the stencil keeps the steps (shared, no copy) and no per-row weight table")
    func noTable() throws {
        let x = Self.coordinates(5000)
        let plan = try DifferencePlan(shape: [5000], spacing: [.coordinates(x)], axes: nil, edgeOrder: nil, accuracy: nil,
                                      derivatives: nil, derivative: 1, periodicAxes: [])
        let stencil: BuiltStencil<Double> = plan.stencil(at: 0)
        guard case let .inDouble(s) = stencil, case let .numpySteps(steps) = s.interior, case let .double(dx) = steps.values,
              case let .steps(resolved, _) = plan.spacings[0] else {
            Issue.record("expected numpy's steps interior, got \(stencil)")
            return
        }
        #expect(dx.count == 4999 && s.perRowWeightCount == 0)
        #expect(dx.sharesStorage(with: resolved))
        // Fornberg's non-uniform stencils still have their table.
        let fornberg = try DifferencePlan(shape: [5000], spacing: [.coordinates(x)], axes: nil, edgeOrder: nil, accuracy: 4,
                                          derivatives: nil, derivative: 1, periodicAxes: [])
        guard case let .inDouble(t) = fornberg.stencil(at: 0) as BuiltStencil<Double> else { Issue.record("not inDouble"); return }
        #expect(t.perRowWeightCount > 0 && t.perRowWeightCount % 5000 == 0)
    }
}
