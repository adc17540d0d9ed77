import Nabla
import Testing

/// Equivalents of numpy's own `TestGradient` (numpy/lib/tests/test_function_base.py, numpy 2.4), test by
/// test. Not translated: `test_datetime64`, `test_timedelta64` and `test_masked` (types outside Nabla's scope).
@Suite("numpy TestGradient equivalents")
struct NumpyTestGradientTests {
    // v = [[1, 1], [3, 4]]; dx = [[[2, 3], [2, 3]], [[0, 0], [1, 1]]]
    static let v: [[Int]] = [[1, 1], [3, 4]]
    static let dx: [NDArray<Double>] = [
        try! NDArray<Double>([[2.0, 3.0], [2.0, 3.0]]),
        try! NDArray<Double>([[0.0, 0.0], [1.0, 1.0]]),
    ]

    typealias UnsignedType = any (FixedWidthInteger & UnsignedInteger & Sendable).Type
    typealias SignedType = any (FixedWidthInteger & SignedInteger & Sendable).Type
    static let unsignedTypes: [UnsignedType] = [UInt8.self, UInt16.self, UInt32.self, UInt64.self]
    static let signedTypes: [SignedType] = [Int8.self, Int16.self, Int32.self, Int64.self]

    @Test func basic() throws {
        let x = try NDArray<Int>(Self.v)
        let g = try gradient(of: x)
        #expect(g == Self.dx)
        // numpy's gradient(v) on the nested list: the same values.
        let gd = try gradient(of: try NDArray<Double>(Self.v.map { $0.map(Double.init) }))
        #expect(gd == Self.dx)
    }

    @Test func args() throws {
        let dx: [Double] = [1, 2, 3, 4, 5]                     // np.cumsum(np.ones(5))
        let dxUneven: [Double] = [1, 2, 5, 9, 11]
        let f2d = try NDArray(shape: [5, 5], scalars: Array(0..<25))  // np.arange(25).reshape(5, 5)
        let arange5 = NDArray(Array(0..<5))

        // distances must be scalars or have size equal to gradient[axis]
        #expect(try gradient(of: arange5, spacing: [3.0]) == [NDArray([Double](repeating: 1.0 / 3.0, count: 5))])
        #expect(try gradient(of: arange5, spacing: [.coordinates(dx)]) == [NDArray([Double](repeating: 1, count: 5))])
        // dy is set equal to dx because scalar
        let g15 = try gradient(of: f2d, spacing: [1.5])
        #expect(g15.count == 2)
        #expect(g15[0].scalars.allSatisfy { $0 == 5 / 1.5 })
        #expect(g15[1].scalars.allSatisfy { $0 == 1 / 1.5 })

        let uneven = try gradient(of: f2d, spacing: [.coordinates(dxUneven), .coordinates(dxUneven)])
        #expect(uneven.map(\.shape) == [[5, 5], [5, 5]])
        // mix between even and uneven spaces and between scalar and vector
        let mixed = try gradient(of: f2d, spacing: [.coordinates(dx), 2])
        #expect(mixed[0].scalars.allSatisfy { $0 == 5 })
        #expect(mixed[1].scalars.allSatisfy { $0 == 0.5 })
        // 2D but axis specified
        let alongOne = try gradient(of: f2d, spacing: [.coordinates(dx)], axes: [1])
        #expect(alongOne.count == 1 && alongOne[0].scalars.allSatisfy { $0 == 1 })
        // "2d coordinate arguments are not yet allowed": Spacing.coordinates is 1-D by its type.
    }

    @Test func badargs() throws {
        let f2d = try NDArray(shape: [5, 5], scalars: Array(0..<25))
        let x: Spacing = .coordinates([1, 2, 3, 4, 5])
        let ones2: Spacing = .coordinates([1, 1])
        // wrong sizes (ValueError)
        expectNablaError("invalidSpacing", mentioning: ["2 elements"]) { try gradient(of: f2d, spacing: [x, ones2]) }
        expectNablaError("invalidSpacing", mentioning: ["2 elements"]) { try gradient(of: f2d, spacing: [1, ones2]) }
        expectNablaError("invalidSpacing", mentioning: ["2 elements"]) { try gradient(of: f2d, spacing: [ones2, ones2]) }
        // wrong number of arguments (TypeError)
        expectNablaError("invalidSpacing") { try gradient(of: f2d, spacing: [x]) }
        expectNablaError("invalidSpacing") { try gradient(of: f2d, spacing: [x], axes: [0, 1]) }
        expectNablaError("invalidSpacing", mentioning: ["3"]) { try gradient(of: f2d, spacing: [x, x, x]) }
        expectNablaError("invalidSpacing", mentioning: ["3"]) { try gradient(of: f2d, spacing: [1, 1, 1]) }
        expectNablaError("invalidSpacing", mentioning: ["2"]) { try gradient(of: f2d, spacing: [x, x], axes: [1]) }
        expectNablaError("invalidSpacing", mentioning: ["2"]) { try gradient(of: f2d, spacing: [1, 1], axes: [1]) }
    }

    /// 2x³ + 4x² + 2x with edge order 2: relative error < 3% everywhere, uniform and random grids.
    @Test(arguments: [false, true])
    func secondOrderAccurate(random: Bool) throws {
        try checkSecondOrderAccurate(Double.self, random: random)
        try checkSecondOrderAccurate(Float.self, random: random)
    }

    private func checkSecondOrderAccurate<T: FieldScalar>(_: T.Type, random: Bool) throws {
        let x: [Double]
        let spacing: Spacing
        if random {
            // np.sort(np.random.default_rng(0).random(10)), copied from numpy 2.4
            x = [0.016527635528529094, 0.04097352393619469, 0.2697867137638703, 0.5436249914654229,
                 0.6066357757671799, 0.6369616873214543, 0.7294965609839984, 0.8132702392002724,
                 0.9127555772777217, 0.9350724237877682]
            spacing = .coordinates(x)
        } else {
            x = (0..<10).map { Double($0) / 9 }   // np.linspace(0, 1, 10)
            spacing = .uniform(x[1] - x[0])
        }
        let y = NDArray(x.map { T(2 * $0 * $0 * $0 + 4 * $0 * $0 + 2 * $0) })
        let analytical = x.map { 6 * $0 * $0 + 8 * $0 + 2 }
        let g = try gradient(of: y, spacing: [spacing], edgeOrder: 2)[0]
        for i in 0..<x.count {
            let error = abs(Double(g.scalars[i]) / analytical[i] - 1)
            #expect(error < 0.03, "\(T.self) x = \(x[i]): relative error \(error)")
        }
    }

    @Test func spacing() throws {
        // f = np.tile(f, (6, 1)) + f.reshape(-1, 1) with f = [0, 2, 3, 4, 5, 5]
        let f0: [Double] = [0, 2, 3, 4, 5, 5]
        let f = try NDArray(shape: [6, 6]) { i in f0[i[1]] + f0[i[0]] }
        let xUneven: Spacing = .coordinates([0, 0.5, 1, 3, 5, 7])
        let xEven: Spacing = .coordinates([0, 1, 2, 3, 4, 5])
        func tiled(_ row: [Double]) throws -> NDArray<Double> { try NDArray<Double>(Array(repeating: row, count: 6)) }
        let fdxEvenOrd1 = try tiled([2, 1.5, 1, 1, 0.5, 0])
        let fdxEvenOrd2 = try tiled([2.5, 1.5, 1, 1, 0.5, -0.5])
        let fdxUnevenOrd1 = try tiled([4, 3, 1.7, 0.5, 0.25, 0])
        let fdxUnevenOrd2 = try tiled([5, 3, 1.7, 0.5, 0.25, -0.25])

        // evenly spaced
        for (edgeOrder, expected) in [(1, fdxEvenOrd1), (2, fdxEvenOrd2)] {
            let res1 = try gradient(of: f, spacing: [1.0], axes: [0, 1], edgeOrder: edgeOrder)
            let res2 = try gradient(of: f, spacing: [xEven, xEven], axes: [0, 1], edgeOrder: edgeOrder)
            let res3 = try gradient(of: f, spacing: [xEven, xEven], axes: nil, edgeOrder: edgeOrder)
            for k in 0..<2 {
                expectBitwise(res1[k], res2[k], "scalar vs even coordinates, axis \(k)")
                expectBitwise(res2[k], res3[k], "axes [0, 1] vs nil, axis \(k)")
            }
            expectAlmostEqual(res1[0], try expected.transposed())
            expectAlmostEqual(res1[1], expected)

            var a = try derivative(of: f, along: 0, spacing: 1.0, edgeOrder: edgeOrder)
            var b = try derivative(of: f, along: 0, spacing: xEven, edgeOrder: edgeOrder)
            #expect(a.shape == b.shape)
            expectAlmostEqual(b, try expected.transposed())

            a = try derivative(of: f, along: 1, spacing: 1.0, edgeOrder: edgeOrder)
            b = try derivative(of: f, along: 1, spacing: xEven, edgeOrder: edgeOrder)
            #expect(a.shape == b.shape)
            #expect(b == expected)
        }

        // unevenly spaced
        for (edgeOrder, expected) in [(1, fdxUnevenOrd1), (2, fdxUnevenOrd2)] {
            let res1 = try gradient(of: f, spacing: [xUneven, xUneven], axes: [0, 1], edgeOrder: edgeOrder)
            let res2 = try gradient(of: f, spacing: [xUneven, xUneven], edgeOrder: edgeOrder)
            #expect(res1 == res2)
            expectAlmostEqual(res1[0], try expected.transposed())
            expectAlmostEqual(res1[1], expected)
            expectAlmostEqual(try derivative(of: f, along: 0, spacing: xUneven, edgeOrder: edgeOrder), try expected.transposed())
            expectAlmostEqual(try derivative(of: f, along: 1, spacing: xUneven, edgeOrder: edgeOrder), expected)
        }

        // mixed
        for (edgeOrder, even, uneven) in [(1, fdxEvenOrd1, fdxUnevenOrd1), (2, fdxEvenOrd2, fdxUnevenOrd2)] {
            let res1 = try gradient(of: f, spacing: [xEven, xUneven], axes: [0, 1], edgeOrder: edgeOrder)
            let res2 = try gradient(of: f, spacing: [xUneven, xEven], axes: [1, 0], edgeOrder: edgeOrder)
            #expect(res1[0] == res2[1])
            #expect(res1[1] == res2[0])
            expectAlmostEqual(res1[0], try even.transposed())
            expectAlmostEqual(res1[1], uneven)
        }
    }

    @Test func specificAxes() throws {
        let x = try NDArray<Int>(Self.v)
        let dx = Self.dx
        #expect(try gradient(of: x, axes: [0]) == [dx[0]])
        #expect(try gradient(of: x, axes: [1]) == [dx[1]])
        #expect(try gradient(of: x, axes: [-1]) == [dx[1]])
        #expect(try gradient(of: x, axes: [1, 0]) == [dx[1], dx[0]])
        #expect(try gradient(of: x, axes: nil) == [dx[0], dx[1]])
        #expect(try gradient(of: x, axes: nil) == (try gradient(of: x)))
        let xd = x.converted()
        #expect(try derivative(of: xd, along: 0) == dx[0])
        #expect(try derivative(of: xd, along: -1) == dx[1])

        // vararg order
        #expect(try gradient(of: x, spacing: [2, 3], axes: [1, 0]) == [dx[1].map { $0 / 2 }, dx[0].map { $0 / 3 }])
        // maximal number of varargs
        expectNablaError("invalidSpacing") { try gradient(of: x, spacing: [1, 2], axes: [1]) }
        // AxisError
        expectNablaError("invalidAxis", mentioning: ["3"]) { try gradient(of: x, axes: [3]) }
        expectNablaError("invalidAxis", mentioning: ["-3"]) { try gradient(of: x, axes: [-3]) }
    }

    @Test func inexactDtypes() throws {
        // dtypes are not promoted differently from np.diff: every float type keeps its type.
        let h: [NDArray<Float16>] = try gradient(of: NDArray<Float16>([1, 2, 3]))
        let s: [NDArray<Float>] = try gradient(of: NDArray<Float>([1, 2, 3]))
        let d: [NDArray<Double>] = try gradient(of: NDArray<Double>([1, 2, 3]))
        #expect(h == [NDArray<Float16>([1, 1, 1])])
        #expect(s == [NDArray<Float>([1, 1, 1])])
        #expect(d == [NDArray<Double>([1, 1, 1])])
        #expect(type(of: try derivative(of: NDArray<Float16>([1, 2, 3]), along: 0)) == NDArray<Float16>.self)
        #expect(type(of: try gradient(of: NDArray<Int8>([1, 2, 3]))) == [NDArray<Double>].self)
    }

    @Test func values() throws {
        // needs at least 2 points for edge order 1, 3 for edge order 2
        _ = try gradient(of: NDArray(Array(0..<2)), edgeOrder: 1)
        _ = try gradient(of: NDArray(Array(0..<3)), edgeOrder: 2)
        expectNablaError("axisTooShort") { try gradient(of: NDArray([Int]()), edgeOrder: 1) }
        expectNablaError("axisTooShort") { try gradient(of: NDArray([Int]()), edgeOrder: 2) }
        expectNablaError("axisTooShort") { try gradient(of: NDArray(Array(0..<1)), edgeOrder: 1) }
        expectNablaError("axisTooShort") { try gradient(of: NDArray(Array(0..<1)), edgeOrder: 2) }
        expectNablaError("axisTooShort") { try gradient(of: NDArray(Array(0..<2)), edgeOrder: 2) }
    }

    @Test(arguments: unsignedTypes)
    func fDecreasingUnsignedInt(type: UnsignedType) throws {
        func check<U: FixedWidthInteger & Sendable>(_: U.Type) throws {
            let f = NDArray<U>([5, 4, 3, 2, 1])
            #expect(try gradient(of: f) == [NDArray<Double>([-1, -1, -1, -1, -1])])
        }
        try check(type)
    }

    @Test(arguments: signedTypes)
    func fSignedIntBigJump(type: SignedType) throws {
        func check<I: FixedWidthInteger & Sendable>(_: I.Type) throws {
            let maxint = I.max
            let x: Spacing = .coordinates([1, 3])           // np.array([1, 3]), converted to float64
            let f = NDArray<I>([-1, maxint])
            let expected = Double(maxint / 2 + 1)           // (maxint + 1) // 2
            #expect(try gradient(of: f, spacing: [x]) == [NDArray([expected, expected])])
        }
        try check(type)
    }

    @Test(arguments: unsignedTypes)
    func xDecreasingUnsigned(type: UnsignedType) throws {
        func check<U: FixedWidthInteger>(_: U.Type) throws {
            let x: [U] = [3, 2, 1]
            let f = NDArray<Int>([0, 2, 4])
            // numpy converts integer coordinates to float64 before np.diff, so there is no wrap-around
            #expect(try gradient(of: f, spacing: [.coordinates(x.map { Double($0) })]) == [NDArray<Double>([-2, -2, -2])])
        }
        try check(type)
    }

    @Test(arguments: signedTypes)
    func xSignedIntBigJump(type: SignedType) throws {
        func check<I: FixedWidthInteger>(_: I.Type) throws {
            let x: [I] = [-1, I.max]
            let f = NDArray<Int64>([Int64(I.min) / 2, 0])   // minint // 2 (minint is even)
            #expect(try gradient(of: f, spacing: [.coordinates(x.map { Double($0) })]) == [NDArray<Double>([0.5, 0.5])])
        }
        try check(type)
    }

    @Test func returnType() throws {
        // np.gradient(([1, 2], [2, 3])) is a tuple, one array per axis: Nabla returns an array of arrays;
        // a single axis has its own function returning one array.
        let res = try gradient(of: try NDArray<Int>([[1, 2], [2, 3]]))
        #expect(res.count == 2)
        #expect(res == [try NDArray<Double>([[1.0, 1.0], [1.0, 1.0]]), try NDArray<Double>([[1.0, 1.0], [1.0, 1.0]])])
        let one: NDArray<Double> = try derivative(of: NDArray<Double>([1, 2, 4]), along: 0)
        #expect(one == NDArray([1, 1.5, 2]))
    }
}
