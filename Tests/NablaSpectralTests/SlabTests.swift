import Foundation
import Nabla
import Testing
@testable import NablaSpectral

/// The spectral slab path (``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)``) against
/// the in-memory functions, bit for bit, for budgets from one plane (and one column block) to everything.
@Suite("Spectral slabs")
struct SpectralSlabTests {
    static let folder = FileManager.default.temporaryDirectory

    /// Budgets that cut `shape` differently: from the smallest that fits up to the whole field, each with
    /// the cut it gives; the smallest one streams one plane per slab.
    static func budgets(_ operation: SlabbedSpectralOperation, shape: [Int], elementSize: Int)
        -> [(memory: Int, cut: SpectralSlabBudget)] {
        var found: [(Int, SpectralSlabBudget)] = []
        var memory = 64
        while memory < 1 << 32 {
            if let cut = try? operation.budget(shape: shape, elementSize: elementSize, memory: memory),
               !found.contains(where: { $0.1 == cut }) {
                found.append((memory, cut))
                if cut.planesPerSlab >= shape[0] { break }
            }
            memory = memory * 5 / 4 + 1
        }
        return found
    }

    /// Cuts given directly: 1, 2, … planes per slab, with column blocks of one in-memory sub-block, two,
    /// and every column (when a result has a term along axis 0).
    static func cuts(_ operation: SlabbedSpectralOperation, shape: [Int], elementSize: Int) throws -> [SpectralSlabBudget] {
        let n0 = shape[0]
        guard shape.count > 1 else { return [SpectralSlabBudget(planesPerSlab: n0, columnsPerBlock: nil, scratchBytes: 0)] }
        let complexPlane = shape.dropFirst().dropLast().reduce(shape[shape.count - 1] / 2 + 1, *)
        let (_, _, outputs) = try operation.request(shape: shape)
        let width = SpectralEngine<Double>.blockWidth(n: n0, inner: complexPlane, complexBytes: 2 * elementSize)
        let columns: [Int?] = outputs.contains { $0.contains { $0[0] > 0 } }
            ? Array(Set([width, 2 * width, complexPlane].map { min($0, complexPlane) })).sorted() : [nil]
        var cuts: [SpectralSlabBudget] = []
        for planes in Set([1, 2, 3, n0 - 1]).sorted() where planes >= 1 && planes < n0 {
            for c in columns {
                cuts.append(SpectralSlabBudget(planesPerSlab: planes, columnsPerBlock: c, scratchBytes: 0))
            }
        }
        return cuts + [SpectralSlabBudget(planesPerSlab: n0, columnsPerBlock: nil, scratchBytes: 0)]
    }

    static func streamed<T: SpectralScalar>(_ operation: SlabbedSpectralOperation, _ f: NDArray<T>, memory: Int? = nil,
                                            cut: SpectralSlabBudget? = nil, rigour: PlanningRigour? = .estimate)
        throws -> (results: [NDArray<T>], warnings: [SpectralWarning]) {
        let sink = try ArrayFieldSink<T>(count: try operation.resultCount(shape: f.shape), shape: f.shape)
        var warnings: [SpectralWarning] = []
        if let cut {
            try streamSpectral(operation, from: ArrayFieldSource([f]), to: sink, cut: cut, scratchFolder: folder,
                               rigour: rigour) { warnings.append($0) }
        } else {
            try streamSpectral(operation, from: ArrayFieldSource([f]), to: sink, memory: memory ?? .max, scratchFolder: folder,
                               rigour: rigour) { warnings.append($0) }
        }
        return (sink.results, warnings)
    }

    static func inMemory<T: SpectralScalar>(_ operation: SlabbedSpectralOperation, _ f: NDArray<T>,
                                            rigour: PlanningRigour? = .estimate) throws -> [NDArray<T>] {
        switch operation.kind {
        case let .gradient(axes, derivative):
            try spectralGradient(of: f, spacing: operation.spacing, axes: axes, derivative: derivative, rigour: rigour)
        case .laplacian:
            [try spectralLaplacian(of: f, spacing: operation.spacing, rigour: rigour)]
        }
    }

    /// Every cut's and every budget's results equal the in-memory ones to the bit; returns the budgets' cuts.
    @discardableResult
    static func check<T: SpectralScalar>(_: T.Type, _ operation: SlabbedSpectralOperation, shape: [Int],
                                         rigour: PlanningRigour? = .estimate) throws -> [SpectralSlabBudget] {
        let f = try randomField(T.self, shape: shape)
        let expected = try inMemory(operation, f, rigour: rigour)
        let budgets = budgets(operation, shape: shape, elementSize: MemoryLayout<T>.stride)
        let runs: [(String, SpectralSlabBudget?, Int?)] = try cuts(operation, shape: shape, elementSize: MemoryLayout<T>.stride)
            .map { ("\($0)", $0, nil) } + budgets.map { ("memory \($0.memory) (\($0.cut))", nil, $0.memory) }
        for (name, cut, memory) in runs {
            let (results, _) = try streamed(operation, f, memory: memory, cut: cut, rigour: rigour)
            #expect(results.count == expected.count)
            for (q, (a, b)) in zip(results, expected).enumerated() {
                let equal = a.scalars.elementsEqual(b.scalars) { Double($0).bitPattern == Double($1).bitPattern }
                #expect(equal, "\(T.self) \(operation.kind) shape \(shape) result \(q), \(name): max difference \(maxError(a, b))")
            }
        }
        return budgets.map(\.cut)
    }

    @Test("the gradient along every axis equals the in-memory one bit for bit, for every budget (1-D to 3-D, odd and even lengths, m = 1, 2)",
          arguments: [[16], [15], [8, 6], [7, 9], [6, 5, 8], [9, 4, 7], [5, 6, 5]], [1, 2])
    func gradientEveryAxis(shape: [Int], derivative: Int) throws {
        let operation = SlabbedSpectralOperation(.gradient(axes: nil, derivative: derivative), spacing: [.uniform(0.3)])
        let cuts = try Self.check(Double.self, operation, shape: shape)
        try Self.check(Float.self, operation, shape: shape)
        // Budgets from the smallest that fits to everything: slabs first, the whole field last.
        #expect(cuts.first.map { $0.planesPerSlab < shape[0] } ?? false || shape.count == 1)
        #expect(cuts.last?.planesPerSlab == shape[0])
    }

    @Test("a subset of axes, in any order (axis 0 or not), equals the in-memory gradient bit for bit",
          arguments: [[0], [2], [1], [2, 0], [1, 2], [-1, 0, 1]])
    func gradientSubsets(axes: [Int]) throws {
        let operation = SlabbedSpectralOperation(.gradient(axes: axes, derivative: 1), spacing: [.uniform(0.5)])
        try Self.check(Double.self, operation, shape: [7, 6, 9])
        try Self.check(Float.self, operation, shape: [8, 5, 6])
    }

    @Test("the Laplacian (axis-0 term from column blocks, the other terms per slab, summed in order) equals the in-memory one bit for bit",
          arguments: [[16], [9], [6, 8], [7, 5], [6, 5, 8], [5, 7, 4], [4, 3, 5, 6]])
    func laplacian(shape: [Int]) throws {
        let operation = SlabbedSpectralOperation(.laplacian, spacing: [.uniform(0.25)])
        try Self.check(Double.self, operation, shape: shape)
        try Self.check(Float.self, operation, shape: shape)
    }

    @Test("column blocks wider than the in-memory sub-blocks, and a last block holding the narrower rest")
    func wideColumns() throws {
        // 70 complex values per plane (7 × (18/2 + 1)): sub-blocks of 16 and a rest of 6.
        let operation = SlabbedSpectralOperation(.gradient(axes: [0], derivative: 1))
        let f = try randomField(Double.self, shape: [12, 7, 18])
        let expected = try Self.inMemory(operation, f)
        for columns in [16, 32, 48, 64, 70] {
            let cut = SpectralSlabBudget(planesPerSlab: 5, columnsPerBlock: columns, scratchBytes: 0)
            let (results, _) = try Self.streamed(operation, f, cut: cut)
            #expect(results[0].scalars.elementsEqual(expected[0].scalars) { $0.bitPattern == $1.bitPattern }, "columns \(columns)")
        }
        try Self.check(Float.self, SlabbedSpectralOperation(.laplacian), shape: [11, 7, 18])
    }

    @Test("a budget too small for one plane, or for one block of columns along axis 0, is refused before reading, naming the bytes needed")
    func tooSmall() throws {
        // Growing budgets meet both refusals before one fits, each naming more bytes than the budget.
        let operation = SlabbedSpectralOperation(.gradient(axes: [0], derivative: 1))
        var refusals: [String] = []
        var memory = 1000
        while true {
            do {
                _ = try operation.budget(shape: [4096, 2, 2], elementSize: 8, memory: memory)
                break
            } catch {
                let text = "\(error)"
                #expect(text.contains("the memory budget of \(memory) bytes cannot hold"), "\(text)")
                let needed = text.split(separator: " ").reversed().compactMap { Int($0) }.first ?? 0
                #expect(needed > memory, "\(text)")
                refusals.append(text.contains("block of columns") ? "columns" : text.contains("one slab") ? "slab" : text)
            }
            memory = memory * 11 / 10
        }
        #expect(refusals.first == "slab" && refusals.last == "columns")
        // Nothing is read: a source that fails on any read is never asked.
        struct Unreadable: FieldSource {
            var shape: [Int] { [64, 64, 64] }
            var componentCount: Int { 1 }
            func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Double>) throws {
                Issue.record("read before the budget was checked")
            }
        }
        let sink = try ArrayFieldSink<Double>(count: 3, shape: [1])
        #expect(throws: NablaError.self) {
            try streamSpectral(operation, from: Unreadable(), to: sink, memory: 100_000, scratchFolder: Self.folder)
        }
    }

    @Test("warnings: an axis that does not look periodic is reported as in memory, whatever the slabs")
    func warnings() throws {
        // A ramp along axes 0 and 2, periodic along axis 1.
        let shape = [12, 8, 10]
        let f = try NDArray<Double>(shape: shape) { i in Double(i[0]) + 0.5 * Double(i[2]) + sin(2 * .pi * Double(i[1]) / 8) }
        let operation = SlabbedSpectralOperation(.gradient(axes: nil, derivative: 1))
        var expected: [Int?] = []
        _ = try spectralGradient(of: f, rigour: .estimate) { expected.append($0.axis) }
        #expect(expected == [0, 2])
        for (memory, _) in Self.budgets(operation, shape: shape, elementSize: 8) {
            let (_, warnings) = try Self.streamed(operation, f, memory: memory)
            #expect(warnings.map(\.axis) == expected, "memory \(memory)")
        }
    }

    @Test("a non-finite value is reported at its index in the whole field")
    func nonFinite() throws {
        var f = try randomField(Double.self, shape: [9, 4, 6])
        f[6, 2, 3] = .nan
        let operation = SlabbedSpectralOperation(.laplacian)
        let memory = Self.budgets(operation, shape: f.shape, elementSize: 8)[0].memory
        #expect {
            _ = try Self.streamed(operation, f, memory: memory)
        } throws: { error in
            "\(error)".contains("not finite at index [6, 2, 3]")
        }
    }
}
