import Testing
@testable import Nabla

@Suite("Slab decomposition: owned planes, halos, wrap")
struct SlabDecompositionTests {
    @Test("slabs cover every plane once; halos are clamped at non-periodic edges")
    func coverAndClamp() throws {
        let d = try SlabDecomposition(planeCount: 10, depth: 2, planesPerSlab: 4)
        #expect(d.count == 3)
        #expect((0..<d.count).map { d[$0].planes } == [0..<4, 4..<8, 8..<10])
        #expect(d[0].haloBefore == [] && d[0].haloAfter == [4, 5])
        #expect(d[1].haloBefore == [2, 3] && d[1].haloAfter == [8, 9])
        #expect(d[2].haloBefore == [6, 7] && d[2].haloAfter == [])
        #expect(d[1].bufferPlanes == Array(2..<10) && d[1].ownedOffset == 2 && d[1].bufferRuns == [2..<10])
    }

    @Test("periodic halos wrap around, in up to three contiguous runs")
    func periodicWrap() throws {
        let d = try SlabDecomposition(planeCount: 10, depth: 3, periodic: true, planesPerSlab: 5)
        #expect(d[0].haloBefore == [7, 8, 9] && d[0].haloAfter == [5, 6, 7])
        #expect(d[0].bufferRuns == [7..<10, 0..<8])
        #expect(d[1].haloAfter == [0, 1, 2] && d[1].bufferRuns == [2..<10, 0..<3])
        let one = try SlabDecomposition(planeCount: 7, depth: 2, periodic: true, planesPerSlab: 7)
        #expect(one[0].bufferRuns == [5..<7, 0..<7, 0..<2])
    }

    @Test("FFTW's block split, empty slabs, and refusals")
    func blocksAndErrors() throws {
        #expect(SlabDecomposition.blockCounts(planeCount: 16, parts: 3) == [6, 6, 4])
        #expect(SlabDecomposition.blockCounts(planeCount: 3, parts: 4) == [1, 1, 1, 0])
        #expect(SlabDecomposition.blockCounts(planeCount: 37, parts: 4) == [10, 10, 10, 7])
        let d = try SlabDecomposition(planeCount: 3, depth: 1, counts: [1, 1, 1, 0])
        #expect(d[3].planes.isEmpty && d[3].bufferPlaneCount == 0)
        #expect(d[1].bufferPlanes == [0, 1, 2])
        #expect(throws: NablaError.self) { try SlabDecomposition(planeCount: 5, depth: 1, counts: [2, 2]) }
        #expect(throws: NablaError.self) { try SlabDecomposition(planeCount: 5, depth: 1, planesPerSlab: 0) }
        #expect(throws: NablaError.self) { try SlabDecomposition(planeCount: 4, depth: 2, periodic: true, planesPerSlab: 2) }
    }
}
