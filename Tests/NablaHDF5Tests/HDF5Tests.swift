import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import Testing

/// The h5py-written fixtures made by `Scripts/make_hdf5_fixtures.py`.
private func h5(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/hdf5"),
                 "missing fixture hdf5/\(name); run Scripts/make_hdf5_fixtures.py")
}

@Suite("HDF5 datasets")
struct HDF5Tests {
    /// `[[0, 1, 2], [3, 4, 5]]` in the given dtype (`VALUES` in the script).
    private func values(_ dtype: DType) throws -> AnyNDArray {
        let ints = [0, 1, 2, 3, 4, 5]
        func make<T: NPYScalar>(_ v: [T]) throws -> AnyNDArray { AnyNDArray(try NDArray(shape: [2, 3], scalars: v)) }
        switch dtype {
        case .float16: return try make(ints.map { Float16($0) })
        case .float32: return try make(ints.map { Float($0) })
        case .float64: return try make(ints.map { Double($0) })
        case .int8: return try make(ints.map { Int8($0) })
        case .int16: return try make(ints.map { Int16($0) })
        case .int32: return try make(ints.map { Int32($0) })
        case .int64: return try make(ints.map { Int64($0) })
        case .uint8: return try make(ints.map { UInt8($0) })
        case .uint16: return try make(ints.map { UInt16($0) })
        case .uint32: return try make(ints.map { UInt32($0) })
        case .uint64: return try make(ints.map { UInt64($0) })
        case .bool: return try make([true, false, true, false, false, true])
        case .complex64: return try make(ints.map { Complex(Float($0), 0) })
        case .complex128: return try make(ints.map { Complex(Double($0), 0) })
        }
    }

    @Test("h5py datasets of every dtype, both byte orders", arguments: DType.allCases)
    func readTypes(dtype: DType) throws {
        let url = try h5("types.h5")
        let a = try HDF5.read(from: url, dataset: "/\(dtype.name)")
        #expect(a == (try values(dtype)))
        if dtype.itemSize > 1 && dtype != .bool {
            #expect(try HDF5.read(from: url, dataset: "big_endian/\(dtype.name)") == (try values(dtype)))
        }
    }

    @Test("N-D, 0-D, empty and special values")
    func shapes() throws {
        let url = try h5("types.h5")
        let cube = try #require(try HDF5.read(from: url, dataset: "/nd/cube").array(of: Double.self))
        #expect(cube.shape == [2, 3, 4] && cube.scalars == (0..<24).map { Double($0) / 8 })
        #expect(try HDF5.read(from: url, dataset: "nd/four").shape == [2, 3, 4, 5])
        #expect(try HDF5.read(from: url, dataset: "/nd/scalar") == .float64(NDArray(scalar: 2.5)))
        #expect(try HDF5.read(from: url, dataset: "/nd/empty").shape == [0, 3])
        let special = try #require(try HDF5.read(from: url, dataset: "/nd/special").array(of: Double.self))
        #expect(special.scalars[0].isNaN && special.scalars[1] == .infinity && special.scalars[2] == -.infinity)
        #expect(special.scalars[3].sign == .minus && special.scalars[4] == .leastNonzeroMagnitude && special.scalars[5] == .greatestFiniteMagnitude)
    }

    @Test("compressed, chunked and nested datasets")
    func layouts() throws {
        let url = try h5("layouts.h5")
        #expect(try HDF5.datasets(in: url) == ["/chunked", "/gzip", "/run1/fields/pressure"])
        let gzip = try #require(try HDF5.read(from: url, dataset: "/gzip").array(of: Double.self))
        #expect(gzip.shape == [4, 5] && gzip.scalars == (0..<20).map { Double($0) * 0.5 })
        #expect(try HDF5.read(from: url, dataset: "/chunked").shape == [3, 4])
        let all = try HDF5.readAll(from: url)
        #expect(all.map(\.name) == ["chunked", "gzip", "run1/fields/pressure"])
        let group = try HDF5.readAll(from: url, group: "/run1")
        #expect(group.map(\.name) == ["fields/pressure"] && group[0].array.shape == [7])
    }

    @Test("the only dataset is read without a path")
    func onlyDataset() throws {
        #expect(try HDF5.read(from: try h5("one.h5")).shape == [2, 3])
        let several = formatError { _ = try HDF5.read(from: try h5("layouts.h5")) }
        #expect(several?.kind == .invalidName)
        #expect(several?.description.contains("3 datasets ('/chunked', '/gzip', '/run1/fields/pressure')") == true)
        #expect(formatError { _ = try HDF5.read(from: try h5("none.h5")) }?.description.contains("holds no datasets") == true)
    }

    @Test("a missing dataset lists the datasets there are")
    func missingDataset() throws {
        let url = try h5("layouts.h5")
        let e = formatError { _ = try HDF5.read(from: url, dataset: "/run1/fields/density") }
        #expect(e?.kind == .invalidName)
        #expect(e?.description == "\(url.path): no dataset '/run1/fields/density'; the file holds '/chunked', '/gzip', '/run1/fields/pressure'")
        // A group holding one dataset stands for it; one holding several lists them.
        #expect(try HDF5.read(from: url, dataset: "/run1").shape == [7])
        let group = formatError { _ = try HDF5.read(from: try h5("types.h5"), dataset: "/nd") }
        #expect(group?.description.contains("the group '/nd' holds 5 datasets ('/nd/cube', '/nd/empty'") == true, "\(String(describing: group))")
        #expect(formatError { _ = try HDF5.read(from: url, dataset: "/a/../b") }?.kind == .invalidName)
    }

    @Test("unsupported element types are refused by name", arguments: [
        ("compound", "compound"), ("strings", "string"), ("enum", "enum"),
    ])
    func unsupported(dataset: String, what: String) throws {
        let url = try h5("unsupported.h5")
        let e = formatError { _ = try HDF5.read(from: url, dataset: dataset) }
        #expect(e?.kind == .unsupportedDType)
        #expect(e?.member == "/\(dataset)")
        #expect(e?.description.contains(what) == true, "\(String(describing: e))")
        #expect(try HDF5.read(from: url, dataset: "ok").shape == [2])
    }

    @Test("datasets claiming more data than the file can hold are refused before allocating")
    func huge() throws {
        let url = try h5("huge.h5")
        let contiguous = formatError { _ = try HDF5.read(from: url, dataset: "contiguous") }
        #expect(contiguous?.kind == .sizeMismatch && contiguous?.description.contains("(100000, 100000)") == true)
        let chunked = formatError { _ = try HDF5.read(from: url, dataset: "chunked") }
        #expect(chunked?.kind == .sizeMismatch, "\(String(describing: chunked))")
    }

    @Test("files that are not HDF5 are refused")
    func notHDF5() throws {
        let e = formatError { _ = try HDF5.read(from: try h5("not_hdf5.h5")) }
        #expect(e?.kind == .badMagic && e?.description.contains("not an HDF5 file") == true)
        let dir = try TemporaryDirectory()
        try NPY.write(NDArray([1.0, 2.0]), to: dir.file("a.npy"))
        let npy = formatError { _ = try HDF5.read(from: dir.file("a.npy")) }
        #expect(npy?.kind == .badMagic)
        let missing = formatError { _ = try HDF5.read(from: URL(fileURLWithPath: "/nonexistent/x.h5")) }
        #expect(missing?.kind == .io && missing?.description.contains("/nonexistent/x.h5") == true)
        let (text, one) = (try h5("not_hdf5.h5"), try h5("one.h5"))
        #expect(!HDF5.isHDF5(text) && HDF5.isHDF5(one))
    }

    @Test("write then read every dtype and N-D shapes")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("out.h5")
        var arrays: [(name: String, array: AnyNDArray)] = try DType.allCases.map { ($0.name, try values($0)) }
        arrays.append(("cube", .float64(try NDArray(shape: [2, 3, 4], scalars: (0..<24).map { Double($0) * 0.1 }))))
        arrays.append(("five", .int32(try NDArray(shape: [1, 2, 1, 3, 2], scalars: (0..<12).map(Int32.init)))))
        arrays.append(("scalar", .float64(NDArray(scalar: -1.5))))
        arrays.append(("empty", .float32(try NDArray(shape: [0, 4], scalars: []))))
        arrays.append(("deep/group/axis0", .float64(NDArray([1, 2, 3]))))
        try HDF5.write(arrays, to: url)
        #expect(try dir.contents() == ["out.h5"], "no temporary file left behind")
        let back = try HDF5.readAll(from: url)
        #expect(back.count == arrays.count)
        for (name, array) in arrays {
            #expect(try HDF5.read(from: url, dataset: name) == array, "\(name)")
        }
        // Under a group, replacing the old file.
        try HDF5.write([(name: "axis0", array: NDArray<Double>([1, 2])), (name: "axis1", array: NDArray<Double>([3, 4]))],
                       to: url, group: "/results")
        #expect(try HDF5.datasets(in: url) == ["/results/axis0", "/results/axis1"])
        #expect(try HDF5.readAll(from: url, group: "results").map(\.name) == ["axis0", "axis1"])
    }

    @Test("bad names are refused before anything is written")
    func badNames() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("out.h5")
        let a = AnyNDArray.float64(NDArray([1.0]))
        #expect(formatError { try HDF5.write([("x", a), ("/x", a)], to: url) }?.kind == .invalidName)
        #expect(formatError { try HDF5.write([("", a)], to: url) }?.kind == .invalidName)
        #expect(formatError { try HDF5.write([("a", a), ("a/b", a)], to: url) }?.kind == .invalidName)
        #expect(try dir.contents().isEmpty)
    }

    @Test("an unwritable target is an io error and leaves nothing behind")
    func unwritable() throws {
        let url = URL(fileURLWithPath: "/nonexistent/nabla/out.h5")
        let e = formatError { try HDF5.write([("x", .float64(NDArray([1.0])))], to: url) }
        #expect(e?.kind == .io && e?.description.hasPrefix(url.path) == true)
    }

    @Test("concurrent reads and writes from many threads are serialised")
    func concurrency() async throws {
        let dir = try TemporaryDirectory()
        let source = try h5("types.h5")
        let base = dir.url
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 0..<8 {
                group.addTask {
                    let url = base.appendingPathComponent("t\(k).h5")
                    let array = AnyNDArray.float64(try NDArray(shape: [10, 10], scalars: (0..<100).map { Double($0 + k) }))
                    for _ in 0..<5 {
                        try HDF5.write([("a", array)], to: url)
                        #expect(try HDF5.read(from: url) == array)
                        _ = try HDF5.read(from: source, dataset: "float32")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
