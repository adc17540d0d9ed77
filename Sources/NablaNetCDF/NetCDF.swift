import Foundation
import Nabla
import NablaFormats

/// netCDF files — classic (CDF-1, CDF-2, CDF-5) and netCDF-4 (HDF5-based, compressed) — read with their
/// grid and written with CF attributes, through the system's libnetcdf.
///
/// ```swift
/// let t = try NetCDF.read(from: URL(filePath: "ocean.nc"), variable: "T")   // values + axes + units
/// let dT = try gradient(of: t.values.asDouble(), spacing: t.spacing)        // np.gradient(T, z, y, x)
/// let fields = (0..<t.axes.count).map { NetCDF.Field(derivativeOf: t, along: $0, values: AnyNDArray(dT[$0])) }
/// try NetCDF.write(fields, axes: t.axes, to: URL(filePath: "dT.nc"))
/// ```
/// Only the root group is read; every call takes a process-wide lock, because libnetcdf is not thread-safe.
public enum NetCDF {
    // MARK: Reading

    /// The data variables of a file: every variable with at least one dimension that is not named like a
    /// dimension (coordinate variables are not listed), in the file's order.
    ///
    /// - Throws: `FormatError` when the file cannot be opened as netCDF.
    public static func variableNames(in url: URL) throws(FormatError) -> [String] {
        try NCFile.reading(url) { (file: NCFile) throws(FormatError) -> [String] in
            dataVariables(try file.variables()).map(\.name)
        }
    }

    /// The name, element type and shape of a data variable (`variable`, or the file's only one, chosen as
    /// ``read(from:variable:)`` chooses it), from the file's header: no values are read. What a caller needs
    /// to know the bytes a read will hold (`shape` product × `dtype.itemSize`) before making it.
    ///
    /// - Throws: `FormatError` as ``read(from:variable:)`` does for a file that is not netCDF, a variable
    ///   that is missing (or, with `nil`, no data variable or several) or not numeric.
    public static func describe(_ url: URL, variable: String? = nil) throws(FormatError) -> (name: String, dtype: DType, shape: [Int]) {
        try NCFile.reading(url) { (file: NCFile) throws(FormatError) -> (name: String, dtype: DType, shape: [Int]) in
            let chosen = try choose(variable, among: try file.variables(), file: url.path)
            return (chosen.name, try numericType(of: chosen, role: "variable", file: url.path), chosen.shape)
        }
    }

    /// Reads a numeric variable with the grid it is sampled on.
    ///
    /// Each axis of the result is one of the variable's dimensions: its name, and the values of its
    /// coordinate variable (the 1-D variable with the dimension's name) as `Double`, or `nil` when there is
    /// no such variable. The `units` and `long_name` attributes of the variable and of each coordinate
    /// variable are kept. Values keep their netCDF type: `byte`, `short`, `int`, `int64`, `float`, `double`
    /// and the unsigned `ubyte`…`uint64` become `int8`, `int16`, `int32`, `int64`, `float32`, `float64`,
    /// `uint8`…`uint64`. A signed integer variable with the attribute `_Unsigned = "true"` (the netCDF
    /// classic convention for unsigned data) is read as the unsigned type of the same width.
    ///
    /// Values are the stored ones: `_FillValue`/`missing_value` are not masked (xarray's `decode_cf=False`).
    ///
    /// - Parameters:
    ///   - url: a netCDF-3 classic, 64-bit offset, CDF-5 or netCDF-4 file.
    ///   - variable: the variable's name; `nil` takes the file's only data variable (see
    ///     ``variableNames(in:)``).
    /// - Throws: `FormatError` naming the file, the variable and the problem when the file is not netCDF,
    ///   the variable is missing (or, with `nil`, the file has no data variable or several), holds text,
    ///   strings or a user-defined type, is packed (`scale_factor`/`add_offset`), or when a variable named
    ///   like one of its dimensions is not a 1-D numeric variable along that dimension, or its values are
    ///   not finite and strictly monotonic.
    public static func read(from url: URL, variable: String? = nil) throws(FormatError) -> GriddedArray {
        try NCFile.reading(url) { (file: NCFile) throws(FormatError) -> GriddedArray in
            let all = try file.variables()
            let chosen = try choose(variable, among: all, file: url.path)
            let dtype = try numericType(of: chosen, role: "variable", file: url.path)
            let scaled = try file.hasAttribute("scale_factor", of: chosen)
            let offset = try file.hasAttribute("add_offset", of: chosen)
            if scaled || offset {
                throw FormatError(.unsupportedDType, file: url.path,
                    "variable '\(chosen.name)' is packed (it has scale_factor/add_offset); unpack it first, e.g. with xarray (decode_cf) or `ncpdq -U`")
            }
            var axes: [AxisInfo] = []
            for dimension in chosen.dimensions {
                axes.append(try axis(for: dimension, in: file, of: chosen))
            }
            let values = try unsignedIfMarked(file.values(of: chosen, dtype: dtype), file.textAttribute("_Unsigned", of: chosen))
            return GriddedArray(name: chosen.name, values: values, axes: axes,
                                units: try file.textAttribute("units", of: chosen),
                                longName: try file.textAttribute("long_name", of: chosen))
        }
    }

    // MARK: Writing

    /// One variable to write: a name, values, and its CF attributes.
    public struct Field: Sendable, Equatable {
        /// The variable's name (netCDF names: letters, digits, `_`, `.`, `-`, `+`, `@`; not starting with a digit).
        public var name: String
        /// The values, of the shape of the axes.
        public var values: AnyNDArray
        /// The `units` attribute, omitted when `nil`.
        public var units: String?
        /// The `long_name` attribute, omitted when `nil`.
        public var longName: String?

        /// A variable with optional `units` and `long_name` attributes.
        public init(name: String, values: AnyNDArray, units: String? = nil, longName: String? = nil) {
            self.name = name
            self.values = values
            self.units = units
            self.longName = longName
        }

        /// The derivative of `source` along axis `axis`, named `d<name>_d<axis name>` (`dT_dx`), with the
        /// units of `GriddedArray.derivativeUnits(along:)` (`"V"` per `"m"` → `"V m-1"`) and the long
        /// name of `GriddedArray.derivativeLongName(along:)`.
        public init(derivativeOf source: GriddedArray, along axis: Int, values: AnyNDArray) {
            self.init(name: "d\(source.name)_d\(source.axes[axis].name)", values: values,
                      units: source.derivativeUnits(along: axis), longName: source.derivativeLongName(along: axis))
        }
    }

    /// Writes `fields` as a netCDF-4 file: one variable per field on the dimensions `axes`, a coordinate
    /// variable (float64, with its `units` and `long_name`) for every axis that has coordinates (or a
    /// `UniformAxis`: `origin + i·step`), the global attributes `Conventions = "CF-1.8"` and `history`.
    ///
    /// The file appears at `url` only once complete: it is written under a temporary name in the same folder
    /// and renamed after libnetcdf has closed it; on any failure the temporary file is removed and an
    /// existing file at `url` is left as it was.
    ///
    /// - Parameters:
    ///   - fields: at least one; all of the same shape, one axis length per entry of `axes`. `float16`
    ///     values are written as `float`, `bool` as `ubyte` (netCDF has neither type).
    ///   - axes: the dimensions, in order: names, and coordinates (finite, strictly monotonic, one per
    ///     sample) with their attributes when known. An axis without coordinates gets no coordinate variable.
    ///   - history: the text of the CF `history` line after its time stamp, e.g. the command that made the
    ///     file; `"nabla (NablaNetCDF)"` by default.
    ///   - deflateLevel: 0 (no compression, the default) to 9: netCDF-4 shuffle + deflate on every field.
    ///   - url: the file to write (replaced if it exists).
    /// - Throws: `FormatError` before anything is created for fields of different shapes, a shape that
    ///   does not match the axes, coordinates of the wrong length or not strictly monotonic, empty or
    ///   repeated names; while writing, with libnetcdf's message (for example a name netCDF refuses).
    public static func write(_ fields: [Field], axes: [AxisInfo], history: String? = nil, deflateLevel: Int = 0,
                             to url: URL) throws(FormatError) {
        precondition((0...9).contains(deflateLevel), "deflate level \(deflateLevel) is not in 0...9")
        let shape = try checkedShape(of: fields, axes: axes, file: url.path)
        try NCFile.creating(atomically: url) { (file: NCFile) throws(FormatError) in
            var dimensions: [NCDimension] = []
            var coordinates: [(NCVariable, [Double])] = []
            for (k, axis) in axes.enumerated() {
                let dimension = try file.defineDimension(axis.name, length: shape[k])
                dimensions.append(dimension)
                guard let x = axis.positions(count: shape[k]) else { continue }
                let variable = try file.defineVariable(axis.name, dtype: .float64, dimensions: [dimension], deflateLevel: 0)
                if let units = axis.units { try file.putTextAttribute("units", units, on: variable) }
                if let longName = axis.longName { try file.putTextAttribute("long_name", longName, on: variable) }
                coordinates.append((variable, x))
            }
            var variables: [(NCVariable, AnyNDArray)] = []
            for field in fields {
                let values = writable(field.values)
                let variable = try file.defineVariable(field.name, dtype: values.dtype, dimensions: dimensions,
                                                       deflateLevel: deflateLevel)
                if let longName = field.longName { try file.putTextAttribute("long_name", longName, on: variable) }
                if let units = field.units { try file.putTextAttribute("units", units, on: variable) }
                variables.append((variable, values))
            }
            try file.putTextAttribute("Conventions", "CF-1.8", on: nil)
            try file.putTextAttribute("history", "\(timestamp()) \(history ?? "nabla (NablaNetCDF)")", on: nil)
            try file.endDefinitions()
            for (variable, x) in coordinates { try file.putValues(.float64(NDArray(x)), into: variable) }
            for (variable, values) in variables { try file.putValues(values, into: variable) }
        }
    }

    /// Writes `results` (`name`, values) on `axes`, without `units`/`long_name` attributes: see
    /// ``write(_:axes:history:deflateLevel:to:)``.
    public static func write(_ results: [(name: String, array: AnyNDArray)], axes: [AxisInfo],
                             to url: URL) throws(FormatError) {
        try write(results.map { Field(name: $0.name, values: $0.array) }, axes: axes, to: url)
    }
}

// MARK: - Checks (no libnetcdf calls)

extension NetCDF {
    /// Variables that are neither coordinate variables (named like a dimension) nor scalars.
    static func dataVariables(_ all: [NCVariable]) -> [NCVariable] {
        let dimensionNames = Set(all.flatMap { $0.dimensions.map(\.name) })
        return all.filter { !$0.dimensions.isEmpty && !dimensionNames.contains($0.name) }
    }

    /// `name` (which must exist), or the only data variable.
    static func choose(_ name: String?, among all: [NCVariable], file: String) throws(FormatError) -> NCVariable {
        let candidates = dataVariables(all)
        func listing(_ variables: [NCVariable]) -> String {
            variables.isEmpty ? "none"
                : variables.map { "\($0.name)(\($0.dimensions.map(\.name).joined(separator: ", ")))" }.joined(separator: ", ")
        }
        if let name {
            guard let found = all.first(where: { $0.name == name }) else {
                throw FormatError(.invalidName, file: file,
                    "no variable '\(name)'; the data variables are: \(listing(candidates))")
            }
            return found
        }
        guard candidates.count == 1 else {
            let what = candidates.isEmpty ? "no data variable" : "\(candidates.count) data variables"
            throw FormatError(.invalidName, file: file,
                "the file has \(what) (\(listing(candidates))); name the variable to read")
        }
        return candidates[0]
    }

    /// The dtype of a numeric variable; a clear refusal otherwise.
    static func numericType(of variable: NCVariable, role: String, file: String) throws(FormatError) -> DType {
        let what: String
        switch variable.type {
        case .numeric(let dtype): return dtype
        case .char: what = "holds text (netCDF char)"
        case .string: what = "holds strings (netCDF string)"
        case let .userDefined(kind, name): what = "has the \(kind) type '\(name)'"
        }
        throw FormatError(.unsupportedDType, file: file,
            "\(role) '\(variable.name)' \(what); only numeric variables (byte, short, int, int64, float, double and the unsigned types) can be read")
    }

    /// The axis of `dimension`: its coordinate variable checked and read, if there is one.
    static func axis(for dimension: NCDimension, in file: NCFile, of variable: NCVariable) throws(FormatError) -> AxisInfo {
        guard let coordinate = try file.variable(named: dimension.name) else {
            return AxisInfo(name: dimension.name)
        }
        guard coordinate.dimensions.count == 1, coordinate.dimensions[0].id == dimension.id else {
            let dims = coordinate.dimensions.map { "\($0.name)=\($0.length)" }.joined(separator: ", ")
            throw FormatError(.invalidShape, file: file.path,
                "coordinate variable '\(coordinate.name)' of variable '\(variable.name)' has dimensions (\(dims)); a variable named like dimension '\(dimension.name)' (length \(dimension.length)) must be 1-D along that dimension")
        }
        let dtype = try numericType(of: coordinate, role: "coordinate variable", file: file.path)
        let raw = try unsignedIfMarked(file.values(of: coordinate, dtype: dtype), file.textAttribute("_Unsigned", of: coordinate))
        let x = raw.asDouble().scalars
        if let problem = monotonicityProblem(x) {
            throw FormatError(.invalidShape, file: file.path,
                "coordinate variable '\(coordinate.name)' of variable '\(variable.name)': \(problem); coordinates must be finite and strictly increasing or strictly decreasing")
        }
        return AxisInfo(name: dimension.name, coordinates: x,
                        units: try file.textAttribute("units", of: coordinate),
                        longName: try file.textAttribute("long_name", of: coordinate))
    }

    /// Why `x` is not finite and strictly monotonic, naming the index; `nil` when it is.
    static func monotonicityProblem(_ x: [Double]) -> String? { AxisInfo.monotonicityProblem(x) }

    /// Signed integers reinterpreted as unsigned when `_Unsigned` is `"true"`.
    static func unsignedIfMarked(_ values: AnyNDArray, _ marker: String?) -> AnyNDArray {
        guard marker?.lowercased() == "true" else { return values }
        switch values {
        case .int8(let a): return .uint8(a.map { UInt8(bitPattern: $0) })
        case .int16(let a): return .uint16(a.map { UInt16(bitPattern: $0) })
        case .int32(let a): return .uint32(a.map { UInt32(bitPattern: $0) })
        case .int64(let a): return .uint64(a.map { UInt64(bitPattern: $0) })
        default: return values
        }
    }

    /// The common shape of `fields`, checked against `axes`.
    static func checkedShape(of fields: [Field], axes: [AxisInfo], file: String) throws(FormatError) -> [Int] {
        guard let first = fields.first else {
            throw FormatError(.invalidShape, file: file, "nothing to write: no fields were given")
        }
        let shape = first.values.shape
        var names = Set<String>()
        for axis in axes {
            guard !axis.name.isEmpty, names.insert(axis.name).inserted else {
                throw FormatError(.invalidName, file: file, "dimension name '\(axis.name)' is empty or repeated")
            }
        }
        for field in fields {
            guard !field.name.isEmpty, names.insert(field.name).inserted else {
                throw FormatError(.invalidName, file: file,
                    "variable name '\(field.name)' is empty or already used by another variable or dimension")
            }
            guard field.values.shape == shape else {
                throw FormatError(.invalidShape, file: file,
                    "variable '\(field.name)' has shape \(field.values.shape) but '\(first.name)' has shape \(shape); all fields share the dimensions")
            }
        }
        guard shape.count == axes.count else {
            throw FormatError(.invalidShape, file: file,
                "the fields have \(shape.count) axes (shape \(shape)) but \(axes.count) dimensions were given")
        }
        for (k, axis) in axes.enumerated() {
            guard let x = axis.positions(count: shape[k]) else { continue }
            guard x.count == shape[k] else {
                throw FormatError(.invalidShape, file: file,
                    "dimension '\(axis.name)' has \(shape[k]) samples but \(x.count) coordinates")
            }
            if let problem = monotonicityProblem(x) {
                throw FormatError(.invalidShape, file: file, "coordinates of dimension '\(axis.name)': \(problem)")
            }
        }
        return shape
    }

    /// `float16` as `float32`, `bool` as `uint8`; other dtypes unchanged.
    static func writable(_ values: AnyNDArray) -> AnyNDArray {
        switch values {
        case .float16: .float32(values.asFloat())
        case .bool(let a): .uint8(a.map { $0 ? 1 : 0 })
        default: values
        }
    }

    /// `2026-05-01T12:00:00Z`, the start of a CF `history` line.
    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
