import Foundation
import Nabla
import NablaFormats
@testable import NablaNetCDF
import Testing

/// A fresh empty folder, removed afterwards.
func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-netcdf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder)
}

func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

@Suite("netCDF writing")
struct NetCDFWriteTests {
    @Test("derivatives of a file written and read back, with CF attributes")
    func roundTrip() throws {
        let source = try NetCDF.read(from: Fixture.url("classic_nonuniform.nc"))
        let f = try #require(source.values.array(of: Double.self))
        let d = try gradient(of: f, spacing: source.spacing)
        let fields = d.indices.map { NetCDF.Field(derivativeOf: source, along: $0, values: AnyNDArray(d[$0])) }
        #expect(fields.map(\.name) == ["dT_dy", "dT_dx"])
        #expect(fields.map(\.units) == ["K m-1", "K m-1"])
        #expect(fields[1].longName == "derivative of temperature with respect to x")
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("dT.nc")
            try NetCDF.write(fields, axes: source.axes, history: "nabla gradient classic_nonuniform.nc", deflateLevel: 4, to: url)
            #expect(try contents(of: folder) == ["dT.nc"])
            #expect(try NetCDF.variableNames(in: url) == ["dT_dy", "dT_dx"])
            for (k, field) in fields.enumerated() {
                let back = try NetCDF.read(from: url, variable: field.name)
                #expect(back.values == .float64(d[k]))
                #expect(back.axes == source.axes)
                #expect(back.units == "K m-1")
                #expect(back.longName == field.longName)
            }
            let (conventions, history) = try NCFile.reading(url) { (file: NCFile) throws(FormatError) in
                (try file.textAttribute("Conventions", of: nil), try file.textAttribute("history", of: nil))
            }
            #expect(conventions == "CF-1.8")
            #expect(history?.hasSuffix("Z nabla gradient classic_nonuniform.nc") == true)
        }
    }

    @Test("every writable dtype round-trips; float16 becomes float32, bool uint8; axes without coordinates stay without")
    func dtypes() throws {
        let shape = [2, 3]
        func make<T: NPYScalar>(_ values: [T]) throws -> AnyNDArray { AnyNDArray(try NDArray(shape: shape, scalars: values)) }
        let fields: [NetCDF.Field] = [
            .init(name: "i8", values: try make([-128, 0, 1, 2, 3, 127] as [Int8])),
            .init(name: "u8", values: try make([0, 1, 2, 3, 4, 255] as [UInt8])),
            .init(name: "i16", values: try make([-32768, 0, 1, 2, 3, 32767] as [Int16])),
            .init(name: "u16", values: try make([0, 1, 2, 3, 4, 65535] as [UInt16])),
            .init(name: "i32", values: try make([.min, 0, 1, 2, 3, .max] as [Int32])),
            .init(name: "u32", values: try make([0, 1, 2, 3, 4, .max] as [UInt32])),
            .init(name: "i64", values: try make([.min, 0, 1, 2, 3, .max] as [Int64])),
            .init(name: "u64", values: try make([0, 1, 2, 3, 4, .max] as [UInt64])),
            .init(name: "f32", values: try make([-0.0, 1.5, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude] as [Float])),
            .init(name: "f64", values: try make([-0.0, 1.5, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude] as [Double])),
            .init(name: "f16", values: try make([0.5, 1, 2, 3, 4, 65504] as [Float16])),
            .init(name: "b", values: try make([true, false, true, true, false, false])),
        ]
        let axes = [AxisInfo(name: "row"), AxisInfo(name: "col", coordinates: [0, 1, 3], units: "s")]
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("all.nc")
            try NetCDF.write(fields, axes: axes, to: url)
            for field in fields {
                let back = try NetCDF.read(from: url, variable: field.name)
                switch field.values {
                case .float16: #expect(back.values == .float32(field.values.asFloat()))
                case .bool(let a): #expect(back.values == .uint8(a.map { $0 ? 1 : 0 }))
                default: #expect(back.values == field.values, "\(field.name)")
                }
                #expect(back.axes == axes)
                #expect(back.units == nil && back.longName == nil)
            }
        }
    }

    @Test("a write refused before creating anything leaves no file", arguments: [
        ("shapes differ", FormatError.Kind.invalidShape, "has shape [3] but 'a' has shape [2]"),
        ("rank differs from axes", .invalidShape, "2 dimensions were given"),
        ("coordinates of the wrong length", .invalidShape, "has 2 samples but 3 coordinates"),
        ("repeated coordinates", .invalidShape, "the values at index 0 and 1 are both 1.0"),
        ("name used twice", .invalidName, "'x' is empty or already used"),
        ("no fields", .invalidShape, "no fields were given"),
    ])
    func refusedBeforeWriting(_ situation: String, kind: FormatError.Kind, fragment: String) throws {
        let a = NetCDF.Field(name: "a", values: .float64(NDArray([1, 2])))
        let x = AxisInfo(name: "x", coordinates: [0, 1])
        let (fields, axes): ([NetCDF.Field], [AxisInfo]) = switch situation {
        case "shapes differ": ([a, .init(name: "b", values: .float64(NDArray([1, 2, 3])))], [x])
        case "rank differs from axes": ([a], [x, AxisInfo(name: "y")])
        case "coordinates of the wrong length": ([a], [AxisInfo(name: "x", coordinates: [0, 1, 2])])
        case "repeated coordinates": ([a], [AxisInfo(name: "x", coordinates: [1, 1])])
        case "name used twice": ([.init(name: "x", values: a.values)], [x])
        default: ([], [x])
        }
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("out.nc")
            let error = try #require(throws: FormatError.self) { try NetCDF.write(fields, axes: axes, to: url) }
            #expect(error.kind == kind)
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(try contents(of: folder) == [])
        }
    }

    @Test("a write that fails inside libnetcdf removes its temporary file and keeps the old target")
    func failedWriteLeavesNoFile() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("out.nc")
            try Data("old".utf8).write(to: url)
            // '/' is not allowed in netCDF names: nc_def_var fails after the file was created.
            let fields = [NetCDF.Field(name: "a/b", values: .float64(NDArray([1, 2])))]
            let error = try #require(throws: FormatError.self) {
                try NetCDF.write(fields, axes: [AxisInfo(name: "x")], to: url)
            }
            #expect(error.kind == .invalidName)
            #expect(error.message.contains("variable 'a/b'"), "\(error)")
            #expect(error.message.contains("Name contains illegal characters"), "\(error)")
            #expect(try contents(of: folder) == ["out.nc"])
            #expect(try Data(contentsOf: url) == Data("old".utf8))
        }
    }

    @Test("a folder that does not exist gives an I/O error naming the file")
    func missingFolder() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("no/such/folder/out.nc")
            let error = try #require(throws: FormatError.self) {
                try NetCDF.write([NetCDF.Field(name: "a", values: .float64(NDArray([1, 2])))], axes: [AxisInfo(name: "x")], to: url)
            }
            #expect(error.kind == .io)
            #expect(error.file == url.path)
            #expect(error.message.contains("cannot create a temporary file"), "\(error)")
        }
    }
}

@Suite("gridded array")
struct GriddedArrayTests {
    let array = GriddedArray(
        name: "E", values: .float64(try! NDArray(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])),
        axes: [AxisInfo(name: "t", coordinates: [0, 10], units: "days since 2000-01-01"),
               AxisInfo(name: "x", coordinates: [0, 0.5, 1.5], units: "m")],
        units: "V", longName: "potential")

    @Test("derivative units in UDUNITS syntax, nil when not derivable")
    func units() {
        #expect(array.derivativeUnits(along: 1) == "V m-1")
        #expect(array.derivativeUnits(along: 0) == nil)  // reference-time units
        var dimensionless = array
        dimensionless.units = "1"
        #expect(dimensionless.derivativeUnits(along: 1) == "m-1")
        dimensionless.units = nil
        #expect(dimensionless.derivativeUnits(along: 1) == nil)
        #expect(array.derivativeLongName(along: 1) == "derivative of potential with respect to x")
    }

    @Test("spacing and grid: coordinates as given, uniform ones reported by uniformStep")
    func spacing() throws {
        #expect(array.spacing == [.coordinates([0, 10]), .coordinates([0, 0.5, 1.5])])
        #expect(array.axes.map(\.uniformStep) == [10, nil])
        #expect(try array.grid().shape == [2, 3])
        #expect(AxisInfo(name: "n").uniformStep == 1)
        // numpy's rule: steps exactly equal to x[1] - x[0]; 0.1, 0.2, 0.3 are not (0.30000000000000004 - 0.2).
        #expect(AxisInfo(name: "a", coordinates: [0, 0.1, 0.2, 0.30000000000000004]).uniformStep == nil)
    }
}

/// Writes `dT.nc` (the derivatives of `classic_nonuniform.nc`, deflated) and `dV.nc` (of the float32
/// `netcdf4_deflate.nc`) into the folder named by `NABLA_NETCDF_CHECK_DIR`, for
/// `Fixtures/check_netcdf.py`. Runs only when that variable is set (by hand).
@Test("files for check_netcdf.py", .enabled(if: ProcessInfo.processInfo.environment["NABLA_NETCDF_CHECK_DIR"] != nil))
func writeFilesForPythonCheck() throws {
    let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["NABLA_NETCDF_CHECK_DIR"]!)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let t = try NetCDF.read(from: Fixture.url("classic_nonuniform.nc"))
    let dT = try gradient(of: try #require(t.values.array(of: Double.self)), spacing: t.spacing)
    try NetCDF.write(dT.indices.map { NetCDF.Field(derivativeOf: t, along: $0, values: .float64(dT[$0])) },
                     axes: t.axes, history: "nabla gradient classic_nonuniform.nc", deflateLevel: 4,
                     to: folder.appendingPathComponent("dT.nc"))
    let v = try NetCDF.read(from: Fixture.url("netcdf4_deflate.nc"), variable: "V")
    let dV = try gradient(of: try #require(v.values.array(of: Float.self)), spacing: v.spacing)
    try NetCDF.write(dV.indices.map { NetCDF.Field(derivativeOf: v, along: $0, values: .float32(dV[$0])) },
                     axes: v.axes, to: folder.appendingPathComponent("dV.nc"))
}
