import Foundation
import Nabla
import NablaFormats
@testable import NablaMPI
import Testing

// Runs inside `swift test` as a singleton (one rank, no mpirun); Scripts/test-mpi.sh runs the same code
// paths on 1-4 ranks. MPI is initialised once and finalised at exit; the suite is serialised because
// NablaMPI calls MPI from one thread at a time.

@Suite(.serialized)
struct DistributedTests {
    let world: Communicator

    init() throws { world = try Communicator.world() }

    static func field<T: FieldScalar>(_ shape: [Int], seed: UInt64 = 1, as: T.Type = T.self) throws -> NDArray<T> {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        return try NDArray(shape: shape) { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return T(Double(state >> 11) / Double(1 << 53) * 2 - 1)
        }
    }

    @Test func singletonWorld() throws {
        #expect(world.rank == 0)
        #expect(world.size == 1)
        let part = try world.split(color: 0, key: 0)
        #expect(part.size == 1)
        #expect(try world.allReduce([3.5], .sum) == [3.5])
        #expect(try world.maxLocation(2).rank == 0)
        #expect(try world.broadcast(Array("abc".utf8), from: 0) == Array("abc".utf8))
    }

    /// One rank: the halo wraps onto the rank itself (periodic) and the whole machinery still gives the
    /// in-memory results to the bit, with and without overlap (13 planes: depth 1 overlaps, depth 6 not).
    @Test(arguments: [
        SlabbedOperation(.gradient(axes: nil, derivative: 1)),
        SlabbedOperation(.gradient(axes: nil, derivative: 1), edgeOrder: 2),
        SlabbedOperation(.gradient(axes: [0], derivative: 1), accuracy: 6),
        SlabbedOperation(.gradient(axes: nil, derivative: 2), accuracy: 4, periodicAxes: [0]),
        SlabbedOperation(.gradient(axes: [1], derivative: 1)),
        SlabbedOperation(.laplacian, accuracy: 4, periodicAxes: [0, 1, 2]),
    ])
    func operationsMatchInMemory(operation: SlabbedOperation) throws {
        for shape in [[13, 8, 7], [3, 8, 7]] {
            let whole: NDArray<Double> = try Self.field(shape)
            guard let computed = try? operation.apply(to: [try DistributedField(scattering: whole, communicator: world)])
                .map(\.local) else { continue }
            let reference = try expectedResults(operation, whole)
            #expect(computed.map(\.scalars) == reference.map(\.scalars), "\(operation) on \(shape)")
        }
    }

    func expectedResults(_ op: SlabbedOperation, _ f: NDArray<Double>) throws -> [NDArray<Double>] {
        switch op.kind {
        case let .gradient(axes, m):
            return try gradient(of: f, spacing: op.spacing, axes: axes, edgeOrder: op.edgeOrder, accuracy: op.accuracy,
                                derivative: m, periodicAxes: op.periodicAxes)
        case .laplacian:
            return [try laplacian(of: f, spacing: op.spacing, accuracy: op.accuracy ?? 2, periodicAxes: op.periodicAxes)]
        default:
            Issue.record("not covered")
            return []
        }
    }

    @Test func curlAndDivergenceMatchInMemory() throws {
        let components: [NDArray<Float>] = try (0..<3).map { try Self.field([11, 6, 7], seed: UInt64($0 + 3)) }
        let fields = try components.map { try DistributedField(scattering: $0, communicator: world) }
        let curlResult = try SlabbedOperation(.curl, accuracy: 4).apply(to: fields).map(\.local.scalars)
        #expect(curlResult == (try curl(of: components, accuracy: 4)).map(\.scalars))
        let div = try SlabbedOperation(.divergence, periodicAxes: [0]).apply(to: fields)[0].local.scalars
        #expect(div == (try divergence(of: components, periodicAxes: [0])).scalars)
    }

    /// Ghost planes come from whichever rank owns them: 3 planes on 4 ranks, depth 2, periodic.
    @Test func haloPlanServesFromFurtherRanks() throws {
        let counts = SlabDecomposition.blockCounts(planeCount: 3, parts: 4)
        #expect(counts == [1, 1, 1, 0])
        let slabs = try SlabDecomposition(planeCount: 5, depth: 2, periodic: true, counts: [2, 2, 1, 0])
        let starts = slabs.starts
        let plans = (0..<4).map { r in HaloPlan(rank: r, starts: starts) { q in slabs[q].haloBefore + slabs[q].haloAfter } }
        // Rank 2 owns plane 4; it needs 2, 3 (before) and 0, 1 (after, wrapped).
        #expect(plans[2].ghosts == [2, 3, 0, 1])
        #expect(plans[2].receives.map(\.rank) == [0, 1])
        #expect(plans[2].receives.map(\.planes) == [[0, 1], [2, 3]])
        // Rank 3 owns nothing: it neither sends nor receives.
        #expect(plans[3].ghosts.isEmpty && plans[3].sends.isEmpty)
        // What each rank sends is what the others receive from it.
        for r in 0..<4 {
            for (q, planes) in plans[r].sends {
                #expect(plans[q].receives.first { $0.rank == r }?.planes == planes)
            }
        }
    }

    @Test func writesAndReadsNPYAndNPZ() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let a: NDArray<Double> = try Self.field([9, 4, 3])
        let b: NDArray<Double> = try Self.field([9, 4, 3], seed: 2)
        let fa = try DistributedField(scattering: a, communicator: world)
        let fb = try DistributedField(scattering: b, communicator: world)
        let npz = folder.appendingPathComponent("out.npz")
        try DistributedFiles.write([fa, fb], names: ["axis0", "axis1"], to: npz)
        let members = try NPZ.read(from: npz)  // checks the CRC-32s
        #expect(members.map(\.name) == ["axis0", "axis1"])
        #expect(members[0].array.asDouble().scalars == a.scalars)
        #expect(members[1].array.asDouble().scalars == b.scalars)
        let npy = folder.appendingPathComponent("out.npy")
        try DistributedFiles.write([fa], names: nil, to: npy)
        #expect(try NPY.read(from: npy).asDouble().scalars == a.scalars)
        // Only the outputs: no temporary left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["out.npy", "out.npz"])
        let located = try DistributedFiles.locate(npz, members: ["axis1"], communicator: world)
        let read = try DistributedFiles.read(located, as: Double.self, communicator: world)
        #expect(read[0].local.scalars == b.scalars)
    }

    @Test func failedReadsThrowOnEveryRank() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/v.npy")
        #expect(throws: DistributedError.self) { try DistributedFiles.locate(missing, members: nil, communicator: world) }
    }

    @Test func errorSummary() throws {
        let a = try DistributedField<Double>(shape: [5, 4], communicator: world) { i in Double(i[0] * 4 + i[1]) }
        let s = try a.errors { i in Double(i[0] * 4 + i[1]) + (i == [3, 1] ? 0.5 : 0) }
        #expect(s.maxAbsError == 0.5)
        #expect(s.argmax == [3, 1])
        #expect(s.l2Error == 0.5)
        #expect(s.count == 20)
    }
}
