import Nabla
import Testing

@Suite("NDArray")
struct NDArrayTests {
    // MARK: Initialisers

    @Test func initFromShapeAndScalars() throws {
        let a = try NDArray(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a.shape == [2, 3] && a.rank == 2 && a.count == 6 && a.strides == [3, 1])
        #expect(try NDArray<Int>(shape: [0, 4], scalars: []).count == 0)
        #expect(try NDArray(shape: [], scalars: [7]).rank == 0)
    }

    @Test func initRejectsShapeMismatch() {
        let e = thrownError { try NDArray(shape: [2, 3], scalars: [1, 2, 3, 4, 5]) }
        #expect(e == .shapeMismatch(expected: [2, 3], actual: "5 elements"))
        expectNablaError("shapeMismatch", mentioning: ["[2, 3]", "7 elements"]) {
            try NDArray(shape: [2, 3], scalars: Array(repeating: 0.0, count: 7))
        }
        expectNablaError("shapeMismatch", mentioning: ["[]", "0 elements"]) { try NDArray<Double>(shape: [], scalars: []) }
    }

    @Test func initRejectsNegativeShape() {
        expectNablaError("invalidShape", mentioning: ["-1", "negative"]) { try NDArray<Double>(shape: [2, -1], scalars: []) }
        expectNablaError("invalidShape", mentioning: ["-3"]) { try NDArray<Double>(repeating: 0, shape: [-3]) }
        expectNablaError("invalidShape", mentioning: ["-2"]) { try NDArray<Double>.elementCount(of: [0, -2]) }
    }

    @Test func initRejectsOverflowingShape() throws {
        expectNablaError("invalidShape", mentioning: ["\(Int.max)"]) { try NDArray<UInt8>(repeating: 0, shape: [Int.max, 2]) }
        expectNablaError("invalidShape") { try NDArray<Double>(shape: [1 << 32, 1 << 32], scalars: []) }
        expectNablaError("invalidShape") { try NDArray<Double>.elementCount(of: [1 << 21, 1 << 21, 1 << 21]) }
        #expect(try NDArray<Double>.elementCount(of: [1 << 20, 1 << 20, 1 << 20]) == 1 << 60)
        #expect(try NDArray<Double>.elementCount(of: [Int.max, 0]) == 0)
        #expect(try NDArray<Double>.elementCount(of: []) == 1)
    }

    @Test func initRepeatingAndBody() throws {
        let r = try NDArray(repeating: 2.5, shape: [2, 2])
        #expect(r.scalars == [2.5, 2.5, 2.5, 2.5])
        // the body sees multi-indices in row-major order, last axis fastest
        let b = try NDArray<[Int]>(shape: [2, 3]) { $0 }
        #expect(b.scalars == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
        let c = try NDArray<Int>(shape: [2, 3, 4]) { $0[0] * 100 + $0[1] * 10 + $0[2] }
        #expect(c[1, 2, 3] == 123 && c[0, 1, 0] == 10)
        #expect(NDArray(scalar: 3.0).shape == [] && NDArray(scalar: 3.0).scalars == [3])
        #expect(NDArray([1, 2, 3]).shape == [3])
    }

    @Test func nestedArrayInits() throws {
        let m = try NDArray<Int>([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3] && m.scalars == [1, 2, 3, 4, 5, 6])
        let t = try NDArray<Int>([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]])
        #expect(t.shape == [2, 3, 2] && t.scalars == Array(1...12))
        #expect(t[1, 2, 0] == 11)
        #expect(try NDArray<Double>([[Double]]()).shape == [0, 0])
        #expect(try NDArray<Double>([[Double](), []]).shape == [2, 0])
        expectNablaError("shapeMismatch", mentioning: ["row 1", "2 elements"]) { try NDArray<Int>([[1, 2, 3], [4, 5]]) }
        expectNablaError("shapeMismatch", mentioning: ["plane 1", "1 rows"]) { try NDArray<Int>([[[1], [2]], [[3]]]) }
        expectNablaError("shapeMismatch", mentioning: ["row 1 of plane 0"]) { try NDArray<Int>([[[1, 2], [3]], [[4, 5], [6, 7]]]) }
    }

    // MARK: Indexing

    @Test func subscripts() throws {
        var a = try NDArray<Int>(shape: [3, 4]) { $0[0] * 4 + $0[1] }
        #expect(a[2, 3] == 11 && a[[1, 2]] == 6 && a[0, 0] == 0)
        a[1, 1] = -5
        a[[2, 0]] = -8
        #expect(a.scalars[5] == -5 && a.scalars[8] == -8)
        #expect(a.flatOffset([2, 1]) == 9)
        for k in 0..<a.count {
            #expect(a.flatOffset(a.multiIndex(ofFlatOffset: k)) == k)
        }
        #expect(a.multiIndex(ofFlatOffset: 7) == [1, 3])
        var z = NDArray(scalar: 1.5)
        #expect(z[[]] == 1.5)
        z[[]] = 2
        #expect(z.scalars == [2])
        let s = try NDArray<Int>(shape: [2, 3, 4, 5]) { $0.reduce(0) { $0 * 10 + $1 } }
        #expect(s.strides == [60, 20, 5, 1])
        #expect(s[1, 2, 3, 4] == 1234 && s.multiIndex(ofFlatOffset: 119) == [1, 2, 3, 4])
    }

    // MARK: Reshape and transpose

    @Test func reshape() throws {
        let a = try NDArray(shape: [2, 3], scalars: Array(0..<6))
        let b = try a.reshaped([3, 2])
        #expect(b.shape == [3, 2] && b.scalars == a.scalars && b[2, 1] == 5 && b[1, 0] == 2)
        #expect(try a.reshaped([6]).shape == [6])
        #expect(try a.reshaped([1, 6, 1]).shape == [1, 6, 1])
        #expect(try NDArray([4.0]).reshaped([]).shape == [])
        expectNablaError("shapeMismatch", mentioning: ["[4, 2]", "6 elements"]) { try a.reshaped([4, 2]) }
        expectNablaError("invalidShape", mentioning: ["-6"]) { try a.reshaped([-1, -6]) }
        #expect(a.shape == [2, 3])
    }

    @Test func transposeTwoD() throws {
        let a = try NDArray<Int>([[1, 2, 3], [4, 5, 6]])
        #expect(try a.transposed() == NDArray<Int>([[1, 4], [2, 5], [3, 6]]))
        #expect(try a.transposed([1, 0]) == a.transposed())
        #expect(try a.transposed([0, 1]) == a)
    }

    @Test func transposeThreeD() throws {
        // a[i, j, k] = 100 i + 10 j + k, shape [2, 3, 4]; numpy: a.transpose(2, 0, 1)[k, i, j] == a[i, j, k]
        let a = try NDArray<Int>(shape: [2, 3, 4]) { 100 * $0[0] + 10 * $0[1] + $0[2] }
        let t = try a.transposed([2, 0, 1])
        #expect(t.shape == [4, 2, 3])
        // np.arange-free hand computation of the first rows of a.transpose(2, 0, 1)
        #expect(Array(t.scalars[0..<6]) == [0, 10, 20, 100, 110, 120])
        #expect(Array(t.scalars[6..<12]) == [1, 11, 21, 101, 111, 121])
        #expect(Array(t.scalars[18..<24]) == [3, 13, 23, 103, 113, 123])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(t[k, i, j] == a[i, j, k]) } } }
        // default: reversed axes; transposing back restores the array
        let r = try a.transposed()
        #expect(r.shape == [4, 3, 2] && r[3, 2, 1] == 123 && r[1, 0, 1] == 101)
        #expect(try t.transposed([1, 2, 0]) == a)
        #expect(try r.transposed() == a)
        // empty arrays keep the permuted shape
        #expect(try NDArray<Double>(shape: [0, 3], scalars: []).transposed().shape == [3, 0])
    }

    @Test func transposeRejectsBadPermutations() throws {
        let a = try NDArray(shape: [2, 3], scalars: Array(0..<6))
        expectNablaError("invalidArgument", mentioning: ["[0, 0]"]) { try a.transposed([0, 0]) }
        expectNablaError("invalidArgument", mentioning: ["[0]"]) { try a.transposed([0]) }
        expectNablaError("invalidArgument", mentioning: ["[0, 2]"]) { try a.transposed([0, 2]) }
    }

    // MARK: Value semantics

    @Test func mutatingACopyNeverChangesTheOriginal() throws {
        let original = try NDArray(shape: [2, 2], scalars: [1.0, 2, 3, 4])
        var copy = original
        copy[0, 0] = 99
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(copy.scalars == [99, 2, 3, 4])

        var copy2 = original
        copy2.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = -1 }
        }
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(copy2.scalars == [-1, -1, -1, -1])

        // a function receiving the array cannot change the caller's (the aliasing bug of seeds/002)
        func perturb(_ x: NDArray<Double>) -> NDArray<Double> {
            var x = x
            x[1, 1] += 1e-6
            return x
        }
        let p = perturb(original)
        #expect(original[1, 1] == 4 && p[1, 1] == 4 + 1e-6)

        // derived arrays are independent too
        var reshaped = try original.reshaped([4])
        reshaped[[0]] = 7
        var transposed = try original.transposed()
        transposed[0, 1] = 8
        #expect(original.scalars == [1, 2, 3, 4])
    }

    @Test func gradientLeavesItsInputUnchanged() throws {
        let f = try NDArray<Float>(shape: [3, 4]) { Float($0[0] * $0[0] + 2 * $0[1]) }
        let before = f
        var results = try gradient(of: f, spacing: [.coordinates([0, 1, 3]), 0.5], edgeOrder: 2)
        results[0][0, 0] = 123
        #expect(f == before)
        let again = try gradient(of: f, spacing: [.coordinates([0, 1, 3]), 0.5], edgeOrder: 2)
        #expect(again[0][0, 0] != 123)
    }

    // MARK: Conversions and conformances

    @Test func mapAndConversions() throws {
        let i = try NDArray<Int8>(shape: [2, 2], scalars: [-128, 127, 0, 5])
        #expect(i.converted() == (try NDArray<Double>(shape: [2, 2], scalars: [-128, 127, 0, 5])))
        let u = NDArray<UInt64>([.max])
        #expect(u.converted().scalars == [18446744073709551616.0])
        let d = NDArray<Double>([0.1, 1e40, -2.5])
        let f: NDArray<Float> = d.converted()
        #expect(f.scalars == [Float(0.1), .infinity, -2.5])
        #expect(d.map { $0 < 0 } == NDArray([false, false, true]))
        #expect(d.map { $0 * 2 }.shape == [3])
    }

    @Test func equatableHashableDescription() throws {
        let a = try NDArray(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = try NDArray(shape: [4], scalars: [1, 2, 3, 4])
        #expect(a != b, "the same elements with another shape are a different array")
        #expect(a == (try b.reshaped([2, 2])))
        #expect(Set([a, try b.reshaped([2, 2]), b]).count == 2)
        #expect(a.description == "NDArray(shape: [2, 2], [1, 2, 3, 4])")
        let big = NDArray(Array(0..<100))
        #expect(big.description.hasPrefix("NDArray(shape: [100], [0, 1, 2, 3, 4, 5, 6, 7, …"))
    }
}
