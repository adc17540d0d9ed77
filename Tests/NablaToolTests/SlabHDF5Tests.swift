import Foundation
import Nabla
import NablaFormats
import NablaHDF5
@testable import _NablaTool
import Testing

/// A fresh temporary directory, removed when the value is released.
private final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-slabhdf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// The HDF5 fixtures of NablaHDF5Tests (dimension scales, openPMD records, chunked and filtered layouts).
private func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("NablaHDF5Tests/Fixtures/hdf5/\(name)").path
}

/// Each array's dtype and the bit patterns of its values (float32 and float16 widen to Double exactly).
private func bits(_ arrays: [(name: String, array: AnyNDArray)]) -> [String: [UInt64]] {
    Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, [UInt64(bitPattern: Int64($0.array.dtype.itemSize))]
        + [UInt64($0.array.shape.count)] + $0.array.shape.map(UInt64.init) + $0.array.asDouble().scalars.map(\.bitPattern)) })
}

@Suite("HDF5 inputs and outputs through the slab engine (nabla gradient/laplacian/divergence/curl/derivative/hessian)")
struct SlabHDF5Tests {
    struct Case: CustomStringConvertible {
        var operation: FieldJob.Operation
        var input: String
        var options = DifferenceOptions()
        var si = false
        var description: String { "\(operation) \(input)" }
    }

    /// Runs `job` into a `.npz` (the slab engine) for budgets from one plane per slab to all of them, and
    /// into an `.h5` (the in-memory path); every slab run must equal the in-memory results bit for bit.
    /// Returns the distinct plane counts per slab the budgets gave.
    private func compareWithInMemory(_ c: Case, in scratch: Scratch) throws -> Set<Int> {
        let url = URL(fileURLWithPath: c.input)
        var memoryJob = FieldJob(c.operation, input: url, options: c.options, output: scratch.file("memory.h5"))
        memoryJob.si = c.si
        memoryJob.slabEngine = false
        let names = try memoryJob.run()
        let expected = bits(try HDF5.readAll(from: scratch.file("memory.h5")))
        #expect(Set(expected.keys) == Set(names))
        try FileManager.default.removeItem(at: scratch.file("memory.h5"))

        // The field's shape and the engine's plane counts for each budget.
        let (file, dataset) = FieldFiles.location(of: url)
        let shape: [Int], elementSize: Int
        if c.operation == .divergence || c.operation == .curl, let record = try HDF5.vectorFieldGrid(of: file, record: dataset ?? "/") {
            (shape, elementSize) = (record.components[0].shape, record.components[0].dtype == .float32 ? 4 : 8)
        } else if c.operation == .divergence || c.operation == .curl {
            let reader = try HDF5.PlaneReader(file, dataset: (dataset ?? "") + "/axis0")
            (shape, elementSize) = (reader.shape, reader.dtype == .float32 ? 4 : 8)
        } else {
            let grid = try HDF5.grid(of: file, dataset: dataset)
            (shape, elementSize) = (grid.shape, grid.dtype == .float32 ? 4 : 8)
        }
        let planeBytes = shape.dropFirst().reduce(elementSize, *)
        let kind: SlabbedOperation.Kind = switch c.operation {
        case .gradient: .gradient(axes: nil, derivative: c.options.derivative)
        case .laplacian: .laplacian
        case .divergence: .divergence
        case let .derivative(orders): .derivative(orders: orders)
        case .hessian: .hessian
        default: .curl
        }
        let periodic: [Int] = switch c.options.periodic {
        case .none: []
        case .all: Array(shape.indices)
        case let .axes(list): list
        }
        let operation = SlabbedOperation(kind, edgeOrder: c.options.edgeOrder, accuracy: c.options.accuracy, periodicAxes: periodic)
        // The engine's buffers: two of each input and result, each a slab and its halos, and the
        // temporaries of a composed operator (a mixed derivative's intermediate, the Hessian's first
        // derivatives along axes 1…).
        let temporaries = c.operation == .hessian ? shape.count - 1 : c.operation == .gradient || c.operation == .laplacian
            || c.operation == .divergence || c.operation == .curl ? 0 : 1
        let perPlane = planeBytes * (2 * (operation.inputCount(rank: shape.count) + (try operation.resultCount(shape: shape))) + temporaries)
        let fixed = perPlane * 2 * (try operation.haloDepth(shape: shape))
        var planeCounts = Set<Int>()
        for planes in [0, 1, 2, 3, shape[0]] {
            let budget = planes == 0 ? fixed + perPlane - 1 : fixed + planes * perPlane
            var options = c.options
            options.memory = budget
            var job = FieldJob(c.operation, input: url, options: options, output: scratch.file("slabs.npz"))
            job.si = c.si
            guard planes > 0 else {
                // Too small for one plane: the engine refuses before reading (the in-memory path would not).
                #expect(throws: (any Error).self) { try operation.planesPerSlab(shape: shape, elementSize: elementSize, memory: budget) }
                #expect(throws: PipelineError.self) { try job.run() }
                job.output = scratch.file("slabs.h5")
                #expect(throws: PipelineError.self) { try job.run() }
                #expect(!FileManager.default.fileExists(atPath: scratch.file("slabs.h5").path))
                continue
            }
            #expect(try operation.planesPerSlab(shape: shape, elementSize: elementSize, memory: budget) == planes)
            planeCounts.insert(planes)
            #expect(try job.run() == names, "\(c) with \(budget) bytes")
            #expect(bits(try NPZ.read(from: scratch.file("slabs.npz"))) == expected, "\(c) with \(budget) bytes")
            try FileManager.default.removeItem(at: scratch.file("slabs.npz"))
            // An HDF5 output, written by hyperslab.
            job.output = scratch.file("slabs.h5")
            #expect(try job.run() == names, "\(c) with \(budget) bytes")
            #expect(bits(try HDF5.readAll(from: scratch.file("slabs.h5"))) == expected, "\(c) with \(budget) bytes, HDF5 output")
            try FileManager.default.removeItem(at: scratch.file("slabs.h5"))
        }
        return planeCounts
    }

    @Test("fixtures (dimension scales, openPMD scalar and vector records, chunked and filtered layouts): the in-memory results to the bit for every budget")
    func fixtures() throws {
        let scratch = try Scratch()
        let cases = [
            Case(operation: .gradient, input: fixture("scales.h5") + ":/V"),
            Case(operation: .gradient, input: fixture("scales.h5") + ":/V", options: DifferenceOptions(edgeOrder: 2)),
            Case(operation: .laplacian, input: fixture("scales.h5") + ":/V", options: DifferenceOptions(accuracy: 2)),
            Case(operation: .gradient, input: fixture("openpmd.h5") + ":/data/100/meshes/phi", options: DifferenceOptions(edgeOrder: 2)),
            Case(operation: .gradient, input: fixture("openpmd.h5") + ":/data/100/meshes/phi", si: true),
            Case(operation: .laplacian, input: fixture("openpmd.h5") + ":/data/100/meshes/phi"),
            Case(operation: .gradient, input: fixture("openpmd.h5") + ":/data/100/meshes/rho"),
            Case(operation: .divergence, input: fixture("openpmd.h5") + ":/data/100/meshes/E"),
            Case(operation: .curl, input: fixture("openpmd.h5") + ":/data/100/meshes/E", options: DifferenceOptions(edgeOrder: 2)),
            Case(operation: .gradient, input: fixture("layouts.h5") + ":/gzip"),
            Case(operation: .gradient, input: fixture("layouts.h5") + ":/chunked", options: DifferenceOptions(accuracy: 2)),
        ]
        for c in cases {
            let planes = try compareWithInMemory(c, in: scratch)
            #expect(planes.contains(1) && planes.count >= 3, "\(c): slab sizes \(planes.sorted())")
        }
    }

    @Test("datasets written by the library (float32, integers, a group of components, periodic axes)")
    func written() throws {
        let scratch = try Scratch()
        var state: UInt64 = 7
        func values(_ n: Int) -> [Double] {
            (0..<n).map { _ in state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        }
        let shape = [13, 8, 7]
        let count = shape.reduce(1, *)
        let file = scratch.file("fields.h5")
        try HDF5.write([
            ("f64", .float64(try NDArray(shape: shape, scalars: values(count)))),
            ("f32", .float32(try NDArray(shape: shape, scalars: values(count).map { Float($0) }))),
            ("i32", .int32(try NDArray(shape: shape, scalars: values(count).map { Int32($0 * 1000) - 500 }))),
            ("v/axis0", .float64(try NDArray(shape: shape, scalars: values(count)))),
            ("v/axis1", .float64(try NDArray(shape: shape, scalars: values(count)))),
            ("v/axis2", .float64(try NDArray(shape: shape, scalars: values(count)))),
        ], to: file)
        // Non-uniform coordinates along axis 0 (the axis the slabs cut).
        let x = scratch.file("x.npy")
        var position = 0.0
        try NPY.write(.float64(try NDArray(shape: [shape[0]], scalars: values(shape[0]).map { position += 0.5 + $0; return position })), to: x)
        let cases = [
            Case(operation: .gradient, input: file.path + ":/f64", options: DifferenceOptions(accuracy: 6, periodic: .axes([0]))),
            Case(operation: .gradient, input: file.path + ":/f64", options: DifferenceOptions(spacing: [.coordinates(x), .number(0.5), .number(2)])),
            Case(operation: .gradient, input: file.path + ":/f64", options: DifferenceOptions(spacing: [.coordinates(x), .number(0.5), .number(2)], accuracy: 4)),
            Case(operation: .laplacian, input: file.path + ":/f32", options: DifferenceOptions(spacing: [.coordinates(x), .number(0.5), .number(2)])),
            Case(operation: .gradient, input: file.path + ":/f64", options: DifferenceOptions(spacing: [.number(0.25)], derivative: 2)),
            Case(operation: .gradient, input: file.path + ":/f32", options: DifferenceOptions(accuracy: 4)),
            Case(operation: .laplacian, input: file.path + ":/f32", options: DifferenceOptions(periodic: .all)),
            Case(operation: .gradient, input: file.path + ":/i32"),
            Case(operation: .divergence, input: file.path + ":/v", options: DifferenceOptions(accuracy: 4)),
            Case(operation: .curl, input: file.path + ":/v"),
            Case(operation: .derivative(orders: [1, 1, 0]), input: file.path + ":/f64", options: DifferenceOptions(accuracy: 4)),
            Case(operation: .derivative(orders: [2, 0, 1]), input: file.path + ":/f32",
                 options: DifferenceOptions(spacing: [.coordinates(x), .number(0.5), .number(2)])),
            Case(operation: .hessian, input: file.path + ":/f64", options: DifferenceOptions(periodic: .axes([0]))),
            Case(operation: .hessian, input: file.path + ":/i32", options: DifferenceOptions(accuracy: 4)),
        ]
        for c in cases {
            let planes = try compareWithInMemory(c, in: scratch)
            #expect(planes.contains(1) && planes.count >= 3, "\(c): slab sizes \(planes.sorted())")
        }
    }

    @Test("a budget too small for one plane is refused before anything is read or written, naming the bytes needed")
    func budgetTooSmall() throws {
        let scratch = try Scratch()
        let output = scratch.file("out.npz")
        let job = FieldJob(.gradient, input: URL(fileURLWithPath: fixture("scales.h5") + ":/V"),
                           options: DifferenceOptions(memory: 100), output: output)
        do {
            try job.run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("memory budget of 100 bytes"), "\(error)")
            #expect("\(error)".contains("scales.h5"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }

    @Test("an HDF5 output follows the in-memory rules: datasets added to a copy of the file, --overwrite, a refusal or failure changes nothing")
    func hdf5OutputRules() throws {
        let scratch = try Scratch()
        let input = URL(fileURLWithPath: fixture("scales.h5") + ":/V")
        let options = DifferenceOptions(edgeOrder: 2, memory: 64 << 10)
        // The in-memory path's file: its results added to a file holding another dataset.
        let existing: [(name: String, array: AnyNDArray)] = [("keep/me", .int32(try NDArray(shape: [3], scalars: [1, 2, 3])))]
        for name in ["memory.h5", "slabs.h5"] { try HDF5.write(existing, to: scratch.file(name)) }
        var memoryJob = FieldJob(.gradient, input: input, options: options, output: URL(fileURLWithPath: scratch.file("memory.h5").path + ":/grad"))
        memoryJob.slabEngine = false
        try memoryJob.run()
        var job = FieldJob(.gradient, input: input, options: options, output: URL(fileURLWithPath: scratch.file("slabs.h5").path + ":/grad"))
        try job.run()
        let expected = bits(try HDF5.readAll(from: scratch.file("memory.h5")))
        #expect(Set(expected.keys) == ["keep/me", "grad/axis0", "grad/axis1", "grad/axis2"])
        #expect(bits(try HDF5.readAll(from: scratch.file("slabs.h5"))) == expected)

        // Existing datasets: refused without --overwrite (the file byte for byte as it was), replaced with it.
        let before = try Data(contentsOf: scratch.file("slabs.h5"))
        do {
            try job.run()
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("already exists") && "\(error)".contains("--overwrite"), "\(error)")
        }
        // A budget too small for one plane: refused before anything is written.
        var tight = job
        tight.options.memory = 100
        tight.overwrite = true
        #expect(throws: PipelineError.self) { try tight.run() }
        #expect(try Data(contentsOf: scratch.file("slabs.h5")) == before)
        job.overwrite = true
        job.options.accuracy = 2
        try job.run()
        memoryJob.overwrite = true
        memoryJob.options.accuracy = 2
        try memoryJob.run()
        #expect(bits(try HDF5.readAll(from: scratch.file("slabs.h5"))) == bits(try HDF5.readAll(from: scratch.file("memory.h5"))))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)) == ["memory.h5", "slabs.h5"])
        // The replaced datasets are chunked as new ones are.
        let shape = try HDF5.PlaneReader(URL(fileURLWithPath: fixture("scales.h5")), dataset: "V").shape
        for name in ["slabs.h5", "memory.h5"] {
            #expect(try HDF5.storedChunkShape(of: scratch.file(name), dataset: "/grad/axis1") == HDF5.chunkShape(shape, elementSize: 8))
        }

        // Into the input file itself (allowed for HDF5): the input's datasets stay, the results are added.
        let copy = scratch.file("input.h5")
        try FileManager.default.copyItem(atPath: fixture("scales.h5"), toPath: copy.path)
        let original = bits(try HDF5.readAll(from: copy))
        try FieldJob(.laplacian, input: URL(fileURLWithPath: copy.path + ":/V"), options: options,
                     output: URL(fileURLWithPath: copy.path + ":/lap")).run()
        var reference = FieldJob(.laplacian, input: URL(fileURLWithPath: fixture("scales.h5") + ":/V"), options: options,
                                 output: scratch.file("lap.h5"))
        reference.slabEngine = false
        try reference.run()
        let after = bits(try HDF5.readAll(from: copy))
        #expect(after.filter { !$0.key.hasPrefix("lap/") } == original)
        #expect(after["lap/laplacian"] == bits(try HDF5.readAll(from: scratch.file("lap.h5")))["laplacian"])
    }

    @Test("HDF5 results are chunked in whole planes, the slabs are whole chunks, the values the in-memory path's")
    func chunkedOutputs() throws {
        let scratch = try Scratch()
        // 200 planes of 40 × 40: 12.5 KiB planes (float64), 81 planes per chunk; float32 results, 163.
        let shape = [200, 40, 40]
        let count = shape.reduce(1, *)
        let f = try NDArray(shape: shape, scalars: (0..<count).map { cos(Double($0) * 0.011) + Double($0 % 37) * 1e-3 })
        try HDF5.write([("f64", .float64(f)), ("f32", .float32(f.converted(to: Float.self)))], to: scratch.file("in.h5"))
        for (dataset, elementSize, chunkPlanes) in [("f64", 8, 81), ("f32", 4, 163)] {
            #expect(HDF5.chunkShape(shape, elementSize: elementSize) == [chunkPlanes, 40, 40])
            let input = URL(fileURLWithPath: scratch.file("in.h5").path + ":/" + dataset)
            var memoryJob = FieldJob(.hessian, input: input, output: scratch.file("memory-\(dataset).h5"))
            memoryJob.slabEngine = false
            try memoryJob.run()
            let expected = bits(try HDF5.readAll(from: scratch.file("memory-\(dataset).h5")))
            #expect(expected.count == 6)
            // Budgets from a few planes per slab to the whole field in one.
            var planes = Set<Int>()
            for memory in [2 << 20, 12 << 20, 20 << 20, 40 << 20, 64 << 20] {
                let layout = try SlabJob.layout(SlabbedOperation(.hessian), shape: shape, dtype: elementSize == 8 ? .float64 : .float32,
                                                nativeOrder: true, memory: memory, file: "f")
                planes.insert(layout.planes)
                // A slab of more than one chunk is whole chunks (or the whole field).
                #expect(layout.planes < chunkPlanes || layout.planes % chunkPlanes == 0 || layout.planes == shape[0], "\(memory): \(layout)")
                let output = scratch.file("slabs-\(dataset)-\(memory).h5")
                var job = FieldJob(.hessian, input: input, options: DifferenceOptions(memory: memory), output: output)
                job.overwrite = true
                try job.run()
                #expect(bits(try HDF5.readAll(from: output)) == expected, "\(dataset), \(memory) bytes")
                for name in expected.keys {
                    #expect(try HDF5.storedChunkShape(of: output, dataset: name) == [chunkPlanes, 40, 40], "\(name)")
                    #expect(try HDF5.storedChunkShape(of: scratch.file("memory-\(dataset).h5"), dataset: name) == [chunkPlanes, 40, 40])
                }
            }
            #expect(planes.contains { $0 < chunkPlanes } && planes.contains { $0 >= chunkPlanes && $0 < shape[0] } && planes.contains(shape[0]),
                    "\(dataset): slab sizes \(planes.sorted())")
        }
    }
}
