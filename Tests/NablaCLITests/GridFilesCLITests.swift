import Foundation
import Nabla
import NablaFormats
import NablaNetCDF
import Testing

/// Files that carry their grid: netCDF in (no --spacing needed), netCDF and VTK out.
@Suite("CLI: netCDF and VTK")
struct GridFilesCLITests {
    /// A netCDF file with variable V(z, y, x), non-uniform x, uniform y, and z without coordinates.
    static func makeInput(_ box: Sandbox) throws -> (V: NDArray<Double>, x: [Double], y: [Double]) {
        let V = try field([4, 5, 6])
        let x: [Double] = [0, 0.5, 1.2, 1.6, 2.5, 2.9]
        let y: [Double] = [10, 10.25, 10.5, 10.75, 11]
        let axes = [AxisInfo(name: "z"), AxisInfo(name: "y", coordinates: y, units: "m"), AxisInfo(name: "x", coordinates: x, units: "m")]
        try NetCDF.write([NetCDF.Field(name: "V", values: AnyNDArray(V), units: "V")], axes: axes, to: box.url("in.nc"))
        return (V, x, y)
    }

    @Test("a netCDF input's coordinate variables are the spacing; a dimension without one gets step 1 and a note")
    func coordinatesFromFile() throws {
        let box = try Sandbox()
        let (V, x, y) = try Self.makeInput(box)
        let result = try box.run(["gradient", "in.nc", "-o", "g.npz"])
        #expect(result.status == 0 && result.stderr.contains("nabla: note:") && result.stderr.contains("'z'"), "\(result)")
        let expected = try gradient(of: V, spacing: [1, .coordinates(y), .coordinates(x)])
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: expected.map { AnyNDArray($0) })
        // An explicit spacing overrides the file's grid, with a note.
        let override = try box.run(["gradient", "in.nc", "--axis", "2", "--spacing", "0.1", "-o", "gx.npy"])
        #expect(override.status == 0 && override.stderr.contains("overrides"), "\(override)")
        expectIdentical(try box.readNPY("gx.npy"), AnyNDArray(try gradient(of: V, spacing: [0.1], axes: [2])[0]))
    }

    @Test("-o out.nc: dV_d<dim> on the input's dimensions, coordinates copied, units derived")
    func netCDFOutput() throws {
        let box = try Sandbox()
        let (V, x, y) = try Self.makeInput(box)
        try box.run(["gradient", "in.nc", "--axis", "1", "--axis", "2", "-o", "g.nc"])
        let dx = try NetCDF.read(from: box.url("g.nc"), variable: "dV_dx")
        let dy = try NetCDF.read(from: box.url("g.nc"), variable: "dV_dy")
        let expected = try gradient(of: V, spacing: [.coordinates(y), .coordinates(x)], axes: [1, 2])
        expectIdentical(dx.values, AnyNDArray(expected[1]))
        expectIdentical(dy.values, AnyNDArray(expected[0]))
        #expect(dx.axes.map(\.name) == ["z", "y", "x"] && dx.axes[2].coordinates == x && dx.units == "V m-1")
        // A .npy input: dimensions axis0, axis1 with the coordinates used.
        try box.write(try field([3, 4]), "f.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "0.5", "-o", "f.nc"])
        let f0 = try NetCDF.read(from: box.url("f.nc"), variable: "df_daxis0")
        #expect(f0.axes.map(\.name) == ["axis0", "axis1"] && f0.axes[0].coordinates == [0, 0.5, 1])
    }

    @Test("-o out.vti: ImageData with VTK's x the last axis; non-uniform grids need .vtr")
    func vtkOutput() throws {
        let box = try Sandbox()
        try box.write(try field([4, 3, 2]), "f.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "0.5", "--spacing", "2", "--spacing", "0.25", "-o", "g.vti", "--include-input"])
        let text = String(decoding: try box.bytes("g.vti").prefix(1200), as: UTF8.self)
        #expect(text.contains("WholeExtent=\"0 1 0 2 0 3\"") && text.contains("Spacing=\"0.25 2.0 0.5\""), "\(text)")
        for name in ["axis0", "axis1", "axis2", "f"] { #expect(text.contains("Name=\"\(name)\"")) }
        let (_, _, _) = try Self.makeInput(box)
        try box.fail(["gradient", "in.nc", "-o", "g2.vti"], mentions: ["g2.vti", "not uniformly spaced", ".vtr"], absent: ["g2.vti"])
        let vtr = try box.run(["gradient", "in.nc", "-o", "g2.vtr"])
        #expect(vtr.status == 0 && box.exists("g2.vtr"))
    }
}
