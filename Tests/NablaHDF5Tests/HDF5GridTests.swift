import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import Testing

/// A fixture of `Scripts/make_hdf5_fixtures.py`.
private func fixture(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/hdf5"),
                 "missing fixture hdf5/\(name); run Scripts/make_hdf5_fixtures.py")
}

/// np.gradient's results for a fixture, stacked along the first axis, split back into arrays.
private func expected(_ name: String) throws -> [NDArray<Double>] {
    let stacked = try #require(try NPY.read(from: fixture("expected/\(name).npy")).array(of: Double.self))
    let count = stacked.shape[0]
    let shape = Array(stacked.shape.dropFirst())
    let size = shape.reduce(1, *)
    return try (0..<count).map { k in try NDArray(shape: shape, scalars: Array(stacked.scalars[k * size..<(k + 1) * size])) }
}

private func expectBitwise(_ actual: [NDArray<Double>], _ expected: [NDArray<Double>],
                           sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
        #expect(a.shape == e.shape, sourceLocation: sourceLocation)
        #expect(a.scalars.map(\.bitPattern) == e.scalars.map(\.bitPattern), "values differ from np.gradient's",
                sourceLocation: sourceLocation)
    }
}

@Suite("HDF5 grids: openPMD meshes and dimension scales")
struct HDF5GridTests {
    @Test("openPMD scalar record, dataOrder C: axisLabels, gridSpacing, gridGlobalOffset; np.gradient bit for bit")
    func openPMDScalar() throws {
        let phi = try HDF5.readGridded(from: fixture("openpmd.h5"), dataset: "/data/100/meshes/phi")
        #expect(phi.name == "phi" && phi.shape == [4, 5, 6])
        #expect(phi.axes.map(\.name) == ["z", "y", "x"])
        #expect(phi.axes.map(\.uniform) == [UniformAxis(origin: 1, step: 0.3), UniformAxis(origin: -2, step: 0.2),
                                            UniformAxis(origin: 0.5, step: 0.1)])
        #expect(phi.axes.allSatisfy { $0.coordinates == nil && $0.units == nil })
        expectBitwise(try gradient(of: phi.values.asDouble(), spacing: phi.spacing), try expected("openpmd_phi"))
        // The grid, for VTK and netCDF outputs: offset + i·spacing.
        #expect(phi.axes[2].positions(count: 3) == [0.5, 0.5 + 0.1, 0.5 + 2 * 0.1])
        #expect(try phi.grid().axes[0].layout == .uniform(start: 1, step: 0.3))
    }

    @Test("si: gridSpacing and gridGlobalOffset times gridUnitSI, units m")
    func openPMDSI() throws {
        let phi = try HDF5.readGridded(from: fixture("openpmd.h5"), dataset: "data/100/meshes/phi", si: true)
        #expect(phi.axes.map(\.uniform?.step) == [0.3 * 1e-6, 0.2 * 1e-6, 0.1 * 1e-6])
        #expect(phi.axes.map(\.uniform?.origin) == [1e-6, -2 * 1e-6, 0.5 * 1e-6])
        #expect(phi.axes.allSatisfy { $0.units == "m" })
        expectBitwise(try gradient(of: phi.values.asDouble(), spacing: phi.spacing), try expected("openpmd_phi_si"))
    }

    @Test("dataOrder F: axisLabels, gridSpacing and gridGlobalOffset reversed to the C-order array")
    func openPMDFortran() throws {
        let phi = try HDF5.readGridded(from: fixture("openpmd_fortran.h5"), dataset: "/data/100/meshes/phi")
        #expect(phi.axes.map(\.name) == ["z", "y", "x"])
        #expect(phi.axes.map(\.uniform) == [UniformAxis(origin: 1, step: 0.3), UniformAxis(origin: -2, step: 0.2),
                                            UniformAxis(origin: 0.5, step: 0.1)])
        expectBitwise(try gradient(of: phi.values.asDouble(), spacing: phi.spacing), try expected("openpmd_fortran_phi"))
    }

    @Test("a component of a vector record takes the record's grid; a record group of one component stands for it")
    func openPMDComponents() throws {
        let url = try fixture("openpmd.h5")
        let x = try HDF5.readGridded(from: url, dataset: "/data/100/meshes/E/x")
        #expect(x.name == "E_x" && x.axes.map(\.name) == ["z", "y", "x"] && x.axes[0].uniform?.step == 0.3)
        let rho = try HDF5.readGridded(from: url, dataset: "/data/100/meshes/rho")
        #expect(rho.name == "rho_density" && rho.axes[2].uniform == UniformAxis(origin: 0, step: 0.1))
        let e = try #require(formatError { _ = try HDF5.readGridded(from: url, dataset: "/data/100/meshes/E") })
        #expect(e.message.contains("vector record") && e.message.contains("'x', 'y', 'z'"), "\(e)")
    }

    @Test("vector record: components ordered by axisLabels (z, y, x), not alphabetically; divergence and curl as numpy")
    func openPMDVector() throws {
        let field = try #require(try HDF5.readGriddedVectorField(from: fixture("openpmd.h5"), record: "/data/100/meshes/E"))
        #expect(field.name == "E" && field.components.map(\.name) == ["E_z", "E_y", "E_x"] && field.unusedComponents.isEmpty)
        #expect(field.axes.map(\.name) == ["z", "y", "x"])
        let components = field.components.map { $0.values.asDouble() }
        let spacing = field.axes.map(\.spacing)
        expectBitwise([try divergence(of: components, spacing: spacing)], try expected("openpmd_E_divergence"))
        expectBitwise(try curl(of: components, spacing: spacing), try expected("openpmd_E_curl"))
        // A group without openPMD attributes is not a mesh record.
        #expect(try HDF5.readGriddedVectorField(from: fixture("layouts.h5"), record: "/run1") == nil)
    }

    @Test("dimension scales: coordinates, names and units from the scales; a dimension without one has none")
    func dimensionScales() throws {
        let V = try HDF5.readGridded(from: fixture("scales.h5"), dataset: "/V")
        #expect(V.axes.map(\.name) == ["z", "y", "x"])
        #expect(V.axes[0].coordinates == nil && V.axes[0].uniform == nil)
        #expect(V.axes[1].coordinates == [10, 10.25, 10.5, 10.75, 11] && V.axes[1].units == "m")
        #expect(V.axes[2].coordinates == [0, 0.5, 1.2, 1.6, 2.5, 2.9] && V.axes[2].units == "m")
        #expect(V.units == "V")
        expectBitwise(try gradient(of: V.values.asDouble(), spacing: V.spacing), try expected("scales_V"))
    }

    @Test("a plain dataset has axes axis0, axis1, … without coordinates")
    func noGrid() throws {
        let a = try HDF5.readGridded(from: fixture("one.h5"))
        #expect(a.name == "only" && a.axes == [AxisInfo(name: "axis0"), AxisInfo(name: "axis1")])
    }

    @Test("bad grids: one error naming the file, the dataset and the dimension",
          arguments: [("/wrong_length", ["'/x5'", "dimension 1", "'/wrong_length'", "5 values", "length 6"]),
                      ("/nonmonotonic", ["'/zigzag'", "dimension 1", "'/nonmonotonic'", "strictly monotonic at index 3"]),
                      ("/two_dimensional", ["'/grid2d'", "dimension 0", "'/two_dimensional'", "1-D"]),
                      ("/spherical", ["'/spherical'", "geometry 'spherical'", "cartesian"])])
    func badGrids(dataset: String, mentions: [String]) throws {
        let url = try fixture("bad_grids.h5")
        let e = try #require(formatError { _ = try HDF5.readGridded(from: url, dataset: dataset) })
        let text = "\(e)"
        // The grid alone (for reads by planes) is refused with the same message.
        #expect("\(try #require(formatError { _ = try HDF5.grid(of: url, dataset: dataset) }))" == text)
        #expect(text.hasPrefix(url.path + ":"), "\(text)")
        for mention in mentions { #expect(text.contains(mention), "\(text) should mention \(mention)") }
        // The plain reader still reads the array.
        #expect(throws: Never.self) { _ = try HDF5.read(from: url, dataset: dataset) }
    }

    @Test("the grid without the values is the grid read with them (dimension scales, openPMD scalar records, components, si)",
          arguments: [("scales.h5", "/V", false), ("openpmd.h5", "/data/100/meshes/phi", false), ("openpmd.h5", "/data/100/meshes/phi", true),
                      ("openpmd.h5", "/data/100/meshes/rho", false), ("openpmd.h5", "/data/100/meshes/E/y", false),
                      ("openpmd_fortran.h5", nil, false)])
    func gridWithoutValues(file: String, dataset: String?, si: Bool) throws {
        let url = try fixture(file)
        let gridded = try HDF5.readGridded(from: url, dataset: dataset, si: si)
        let grid = try HDF5.grid(of: url, dataset: dataset, si: si)
        #expect(grid.axes == gridded.axes)
        #expect(grid.name == gridded.name && grid.units == gridded.units && grid.longName == gridded.longName)
        #expect(grid.shape == gridded.values.shape && grid.dtype == gridded.values.dtype)
        // The path it names reads the same values by planes.
        let reader = try HDF5.PlaneReader(url, dataset: grid.path)
        #expect(try reader.read(planes: 0..<grid.shape[0]) == gridded.values)
    }

    @Test("a vector record's grid without the values is the record's grid read with them")
    func vectorGridWithoutValues() throws {
        let url = try fixture("openpmd.h5")
        let record = try #require(try HDF5.readGriddedVectorField(from: url, record: "/data/100/meshes/E"))
        let grid = try #require(try HDF5.vectorFieldGrid(of: url, record: "/data/100/meshes/E"))
        #expect(grid.name == record.name && grid.unusedComponents == record.unusedComponents)
        #expect(grid.components.map(\.axes) == record.components.map(\.axes))
        #expect(grid.components.map(\.name) == record.components.map(\.name))
        for (component, gridded) in zip(grid.components, record.components) {
            #expect(try HDF5.PlaneReader(url, dataset: component.path).read(planes: 0..<component.shape[0]) == gridded.values)
        }
        // Not a vector record: nil, as for the read.
        #expect(try HDF5.vectorFieldGrid(of: url, record: "/data/100/meshes/phi") == nil)
    }
}
