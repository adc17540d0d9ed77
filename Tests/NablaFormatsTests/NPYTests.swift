import Foundation
import Nabla
import NablaFormats
import Testing

@Suite("NPY reading numpy's files")
struct NPYReadTests {
    @Test("every dtype, both byte orders", arguments: DType.allCases, [ByteOrder.little, .big])
    func everyDtype(dtype: DType, order: ByteOrder) throws {
        let array = try NPY.read(from: Fixture.url(Fixture.name(dtype, order)))
        #expect(array.dtype == dtype)
        #expect(array.shape == [2, 3])
        #expect(array == Fixture.values(for: dtype))
        let header = try NPY.readHeader(from: Fixture.url(Fixture.name(dtype, order)))
        #expect(header.byteOrder == (dtype.itemSize == 1 ? .native : order))
        #expect(header.shape == [2, 3] && header.count == 6 && header.byteCount == 6 * dtype.itemSize)
    }

    @Test("-0.0 keeps its sign")
    func negativeZero() throws {
        let a = try #require(NPY.read(from: Fixture.url("float64_be.npy")).array(of: Double.self))
        #expect(a[1, 1].sign == .minus && a[1, 1] == 0)
    }

    @Test("0-D to 4-D and empty shapes", arguments: [
        ("save_1d.npy", [5]), ("save_2d.npy", [3, 4]), ("save_3d.npy", [2, 3, 4]), ("save_4d.npy", [2, 1, 3, 2]),
        ("save_empty.npy", [0]), ("save_empty_2d.npy", [3, 0]), ("save_long_axis.npy", [1_000_000_000_000, 0]),
    ])
    func shapes(name: String, shape: [Int]) throws {
        let a = try NPY.read(from: Fixture.url(name)).asDouble()
        #expect(a.shape == shape)
        if shape.contains(0) { #expect(a.count == 0) } else { #expect(a == (try Fixture.ramp(shape))) }
    }

    @Test("0-D array")
    func zeroD() throws {
        let a = try NPY.read(Double.self, from: Fixture.url("save_0d.npy"))
        #expect(a.shape == [] && a.scalars == [2.5])
    }

    @Test("Fortran order is transposed into C order")
    func fortran() throws {
        #expect(try NPY.readHeader(from: Fixture.url("fortran_2d.npy")).fortranOrder)
        #expect(try NPY.read(Double.self, from: Fixture.url("fortran_2d.npy")) == Fixture.ramp([3, 4]))
        let b = try NPY.read(Int32.self, from: Fixture.url("fortran_3d_be_i4.npy"))
        #expect(b.shape == [2, 3, 4])
        #expect(b.scalars == (0..<24).map(Int32.init))
        #expect(try NPY.read(Double.self, from: Fixture.url("fortran_1d.npy")) == Fixture.ramp([4]))
    }

    @Test("format versions 2.0 and 3.0")
    func versions() throws {
        let v2 = try NPY.readHeader(from: Fixture.url("version_2_0.npy"))
        #expect(v2.version == (2, 0))
        #expect(try NPY.read(Double.self, from: Fixture.url("version_2_0.npy")) == Fixture.ramp([2, 3]))
        let v3 = try NPY.readHeader(from: Fixture.url("version_3_0.npy"))
        #expect(v3.version == (3, 0) && v3.byteOrder == .big && v3.dtype == .int16)
        #expect(try NPY.read(Int16.self, from: Fixture.url("version_3_0.npy")).scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test("header dicts formatted unlike numpy: spaces, double quotes, trailing commas, 3L")
    func oddHeader() throws {
        let a = try NPY.read(Int16.self, from: Fixture.url("odd_header.npy"))
        #expect(a.shape == [2, 3] && a.scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test("in-memory data")
    func inMemory() throws {
        let data = try Data(contentsOf: Fixture.url("int64_be.npy"))
        #expect(try NPY.read(data: data) == Fixture.values(for: .int64))
        // A Data slice that does not start at index 0.
        let padded = Data([1, 2, 3]) + data
        #expect(try NPY.read(data: padded.dropFirst(3)) == Fixture.values(for: .int64))
    }

    @Test("conversions")
    func conversions() throws {
        let i = try NPY.read(from: Fixture.url("int32_le.npy"))
        #expect(i.asDouble().scalars == [0, 1, -1, -2147483648, 2147483647, 42])
        #expect(try NPY.read(from: Fixture.url("bool.npy")).asFloat().scalars == [1, 0, 1, 1, 0, 0])
        #expect(i.array(of: Double.self) == nil)
        let e = formatError { _ = try NPY.read(Double.self, from: Fixture.url("int32_le.npy")) }
        #expect(e?.kind == .unsupportedDType)
        #expect(e?.description.contains("int32_le.npy") == true)
        #expect(e?.description.contains("expected float64") == true)
    }
}

@Suite("NPY writing")
struct NPYWriteTests {
    @Test("Swift's bytes equal np.save's, every dtype", arguments: DType.allCases)
    func byteForByteDtypes(dtype: DType) throws {
        let expected = try Fixture.bytes(Fixture.name(dtype, .little))
        let array = Fixture.values(for: dtype)
        #expect([UInt8](NPY.encode(array)) == expected)
        let dir = try TemporaryDirectory()
        try NPY.write(array, to: dir.file("x.npy"))
        #expect([UInt8](try Data(contentsOf: dir.file("x.npy"))) == expected)
        #expect(try dir.contents() == ["x.npy"])
    }

    @Test("Swift's bytes equal np.save's, shapes", arguments: [
        ("save_1d.npy", [5]), ("save_2d.npy", [3, 4]), ("save_3d.npy", [2, 3, 4]), ("save_4d.npy", [2, 1, 3, 2]),
        ("save_empty.npy", [0]), ("save_empty_2d.npy", [3, 0]), ("save_long_axis.npy", [1_000_000_000_000, 0]),
    ])
    func byteForByteShapes(name: String, shape: [Int]) throws {
        let array = shape.contains(0) ? try NDArray<Double>(shape: shape, scalars: []) : try Fixture.ramp(shape)
        #expect([UInt8](NPY.encode(array)) == (try Fixture.bytes(name)))
    }

    @Test("Swift's bytes equal np.save's: 0-D, int32 3-D")
    func byteForByteOthers() throws {
        #expect([UInt8](NPY.encode(NDArray(scalar: 2.5))) == (try Fixture.bytes("save_0d.npy")))
        let i = try NDArray<Int32>(shape: [2, 3, 4], scalars: (0..<24).map(Int32.init))
        #expect([UInt8](NPY.encode(i)) == (try Fixture.bytes("save_int32_3d.npy")))
    }

    @Test("headers are padded to 64 bytes and end in a newline", arguments: [[], [1], [7, 123_456], [Int](repeating: 1, count: 28) + [2, 3]])
    func headerPadding(shape: [Int]) throws {
        let bytes = [UInt8](NPY.encode(try NDArray<UInt8>(repeating: 0, shape: shape)))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == 0x0A)
        #expect(bytes.count == 10 + headerLength + shape.reduce(1, *))
    }

    @Test("round trip Swift → file → Swift, every dtype and shapes 0-D…4-D", arguments: DType.allCases)
    func roundTrip(dtype: DType) throws {
        let dir = try TemporaryDirectory()
        let base = Fixture.values(for: dtype)
        try NPY.write(base, to: dir.file("a.npy"))
        #expect(try NPY.read(from: dir.file("a.npy")) == base)
        for shape in [[], [6], [1, 6], [3, 2, 1], [1, 2, 3, 1], [0, 4]] {
            let reshaped = try reshape(base, shape)
            try NPY.write(reshaped, to: dir.file("a.npy"))
            let back = try NPY.read(from: dir.file("a.npy"))
            #expect(back == reshaped, "shape \(shape)")
            #expect(back.shape == shape)
        }
        #expect(try dir.contents() == ["a.npy"])
    }

    @Test("generic write and typed read")
    func generic() throws {
        let dir = try TemporaryDirectory()
        let a = try NDArray<Float>(shape: [2, 2], scalars: [1, 2, 3, .nan])
        try NPY.write(a, to: dir.file("f.npy"))
        let b = try NPY.read(Float.self, from: dir.file("f.npy"))
        #expect(b.shape == [2, 2] && b.scalars.prefix(3) == [1, 2, 3] && b.scalars[3].isNaN)
    }

    private func reshape(_ a: AnyNDArray, _ shape: [Int]) throws -> AnyNDArray {
        let n = shape.reduce(1, *)
        func r<T: NPYScalar>(_ x: NDArray<T>) throws -> AnyNDArray {
            AnyNDArray(try NDArray(shape: shape, scalars: Array(x.scalars.prefix(n))))
        }
        switch a {
        case .float16(let x): return try r(x)
        case .float32(let x): return try r(x)
        case .float64(let x): return try r(x)
        case .int8(let x): return try r(x)
        case .int16(let x): return try r(x)
        case .int32(let x): return try r(x)
        case .int64(let x): return try r(x)
        case .uint8(let x): return try r(x)
        case .uint16(let x): return try r(x)
        case .uint32(let x): return try r(x)
        case .uint64(let x): return try r(x)
        case .bool(let x): return try r(x)
        case .complex64(let x): return try r(x)
        case .complex128(let x): return try r(x)
        }
    }

    @Test("complex, Fortran order, both byte orders: numpy's fixtures")
    func complexFortran() throws {
        let f = try NPY.read(from: Fixture.url("fortran_2d_c8_be.npy"))
        guard case let .complex64(a) = f else { Issue.record("not complex64: \(f.dtype)"); return }
        #expect(a.shape == [3, 4])
        // ramp + 1j * ramp[::-1]: element (i, j) = (4i + j) + 1j * (4(2 - i) + j)
        #expect(a[1, 2] == Complex(6, 6) && a[2, 3] == Complex(11, 3))
        let g = try NPY.read(from: Fixture.url("fortran_3d_c16.npy"))
        guard case let .complex128(b) = g else { Issue.record("not complex128: \(g.dtype)"); return }
        #expect(b.shape == [2, 3, 4] && b[1, 2, 3] == Complex(23, -46))
    }
}
