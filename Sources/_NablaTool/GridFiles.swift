import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import NablaNetCDF

/// Files that carry their grid: a netCDF variable's coordinate variables, an HDF5 dataset's dimension
/// scales or an openPMD mesh record's grid give each axis its coordinates, so no `--spacing` is needed;
/// results written as netCDF keep the dimensions and coordinates, as VTK ImageData/RectilinearGrid the
/// origin and spacing or coordinates.
extension FieldFiles {
    /// Reads one array with its grid: a netCDF variable (`key`, or the file's only data variable) with
    /// its dimensions and coordinate variables; an HDF5 dataset with its dimension scales or openPMD mesh
    /// attributes (`si`: the openPMD grid in metres, × `gridUnitSI`); for every other format the array with
    /// axes `axis0`, `axis1`, … and no coordinates.
    package static func readGridded(_ url: URL, key: String? = nil, column: String? = nil,
                                    allowExternal: Bool = false, si: Bool = false) throws(PipelineError) -> GriddedArray {
        let (file, dataset) = location(of: url)
        let format = try Format(of: url)
        if format == .nc || format.isHDF5 {
            try FileSafety.checkReadable(file)
            if column != nil { throw PipelineError("\(file.path): --column applies to .csv and .tsv tables only; use --key to choose a \(format == .nc ? "variable" : "dataset")") }
            if let key, let dataset, key.trimmingPrefix("/") != dataset.trimmingPrefix("/") {
                throw PipelineError("\(file.path): the path names dataset '\(dataset)' but --key names '\(key)'; give one")
            }
            do {
                if format == .nc { return try NetCDF.read(from: file, variable: key) }
                return try HDF5.readGridded(from: file, dataset: key ?? dataset, allowingExternalData: allowExternal, si: si)
            } catch {
                throw PipelineError.wrap(error, file: file.path)
            }
        }
        let values = try read(url, key: key, column: column, allowExternal: allowExternal)
        let name = key ?? column ?? file.deletingPathExtension().lastPathComponent
        return GriddedArray(name: name, values: values, axes: values.shape.indices.map { AxisInfo(name: "axis\($0)") })
    }

    /// The spacing numpy's varargs take for `axes` (nil: every axis) of a gridded array: the file's
    /// coordinates (or uniform step) where it has them, step 1 elsewhere; and a note for each axis without
    /// them in a netCDF file, or in an HDF5 file that gives some other axis a grid.
    /// `grid`: the array's name and axes (a ``GriddedArray``'s, or those of a dataset read by planes).
    static func spacing(from grid: (name: String, axes: [AxisInfo]), axes: [Int]?, file: URL) -> (spacing: [Spacing], notes: [String]) {
        guard let format = try? Format(of: file), format == .nc || format.isHDF5,
              let selected = try? normalizedAxes(axes, rank: grid.axes.count) else { return ([], []) }
        // A plain HDF5 dataset has no grid at all: index spacing, as always, without notes.
        if format.isHDF5 && !grid.axes.contains(where: \.isPositioned) { return ([], []) }
        let missing = format == .nc ? "coordinate variable" : "dimension scale"
        var notes: [String] = []
        for axis in selected where !grid.axes[axis].isPositioned {
            notes.append("\(location(of: file).file.path): dimension '\(grid.axes[axis].name)' of '\(grid.name)' has no \(missing); its derivatives use index spacing 1")
        }
        return (selected.map { grid.axes[$0].spacing }, notes)
    }

    /// The spacing for `axes` of a gridded input and the notes to print after success: the file's grid
    /// when `given` (the user's `--spacing`) is empty, else `given`, with a note when it overrides a grid
    /// stored in the file. `grid`: the array's name and axes.
    static func chosenSpacing(_ given: [Spacing], grid: (name: String, axes: [AxisInfo]), axes: [Int]?, file: URL) -> (spacing: [Spacing], notes: [String]) {
        if given.isEmpty { return spacing(from: grid, axes: axes, file: file) }
        if grid.axes.contains(where: \.isPositioned) {
            return (given, ["\(location(of: file).file.path): --spacing overrides the grid stored in the file"])
        }
        return (given, [])
    }

    /// The grid of the results: the input's axes, with the coordinates actually used along the selected
    /// axes (`spacing`: numpy's varargs for `axes`): a step `h` gives coordinates `0, h, 2h, …`.
    static func usedAxes(_ grid: GriddedArray, axes: [Int]?, spacing: [Spacing]) -> [AxisInfo] {
        var result = grid.axes
        guard let selected = try? normalizedAxes(axes, rank: grid.axes.count) else { return result }
        let given: [Spacing] = spacing.isEmpty ? [] : spacing.count == 1 ? Array(repeating: spacing[0], count: selected.count) : spacing
        for (position, axis) in selected.enumerated() where position < given.count {
            let n = grid.values.shape[axis]
            switch given[position] {
            case let .uniform(h) where grid.axes[axis].coordinates == nil && grid.axes[axis].uniform?.step == h:
                break  // the file's own uniform grid (openPMD), origin included
            case let .uniform(h): result[axis].coordinates = (0..<n).map { Double($0) * h }
            case let .coordinates(x): result[axis].coordinates = x
            case let .floatCoordinates(x): result[axis].coordinates = x.map { Double($0) }
            }
            if result[axis].coordinates != nil { result[axis].uniform = nil }
        }
        return result
    }

    /// Writes `arrays` with their grid `axes`: netCDF (one variable per array on the dimensions, the
    /// coordinate variables copied), VTK ImageData (`.vti`: uniform axes only; the last array axis is
    /// VTK's x) or RectilinearGrid (`.vtr`); any other format as ``write(_:to:)`` does.
    package static func writeGridded(_ arrays: [(name: String, array: AnyNDArray)], axes: [AxisInfo], to url: URL,
                                     netCDFFields: [NetCDF.Field]? = nil, overwrite: Bool = false) throws(PipelineError) {
        let (file, _) = location(of: url)
        let format = try Format(of: url)
        do {
            switch format {
            case .nc:
                let fields = netCDFFields ?? arrays.map { NetCDF.Field(name: $0.name, values: $0.array) }
                try NetCDF.write(fields, axes: axes, history: "nabla", to: file)
            case .vti:
                if let bad = axes.firstIndex(where: { $0.uniformStep == nil }) {
                    throw PipelineError("\(file.path): axis \(bad) ('\(axes[bad].name)') is not uniformly spaced, and VTK ImageData needs uniform spacing; write a .vtr (RectilinearGrid) instead")
                }
                try VTK.writeImageData(arrays, origin: axes.map(\.origin), spacing: axes.map { $0.uniformStep ?? 1 }, to: file)
            case .vtr:
                let coordinates = zip(axes, arrays.first?.array.shape ?? []).map { axis, n in axis.positions(count: n) ?? (0..<n).map(Double.init) }
                try VTK.writeRectilinearGrid(arrays, coordinates: coordinates, to: file)
            default:
                try write(arrays, to: url, overwrite: overwrite)
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.wrap(error, file: file.path)
        }
    }
}

extension PipelineError {
    /// Reading a format Nabla only writes.
    static func outputOnly(_ file: URL, _ format: FieldFiles.Format) -> PipelineError {
        PipelineError("\(file.path): .\(format.rawValue) (VTK) is an output format; nabla reads .npy, .npz, .csv, .tsv, .h5 and .nc files")
    }
}
