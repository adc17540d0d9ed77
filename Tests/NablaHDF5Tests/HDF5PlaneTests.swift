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

/// The bytes of an array's elements (native order), as `.npy` stores them.
private func elementBytes(_ a: AnyNDArray) -> [UInt8] {
    Array(NPY.encode(a).suffix(a.shape.reduce(a.dtype.itemSize, *)))
}

@Suite("HDF5 planes of axis 0 (hyperslabs)")
struct HDF5PlaneTests {
    /// Every dataset with at least one axis: every dtype in both byte orders, 3-D, 4-D, empty, special
    /// values (NaN, -0), chunked, deflated, 1-D.
    static let datasets: [(file: String, dataset: String)] =
        DType.allCases.flatMap { dtype -> [(String, String)] in
            [("types.h5", "/\(dtype.name)")] + (dtype.itemSize > 1 && dtype != .bool ? [("types.h5", "/big_endian/\(dtype.name)")] : [])
        } + ["/nd/cube", "/nd/four", "/nd/empty", "/nd/special"].map { ("types.h5", $0) }
        + ["/chunked", "/gzip", "/run1/fields/pressure"].map { ("layouts.h5", $0) }

    @Test("every range of planes equals the whole read's planes, bit for bit")
    func everyRange() throws {
        for (file, dataset) in Self.datasets {
            let url = try h5(file)
            let whole = try HDF5.read(from: url, dataset: dataset)
            let reader = try HDF5.PlaneReader(url, dataset: dataset)
            #expect(reader.shape == whole.shape && reader.dtype == whole.dtype && reader.path == dataset)
            let bytes = elementBytes(whole)
            let n0 = whole.shape[0], plane = whole.shape.dropFirst().reduce(whole.dtype.itemSize, *)
            for p in 0...n0 {
                for q in p...n0 {
                    let part = try reader.read(planes: p..<q)
                    #expect(part.dtype == whole.dtype && part.shape == [q - p] + whole.shape.dropFirst(), "\(file):\(dataset) \(p)..<\(q)")
                    #expect(elementBytes(part) == Array(bytes[p * plane..<q * plane]), "\(file):\(dataset) \(p)..<\(q)")
                }
            }
        }
    }

    @Test("the dataset is found and refused as the whole read finds and refuses it")
    func sameChecksAsTheWholeRead() throws {
        // The only dataset of a file or group.
        #expect(try HDF5.PlaneReader(try h5("one.h5")).shape == [2, 3])
        #expect(try HDF5.PlaneReader(try h5("layouts.h5"), dataset: "run1").path == "/run1/fields/pressure")
        let cases: [(String, String?)] = [
            ("layouts.h5", nil), ("layouts.h5", "/run1/fields/density"), ("none.h5", nil), ("not_hdf5.h5", nil),
            ("external_storage.h5", "d"), ("virtual.h5", "outside"), ("huge.h5", "contiguous"), ("huge.h5", "chunked"),
            ("unsupported.h5", "compound"),
        ]
        for (file, dataset) in cases {
            let url = try h5(file)
            let whole = formatError { _ = try HDF5.read(from: url, dataset: dataset) }
            let planes = formatError { _ = try HDF5.PlaneReader(url, dataset: dataset) }
            #expect(whole != nil && planes?.description == whole?.description, "\(file):\(dataset ?? "")")
        }
        // A scalar dataset opens (shape []) but is no field source.
        let scalar = try HDF5.PlaneReader(try h5("types.h5"), dataset: "nd/scalar")
        #expect(scalar.shape == [])
        #expect(formatError { _ = try HDF5FieldSource<Double>([scalar]) }?.kind == .invalidShape)
        #expect(formatError { _ = try HDF5FieldSource<Double>([try HDF5.PlaneReader(try h5("types.h5"), dataset: "bool")]) }?.kind == .unsupportedDType)
        #expect(formatError { _ = try HDF5FieldSource<Double>([try HDF5.PlaneReader(try h5("types.h5"), dataset: "complex64")]) }?.kind == .unsupportedDType)
    }

    @Test("a field source serves runs of planes, converted as the whole read is")
    func fieldSource() throws {
        let url = try h5("types.h5")
        // int32 through Double, wrapped runs (a periodic halo).
        let four = try HDF5FieldSource<Double>([try HDF5.PlaneReader(url, dataset: "nd/four")])
        let whole = try HDF5.read(from: url, dataset: "nd/four").asDouble()
        var buffer = try NDArray<Double>(repeating: 0, shape: [3, 3, 4, 5])
        try four.read(component: 0, runs: [1..<2, 0..<2], into: &buffer)
        #expect(buffer.scalars == Array(whole.scalars[60..<120] + whole.scalars[0..<120]))
        // float32 read in place; float16 into Float by value.
        let single = try HDF5FieldSource<Float>([try HDF5.PlaneReader(url, dataset: "float32"), try HDF5.PlaneReader(url, dataset: "big_endian/float16")])
        var planes = try NDArray<Float>(repeating: 0, shape: [1, 3])
        try single.read(component: 0, runs: [1..<2], into: &planes)
        #expect(planes.scalars == [3, 4, 5])
        try single.read(component: 1, runs: [0..<1], into: &planes)
        #expect(planes.scalars == [0, 1, 2])
    }

    @Test("the slab engine from an HDF5 dataset gives the in-memory results to the bit, for every slab size")
    func streamsFromHDF5() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("v.h5")
        let v = try NDArray<Double>(shape: [11, 5, 6]) { i in sin(Double(i[0]) * 0.7) * cos(Double(i[1] + 2 * i[2]) * 0.3) }
        try HDF5.write([(name: "fields/v", array: v)], to: url)
        let operation = SlabbedOperation(.gradient(axes: nil, derivative: 1), accuracy: 4, periodicAxes: [0])
        let expected = try gradient(of: v, accuracy: 4, periodicAxes: [0])
        let source = try HDF5FieldSource<Double>([try HDF5.PlaneReader(url, dataset: "/fields/v")])
        for planes in 1...11 {
            let sink = try ArrayFieldSink<Double>(count: 3, shape: v.shape)
            try streamDifferences(operation, from: source, to: sink, planesPerSlab: planes)
            #expect(sink.results.map(\.scalars) == expected.map(\.scalars), "\(planes) planes per slab")
        }
    }
}
