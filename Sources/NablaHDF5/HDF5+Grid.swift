import Foundation
import Nabla
import NablaFormats

// HDF5 datasets read with the grid they are sampled on: HDF5 dimension scales (h5py's `dims`, xarray,
// h5netcdf, netCDF-4) and openPMD mesh records (WarpX, PIConGPU, …). This file interprets attributes;
// every libhdf5 call goes through `HDF5.Session` in HDF5.swift.

/// A vector field read from an openPMD vector mesh record: one component per axis, with the grid.
public struct GriddedVectorField: Sendable, Equatable {
    /// The record's name (`"E"`).
    public var name: String
    /// The component along each axis, in axis order: for a 3-D record with `axisLabels` `("z", "y", "x")`
    /// (C order), the components `z`, `y` and `x`, each named `"E_z"`, … and carrying the grid.
    public var components: [GriddedArray]
    /// Components of the record that lie along no axis (`y` of a 2-D `(x, z)` WarpX record), not read.
    public var unusedComponents: [String]

    /// The shared grid: one ``AxisInfo`` per axis.
    public var axes: [AxisInfo] { components.first?.axes ?? [] }
}

/// A dataset's grid without its values (``HDF5/grid(of:dataset:allowingExternalData:si:)``): what a
/// reader of planes (``HDF5/PlaneReader``) needs to know before reading any.
public struct DatasetGrid: Sendable, Equatable {
    /// The dataset's path in the file (`/group/name`), an openPMD scalar record resolved to its component.
    public var path: String
    /// The name ``GriddedArray/name`` would have.
    public var name: String
    /// The element type of the values.
    public var dtype: DType
    /// The dataset's shape.
    public var shape: [Int]
    /// One entry per axis, as ``GriddedArray/axes``.
    public var axes: [AxisInfo]
    /// The dataset's `units` and `long_name` attributes, if any.
    public var units: String?
    public var longName: String?
}

extension HDF5 {
    // MARK: Reading with the grid

    /// Reads one dataset with its grid: the coordinates of its HDF5 dimension scales, or the uniform grid of
    /// an openPMD mesh record, whichever it has; without either, axes `axis0`, `axis1`, … without
    /// coordinates.
    ///
    /// ```swift
    /// let phi = try HDF5.readGridded(from: url, dataset: "/data/100/meshes/phi")
    /// let E = try gradient(of: phi.values.asDouble(), spacing: phi.spacing)   // np.gradient(phi, dz, dy, dx)
    /// ```
    ///
    /// **Dimension scales** (`f['x'].make_scale('x'); f['V'].dims[2].attach_scale(f['x'])` in h5py): the
    /// first scale attached to each dimension gives that axis its coordinates (as `Double`), its name (the
    /// scale's `NAME` attribute, else the scale dataset's name) and its `units`/`long_name` attributes. A
    /// dimension without a scale keeps its label (`dims[k].label`) or is named `axis<k>`, with no coordinates.
    /// netCDF-4's placeholder scales for dimensions without a coordinate variable count as no coordinates.
    ///
    /// **openPMD mesh records** (standard 1.1): a dataset (scalar record) or a dataset inside a record group
    /// (a component, such as `meshes/E/x`) whose record has `gridSpacing`. Axis `k` is uniform, starting at
    /// `gridGlobalOffset[k]` with step `gridSpacing[k]` (× `gridUnitSI` when `si` is true, the axes then
    /// having units `"m"`), named `axisLabels[k]`; with `dataOrder` `"F"` the three lists are reversed to
    /// match the C-order array, as the standard asks. A record group with one component stands for it. The
    /// values stay in the file's units (openPMD's `unitSI` is not applied) and each component's `position`
    /// inside the cell is not added to the origin.
    ///
    /// - Parameters:
    ///   - url: the HDF5 file.
    ///   - dataset: the dataset's path, or a group holding exactly one dataset (default: the file's only one).
    ///   - allowingExternalData: as for ``read(from:dataset:allowingExternalData:)``.
    ///   - si: multiply openPMD grids by `gridUnitSI`; other grids are unaffected.
    /// - Throws: `FormatError` as ``read(from:dataset:allowingExternalData:)`` does, and, naming the file, the
    ///   dataset and the dimension: a dimension scale that is not 1-D, not numeric, of the wrong length or not
    ///   finite and strictly monotonic; an openPMD record with a `geometry` other than `cartesian`, a
    ///   `dataOrder` other than `C` or `F`, or `gridSpacing`, `gridGlobalOffset` or `axisLabels` of the wrong
    ///   length or type; a vector record (name one of its components, or read it with
    ///   ``readGriddedVectorField(from:record:allowingExternalData:si:)``).
    public static func readGridded(from url: URL, dataset: String? = nil, allowingExternalData: Bool = false,
                                   si: Bool = false) throws(FormatError) -> GriddedArray {
        try withSession(url, allowingExternalData: allowingExternalData) { (session: Session) throws(FormatError) -> GriddedArray in
            try gridded(session, dataset: try griddedPath(session, dataset: dataset), si: si)
        }
    }

    /// The grid ``readGridded(from:dataset:allowingExternalData:si:)`` reads with the dataset, without
    /// the dataset's values: for a field read a few planes at a time (``PlaneReader`` at
    /// ``DatasetGrid/path``).
    ///
    /// ```
    /// grid(of: url, dataset: d).axes  ==  readGridded(from: url, dataset: d).axes
    /// ```
    ///
    /// - Throws: `FormatError` as ``readGridded(from:dataset:allowingExternalData:si:)`` does, except that
    ///   the values are not read (a dataset larger than memory is not refused).
    /// - Complexity: the dataset's metadata and its dimension scales' values are read.
    public static func grid(of url: URL, dataset: String? = nil, allowingExternalData: Bool = false,
                            si: Bool = false) throws(FormatError) -> DatasetGrid {
        try withSession(url, allowingExternalData: allowingExternalData) { (session: Session) throws(FormatError) -> DatasetGrid in
            try grid(session, dataset: try griddedPath(session, dataset: dataset), si: si)
        }
    }

    /// The dataset `dataset` stands for in ``readGridded(from:dataset:allowingExternalData:si:)``: as
    /// ``Session/dataset(named:group:)`` finds it, an openPMD scalar record standing for its only component.
    static func griddedPath(_ session: Session, dataset: String?) throws(FormatError) -> String {
        try session.dataset(named: dataset) { (group: String) throws(FormatError) -> String? in
            // An openPMD scalar record: its only component.
            guard let mesh = try OpenPMDMesh(session, record: group) else { return nil }
            let components = try mesh.componentNames(session)
            guard components.count == 1 else {
                throw session.context.error(.invalidName,
                    "'\(group)' is an openPMD vector record with components \(listing(components)); name one of them (FILE:\(group)/\(components.first ?? "x")) or take its divergence or curl")
            }
            return (group == "/" ? "" : group) + "/" + components[0]
        }
    }

    /// Reads an openPMD vector mesh record (a group such as `/data/100/meshes/E` whose components `x`, `y`,
    /// `z` are datasets of one shape) with its grid, the components ordered to match the axes: component
    /// `k` is the one named like `axisLabels[k]` (after reversal for `dataOrder` `"F"`), not the
    /// alphabetical order. The grid is read as ``readGridded(from:dataset:allowingExternalData:si:)`` does.
    ///
    /// - Returns: the field, or `nil` when `record` is a dataset or a group without openPMD mesh attributes
    ///   (no `gridSpacing` or `geometry`), so that callers can read it by other conventions.
    /// - Throws: `FormatError` when `record` does not exist, when an axis has no component
    ///   (or the record no `axisLabels`), when components differ in shape, and for the grid errors of
    ///   ``readGridded(from:dataset:allowingExternalData:si:)``.
    public static func readGriddedVectorField(from url: URL, record: String, allowingExternalData: Bool = false,
                                              si: Bool = false) throws(FormatError) -> GriddedVectorField? {
        try withSession(url, allowingExternalData: allowingExternalData) { (session: Session) throws(FormatError) -> GriddedVectorField? in
            guard let grids = try vectorFieldGrid(session, record: record, si: si) else { return nil }
            var components: [GriddedArray] = []
            for grid in grids.components {
                components.append(GriddedArray(name: grid.name, values: try session.read(grid.path), axes: grid.axes,
                                               units: grid.units, longName: grid.longName))
            }
            return GriddedVectorField(name: grids.name, components: components, unusedComponents: grids.unusedComponents)
        }
    }

    /// The grid ``readGriddedVectorField(from:record:allowingExternalData:si:)`` reads, without the
    /// components' values: the record's name, each component's dataset and grid (in axis order) and the
    /// components along no axis; `nil` when `record` is not an openPMD vector mesh record.
    ///
    /// - Throws: `FormatError` as ``readGriddedVectorField(from:record:allowingExternalData:si:)`` does,
    ///   except that the values are not read.
    public static func vectorFieldGrid(of url: URL, record: String, allowingExternalData: Bool = false, si: Bool = false)
        throws(FormatError) -> (name: String, components: [DatasetGrid], unusedComponents: [String])? {
        try withSession(url, allowingExternalData: allowingExternalData) {
            (session: Session) throws(FormatError) -> (name: String, components: [DatasetGrid], unusedComponents: [String])? in
            try vectorFieldGrid(session, record: record, si: si)
        }
    }

    /// ``vectorFieldGrid(of:record:allowingExternalData:si:)`` in an open session.
    static func vectorFieldGrid(_ session: Session, record: String, si: Bool)
        throws(FormatError) -> (name: String, components: [DatasetGrid], unusedComponents: [String])? {
        let path = try session.normalised(record)
        switch try session.kind(of: path) {
        case .group: break
        case .dataset: return nil
        case .missing: throw try session.missing(path)
        }
        guard let mesh = try OpenPMDMesh(session, record: path) else { return nil }
        let names = try mesh.componentNames(session)
        let context = ErrorContext(file: session.context.file, member: path)
        guard let labels = mesh.labels else {
            throw context.error(.malformedHeader,
                "the openPMD record has no 'axisLabels', so its components (\(listing(names))) cannot be matched to the axes")
        }
        var components: [DatasetGrid] = []
        for label in labels {
            guard names.contains(label) else {
                throw context.error(.invalidName,
                    "the openPMD record has no component '\(label)' for its axis '\(label)' (axisLabels \(labels)); it holds \(listing(names))")
            }
            let component = try grid(session, dataset: (path == "/" ? "" : path) + "/" + label, si: si)
            if let first = components.first, first.shape != component.shape {
                throw context.error(.invalidShape,
                    "component '\(label)' has shape \(component.shape) but '\(labels[0])' has shape \(first.shape); the components of a vector field share one shape")
            }
            components.append(component)
        }
        return (String(path.split(separator: "/").last ?? "field"), components, names.filter { !labels.contains($0) })
    }

    // MARK: Implementation

    /// One dataset with the grid of its openPMD record or its dimension scales.
    static func gridded(_ session: Session, dataset path: String, si: Bool) throws(FormatError) -> GriddedArray {
        let values = try session.read(path)
        let grid = try grid(session, dataset: path, si: si)
        return GriddedArray(name: grid.name, values: values, axes: grid.axes, units: grid.units, longName: grid.longName)
    }

    /// The grid of one dataset (its openPMD record's or its dimension scales'), without its values.
    static func grid(_ session: Session, dataset path: String, si: Bool) throws(FormatError) -> DatasetGrid {
        let (dtype, shape) = try session.describe(path)
        let rank = shape.count
        let parts = path.split(separator: "/").map(String.init)
        let units = try text("units", of: path, session)
        let longName = try text("long_name", of: path, session)
        func described(_ name: String, _ axes: [AxisInfo]) -> DatasetGrid {
            DatasetGrid(path: path, name: name, dtype: dtype, shape: shape, axes: axes, units: units, longName: longName)
        }
        if let mesh = try OpenPMDMesh(session, record: path) {
            // A scalar record: the dataset carries the mesh attributes itself.
            return described(parts.last ?? "field", try mesh.axes(rank: rank, si: si, dataset: path, session))
        }
        if parts.count >= 2 {
            let parent = "/" + parts.dropLast().joined(separator: "/")
            if let mesh = try OpenPMDMesh(session, record: parent) {
                // A component of a vector record (`E/x`), named `E_x`.
                return described(parts.suffix(2).joined(separator: "_"), try mesh.axes(rank: rank, si: si, dataset: path, session))
            }
        }
        return described(parts.last ?? "field", try scaleAxes(session, dataset: path, shape: shape))
    }

    /// The netCDF-4 library's `NAME` for a dimension scale that is not a coordinate variable.
    static let netCDFPlaceholderScale = "This is a netCDF dimension but not a netCDF variable"

    /// The axes of a dataset from its dimension scales.
    static func scaleAxes(_ session: Session, dataset path: String, shape: [Int]) throws(FormatError) -> [AxisInfo] {
        guard !shape.isEmpty else { return [] }
        let context = ErrorContext(file: session.context.file)
        var axes: [AxisInfo] = []
        for (k, (scale, label)) in try session.dimensionScales(of: path, rank: shape.count).enumerated() {
            guard let scale else {
                axes.append(AxisInfo(name: label.isEmpty ? "axis\(k)" : label))
                continue
            }
            let scaleName = String(scale.path.split(separator: "/").last ?? Substring(scale.path))
            if scale.name.hasPrefix(netCDFPlaceholderScale) {
                axes.append(AxisInfo(name: scaleName))
                continue
            }
            let what = "dimension scale '\(scale.path)' attached to dimension \(k) of dataset '\(path)'"
            let values: AnyNDArray
            do throws(FormatError) {
                values = try session.read(scale.path)
            } catch where error.kind == .unsupportedDType {
                throw context.error(.unsupportedDType, "\(what) is not numeric (\(error.message)); coordinates must be numbers")
            }
            guard !values.dtype.isComplex && values.dtype != .bool else {
                throw context.error(.unsupportedDType, "\(what) holds \(values.dtype.name) values; coordinates must be real numbers")
            }
            guard values.shape.count == 1 else {
                throw context.error(.invalidShape, "\(what) has shape \(values.shape); a dimension scale must be 1-D")
            }
            guard values.shape[0] == shape[k] else {
                throw context.error(.invalidShape,
                    "\(what) has \(values.shape[0]) values, but the dimension has length \(shape[k]); a scale needs one coordinate per sample")
            }
            let x = values.asDouble().scalars
            if let problem = AxisInfo.monotonicityProblem(x) {
                throw context.error(.invalidShape,
                    "\(what): \(problem); coordinates must be finite and strictly increasing or strictly decreasing")
            }
            axes.append(AxisInfo(name: scale.name.isEmpty ? scaleName : scale.name, coordinates: x,
                                 units: try text("units", of: scale.path, session),
                                 longName: try text("long_name", of: scale.path, session)))
        }
        return axes
    }

    /// A string attribute (scalar or one element), `nil` when missing or of another type.
    static func text(_ name: String, of path: String, _ session: Session) throws(FormatError) -> String? {
        guard case let .strings(values)? = try session.attribute(name, of: path), values.count == 1 else { return nil }
        return values[0]
    }
}

/// The mesh attributes of an openPMD record (standard 1.1, "Mesh Based Records"), checked.
struct OpenPMDMesh {
    /// The record's path: the dataset of a scalar record, the group of a vector record.
    var path: String
    /// `axisLabels` in the C order of the stored array (reversed for `dataOrder` `"F"`), if present.
    var labels: [String]?
    /// `gridSpacing`, in C order.
    var spacing: [Double]
    /// `gridGlobalOffset`, in C order, if present.
    var offset: [Double]?
    /// `gridUnitSI`, if present.
    var unitSI: Double?

    /// The mesh attributes of the object at `record`, or `nil` when it has neither `gridSpacing` nor
    /// `geometry` (it is not an openPMD mesh record).
    init?(_ session: HDF5.Session, record: String) throws(FormatError) {
        let spacing = try session.attribute("gridSpacing", of: record)
        let geometry = try session.attribute("geometry", of: record)
        guard spacing != nil || geometry != nil else { return nil }
        let context = ErrorContext(file: session.context.file, member: record)
        path = record
        switch geometry {
        case nil:
            break
        case let .strings(values)? where values.count == 1:
            guard values[0] == "cartesian" else {
                throw context.error(.unsupportedDType,
                    "the openPMD mesh has geometry '\(values[0])'; nabla differentiates 'cartesian' meshes only (derivatives along the array's axes would not be the \(values[0]) ones)")
            }
        default:
            throw context.error(.malformedHeader, "the openPMD attribute 'geometry' is not one string")
        }
        guard case let .numbers(h)? = spacing else {
            throw context.error(.malformedHeader,
                spacing == nil ? "the openPMD mesh has no 'gridSpacing' attribute" : "the openPMD attribute 'gridSpacing' is not numeric")
        }
        if let bad = h.firstIndex(where: { !$0.isFinite || $0 == 0 }) {
            throw context.error(.malformedHeader, "the openPMD gridSpacing \(h) has \(h[bad]) at index \(bad); spacings must be finite and non-zero")
        }
        var order = "C"
        switch try session.attribute("dataOrder", of: record) {
        case nil: break
        case let .strings(values)? where values.count == 1 && (values[0] == "C" || values[0] == "F"): order = values[0]
        case let .strings(values)?:
            throw context.error(.malformedHeader, "the openPMD dataOrder is \(values); expected 'C' or 'F'")
        default:
            throw context.error(.malformedHeader, "the openPMD attribute 'dataOrder' is not a string; expected 'C' or 'F'")
        }
        switch try session.attribute("axisLabels", of: record) {
        case nil: labels = nil
        case let .strings(values)?: labels = values
        default: throw context.error(.malformedHeader, "the openPMD attribute 'axisLabels' is not a list of strings")
        }
        switch try session.attribute("gridGlobalOffset", of: record) {
        case nil: offset = nil
        case let .numbers(values)? where values.allSatisfy(\.isFinite): offset = values
        default: throw context.error(.malformedHeader, "the openPMD attribute 'gridGlobalOffset' is not a list of finite numbers")
        }
        switch try session.attribute("gridUnitSI", of: record) {
        case nil: unitSI = nil
        case let .numbers(values)? where values.count == 1 && values[0].isFinite && values[0] > 0: unitSI = values[0]
        default: throw context.error(.malformedHeader, "the openPMD attribute 'gridUnitSI' is not one positive finite number")
        }
        self.spacing = h
        if order == "F" {
            // The standard lists these in the writing code's index order; Fortran's is the reverse of C's.
            self.spacing.reverse()
            offset?.reverse()
            labels?.reverse()
        }
    }

    /// The datasets directly inside the record group, in name order.
    func componentNames(_ session: HDF5.Session) throws(FormatError) -> [String] {
        let names = try session.datasets(under: path).filter { !$0.contains("/") }
        guard !names.isEmpty else {
            throw ErrorContext(file: session.context.file, member: path).error(.invalidName,
                "the openPMD record holds no component datasets (constant record components are not supported)")
        }
        return names
    }

    /// One uniform axis per array axis, checked against the rank of the dataset at `dataset`.
    func axes(rank: Int, si: Bool, dataset: String, _ session: HDF5.Session) throws(FormatError) -> [AxisInfo] {
        let context = ErrorContext(file: session.context.file, member: dataset)
        let record = path == dataset ? "" : " (record '\(path)')"
        guard spacing.count == rank else {
            throw context.error(.invalidShape,
                "the openPMD gridSpacing\(record) has \(spacing.count) values, but the dataset has \(rank) axes")
        }
        if let offset, offset.count != rank {
            throw context.error(.invalidShape,
                "the openPMD gridGlobalOffset\(record) has \(offset.count) values, but the dataset has \(rank) axes")
        }
        if let labels, labels.count != rank {
            throw context.error(.invalidShape,
                "the openPMD axisLabels\(record) \(labels) have \(labels.count) names, but the dataset has \(rank) axes")
        }
        let scale = si ? (unitSI ?? 1) : 1
        return (0..<rank).map { k in
            let origin = offset?[k] ?? 0
            return AxisInfo(name: labels?[k] ?? "axis\(k)",
                            uniform: UniformAxis(origin: si ? origin * scale : origin, step: si ? spacing[k] * scale : spacing[k]),
                            units: si ? "m" : nil)
        }
    }
}
