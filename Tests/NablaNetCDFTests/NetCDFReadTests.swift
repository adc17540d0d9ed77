import Foundation
import Nabla
import NablaFormats
import NablaNetCDF
import Testing

/// The fixtures written by `Fixtures/make_fixtures.py` (netCDF4-python), and numpy's gradients of them.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                     "missing fixture \(name); run Tests/NablaNetCDFTests/Fixtures/make_fixtures.py")
    }

    static func npy<T: NPYScalar>(_ name: String, as type: T.Type) throws -> NDArray<T> {
        try NPY.read(T.self, from: url(name))
    }
}

@Suite("netCDF reading")
struct NetCDFReadTests {
    @Test("netCDF-3 classic: values, non-uniform coordinates and attributes")
    func classic() throws {
        let t = try NetCDF.read(from: Fixture.url("classic_nonuniform.nc"))  // the only data variable
        #expect(t.name == "T")
        #expect(t.units == "K")
        #expect(t.longName == "temperature")
        #expect(t.values.dtype == .float64)
        #expect(t.shape == [5, 6])
        #expect(t.axes.map(\.name) == ["y", "x"])
        #expect(t.axes[0].coordinates == [10, 8, 7, 4, 0])
        #expect(t.axes[1].coordinates == [0, 0.5, 1, 3, 5, 7])
        #expect(t.axes.map(\.units) == ["m", "m"])
        #expect(t.axes.map(\.longName) == ["northing", "easting"])
        #expect(t.axes[1].uniformStep == nil)
    }

    @Test("np.gradient(T, y, x) exactly, with the file's grid", arguments: [1, 2])
    func classicGradient(edgeOrder: Int) throws {
        let t = try NetCDF.read(from: Fixture.url("classic_nonuniform.nc"), variable: "T")
        let f = try #require(t.values.array(of: Double.self))
        let d = try gradient(of: f, spacing: t.spacing, edgeOrder: edgeOrder)
        let suffix = edgeOrder == 2 ? "_edge2" : ""
        #expect(d[0] == (try Fixture.npy("classic_nonuniform_dT_dy\(suffix).npy", as: Double.self)))
        #expect(d[1] == (try Fixture.npy("classic_nonuniform_dT_dx\(suffix).npy", as: Double.self)))
        // The same through the grid.
        #expect(try t.grid().gradient(of: f, edgeOrder: edgeOrder) == d)
    }

    @Test("netCDF-4, deflate-compressed float32 with uniform coordinates: np.gradient(V, z, y, x) to the bit")
    func netCDF4() throws {
        let v = try NetCDF.read(from: Fixture.url("netcdf4_deflate.nc"), variable: "V")
        #expect(v.values.dtype == .float32)
        #expect(v.shape == [3, 4, 5])
        #expect(v.units == "V")
        #expect(v.axes.map(\.uniformStep) == [2, 0.5, 0.25])
        // Uniform coordinates are collapsed by numpy to a float64 step: Float data is differentiated in Double.
        let f = try #require(v.values.array(of: Float.self))
        let d = try gradient(of: f, spacing: v.spacing)
        for (k, name) in ["z", "y", "x"].enumerated() {
            #expect(d[k] == (try Fixture.npy("netcdf4_deflate_dV_d\(name).npy", as: Float.self)), "axis \(name)")
        }
        let mask = try NetCDF.read(from: Fixture.url("netcdf4_deflate.nc"), variable: "mask")
        #expect(mask.values == .int16(try Fixture.npy("netcdf4_deflate_mask.npy", as: Int16.self)))
        #expect(try NetCDF.read(from: Fixture.url("netcdf4_deflate.nc"), variable: "flags").values.dtype == .uint8)
        #expect(try NetCDF.variableNames(in: Fixture.url("netcdf4_deflate.nc")) == ["V", "mask", "flags"])
    }

    @Test("a dimension without coordinate variable has nil coordinates and step 1 (CDF-2, int32)")
    func noCoordinate() throws {
        let p = try NetCDF.read(from: Fixture.url("no_coordinate.nc"))
        #expect(p.values.dtype == .int32)
        #expect(p.axes[0] == AxisInfo(name: "t"))
        #expect(p.axes[1].coordinates == [1, 2, 4, 8, 16])
        #expect(p.axes[1].units == "km")
        #expect(p.spacing == [.uniform(1), .coordinates([1, 2, 4, 8, 16])])
        let f = try #require(p.values.array(of: Int32.self))
        let d = try gradient(of: f, spacing: p.spacing)
        #expect(d[0] == (try Fixture.npy("no_coordinate_dP_dt.npy", as: Double.self)))
        #expect(d[1] == (try Fixture.npy("no_coordinate_dP_dx.npy", as: Double.self)))
        #expect(p.derivativeUnits(along: 0) == nil)
        #expect(p.derivativeUnits(along: 1) == "Pa km-1")
    }

    @Test("CDF-5: unsigned values and a decreasing int64 coordinate")
    func cdf5() throws {
        let u = try NetCDF.read(from: Fixture.url("cdf5_unsigned.nc"))
        #expect(u.values == .uint16(NDArray([5, 4, 3, 65535])))
        #expect(u.axes[0].coordinates == [3, 2, 1, 0])
        #expect(u.axes[0].uniformStep == -1)
    }

    /// Each bad input gives one error of the right kind whose message names the variable and the problem.
    @Test("bad inputs are refused with one clear error", arguments: [
        ("bad_nonmonotonic.nc", nil, FormatError.Kind.invalidShape, ["coordinate variable 'x'", "not strictly monotonic at index 3", "3.0 then 2.0"]),
        ("bad_repeated.nc", nil, .invalidShape, ["coordinate variable 'x'", "index 1 and 2 are both 1.0"]),
        ("bad_2d_coordinate.nc", "f", .invalidShape, ["coordinate variable 'x'", "(x=3, y=4)", "must be 1-D"]),
        ("bad_wrong_dimension.nc", nil, .invalidShape, ["coordinate variable 'x'", "(t=3)", "dimension 'x' (length 5)"]),
        ("bad_char.nc", "station", .unsupportedDType, ["variable 'station' holds text"]),
        ("bad_string.nc", nil, .unsupportedDType, ["variable 'label' holds strings"]),
        ("bad_string_coordinate.nc", "f", .unsupportedDType, ["coordinate variable 'city' holds strings"]),
        ("bad_compound.nc", nil, .unsupportedDType, ["variable 'pairs' has the compound type 'pair_t'"]),
        ("bad_packed.nc", nil, .unsupportedDType, ["variable 'p' is packed"]),
        ("netcdf4_deflate.nc", nil, .invalidName, ["3 data variables", "V(z, y, x), mask(z, y, x), flags(z, y, x)", "name the variable"]),
        ("netcdf4_deflate.nc", "W", .invalidName, ["no variable 'W'", "V(z, y, x)"]),
        ("not_netcdf.nc", nil, .badMagic, ["cannot open the file as netCDF", "Unknown file format"]),
        ("missing.nc", nil, .io, ["cannot open the file as netCDF", "No such file"]),
    ] as [(String, String?, FormatError.Kind, [String])])
    func badInputs(file: String, variable: String?, kind: FormatError.Kind, fragments: [String]) throws {
        let url = file == "missing.nc"
            ? try Fixture.url("not_netcdf.nc").deletingLastPathComponent().appendingPathComponent(file)
            : try Fixture.url(file)
        let error = try #require(throws: FormatError.self) { try NetCDF.read(from: url, variable: variable) }
        #expect(error.kind == kind, "\(error)")
        #expect(error.file == url.path)
        for fragment in fragments { #expect(error.message.contains(fragment), "\(error.message) lacks \(fragment)") }
    }

    @Test("describe gives read's name, dtype and shape without values, and its refusals")
    func describe() throws {
        var compared = 0
        for name in ["classic_nonuniform.nc", "netcdf4_deflate.nc", "cdf5_unsigned.nc", "no_coordinate.nc", "bad_packed.nc"] {
            let url = try Fixture.url(name)
            switch (Result { try NetCDF.read(from: url) }, Result { try NetCDF.describe(url) }) {
            case let (.success(read), .success(described)):
                compared += 1
                #expect(described.name == read.name && described.shape == read.values.shape, "\(name)")
                #expect(described.dtype.itemSize == read.values.dtype.itemSize, "\(name): \(described.dtype) vs \(read.values.dtype)")
            case (.failure, .failure), (.failure, .success):
                continue  // read refuses more (packed values, bad coordinates) than the header shows
            case let (.success, .failure(error)):
                Issue.record("\(name): read succeeds but describe throws \(error)")
            }
        }
        #expect(compared >= 3)
        let text = try Fixture.url("bad_char.nc")
        #expect(throws: FormatError.self) { _ = try NetCDF.describe(text) }
        #expect(throws: FormatError.self) { _ = try NetCDF.describe(try Fixture.url("not_netcdf.nc")) }
    }
}
