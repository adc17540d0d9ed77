import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import NablaNetCDF
import Testing

/// HDF5 files that carry their grid: openPMD mesh records and dimension scales, differentiated without
/// --spacing. The fixtures and np.gradient's results come from Scripts/make_hdf5_fixtures.py.
@Suite("CLI: openPMD and HDF5 dimension scales")
struct HDF5GridCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("NablaHDF5Tests/Fixtures/hdf5")

    /// Copies a fixture into the sandbox under its own name.
    static func copy(_ name: String, to box: Sandbox) throws {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: box.url(name))
    }

    /// np.gradient's results for a fixture (stacked along the first axis), one array per slice.
    static func expected(_ name: String) throws -> [AnyNDArray] {
        let stacked = try #require(try NPY.read(from: fixtures.appendingPathComponent("expected/\(name).npy")).array(of: Double.self))
        let shape = Array(stacked.shape.dropFirst())
        let size = shape.reduce(1, *)
        return try (0..<stacked.shape[0]).map { k in
            AnyNDArray(try NDArray(shape: shape, scalars: Array(stacked.scalars[k * size..<(k + 1) * size])))
        }
    }

    static let phi = "openpmd.h5:/data/100/meshes/phi"

    @Test("openPMD scalar record: gridSpacing gives the spacing, np.gradient bit for bit, no notes")
    func openPMDGradient() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        try box.succeed(["gradient", Self.phi, "-o", "g.npz"])
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: try Self.expected("openpmd_phi"))
        // One axis, by itself.
        try box.succeed(["gradient", Self.phi, "--axis", "-1", "-o", "gx.npy"])
        expectIdentical(try box.readNPY("gx.npy"), try Self.expected("openpmd_phi")[2])
    }

    @Test("--si: the grid times gridUnitSI")
    func openPMDSI() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        try box.succeed(["gradient", Self.phi, "--si", "-o", "g.npz"])
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: try Self.expected("openpmd_phi_si"))
    }

    @Test("dataOrder F: the labels and spacings reversed to match the C-order array")
    func openPMDFortran() throws {
        let box = try Sandbox()
        try Self.copy("openpmd_fortran.h5", to: box)
        try box.succeed(["gradient", "openpmd_fortran.h5:/data/100/meshes/phi", "-o", "g.npz"])
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: try Self.expected("openpmd_fortran_phi"))
    }

    @Test("an explicit --spacing overrides the openPMD grid, with a note")
    func override() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        let result = try box.run(["gradient", Self.phi, "--spacing", "0.5", "-o", "g.npz"])
        #expect(result.status == 0 && result.stderrLines.count == 1 && result.stderr.contains("nabla: note:")
                && result.stderr.contains("overrides"), "\(result)")
        let phi = try HDF5Values.phi()
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: wrap(try gradient(of: phi, spacing: [0.5])))
    }

    @Test("laplacian of an openPMD record uses its grid")
    func openPMDLaplacian() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        try box.succeed(["laplacian", Self.phi, "-o", "lap.npy"])
        let expected = try laplacian(of: try HDF5Values.phi(), spacing: [0.3, 0.2, 0.1])
        expectIdentical(try box.readNPY("lap.npy"), AnyNDArray(expected))
    }

    @Test("openPMD vector record: divergence and curl with components in axisLabels order, np.gradient bit for bit")
    func openPMDVector() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        try box.succeed(["divergence", "openpmd.h5:/data/100/meshes/E", "-o", "div.npy"])
        expectIdentical(try box.readNPY("div.npy"), try Self.expected("openpmd_E_divergence")[0])
        try box.succeed(["curl", "openpmd.h5:/data/100/meshes/E", "-o", "curl.npz"])
        expectArchive(try box.readNPZ("curl.npz"), names: ["axis0", "axis1", "axis2"], arrays: try Self.expected("openpmd_E_curl"))
        // A record of several components is not a scalar field.
        try box.fail(["gradient", "openpmd.h5:/data/100/meshes/E", "-o", "g.npz"], mentions: ["vector record", "'x', 'y', 'z'"],
                     absent: ["g.npz"])
    }

    @Test("VTK and netCDF outputs: coordinates gridGlobalOffset + i·gridSpacing")
    func openPMDGridOutputs() throws {
        let box = try Sandbox()
        try Self.copy("openpmd.h5", to: box)
        try box.succeed(["gradient", Self.phi, "-o", "g.vti"])
        let text = String(decoding: try box.bytes("g.vti").prefix(600), as: UTF8.self)
        #expect(text.contains("Origin=\"0.5 -2.0 1.0\"") && text.contains("Spacing=\"0.1 0.2 0.3\""), "\(text)")
        try box.succeed(["gradient", Self.phi, "-o", "g.nc"])
        let dx = try NetCDF.read(from: box.url("g.nc"), variable: "dphi_dx")
        #expect(dx.axes.map(\.name) == ["z", "y", "x"])
        #expect(dx.axes[2].coordinates == (0..<6).map { 0.5 + Double($0) * 0.1 })
        expectIdentical(dx.values, try Self.expected("openpmd_phi")[2])
    }

    @Test("HDF5 dimension scales: coordinates from the scales, a note for the dimension without one")
    func dimensionScales() throws {
        let box = try Sandbox()
        try Self.copy("scales.h5", to: box)
        let result = try box.run(["gradient", "scales.h5:/V", "-o", "g.npz"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains("nabla: note:") && result.stderr.contains("'z'")
                && result.stderr.contains("dimension scale"), "\(result)")
        expectArchive(try box.readNPZ("g.npz"), names: ["axis0", "axis1", "axis2"], arrays: try Self.expected("scales_V"))
        // The grid is kept in a RectilinearGrid output.
        try box.succeed(["gradient", "scales.h5:/V", "--axis", "2", "-o", "g.vtr"])
        let text = String(decoding: try box.bytes("g.vtr"), as: UTF8.self)
        #expect(text.contains("RectilinearGrid"))
    }

    @Test("a plain HDF5 dataset: index spacing, no notes, as before")
    func plainDataset() throws {
        let box = try Sandbox()
        try Self.copy("one.h5", to: box)
        try box.succeed(["gradient", "one.h5", "-o", "g.npz"])
        #expect(try box.readNPZ("g.npz").map(\.name) == ["axis0", "axis1"])
    }

    @Test("bad grids: exit 1, one error line naming the file, dataset and dimension, no output",
          arguments: [("wrong_length", ["bad_grids.h5", "'/x5'", "dimension 1", "'/wrong_length'", "length 6"]),
                      ("nonmonotonic", ["bad_grids.h5", "'/zigzag'", "dimension 1", "'/nonmonotonic'", "monotonic"]),
                      ("two_dimensional", ["bad_grids.h5", "'/grid2d'", "dimension 0", "1-D"]),
                      ("spherical", ["bad_grids.h5", "'/spherical'", "spherical", "cartesian"])])
    func badGrids(dataset: String, mentions: [String]) throws {
        let box = try Sandbox()
        try Self.copy("bad_grids.h5", to: box)
        try box.fail(["gradient", "bad_grids.h5:/\(dataset)", "-o", "g.npz"], mentions: mentions, absent: ["g.npz"])
        try box.fail(["laplacian", "bad_grids.h5:/\(dataset)", "-o", "l.npy"], mentions: mentions, absent: ["l.npy"])
    }
}

/// Fixture arrays read with the library's plain HDF5 reader.
enum HDF5Values {
    /// `/data/100/meshes/phi` of openpmd.h5.
    static func phi() throws -> NDArray<Double> {
        try #require(try HDF5.read(from: HDF5GridCLITests.fixtures.appendingPathComponent("openpmd.h5"), dataset: "/data/100/meshes/phi")
            .array(of: Double.self))
    }
}
