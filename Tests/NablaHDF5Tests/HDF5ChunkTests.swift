import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import Testing

// The layout of the datasets NablaHDF5 writes: chunks of whole trailing axes of at most 1 MiB, the same for
// the in-memory writer and the slab engine's sink, read back exactly as written.

@Suite("HDF5 chunked outputs")
struct HDF5ChunkTests {
    @Test("chunk shapes: whole planes when a plane fits, whole lines otherwise, clipped to the shape")
    func chunkShapes() {
        // A 32 KiB plane: 32 planes per MiB; float32 planes are half as large.
        #expect(HDF5.chunkShape([1024, 64, 64], elementSize: 8) == [32, 64, 64])
        #expect(HDF5.chunkShape([1024, 64, 64], elementSize: 4) == [64, 64, 64])
        // A plane of 8 MiB: 128 lines of 1024 doubles.
        #expect(HDF5.chunkShape([4, 1024, 1024], elementSize: 8) == [1, 128, 1024])
        // A line of 2.4 MB: part of a line.
        #expect(HDF5.chunkShape([3, 2, 300_000], elementSize: 8) == [1, 1, 131_072])
        // Small datasets: one chunk, the dataset's own shape.
        #expect(HDF5.chunkShape([10, 3], elementSize: 8) == [10, 3])
        #expect(HDF5.chunkShape([7], elementSize: 2) == [7])
        #expect(HDF5.chunkShape([200_000], elementSize: 8) == [131_072])
        // No chunks for a scalar or an empty dataset.
        #expect(HDF5.chunkShape([], elementSize: 8) == nil)
        #expect(HDF5.chunkShape([0, 5], elementSize: 8) == nil)

        // Every chunk: at most the target, within the shape, of the form [1, …, 1, c, n…].
        var state: UInt64 = 3
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        for _ in 0..<500 {
            let shape = (0..<(1 + next(4))).map { _ in 1 + next([3, 50, 2000, 300_000][next(4)]) }
            let size = [2, 4, 8, 16][next(4)]
            guard let chunk = HDF5.chunkShape(shape, elementSize: size) else {
                Issue.record("no chunk for \(shape)")
                continue
            }
            let bytes = chunk.reduce(size, *)
            #expect(chunk.count == shape.count && zip(chunk, shape).allSatisfy { $0 >= 1 && $0 <= $1 }, "\(shape): \(chunk)")
            #expect(bytes <= HDF5.chunkTarget || chunk.allSatisfy { $0 == 1 }, "\(shape) × \(size): \(chunk)")
            // The first axis not taken whole; every axis before it is 1, every axis after it whole.
            let cut = zip(chunk, shape).reversed().firstIndex { $0 != $1 }.map { shape.count - 1 - $0 }
            if let cut {
                #expect(chunk[..<cut].allSatisfy { $0 == 1 } && chunk[(cut + 1)...] == shape[(cut + 1)...], "\(shape): \(chunk)")
                // As large as the target allows: one more along the cut axis would exceed it.
                #expect(chunk[cut] == 1 || bytes / chunk[cut] * (chunk[cut] + 1) > HDF5.chunkTarget, "\(shape): \(chunk)")
            }
        }
    }

    @Test("the in-memory writer and the slab sink write the same chunked datasets, read back bit for bit")
    func sameLayoutBothWriters() throws {
        let directory = try TemporaryDirectory()
        // 90 planes of 40 × 40 float64 (12.5 KiB): chunks of 81 planes, the second one partial.
        let shape = [90, 40, 40]
        let values = (0..<shape.reduce(1, *)).map { sin(Double($0) * 0.37) * 1e3 }
        let field = try NDArray(shape: shape, scalars: values)
        let single = try NDArray(shape: [5, 3], scalars: (0..<15).map { Float($0) / 7 })
        try HDF5.write([("run/f", .float64(field)), ("small", .float32(single)),
                        ("scalar", .float64(try NDArray(shape: [], scalars: [2.5]))),
                        ("empty", .float64(try NDArray(shape: [0, 4], scalars: [])))], to: directory.file("memory.h5"))
        #expect(try HDF5.storedChunkShape(of: directory.file("memory.h5"), dataset: "/run/f") == [81, 40, 40])
        #expect(try HDF5.storedChunkShape(of: directory.file("memory.h5"), dataset: "/small") == [5, 3])
        #expect(try HDF5.storedChunkShape(of: directory.file("memory.h5"), dataset: "/scalar") == nil)
        #expect(try HDF5.storedChunkShape(of: directory.file("memory.h5"), dataset: "/empty") == nil)

        // The slab sink, writing slabs of whole chunks, then slabs that cut chunks (completed in the cache).
        for (k, slab) in [81, 7, 50].enumerated() {
            let url = directory.file("slabs\(k).h5")
            try HDF5.add(datasets: ["f"], shape: shape, of: Double.self, to: url, group: "run") { sink in
                for start in stride(from: 0, to: shape[0], by: slab) {
                    let planes = start..<min(start + slab, shape[0])
                    let buffer = try NDArray(shape: [planes.count, 40, 40], scalars: Array(values[(planes.lowerBound * 1600)..<(planes.upperBound * 1600)]))
                    try sink.write(result: 0, planes: planes, from: buffer, bufferPlane: 0)
                }
            }
            #expect(try HDF5.storedChunkShape(of: url, dataset: "/run/f") == [81, 40, 40])
            guard case let .float64(read) = try HDF5.read(from: url, dataset: "/run/f") else {
                Issue.record("not float64")
                continue
            }
            #expect(read.shape == shape && read.scalars.map(\.bitPattern) == values.map(\.bitPattern), "slabs of \(slab)")
        }
        guard case let .float64(read) = try HDF5.read(from: directory.file("memory.h5"), dataset: "/run/f"),
              case let .float32(small) = try HDF5.read(from: directory.file("memory.h5"), dataset: "/small") else {
            Issue.record("wrong types")
            return
        }
        #expect(read.scalars.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(small.scalars.map(\.bitPattern) == single.scalars.map(\.bitPattern))
    }
}
