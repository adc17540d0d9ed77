// Every call into libnetcdf lives in this file.
//
// It is the only file of the module allowed `Unsafe…Pointer` and `withUnsafe…`: the C library reads and
// writes through raw pointers (names into `char[NC_MAX_NAME + 1]` buffers, values into caller memory), so
// the pointers are confined here, each one valid only inside the closure that made it, and the rest of
// the module works with the safe types below (`NCFile`, `NCVariable`, `NCDimension`). Every `nc_*` status
// is checked and turned into a `FormatError` naming the file, the variable and libnetcdf's own
// `nc_strerror` text (the SPMSQLite3 pattern: one file owns the handle and its C return codes).
//
// libnetcdf is not thread-safe, so every use of it takes `NCFile.lock` for the whole open…close.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla
import NablaFormats
import _CNetCDF

/// What a netCDF variable holds, as far as Nabla cares.
enum NCValueType: Equatable {
    /// A numeric type with a numpy dtype.
    case numeric(DType)
    /// `NC_CHAR`: text stored as an array of characters.
    case char
    /// `NC_STRING`: variable-length strings (netCDF-4).
    case string
    /// A netCDF-4 user-defined type: compound, vlen, opaque or enum, with its name.
    case userDefined(kind: String, name: String)
}

/// A dimension of the root group.
struct NCDimension: Equatable {
    /// The dimension id.
    let id: Int32
    /// The dimension's name.
    let name: String
    /// The current length (for an unlimited dimension, the number of records written).
    let length: Int
}

/// A variable of the root group.
struct NCVariable {
    /// The variable id.
    let id: Int32
    /// The variable's name.
    let name: String
    /// What it holds.
    let type: NCValueType
    /// Its dimensions, slowest-varying first (C order, as numpy).
    let dimensions: [NCDimension]

    /// The shape of its values.
    var shape: [Int] { dimensions.map(\.length) }
}

/// An open netCDF file (the root group). Only valid inside ``NCFile/reading(_:_:)`` and
/// ``NCFile/creating(_:_:)``, which hold the process-wide lock and close it.
final class NCFile {
    /// Serialises every call into libnetcdf (and through it libhdf5) made by this module.
    ///
    /// NablaFormats' `HDF5` holds its own lock; a netCDF-4 read on one thread and an `HDF5` call on
    /// another can still meet inside libhdf5 (see the NablaNetCDF overview).
    private static let lock = NSLock()

    /// The ncid.
    private let id: Int32
    /// The path, for error messages.
    let path: String

    private init(id: Int32, path: String) {
        self.id = id
        self.path = path
    }

    // MARK: Opening and closing

    /// Opens `url` read-only, calls `body`, and closes the file.
    static func reading<R>(_ url: URL, _ body: (NCFile) throws(FormatError) -> R) throws(FormatError) -> R {
        lock.lock()
        defer { lock.unlock() }
        silenceHDF5Diagnostics()
        var ncid: Int32 = -1
        let status = nc_open(FileSystem.cString(url.path), NC_NOWRITE, &ncid)
        try check(status, file: url.path, variable: nil, "cannot open the file as netCDF")
        let file = NCFile(id: ncid, path: url.path)
        let result: R
        do {
            result = try body(file)
        } catch {
            _ = nc_close(ncid)
            throw error
        }
        try check(nc_close(ncid), file: url.path, variable: nil, "closing the file")
        return result
    }

    /// Creates a netCDF-4 file through the project's one atomic writer (`AtomicFile.produce`): libnetcdf
    /// creates it at a fresh temporary name next to `target`, `body` defines and writes it, and only after
    /// `nc_close` succeeds is it renamed over `target`. On any failure the temporary file is removed and
    /// `target` is untouched.
    static func creating(atomically target: URL, _ body: (NCFile) throws(FormatError) -> Void) throws(FormatError) {
        lock.lock()
        defer { lock.unlock() }
        silenceHDF5Diagnostics()
        try AtomicFile.produce(at: target) { (temporary: String) throws in
            var ncid: Int32 = -1
            // NC_NOCLOBBER on the fresh temporary name is open(2)'s O_EXCL: never overwrite anybody's file;
            // the target itself is replaced by the rename.
            try check(nc_create(FileSystem.cString(temporary), NC_NETCDF4 | NC_NOCLOBBER, &ncid), file: target.path, variable: nil,
                      "cannot create the temporary file in \(target.deletingLastPathComponent().path)")
            let file = NCFile(id: ncid, path: target.path)
            do {
                try body(file)
            } catch {
                _ = nc_abort(ncid)
                throw error
            }
            try check(nc_close(ncid), file: target.path, variable: nil, "closing (flushing) the new file")
        }
    }

    /// `H5Eset_auto2`, if libhdf5 is loaded (it is whenever libnetcdf was built with netCDF-4).
    private static let setAuto: (@convention(c) (Int64, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32)? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "H5Eset_auto2") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int64, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32).self)
    }()

    /// Switches off libhdf5's printing of its error stack (`HDF5-DIAG: Error detected…`) on stderr.
    ///
    /// libnetcdf 4.9.0 probes optional attributes (`_QuantizeBitGroomNumberOfSignificantDigits`, …) on
    /// every netCDF-4 variable it opens and leaves HDF5's default handler on, so each probe prints a
    /// dozen lines although nothing is wrong; errors still reach us as `nc_*` status codes. The call is
    /// `H5Eset_auto2(H5E_DEFAULT, NULL, NULL)`, found with `dlsym` in the libhdf5 that libnetcdf loaded,
    /// so that this module need not link HDF5 itself (NablaFormats' `HDF5` makes the same call).
    /// `H5E_DEFAULT` is `(hid_t)0`. Done before every open: a thread-safe libhdf5 (Debian's) keeps this
    /// setting per thread.
    private static func silenceHDF5Diagnostics() {
        _ = setAuto?(0, nil, nil)
    }

    // MARK: Errors

    /// Throws unless `status` is `NC_NOERR`: `file: variable 'v': <what>: <nc_strerror text>`.
    private static func check(_ status: Int32, file: String, variable: String?, _ what: @autoclosure () -> String) throws(FormatError) {
        guard status != NC_NOERR else { return }
        let text = String(cString: nc_strerror(status))
        let kind: FormatError.Kind
        switch status {
        case NC_ENOTNC: kind = .badMagic
        case NC_ENOTVAR, NC_EBADNAME, NC_ENAMEINUSE, NC_EMAXNAME: kind = .invalidName
        case NC_EBADTYPE, NC_ECHAR, NC_ESTRICTNC3: kind = .unsupportedDType
        case NC_EHDFERR, NC_ETRUNC, NC_EVARSIZE, NC_EDIMSIZE: kind = .corruptArchive
        default: kind = .io
        }
        let prefix = variable.map { "variable '\($0)': " } ?? ""
        throw FormatError(kind, file: file, "\(prefix)\(what()): \(text)")
    }

    private func check(_ status: Int32, variable: String? = nil, _ what: @autoclosure () -> String) throws(FormatError) {
        try Self.check(status, file: path, variable: variable, what())
    }

    // MARK: Reading the structure

    /// The variables of the root group, in id order.
    func variables() throws(FormatError) -> [NCVariable] {
        var count: Int32 = 0
        try check(nc_inq_nvars(id, &count), "counting the variables")
        var ids = [Int32](repeating: 0, count: Int(count))
        if count > 0 {
            try check(nc_inq_varids(id, &count, &ids), "listing the variables")
        }
        var result: [NCVariable] = []
        for varid in ids.prefix(Int(count)) { result.append(try variable(id: varid)) }
        return result
    }

    /// The variable called `name`, or `nil` when there is none.
    func variable(named name: String) throws(FormatError) -> NCVariable? {
        var varid: Int32 = -1
        let status = nc_inq_varid(id, name, &varid)
        if status == NC_ENOTVAR { return nil }
        try check(status, variable: name, "looking up the variable")
        return try variable(id: varid)
    }

    private func variable(id varid: Int32) throws(FormatError) -> NCVariable {
        let name = try self.name { nc_inq_varname(id, varid, $0) }
        var rank: Int32 = 0
        try check(nc_inq_varndims(id, varid, &rank), variable: name, "reading the number of dimensions")
        var dimensionIDs = [Int32](repeating: 0, count: Int(max(rank, 1)))
        var type: nc_type = 0
        try check(nc_inq_vartype(id, varid, &type), variable: name, "reading the type")
        try check(nc_inq_vardimid(id, varid, &dimensionIDs), variable: name, "reading the dimensions")
        var dimensions: [NCDimension] = []
        for dimid in dimensionIDs.prefix(Int(rank)) {
            var length = 0
            try check(nc_inq_dimlen(id, dimid, &length), variable: name, "reading the length of dimension \(dimid)")
            let dimensionName = try self.name { nc_inq_dimname(id, dimid, $0) }
            dimensions.append(NCDimension(id: dimid, name: dimensionName, length: length))
        }
        return NCVariable(id: varid, name: name, type: try valueType(type, variable: name), dimensions: dimensions)
    }

    /// A name read into a `char[NC_MAX_NAME + 1]` buffer.
    private func name(_ read: (UnsafeMutablePointer<CChar>) -> Int32) throws(FormatError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        let status = buffer.withUnsafeMutableBufferPointer { read($0.baseAddress!) }
        try check(status, "reading a name")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func valueType(_ type: nc_type, variable: String) throws(FormatError) -> NCValueType {
        switch type {
        case NC_BYTE: return .numeric(.int8)
        case NC_UBYTE: return .numeric(.uint8)
        case NC_SHORT: return .numeric(.int16)
        case NC_USHORT: return .numeric(.uint16)
        case NC_INT: return .numeric(.int32)
        case NC_UINT: return .numeric(.uint32)
        case NC_INT64: return .numeric(.int64)
        case NC_UINT64: return .numeric(.uint64)
        case NC_FLOAT: return .numeric(.float32)
        case NC_DOUBLE: return .numeric(.float64)
        case NC_CHAR: return .char
        case NC_STRING: return .string
        default:
            var size = 0, base: nc_type = 0, fields = 0
            var kind: Int32 = 0
            let typeName = try name { nc_inq_user_type(id, type, $0, &size, &base, &fields, &kind) }
            let kindName: String
            switch kind {
            case NC_COMPOUND: kindName = "compound"
            case NC_VLEN: kindName = "variable-length (vlen)"
            case NC_OPAQUE: kindName = "opaque"
            case NC_ENUM: kindName = "enum"
            default: kindName = "user-defined (class \(kind))"
            }
            return .userDefined(kind: kindName, name: typeName)
        }
    }

    /// The text of attribute `name` of `variable` (`nil`: a global attribute): `NC_CHAR` text or a single
    /// `NC_STRING`, trailing NULs removed. `nil` when absent or not text.
    func textAttribute(_ name: String, of variable: NCVariable?) throws(FormatError) -> String? {
        let varid = variable?.id ?? NC_GLOBAL
        var type: nc_type = 0
        var length = 0
        let status = nc_inq_att(id, varid, name, &type, &length)
        if status == NC_ENOTATT { return nil }
        try check(status, variable: variable?.name, "reading attribute '\(name)'")
        switch type {
        case NC_CHAR:
            var bytes = [CChar](repeating: 0, count: length + 1)
            try check(nc_get_att_text(id, varid, name, &bytes), variable: variable?.name, "reading attribute '\(name)'")
            let text = bytes.prefix(length).map { UInt8(bitPattern: $0) }
            return String(decoding: text.reversed().drop { $0 == 0 }.reversed(), as: UTF8.self)
        case NC_STRING where length == 1:
            var pointers: [UnsafeMutablePointer<CChar>?] = [nil]
            try check(nc_get_att_string(id, varid, name, &pointers), variable: variable?.name, "reading attribute '\(name)'")
            defer { _ = nc_free_string(1, &pointers) }
            return pointers[0].map { String(cString: $0) }
        default:
            return nil
        }
    }

    /// Whether `variable` has an attribute called `name`, of any type.
    func hasAttribute(_ name: String, of variable: NCVariable) throws(FormatError) -> Bool {
        var attnum: Int32 = 0
        let status = nc_inq_attid(id, variable.id, name, &attnum)
        if status == NC_ENOTATT { return false }
        try check(status, variable: variable.name, "looking up attribute '\(name)'")
        return true
    }

    // MARK: Reading values

    /// All values of a numeric variable, in C order.
    func values(of variable: NCVariable, dtype: DType) throws(FormatError) -> AnyNDArray {
        switch dtype {
        case .int8: AnyNDArray(try values(of: variable, as: Int8.self))
        case .uint8: AnyNDArray(try values(of: variable, as: UInt8.self))
        case .int16: AnyNDArray(try values(of: variable, as: Int16.self))
        case .uint16: AnyNDArray(try values(of: variable, as: UInt16.self))
        case .int32: AnyNDArray(try values(of: variable, as: Int32.self))
        case .uint32: AnyNDArray(try values(of: variable, as: UInt32.self))
        case .int64: AnyNDArray(try values(of: variable, as: Int64.self))
        case .uint64: AnyNDArray(try values(of: variable, as: UInt64.self))
        case .float32: AnyNDArray(try values(of: variable, as: Float.self))
        case .float64: AnyNDArray(try values(of: variable, as: Double.self))
        case .float16, .bool, .complex64, .complex128:
            throw FormatError(.unsupportedDType, file: path, "variable '\(variable.name)': netCDF has no \(dtype.name) type")
        }
    }

    /// The values in the variable's own type (`nc_get_var`, which converts to native byte order).
    private func values<T: NPYScalar & Numeric>(of variable: NCVariable, as _: T.Type) throws(FormatError) -> NDArray<T> {
        var count = 1
        for length in variable.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: length)
            guard !overflow, product <= Int.max / MemoryLayout<T>.stride else {
                throw FormatError(.invalidShape, file: path, "variable '\(variable.name)': shape \(variable.shape) is too large to hold in memory")
            }
            count = product
        }
        var scalars = [T](repeating: 0, count: count)
        if count > 0 {
            let status = scalars.withUnsafeMutableBytes { nc_get_var(id, variable.id, $0.baseAddress) }
            try check(status, variable: variable.name, "reading the values")
        }
        do {
            return try NDArray(shape: variable.shape, scalars: scalars)
        } catch {
            throw FormatError(.invalidShape, file: path, "variable '\(variable.name)': \(error)")
        }
    }

    // MARK: Writing

    /// `nc_def_dim`.
    func defineDimension(_ name: String, length: Int) throws(FormatError) -> NCDimension {
        var dimid: Int32 = -1
        try check(nc_def_dim(id, name, length, &dimid), "defining dimension '\(name)' of length \(length)")
        return NCDimension(id: dimid, name: name, length: length)
    }

    /// `nc_def_var` for a variable of the netCDF type of `dtype` (which must be writable: see
    /// ``NetCDF/write(_:axes:history:deflateLevel:to:)``), optionally with shuffle + deflate compression.
    func defineVariable(_ name: String, dtype: DType, dimensions: [NCDimension], deflateLevel: Int) throws(FormatError) -> NCVariable {
        let type: nc_type
        switch dtype {
        case .int8: type = NC_BYTE
        case .uint8: type = NC_UBYTE
        case .int16: type = NC_SHORT
        case .uint16: type = NC_USHORT
        case .int32: type = NC_INT
        case .uint32: type = NC_UINT
        case .int64: type = NC_INT64
        case .uint64: type = NC_UINT64
        case .float32: type = NC_FLOAT
        case .float64: type = NC_DOUBLE
        case .float16, .bool, .complex64, .complex128:
            throw FormatError(.unsupportedDType, file: path, "variable '\(name)': netCDF has no \(dtype.name) type")
        }
        var varid: Int32 = -1
        let dimensionIDs = dimensions.map(\.id)
        try check(nc_def_var(id, name, type, Int32(dimensionIDs.count), dimensionIDs, &varid), variable: name, "defining the variable")
        if deflateLevel > 0 && !dimensions.isEmpty && dimensions.allSatisfy({ $0.length > 0 }) {
            try check(nc_def_var_deflate(id, varid, 1, 1, Int32(deflateLevel)), variable: name, "setting deflate level \(deflateLevel)")
        }
        return NCVariable(id: varid, name: name, type: .numeric(dtype), dimensions: dimensions)
    }

    /// Puts a text (`NC_CHAR`) attribute on `variable` (`nil`: a global attribute).
    func putTextAttribute(_ name: String, _ value: String, on variable: NCVariable?) throws(FormatError) {
        let bytes = Array(value.utf8)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { nc_put_att_text(id, variable?.id ?? NC_GLOBAL, name, buffer.count, $0.baseAddress) }
        }
        try check(status, variable: variable?.name, "writing attribute '\(name)'")
    }

    /// Leaves define mode.
    func endDefinitions() throws(FormatError) {
        try check(nc_enddef(id), "leaving define mode")
    }

    /// Writes every value of `variable` (`nc_put_var`): `array` has its shape and its dtype.
    func putValues(_ array: AnyNDArray, into variable: NCVariable) throws(FormatError) {
        switch array {
        case .int8(let a): try putValues(a, into: variable)
        case .uint8(let a): try putValues(a, into: variable)
        case .int16(let a): try putValues(a, into: variable)
        case .uint16(let a): try putValues(a, into: variable)
        case .int32(let a): try putValues(a, into: variable)
        case .uint32(let a): try putValues(a, into: variable)
        case .int64(let a): try putValues(a, into: variable)
        case .uint64(let a): try putValues(a, into: variable)
        case .float32(let a): try putValues(a, into: variable)
        case .float64(let a): try putValues(a, into: variable)
        case .float16, .bool, .complex64, .complex128:
            throw FormatError(.unsupportedDType, file: path, "variable '\(variable.name)': netCDF has no \(array.dtype.name) type")
        }
    }

    private func putValues<T>(_ array: NDArray<T>, into variable: NCVariable) throws(FormatError) {
        assert(array.shape == variable.shape, "writing shape \(array.shape) into \(variable.shape)")
        guard array.count > 0 else { return }
        let status = array.scalars.withUnsafeBytes { nc_put_var(id, variable.id, $0.baseAddress) }
        try check(status, variable: variable.name, "writing the values")
    }
}
