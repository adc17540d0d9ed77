import Nabla
import Testing

/// The measuring tools of the suite are checked too: a comparison that always passed would hide everything.
@Suite("Test support")
struct TestSupportTests {
    @Test func ulpDistances() {
        #expect(ulpDistance(1.0, 1.0.nextUp) == 1)
        #expect(ulpDistance(1.0, 1.0.nextDown) == 1)
        #expect(ulpDistance(1.0, 1.0) == 0)
        #expect(ulpDistance(0.0, -0.0) == 0 && !bitwiseEqual(0.0, -0.0))
        #expect(ulpDistance(Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude) == 2)
        #expect(ulpDistance(Float(2).nextUp.nextUp, Float(2)) == 2)
        #expect(ulpDistance(Float16(1), Float16(1).nextUp) == 1)
        #expect(ulpDistance(Double.greatestFiniteMagnitude, .infinity) == 1)
        #expect(ulpDistance(Double.nan, .nan) == 0 && ulpDistance(Double.nan, 1) == .max)
        #expect(ulpDistance(-Double.infinity, .infinity) > 1 << 62)
    }

    @Test func comparisonsFindTheWorstElement() throws {
        let a = NDArray<Double>([1, 2, 3])
        let b = NDArray<Double>([1, 2.0.nextUp.nextUp.nextUp, 3.0.nextDown])
        let c = compare(a, b)
        #expect(!c.isBitwise && c.worstULP == 3 && c.worstIndex == 1 && c.nonBitwise == 2)
        #expect(compare(a, a).isBitwise)
        #expect(!compare(a, try a.reshaped([3, 1])).shapeMatches)
    }

    @Test func errorCapture() {
        #expect(thrownError { try NDArray<Int>(shape: [2], scalars: [1]) }?.kind == "shapeMismatch")
        #expect(thrownError { try NDArray<Int>(shape: [1], scalars: [1]) } == nil)
    }
}
