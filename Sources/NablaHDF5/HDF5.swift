#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
// Why this file uses raw pointers: HDF5's C API reads and writes datasets through `void *` buffers, and
// returns its error messages into C character buffers. This is the one file of NablaHDF5; every pointer
// lives only inside the closure that produced it.

import Foundation
import Nabla
import NablaFormats
import ComplexModule
internal import _CHDF5

/// Reading and writing datasets of HDF5 files (`.h5`, `.hdf5`) through the system HDF5 library.
///
/// A dataset is named by its path inside the file, `/group/dataset`; on the command line it is written
/// after the file name, `field.h5:/run1/pressure`.
///
/// Reading accepts float (16, 32 and 64 bit), signed and unsigned integer (8 to 64 bit) datasets in
/// either byte order (HDF5 converts them to native order), h5py's bool (an enum FALSE = 0 / TRUE = 1),
/// any rank, and a scalar dataspace as a 0-D array. Compound, string, array, variable-length, opaque,
/// reference and other enum types are refused with a `FormatError` of kind
/// `FormatError.Kind.unsupportedDType`. Sizes are checked before anything is allocated: the element
/// count is overflow-checked, an uncompressed contiguous dataset must fit in the file, and a chunked or
/// filtered one may expand to at most `max(256 MiB, 1100 × file size)` (deflate cannot compress more than
/// about 1032:1) and never more than the machine's physical memory.
///
/// Writing puts each array in its own chunked dataset (chunks of whole planes or lines of at most 1 MiB;
/// see ``chunkShape(_:elementSize:)``), with native element types (`float16` as
/// h5py's IEEE half type, `bool` as h5py's enum), at the root or under a group. Files are written
/// atomically: HDF5 creates a hidden temporary file in the target's directory, which is then renamed
/// over the target (see `AtomicFile`).
///
/// Every failing HDF5 call becomes a `FormatError` naming the file and the dataset (as the error's
/// `member`), with the HDF5 error stack's own description; the library's automatic printing of error
/// stacks to stderr is switched off.
///
/// ## Thread safety
///
/// The Debian/Ubuntu `libhdf5` is the serial build, which is not thread-safe: two threads inside the
/// library at once corrupt its global state. Every HDF5 call made by this type therefore runs while
/// holding one process-wide lock, so `HDF5` may be used from any number of threads (the calls simply take
/// turns). Code elsewhere in the process that calls libhdf5 directly bypasses this lock and must not run
/// concurrently with it.
public enum HDF5 {
    /// The file extensions of HDF5 files, lowercase, without the dot.
    public static let fileExtensions: Set<String> = ["h5", "hdf5"]

    // MARK: Reading

    /// The paths (`/group/dataset`) of all datasets reachable through hard links, in name order.
    ///
    /// - Throws: `FormatError` of kind `badMagic` for a file that is not HDF5, or `io`.
    public static func datasets(in url: URL) throws(FormatError) -> [String] {
        try withSession(url, allowingExternalData: false) { (session: Session) throws(FormatError) -> [String] in
            try datasetPaths(in: session.file, under: "/", access: session.access, context: session.context)
        }
    }

    /// Reads one dataset: the one at `dataset` (`"/group/name"`; the leading `/` is optional), or, if
    /// `dataset` is `nil` or names a group, the only dataset in the file or group.
    ///
    /// Data kept outside the file is refused unless `allowingExternalData` is true: a dataset with
    /// external storage (its bytes in other files, such as `/etc/passwd`), a virtual dataset mapping data
    /// from other files, and a path through an external link (which libhdf5 is not allowed to follow). A
    /// file from an untrusted source can then never make the reader disclose other local files.
    ///
    /// - Throws: `FormatError`: of kind `FormatError.Kind.invalidName` when the dataset does not exist or
    ///   `dataset` is `nil` and the file holds several (the message lists them), `FormatError.Kind.badMagic`
    ///   for a file that is not HDF5, `FormatError.Kind.unsupportedDType`, `FormatError.Kind.invalidShape`,
    ///   `FormatError.Kind.sizeMismatch` or `FormatError.Kind.io`.
    public static func read(from url: URL, dataset: String? = nil,
                            allowingExternalData: Bool = false) throws(FormatError) -> AnyNDArray {
        try withSession(url, allowingExternalData: allowingExternalData) { (session: Session) throws(FormatError) -> AnyNDArray in
            try session.read(try session.dataset(named: dataset))
        }
    }

    /// Reads every dataset under `group` (default: the whole file), named by their paths relative to
    /// `group` without a leading `/` (`"axis0"`, `"run1/pressure"`), in name order. If `group` names a
    /// dataset, that dataset alone is returned, named by its last path component.
    ///
    /// - Throws: `FormatError` as ``read(from:dataset:allowingExternalData:)`` does, for the first dataset
    ///   that fails (external data is refused the same way).
    public static func readAll(from url: URL, group: String? = nil,
                               allowingExternalData: Bool = false) throws(FormatError) -> [(name: String, array: AnyNDArray)] {
        try withSession(url, allowingExternalData: allowingExternalData) {
            (session: Session) throws(FormatError) -> [(name: String, array: AnyNDArray)] in
            let base = try group.map { (g: String) throws(FormatError) -> String in try session.normalised(g) } ?? "/"
            switch try session.kind(of: base) {
            case .dataset:
                return [(String(base.split(separator: "/").last ?? Substring(base)), try session.read(base))]
            case .group:
                var result: [(name: String, array: AnyNDArray)] = []
                for name in try session.datasets(under: base) {
                    result.append((name, try session.read(base == "/" ? "/" + name : base + "/" + name)))
                }
                return result
            case .missing:
                throw try session.missing(base)
            }
        }
    }

    /// Whether `url` names a readable file with an HDF5 signature.
    public static func isHDF5(_ url: URL) -> Bool {
        // A FIFO or device would block or never end: only regular files are opened.
        guard (try? checkRegularFile(url, context: ErrorContext(file: url.path))) != nil else { return false }
        return (try? locked { () throws(FormatError) -> Bool in
            H5Fis_hdf5(FileSystem.cString(url.path)) > 0
        }) ?? false
    }

    // MARK: Writing

    /// Writes arrays as datasets of a new HDF5 file, atomically, replacing any file at `url`.
    ///
    /// - Parameters:
    ///   - arrays: dataset names (`"axis0"`, or paths such as `"run1/axis0"`; groups are created as needed)
    ///     and arrays.
    ///   - url: the file to create or replace.
    ///   - group: a group (`"/results"`) to put every dataset under; by default the root.
    /// - Throws: `FormatError` of kind `FormatError.Kind.invalidName` for an empty, duplicate or malformed
    ///   name, `FormatError.Kind.invalidShape` for more than 32 axes, or `FormatError.Kind.io`.
    public static func write(_ arrays: [(name: String, array: AnyNDArray)], to url: URL,
                             group: String? = nil) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let items = try planned(arrays, group: group, context: context)
        try AtomicFile.write(to: url) { (temporary: URL) throws in
            try locked { () throws(FormatError) in
                try writeFile(items, at: temporary.path, context: context)
            }
        }
    }

    /// Adds arrays as datasets to the HDF5 file at `url`, keeping every other dataset, group and attribute
    /// of the file; creates the file when there is none.
    ///
    /// The file is changed atomically: the datasets are added to a copy in the same folder, which is then
    /// renamed over the original (see `AtomicFile`), so a failure at any point leaves the original
    /// byte-identical. A dataset that already exists is replaced only when `replacingExisting` is true
    /// (the old dataset's link is removed; HDF5 does not reclaim its space, as with h5py's `del`); a group
    /// is never replaced.
    ///
    /// - Throws: `FormatError`: of kind `FormatError.Kind.invalidName` when a dataset exists and
    ///   `replacingExisting` is false, when a path names a group or runs through a dataset, or for a bad
    ///   name; of kind `FormatError.Kind.badMagic` when `url` exists but is not an HDF5 file; or the kinds
    ///   of ``write(_:to:group:)``.
    public static func add(_ arrays: [(name: String, array: AnyNDArray)], to url: URL, group: String? = nil,
                           replacingExisting: Bool = false) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        if FileSystem.status(url.path) == nil && errno == ENOENT {
            try write(arrays, to: url, group: group)
            return
        }
        let items = try planned(arrays, group: group, context: context)
        try changeCopy(of: url, adding: items.map(\.path), replacingExisting: replacingExisting, context: context) { file throws(FormatError) in
            try locked { () throws(FormatError) in try writeDatasets(items, into: file, context: context) }
        }
    }

    /// The one way datasets are added to a file: checks every path in `paths` on the original `url` (so
    /// that a refusal costs no copy; see ``existing(_:in:access:replacing:context:)``), copies the file's
    /// bytes to a temporary file in the same folder, opens the copy for writing, removes the datasets to
    /// be replaced, calls `body` with it (outside the HDF5 lock: `body` takes it for its own calls), closes
    /// it and renames it over `url`. On any failure the original is untouched and the copy removed.
    static func changeCopy(of url: URL, adding paths: [String], replacingExisting: Bool, context: ErrorContext,
                           _ body: (hid_t) throws -> Void) throws(FormatError) {
        let mode = try checkRegularFile(url, context: context).mode
        let replaced = try locked { () throws(FormatError) -> [String] in
            let (file, _) = try openFile(url, context: context)
            defer { H5Fclose(file) }
            let access = try Access(allowingExternalData: false, context: context)
            defer { access.close() }
            var replaced: [String] = []
            for path in paths {
                if let path = try existing(path, in: file, access: access, replacing: replacingExisting, context: context) {
                    replaced.append(path)
                }
            }
            return replaced
        }
        try AtomicFile.write(to: url) { (temporary: URL) throws in
            // The file's bytes (links followed), not a symbolic link to it: the copy is changed, never the original.
            do throws(FileSystem.Failure) {
                try FileSystem.copyFile(url.path, to: temporary.path, mode: mode & 0o7777)
            } catch {
                throw context.error(.io, "cannot copy the file to add to it (\(error))")
            }
            FileSystem.setMode(temporary.path, mode & 0o7777)
            let file = try locked { () throws(FormatError) -> hid_t in
                let file = try openPrivateFile(temporary.path, create: false, "opening a copy of the file for writing", context)
                for old in replaced where H5Ldelete(file, old, nabla_h5p_default()) < 0 {
                    H5Fclose(file)
                    throw failure("removing the old dataset '\(old)'", ErrorContext(file: context.file, member: old))
                }
                return file
            }
            try closing(file, context: context) { try body(file) }
        }
    }

    /// Creates (`create`: the file must not exist) or opens for writing the temporary file at `path`, which
    /// only this process knows until it is renamed into place, without HDF5's file lock (see
    /// `nabla_h5p_private_file_access`); called holding the HDF5 lock.
    static func openPrivateFile(_ path: String, create: Bool, _ what: String, _ context: ErrorContext) throws(FormatError) -> hid_t {
        let access = try check(nabla_h5p_private_file_access(), "creating a file access list", context)
        defer { H5Pclose(access) }
        let file = create
            ? H5Fcreate(FileSystem.cString(path), nabla_h5f_acc_excl(), nabla_h5p_default(), access)
            : H5Fopen(FileSystem.cString(path), nabla_h5f_acc_rdwr(), access)
        return try check(file, what, context)
    }

    /// Runs `body` with the open `file`, then closes it (checked when `body` succeeds).
    static func closing(_ file: hid_t, context: ErrorContext, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            _ = try? locked { () -> herr_t in H5Fclose(file) }
            throw error
        }
        try locked { () throws(FormatError) in try check(H5Fclose(file), "closing the file", context) }
    }

    /// Adds arrays of one element type as datasets to an HDF5 file; see the `AnyNDArray` form.
    public static func add<T: NPYScalar>(_ arrays: [(name: String, array: NDArray<T>)], to url: URL, group: String? = nil,
                                         replacingExisting: Bool = false) throws(FormatError) {
        try add(arrays.map { (name: $0.name, array: T.wrap($0.array)) }, to: url, group: group,
                replacingExisting: replacingExisting)
    }

    /// Writes arrays of one element type as datasets of a new HDF5 file, atomically; see the `AnyNDArray`
    /// form for the rules and errors.
    public static func write<T: NPYScalar>(_ arrays: [(name: String, array: NDArray<T>)], to url: URL,
                                           group: String? = nil) throws(FormatError) {
        try write(arrays.map { (name: $0.name, array: T.wrap($0.array)) }, to: url, group: group)
    }
}

// MARK: - Planes of a dataset

extension HDF5 {
    /// One dataset of an HDF5 file kept open to read ranges of planes of its axis 0 (hyperslabs): what a
    /// rank of an MPI job, or a slab of a field larger than memory, reads — never the whole dataset.
    ///
    /// ```
    /// read(planes: p..<q)  ==  read(from: url, dataset: path)[p..<q, ...]     (bit for bit, C order)
    /// ```
    /// The dataset is found and checked as ``HDF5/read(from:dataset:allowingExternalData:)`` finds and
    /// checks it (the only dataset of a file or group, external data refused unless allowed, element
    /// type, shape and size checked against the file) when the reader is made; each read checks only
    /// that its planes fit in memory. Elements are typed as the whole read types them.
    ///
    /// Thread safety: every call takes NablaHDF5's process-wide lock (the serial libhdf5 is not
    /// thread-safe), so a reader may be used from any thread. The file stays open until the reader is
    /// released.
    public final class PlaneReader: @unchecked Sendable {
        /// The file.
        public let file: URL
        /// The dataset's path in the file (`/group/name`).
        public let path: String
        /// The dataset's shape (`[]` for a scalar dataset, which has no planes).
        public let shape: [Int]
        /// The element type of the arrays read.
        public let dtype: DType
        private let open: OpenDataset
        private let handle: hid_t
        private let access: Access
        private let context: ErrorContext

        /// Opens `dataset` of `url` (see ``HDF5/read(from:dataset:allowingExternalData:)`` for how it is
        /// named and what is refused).
        ///
        /// - Throws: `FormatError` as ``HDF5/read(from:dataset:allowingExternalData:)`` throws it, except
        ///   that a dataset larger than memory is not refused here.
        public init(_ url: URL, dataset: String? = nil, allowingExternalData: Bool = false) throws(FormatError) {
            let context = ErrorContext(file: url.path)
            (handle, access, open, path) = try HDF5.locked { () throws(FormatError) -> (hid_t, Access, OpenDataset, String) in
                let (file, fileSize) = try openFile(url, context: context)
                var access: Access?
                do throws(FormatError) {
                    access = try Access(allowingExternalData: allowingExternalData, context: context)
                    let path = try Session(file: file, fileSize: fileSize, access: access!, context: context).dataset(named: dataset)
                    let open = try openDataset(file, path: path, fileSize: fileSize, access: access!,
                                               context: ErrorContext(file: url.path, member: path))
                    return (file, access!, open, path)
                } catch {
                    access?.close()
                    H5Fclose(file)
                    throw error
                }
            }
            self.file = url
            self.context = ErrorContext(file: url.path, member: path)
            shape = open.shape
            dtype = open.dtype
        }

        deinit {
            try? HDF5.locked { () throws(FormatError) in
                H5Dclose(open.dataset)
                access.close()
                H5Fclose(handle)
            }
        }

        /// The planes `planes` of axis 0 (every element of the other axes), of shape
        /// `[planes.count] + shape[1...]`, C order.
        ///
        /// - Precondition: the dataset has at least one axis and `planes` lies within axis 0.
        /// - Throws: `FormatError` when HDF5 cannot read them (a damaged file, a failing filter) or they
        ///   are more than this machine's memory.
        /// - Complexity: the planes' bytes are read (for chunked data, the chunks they touch).
        public func read(planes: Range<Int>) throws(FormatError) -> AnyNDArray {
            try HDF5.locked { () throws(FormatError) -> AnyNDArray in
                try readElements(of: open, planes: planes, context: context)
            }
        }

        /// Reads the planes `planes` straight into `buffer`'s elements from `offset` on (no copy), when
        /// the dataset's dtype is `T`'s.
        ///
        /// - Precondition: `dtype == T.dtype`, the dataset has at least one axis, `planes` lies within
        ///   axis 0 and the elements fit in `buffer` from `offset`.
        /// - Throws: `FormatError` when HDF5 cannot read them.
        public func read<T: NPYScalar>(planes: Range<Int>, into buffer: inout NDArray<T>, at offset: Int) throws(FormatError) {
            precondition(dtype == T.dtype, "a \(dtype.name) dataset read into \(T.dtype.name) elements")
            precondition(!shape.isEmpty && planes.lowerBound >= 0 && planes.upperBound <= shape[0],
                         "planes \(planes) are outside axis 0 of \(shape)")
            let count = planes.count * shape.dropFirst().reduce(1, *)
            precondition(offset >= 0 && offset + count <= buffer.count, "\(count) elements do not fit at \(offset)")
            guard count > 0 else { return }
            try HDF5.locked { () throws(FormatError) in
                var failure: FormatError?
                buffer.withUnsafeMutableBufferPointer { storage in
                    do throws(FormatError) {
                        try readSelection(of: open, planes: planes, into: UnsafeMutableRawPointer(storage.baseAddress! + offset),
                                          context: context)
                    } catch { failure = error }
                }
                if let failure { throw failure }
            }
        }
    }
}

/// A field (or the components of a vector field) stored in HDF5 datasets, read a few planes of axis 0 at
/// a time by hyperslab (``HDF5/PlaneReader``) — the HDF5 counterpart of NablaFormats'
/// `StoredArraySource`, for the slab engine and for MPI ranks.
///
/// Values are converted as the in-memory path converts them: datasets of `Scalar`'s dtype are read as
/// they are; integers and other float widths through `Double`.
public final class HDF5FieldSource<Scalar: FieldScalar & NPYScalar>: FieldSource, @unchecked Sendable {
    /// The datasets, one per component.
    public let readers: [HDF5.PlaneReader]
    public let shape: [Int]
    public var componentCount: Int { readers.count }

    /// A source of the datasets of `readers` (one per component).
    ///
    /// - Throws: `FormatError` when the datasets differ in shape, are 0-D, or hold complex numbers or
    ///   booleans (which the slab engine does not differentiate).
    public init(_ readers: [HDF5.PlaneReader]) throws(FormatError) {
        precondition(!readers.isEmpty, "a source needs at least one dataset")
        for reader in readers {
            let context = ErrorContext(file: reader.file.path, member: reader.path)
            if reader.shape != readers[0].shape {
                throw context.error(.invalidShape, "has shape \(reader.shape), but the first component has \(readers[0].shape); the components of a vector field share one shape")
            }
            if reader.shape.isEmpty {
                throw context.error(.invalidShape, "is 0-D (a single number); a field read by planes needs at least one axis")
            }
            if reader.dtype.isComplex {
                throw context.error(.unsupportedDType, "holds \(reader.dtype.name) values; the slab engine differentiates real fields (complex fields are differentiated in memory)")
            }
            if reader.dtype == .bool {
                throw context.error(.unsupportedDType, "holds booleans, which cannot be differentiated; convert the data to a number type")
            }
        }
        self.readers = readers
        shape = readers[0].shape
    }

    public func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Scalar>) throws {
        let planeElements = shape.dropFirst().reduce(1, *)
        var at = 0
        for run in runs {
            let count = run.count * planeElements
            let reader = readers[component]
            if reader.dtype == Scalar.dtype {
                try reader.read(planes: run, into: &buffer, at: at)
            } else {
                let values = try reader.read(planes: run)
                // Integers become Double (the tool computes them in Double), other widths convert by value.
                buffer.replaceElements(at..<at + count, with: values.asDouble().scalars.lazy.map { Scalar($0) })
            }
            at += count
        }
    }
}

extension HDF5 {
    /// Adds datasets of one shape and `Scalar`'s element type to the HDF5 file at `url`, their values
    /// written a few planes of axis 0 at a time by `fill` through the sink it is given (hyperslab writes),
    /// so that results larger than memory can be stored.
    ///
    /// The rules of ``add(_:to:group:replacingExisting:)``: `names` under `group`; every other dataset,
    /// group and attribute of an existing file is kept; a dataset that exists is replaced only when
    /// `replacingExisting`; the change is made to a copy (or a new file) renamed over `url` once `fill`
    /// returns and the file is closed, so a failure at any point leaves `url` as it was. Datasets are
    /// created and stored as the in-memory writer stores them (chunked as ``chunkShape(_:elementSize:)``
    /// says: writes of whole multiples of its planes are whole chunks); planes `fill` does not write read as 0.
    ///
    /// - Throws: `FormatError` as ``add(_:to:group:replacingExisting:)``, or when a write fails; an error
    ///   `fill` throws that is not a `FormatError` is wrapped (kind `.io`, its description kept).
    public static func add<Scalar: FieldScalar & NPYScalar>(
        datasets names: [String], shape: [Int], of _: Scalar.Type, to url: URL, group: String? = nil,
        replacingExisting: Bool = false, fill: (HDF5FieldSink<Scalar>) throws -> Void
    ) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let paths = try planned(names.map { ($0, shape) }, group: group, context: context)
        func body(_ file: hid_t) throws {
            let sink = try locked { () throws(FormatError) in try HDF5FieldSink<Scalar>(file: file, paths: paths, shape: shape, context: context) }
            defer { sink.close() }
            try fill(sink)
        }
        if FileSystem.status(url.path) == nil && errno == ENOENT {
            try AtomicFile.write(to: url) { (temporary: URL) throws in
                let file = try locked { () throws(FormatError) -> hid_t in
                    try openPrivateFile(temporary.path, create: true, "creating the file", context)
                }
                try closing(file, context: context) { try body(file) }
            }
            return
        }
        try changeCopy(of: url, adding: paths, replacingExisting: replacingExisting, context: context, body)
    }
}

/// Results written into new HDF5 datasets a few planes of axis 0 at a time (hyperslab writes): the slab
/// engine's sink for an HDF5 output. Made by ``HDF5/add(datasets:shape:of:to:group:replacingExisting:fill:)``,
/// valid only inside its `fill`.
///
/// Thread safety: every call takes NablaHDF5's process-wide lock, so the engine may write from any thread.
public final class HDF5FieldSink<Scalar: FieldScalar & NPYScalar>: FieldSink, @unchecked Sendable {
    /// The datasets' paths, one per result.
    public let paths: [String]
    /// The shape of every result.
    public let shape: [Int]
    private let datasets: [hid_t]
    private let context: ErrorContext

    /// Creates the datasets; called holding the HDF5 lock.
    fileprivate init(file: hid_t, paths: [String], shape: [Int], context: ErrorContext) throws(FormatError) {
        var datasets: [hid_t] = []
        do throws(FormatError) {
            for path in paths {
                datasets.append(try HDF5.createDataset(path, dtype: Scalar.dtype, shape: shape, in: file,
                                                       context: ErrorContext(file: context.file, member: path)))
            }
        } catch {
            datasets.forEach { H5Dclose($0) }
            throw error
        }
        self.paths = paths
        self.shape = shape
        self.datasets = datasets
        self.context = context
    }

    /// Closes the datasets (the file is closed by the caller).
    fileprivate func close() {
        _ = try? HDF5.locked { () -> Void in datasets.forEach { H5Dclose($0) } }
    }

    public func write(result: Int, planes: Range<Int>, from buffer: NDArray<Scalar>, bufferPlane: Int) throws {
        precondition(!shape.isEmpty && planes.lowerBound >= 0 && planes.upperBound <= shape[0]
                     && buffer.shape.dropFirst().elementsEqual(shape.dropFirst())
                     && bufferPlane >= 0 && bufferPlane + planes.count <= buffer.shape[0],
                     "planes \(planes) from plane \(bufferPlane) of a \(buffer.shape) buffer do not fit \(shape)")
        guard !planes.isEmpty, shape.allSatisfy({ $0 > 0 }) else { return }
        let context = ErrorContext(file: self.context.file, member: paths[result])
        try HDF5.locked { () throws(FormatError) in
            var start = [hsize_t](repeating: 0, count: shape.count)
            var counts = shape.map { hsize_t($0) }
            counts[0] = hsize_t(planes.count)
            let fileSpace = try HDF5.check(H5Dget_space(datasets[result]), "reading the dataspace", context)
            defer { H5Sclose(fileSpace) }
            start[0] = hsize_t(planes.lowerBound)
            try HDF5.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil),
                           "selecting planes \(planes.lowerBound)..<\(planes.upperBound)", context)
            let memoryShape = buffer.shape.map { hsize_t($0) }
            let memorySpace = try HDF5.check(H5Screate_simple(Int32(memoryShape.count), memoryShape, nil),
                                             "creating the memory dataspace", context)
            defer { H5Sclose(memorySpace) }
            start[0] = hsize_t(bufferPlane)
            try HDF5.check(H5Sselect_hyperslab(memorySpace, H5S_SELECT_SET, start, nil, counts, nil),
                           "selecting the buffer's planes", context)
            let (type, owned) = HDF5.memoryType(Scalar.dtype)
            guard type >= 0 else { throw HDF5.failure("creating the memory type", context) }
            defer { if owned { H5Tclose(type) } }
            let status = buffer.scalars.withUnsafeBytes { raw in
                H5Dwrite(datasets[result], type, memorySpace, fileSpace, nabla_h5p_default(), raw.baseAddress)
            }
            try HDF5.check(status, "writing planes \(planes.lowerBound)..<\(planes.upperBound)", context)
        }
    }
}

// MARK: - Implementation

extension HDF5 {
    /// The dataset paths of `arrays` under `group`, checked: unique, well formed, at most 32 axes, and no
    /// dataset that is also a group on the way to another.
    static func planned(_ arrays: [(name: String, array: AnyNDArray)], group: String?,
                        context: ErrorContext) throws(FormatError) -> [(path: String, array: AnyNDArray)] {
        Array(zip(try planned(arrays.map { ($0.name, $0.array.shape) }, group: group, context: context), arrays.map(\.array)))
    }

    /// The paths of datasets `name` of `shape` under `group`, checked as for arrays.
    static func planned(_ datasets: [(name: String, shape: [Int])], group: String?,
                        context: ErrorContext) throws(FormatError) -> [String] {
        let prefix = try group.map { (g: String) throws(FormatError) -> String in try normalised(g, context: context) } ?? "/"
        var seen = Set<String>()
        var paths: [String] = []
        for (name, shape) in datasets {
            let path = try normalised(prefix == "/" ? name : prefix + "/" + name, context: context)
            guard seen.insert(path).inserted else {
                throw context.error(.invalidName, "the dataset '\(path)' appears twice; dataset names must be unique")
            }
            guard shape.count <= 32 else {
                throw ErrorContext(file: context.file, member: path).error(.invalidShape,
                    "\(shape.count) axes; HDF5 datasets have at most 32")
            }
            paths.append(path)
        }
        // A dataset cannot also be a group on the way to another dataset.
        for path in paths where seen.contains(where: { $0.hasPrefix(path + "/") }) {
            throw context.error(.invalidName, "'\(path)' is both a dataset and a group of another dataset")
        }
        return paths
    }

    /// Checks that a dataset can be written at `path` of an existing file: returns `path` when a dataset is
    /// there and may be replaced, nil when nothing is there; throws when it may not be replaced, when a group
    /// is there, or when a component on the way is not a group.
    static func existing(_ path: String, in file: hid_t, access: Access, replacing: Bool,
                         context: ErrorContext) throws(FormatError) -> String? {
        var prefix = ""
        let parts = path.split(separator: "/")
        for (k, part) in parts.enumerated() {
            prefix += "/" + part
            let type = try objectType(file, prefix, access: access, context: context)
            if type == H5I_BADID { return nil }  // missing: created with its groups
            if k < parts.count - 1 {
                guard type == H5I_GROUP else {
                    throw context.error(.invalidName, "cannot write the dataset '\(path)': '\(prefix)' is a dataset, not a group")
                }
                continue
            }
            guard type == H5I_DATASET else {
                throw context.error(.invalidName, "cannot write the dataset '\(path)': a group of that name exists; choose another name")
            }
            guard replacing else {
                throw context.error(.invalidName, "dataset '\(path)' already exists; refusing to replace it without --overwrite")
            }
            return path
        }
        return nil
    }
}

/// Where an error happened: the file and, for a dataset, its path (the error's `member`).
struct ErrorContext: Sendable {
    var file: String
    var member: String?

    func error(_ kind: FormatError.Kind, _ message: String) -> FormatError {
        FormatError(kind, file: file, member: member, message)
    }
}

/// The lock that serialises every call into the (serial, not thread-safe) HDF5 library.
private let hdf5Lock = NSLock()
/// Whether automatic error printing is off yet; guarded by `hdf5Lock`.
nonisolated(unsafe) private var hdf5Configured = false

extension HDF5 {
    /// Runs `body` holding the process-wide HDF5 lock; the first call switches off HDF5's printing of
    /// error stacks (the messages are taken from the stack and thrown instead).
    static func locked<R>(_ body: () throws(FormatError) -> R) throws(FormatError) -> R {
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        if !hdf5Configured {
            H5Eset_auto2(nabla_h5e_default(), nil, nil)
            hdf5Configured = true
        }
        return try body()
    }

    /// The error for a failed HDF5 call: `what` plus the descriptions on HDF5's error stack (then cleared).
    static func failure(_ what: String, _ context: ErrorContext, kind: FormatError.Kind = .io) -> FormatError {
        var buffer = [CChar](repeating: 0, count: 1024)
        buffer.withUnsafeMutableBufferPointer { nabla_h5_take_error_message($0.baseAddress, $0.count) }
        let detail = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return context.error(kind, detail.isEmpty ? "\(what) failed" : "\(what) failed: \(detail)")
    }

    @discardableResult
    static func check(_ id: hid_t, _ what: @autoclosure () -> String, _ context: ErrorContext) throws(FormatError) -> hid_t {
        if id < 0 { throw failure(what(), context) }
        return id
    }

    static func check(_ status: herr_t, _ what: @autoclosure () -> String, _ context: ErrorContext) throws(FormatError) {
        if status < 0 { throw failure(what(), context) }
    }

    /// `"/a/b"` from `"a/b"`, `"/a//b/"`; refuses empty, `.` and `..` components and NUL.
    static func normalised(_ path: String, context: ErrorContext) throws(FormatError) -> String {
        let shown = "'\(path.prefix(200))'"
        guard !path.utf8.contains(0) else { throw context.error(.invalidName, "the dataset path \(shown) contains NUL") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.isEmpty {
            if path.hasPrefix("/") { return "/" }
            throw context.error(.invalidName, "dataset names must not be empty")
        }
        if let bad = parts.first(where: { $0 == "." || $0 == ".." }) {
            throw context.error(.invalidName, "the dataset path \(shown) contains '\(bad)'; use plain names like /group/data")
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The access property lists objects are opened with: unless external data is allowed, they make
    /// libhdf5 refuse to traverse external links (a callback that fails the traversal), so that no path,
    /// soft link or group lookup can silently open another file.
    struct Access {
        var link: hid_t
        var dataset: hid_t
        var group: hid_t
        var allowsExternalData: Bool

        init(allowingExternalData: Bool, context: ErrorContext) throws(FormatError) {
            allowsExternalData = allowingExternalData
            if allowingExternalData {
                (link, dataset, group) = (nabla_h5p_default(), nabla_h5p_default(), nabla_h5p_default())
                return
            }
            link = try check(H5Pcreate(nabla_h5p_link_access()), "creating a link access list", context)
            dataset = H5Pcreate(nabla_h5p_dataset_access())
            group = H5Pcreate(nabla_h5p_group_access())
            guard dataset >= 0, group >= 0, nabla_h5_refuse_external_links(link) >= 0,
                  nabla_h5_refuse_external_links(dataset) >= 0, nabla_h5_refuse_external_links(group) >= 0 else {
                let error = failure("configuring external-link access", context)
                close()
                throw error
            }
            _ = nabla_h5_take_refused_external_links()
        }

        func close() {
            guard !allowsExternalData else { return }
            for list in [link, dataset, group] where list >= 0 { H5Pclose(list) }
        }

        /// Whether libhdf5 refused to follow an external link since the last call.
        func refusedExternalLink() -> Bool { nabla_h5_take_refused_external_links() > 0 }
    }

    /// Opens `url` non-blocking (a FIFO would otherwise wait for a writer forever), checks with `fstat(2)`
    /// that it is a regular file, and closes it again; returns its size and mode.
    static func checkRegularFile(_ url: URL, context: ErrorContext) throws(FormatError) -> (size: Int, mode: mode_t) {
        let fd = FileSystem.open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw context.error(.io, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw context.error(.io, "cannot stat: \(String(cString: strerror(errno)))") }
        if let what = FileKind.nonRegular(mode: info.st_mode) {
            throw context.error(.io, "is \(what), not a regular file; only regular files can be read")
        }
        return (Int(info.st_size), info.st_mode)
    }

    /// Opens an existing HDF5 file read-only; returns the handle and the file's size in bytes.
    static func openFile(_ url: URL, context: ErrorContext) throws(FormatError) -> (hid_t, Int) {
        let size = try checkRegularFile(url, context: context).size
        let signature = H5Fis_hdf5(FileSystem.cString(url.path))
        guard signature > 0 else {
            if signature < 0 { throw failure("checking for an HDF5 signature", context, kind: .badMagic) }
            throw context.error(.badMagic, "not an HDF5 file (no HDF5 signature found)")
        }
        let file = try check(H5Fopen(FileSystem.cString(url.path), nabla_h5f_acc_rdonly(), nabla_h5p_default()),
                             "opening the file", context)
        return (file, size)
    }

    /// The HDF5 type of the object at `path`, or `H5I_BADID` when there is none.
    ///
    /// - Throws: `FormatError` when the path goes through an external link and `access` does not allow
    ///   external data.
    static func objectType(_ file: hid_t, _ path: String, access: Access, context: ErrorContext) throws(FormatError) -> H5I_type_t {
        if path == "/" { return H5I_GROUP }
        // Check each link on the way, so that a missing parent is not an error on HDF5's stack, and so that
        // an external link is named before anything follows it.
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            let exists = prefix.withCString { H5Lexists(file, $0, access.link) }
            if exists <= 0 {
                var scratch = [CChar](repeating: 0, count: 8)
                nabla_h5_take_error_message(&scratch, scratch.count)
                if access.refusedExternalLink() { throw externalLink(path, target: nil, context: context) }
                return H5I_BADID
            }
            if !access.allowsExternalData {
                var target = [CChar](repeating: 0, count: 1024)
                let type = prefix.withCString { nabla_h5_link_type(file, $0, access.link, &target, target.count) }
                if type == Int32(H5L_TYPE_EXTERNAL.rawValue) {
                    throw externalLink(prefix, target: text(target), context: context)
                }
            }
        }
        let object = path.withCString { H5Oopen(file, $0, access.link) }
        guard object >= 0 else {
            var scratch = [CChar](repeating: 0, count: 8)
            nabla_h5_take_error_message(&scratch, scratch.count)
            // A soft link whose target runs through an external link.
            if access.refusedExternalLink() { throw externalLink(path, target: nil, context: context) }
            return H5I_BADID
        }
        defer { H5Oclose(object) }
        return H5Iget_type(object)
    }

    /// The text of a NUL-terminated C buffer, as UTF-8.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The refusal of a path through an external link (`target` is "file:/object" when known).
    static func externalLink(_ path: String, target: String?, context: ErrorContext) -> FormatError {
        let shown = target.map { $0.isEmpty ? "" : " to '\($0.prefix(300))'" } ?? ""
        let what = target == nil ? "'\(path)' leads through an external link to another file" : "'\(path)' is an external link\(shown)"
        return ErrorContext(file: context.file).error(.io,
            "\(what); refusing to follow it without --allow-external")
    }

    /// The error for a dataset path that does not name a dataset, listing those that exist.
    static func missing(_ path: String, in file: hid_t, access: Access, context: ErrorContext) throws(FormatError) -> FormatError {
        let all = try datasetPaths(in: file, under: "/", access: access, context: context)
        let holds = all.isEmpty ? "the file holds no datasets" : "the file holds \(listing(all))"
        return context.error(.invalidName, "no dataset '\(path)'; \(holds)")
    }

    /// `'/a', '/b', … and 3 more`.
    static func listing(_ names: [String]) -> String {
        let shown = names.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > 20 ? "\(shown) and \(names.count - 20) more" : shown
    }

    /// Paths of the datasets under the group `base`: absolute (`/g/d`), or relative to `base` (`g/d`).
    static func datasetPaths(in file: hid_t, under base: String, access: Access, context: ErrorContext,
                             relative: Bool = false) throws(FormatError) -> [String] {
        final class Names { var list: [String] = [] }
        let names = Names()
        let group = try check(base.withCString { H5Gopen2(file, $0, access.group) }, "opening group '\(base)'", context)
        defer { H5Gclose(group) }
        let status = withExtendedLifetime(names) {
            nabla_h5_visit_datasets(group, { name, box in
                guard let name, let box else { return }
                Unmanaged<Names>.fromOpaque(box).takeUnretainedValue().list.append(String(cString: name))
            }, Unmanaged.passUnretained(names).toOpaque())
        }
        try check(status, "listing the datasets", context)
        if relative { return names.list }
        return names.list.map { base == "/" ? "/" + $0 : base + "/" + $0 }
    }

    /// The `DType` an HDF5 file type is read as.
    static func dtype(of type: hid_t, context: ErrorContext) throws(FormatError) -> DType {
        let size = H5Tget_size(type)
        let typeClass = H5Tget_class(type)
        switch typeClass {
        case H5T_FLOAT:
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: throw context.error(.unsupportedDType, "\(size * 8)-bit floats are not supported; expected 16, 32 or 64 bits")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            case (1, false): return .uint8
            case (2, false): return .uint16
            case (4, false): return .uint32
            case (8, false): return .uint64
            default: throw context.error(.unsupportedDType, "\(size * 8)-bit integers are not supported; expected 8 to 64 bits")
            }
        case H5T_ENUM where nabla_h5t_is_bool(type) != 0:
            return .bool
        case H5T_COMPOUND where nabla_h5t_complex_part_size(type) != 0:
            // h5py's complex numbers: {r, i} of two float32 (complex64) or float64 (complex128).
            return nabla_h5t_complex_part_size(type) == 4 ? .complex64 : .complex128
        default:
            let what = switch typeClass {
            case H5T_COMPOUND: "a compound (struct) type other than h5py's complex {r, i}; store each field as its own dataset"
            case H5T_STRING: "a string type"
            case H5T_ENUM: "an enum type (only h5py's bool enum is read)"
            case H5T_ARRAY: "an array element type; store it as extra axes of the dataset instead"
            case H5T_VLEN: "a variable-length type"
            case H5T_OPAQUE: "an opaque type"
            case H5T_REFERENCE: "a reference type"
            case H5T_BITFIELD: "a bitfield type"
            case H5T_TIME: "a time type"
            default: "an unknown type (class \(typeClass.rawValue))"
            }
            throw context.error(.unsupportedDType,
                "holds \(what), which is not supported; expected float16/32/64, complex64/128, int8..64, uint8..64 or bool")
        }
    }

    /// A new memory type for `dtype` that the caller must close, or a library-owned native type.
    static func memoryType(_ dtype: DType) -> (type: hid_t, owned: Bool) {
        switch dtype {
        case .float16: (nabla_h5t_create_float16(), true)
        case .float32: (nabla_h5t_native_float(), false)
        case .float64: (nabla_h5t_native_double(), false)
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64:
            (nabla_h5t_native_integer(Int32(dtype.itemSize), dtype.kindCharacter == "i" ? 1 : 0), false)
        case .bool: (nabla_h5t_create_bool(), true)
        case .complex64: (nabla_h5t_create_complex(4), true)
        case .complex128: (nabla_h5t_create_complex(8), true)
        }
    }

    /// A dataset opened by ``openDataset(_:path:fileSize:access:context:)``: its checked element type,
    /// shape and sizes. The caller closes `dataset`.
    struct OpenDataset {
        var dataset: hid_t
        var dtype: DType
        var shape: [Int]
        /// `shape (2, 3) = 6 float64 elements (48 bytes)`, for messages.
        var declared: String
    }

    /// Opens the dataset at `path` and checks it before anything is read: data outside the file (unless
    /// allowed), a supported element type, a shape whose element and byte counts are addressable, and a
    /// size the file can hold (contiguous, unfiltered data) or may plausibly expand to (at most
    /// `max(256 MiB, 1100 × file size)` for chunked or filtered data).
    static func openDataset(_ file: hid_t, path: String, fileSize: Int, access: Access,
                            context: ErrorContext) throws(FormatError) -> OpenDataset {
        let dataset = path.withCString { H5Dopen2(file, $0, access.dataset) }
        if dataset < 0 && access.refusedExternalLink() {
            _ = failure("opening the dataset", context)  // clears HDF5's error stack
            throw externalLink(path, target: nil, context: context)
        }
        try check(dataset, "opening the dataset", context)
        var handedOver = false
        defer { if !handedOver { H5Dclose(dataset) } }
        try checkStorage(dataset, path: path, access: access, context: context)
        let fileType = try check(H5Dget_type(dataset), "reading the element type", context)
        defer { H5Tclose(fileType) }
        let dtype = try self.dtype(of: fileType, context: context)

        // Shape.
        let space = try check(H5Dget_space(dataset), "reading the dataspace", context)
        defer { H5Sclose(space) }
        var shape: [Int] = []
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR:
            break
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0 else { throw failure("reading the dataspace rank", context) }
            guard rank <= 32 else { throw context.error(.invalidShape, "declares \(rank) axes; HDF5 allows at most 32") }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            if rank > 0 { try check(H5Sget_simple_extent_dims(space, &dims, nil), "reading the dataspace", context) }
            for d in dims {
                guard d <= UInt64(Int.max) else { throw context.error(.invalidShape, "declares an axis of length \(d)") }
                shape.append(Int(d))
            }
        case H5S_NULL:
            throw context.error(.invalidShape, "has an empty (null) dataspace: it holds no array")
        default:
            throw failure("reading the dataspace", context, kind: .invalidShape)
        }

        // Sizes, overflow-checked, before allocating.
        let shown = "(\(shape.map(String.init).joined(separator: ", ")))"
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw context.error(.invalidShape, "shape \(shown) has more elements than can be addressed") }
            count = product
        }
        let fileItemSize = H5Tget_size(fileType)
        let (memoryBytes, o1) = count.multipliedReportingOverflow(by: dtype.itemSize)
        let (storedBytes, o2) = count.multipliedReportingOverflow(by: max(fileItemSize, 1))
        guard !o1, !o2 else { throw context.error(.invalidShape, "shape \(shown) has more bytes than can be addressed") }
        let plist = try check(H5Dget_create_plist(dataset), "reading the dataset layout", context)
        let layout = H5Pget_layout(plist)
        let filters = H5Pget_nfilters(plist)
        let external = H5Pget_external_count(plist)
        H5Pclose(plist)
        let declared = "shape \(shown) = \(count) \(dtype.name) elements (\(storedBytes) bytes)"
        if layout != H5D_CHUNKED && layout != H5D_VIRTUAL && filters == 0 && external <= 0 {
            guard storedBytes <= fileSize else {
                throw context.error(.sizeMismatch, "declares \(declared) but the file holds only \(fileSize) bytes")
            }
        } else {
            let (ratioCap, o3) = fileSize.multipliedReportingOverflow(by: 1100)
            let cap = o3 ? Int.max : max(256 << 20, ratioCap)
            guard memoryBytes <= cap else {
                throw context.error(.sizeMismatch,
                    "declares \(declared) in a \(fileSize)-byte file; more than 1100 times the file size is refused as implausible")
            }
        }
        handedOver = true
        return OpenDataset(dataset: dataset, dtype: dtype, shape: shape, declared: declared)
    }

    static func readDataset(_ file: hid_t, path: String, fileSize: Int, access: Access,
                            context: ErrorContext) throws(FormatError) -> AnyNDArray {
        let open = try openDataset(file, path: path, fileSize: fileSize, access: access, context: context)
        defer { H5Dclose(open.dataset) }
        return try readElements(of: open, planes: nil, context: context)
    }

    /// Reads the whole dataset (`planes` nil) or the hyperslab of the planes `planes` of its axis 0 (all
    /// of every other axis), in C order, converted to native order by HDF5; refuses more than this
    /// machine's physical memory.
    static func readElements(of open: OpenDataset, planes: Range<Int>?, context: ErrorContext) throws(FormatError) -> AnyNDArray {
        var shape = open.shape
        if let planes {
            precondition(!shape.isEmpty && planes.lowerBound >= 0 && planes.upperBound <= shape[0],
                         "planes \(planes) are outside axis 0 of \(shape)")
            shape[0] = planes.count
        }
        let count = shape.reduce(1, *)
        guard UInt64(count * open.dtype.itemSize) <= ProcessInfo.processInfo.physicalMemory else {
            let what = planes.map { "planes \($0.lowerBound)..<\($0.upperBound) of a dataset that declares \(open.declared) are" }
                ?? "declares \(open.declared),"
            throw context.error(.sizeMismatch, "\(what) more than this machine's memory")
        }
        func elements<T>(_: T.Type) throws(FormatError) -> NDArray<T> {
            var failure: FormatError?
            let scalars = [T](unsafeUninitializedCapacity: count) { buffer, initialised in
                do throws(FormatError) {
                    if count > 0 { try readSelection(of: open, planes: planes, into: UnsafeMutableRawPointer(buffer.baseAddress!), context: context) }
                    initialised = count
                } catch {
                    failure = error
                    initialised = 0
                }
            }
            if let failure { throw failure }
            do {
                return try NDArray(shape: shape, scalars: scalars)
            } catch {
                throw context.error(.invalidShape, "\(error)")
            }
        }
        let dtype = open.dtype
        switch dtype {
        case .float16: return .float16(try elements(Float16.self))
        case .float32: return .float32(try elements(Float.self))
        case .float64: return .float64(try elements(Double.self))
        case .complex64: return .complex64(try elements(Complex<Float>.self))
        case .complex128: return .complex128(try elements(Complex<Double>.self))
        case .int8: return .int8(try elements(Int8.self))
        case .int16: return .int16(try elements(Int16.self))
        case .int32: return .int32(try elements(Int32.self))
        case .int64: return .int64(try elements(Int64.self))
        case .uint8: return .uint8(try elements(UInt8.self))
        case .uint16: return .uint16(try elements(UInt16.self))
        case .uint32: return .uint32(try elements(UInt32.self))
        case .uint64: return .uint64(try elements(UInt64.self))
        case .bool:
            // Read the raw enum bytes and map them: a byte other than 0 or 1 must not become a Bool.
            let bytes = try elements(UInt8.self)
            return .bool(bytes.map { $0 != 0 })
        }
    }

    /// Reads the whole dataset (`planes` nil) or the hyperslab of its planes `planes` into `destination`
    /// (room for the elements, of the memory type of the dataset's dtype), in C order.
    static func readSelection(of open: OpenDataset, planes: Range<Int>?, into destination: UnsafeMutableRawPointer,
                              context: ErrorContext) throws(FormatError) {
        var fileSpace = nabla_h5s_all(), memorySpace = nabla_h5s_all()
        defer {
            if fileSpace != nabla_h5s_all() { H5Sclose(fileSpace) }
            if memorySpace != nabla_h5s_all() { H5Sclose(memorySpace) }
        }
        if let planes {
            fileSpace = try check(H5Dget_space(open.dataset), "reading the dataspace", context)
            var start = [hsize_t](repeating: 0, count: open.shape.count)
            start[0] = hsize_t(planes.lowerBound)
            var counts = open.shape.map { hsize_t($0) }
            counts[0] = hsize_t(planes.count)
            try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil),
                      "selecting planes \(planes.lowerBound)..<\(planes.upperBound)", context)
            memorySpace = try check(H5Screate_simple(Int32(counts.count), counts, nil), "creating the memory dataspace", context)
        }
        let (memoryType, owned) = memoryType(open.dtype)
        guard memoryType >= 0 else { throw failure("creating the memory type", context) }
        defer { if owned { H5Tclose(memoryType) } }
        try check(H5Dread(open.dataset, memoryType, memorySpace, fileSpace, nabla_h5p_default(), destination),
                  "reading the data", context)
    }

    /// Refuses a dataset whose data lives outside the file — external storage (raw data in other files)
    /// or a virtual dataset with sources in other files — unless `access` allows external data.
    static func checkStorage(_ dataset: hid_t, path: String, access: Access, context: ErrorContext) throws(FormatError) {
        guard !access.allowsExternalData else { return }
        let plist = try check(H5Dget_create_plist(dataset), "reading the dataset layout", context)
        defer { H5Pclose(plist) }
        let refusal = ErrorContext(file: context.file)
        var name = [CChar](repeating: 0, count: 1024)
        if H5Pget_external_count(plist) > 0 {
            nabla_h5_first_external_file(plist, &name, name.count)
            throw refusal.error(.io,
                "dataset '\(path)' stores its data outside the file (external storage in '\(text(name).prefix(300))'); refusing to read it without --allow-external")
        }
        if H5Pget_layout(plist) == H5D_VIRTUAL {
            let outside = nabla_h5_virtual_source_outside(plist, &name, name.count)
            guard outside >= 0 else { throw failure("reading the virtual dataset's mappings", context) }
            if outside > 0 {
                throw refusal.error(.io,
                    "dataset '\(path)' is a virtual dataset that maps data from outside the file (source '\(text(name).prefix(300))'); refusing to read it without --allow-external")
            }
        }
    }

    /// Creates the file at `path` (which must not exist) and writes each array to its dataset path.
    static func writeFile(_ items: [(path: String, array: AnyNDArray)], at path: String,
                          context: ErrorContext) throws(FormatError) {
        let file = try openPrivateFile(path, create: true, "creating the file", context)
        var open = true
        defer { if open { H5Fclose(file) } }
        try writeDatasets(items, into: file, context: context)
        open = false
        try check(H5Fclose(file), "closing the file", context)
    }

    /// Creates each dataset (and the groups on its path) in the open file and writes its array.
    static func writeDatasets(_ items: [(path: String, array: AnyNDArray)], into file: hid_t,
                              context: ErrorContext) throws(FormatError) {
        for (datasetPath, array) in items {
            let context = ErrorContext(file: context.file, member: datasetPath)
            let dataset = try createDataset(datasetPath, dtype: array.dtype, shape: array.shape, in: file, context: context)
            defer { H5Dclose(dataset) }
            let (type, owned) = memoryType(array.dtype)
            guard type >= 0 else { throw failure("creating the element type", context) }
            defer { if owned { H5Tclose(type) } }
            if array.count > 0 {
                let status = array.withUnsafeBytes { raw in
                    H5Dwrite(dataset, type, nabla_h5s_all(), nabla_h5s_all(), nabla_h5p_default(), raw.baseAddress)
                }
                try check(status, "writing the data", context)
            }
        }
    }

    /// Creates the dataset `path` (and the groups on its path) of `dtype` and `shape` in the open file;
    /// the caller closes it. Storage is chunked as ``chunkShape(_:elementSize:)`` says (whole chunks
    /// allocated when first written; planes never written read as 0), contiguous for a scalar or empty
    /// dataset. The dataset's chunk cache holds ``chunkCacheChunks`` chunks, fully written chunks evicted
    /// first, so a write of part of a chunk is completed in memory by the next one and the memory HDF5
    /// holds per open dataset stays at most that many chunks.
    static func createDataset(_ path: String, dtype: DType, shape: [Int], in file: hid_t,
                              context: ErrorContext) throws(FormatError) -> hid_t {
        let linkCreation = try check(H5Pcreate(nabla_h5p_link_create()), "creating a link property list", context)
        defer { H5Pclose(linkCreation) }
        try check(H5Pset_create_intermediate_group(linkCreation, 1), "configuring group creation", context)
        let creation = try check(H5Pcreate(nabla_h5p_dataset_create()), "creating a dataset creation list", context)
        defer { H5Pclose(creation) }
        let access = try check(H5Pcreate(nabla_h5p_dataset_access()), "creating a dataset access list", context)
        defer { H5Pclose(access) }
        if let chunk = chunkShape(shape, elementSize: dtype.itemSize) {
            let dims = chunk.map { hsize_t($0) }
            try check(H5Pset_chunk(creation, Int32(dims.count), dims), "setting the chunk shape \(chunk)", context)
            let chunkBytes = chunk.reduce(dtype.itemSize, *)
            // 521 slots (HDF5's default, a prime) for at most a few chunks: no two collide in practice.
            try check(H5Pset_chunk_cache(access, 521, chunkCacheChunks * chunkBytes, 1.0), "setting the chunk cache", context)
        }
        let space: hid_t
        if shape.isEmpty {
            space = try check(H5Screate(H5S_SCALAR), "creating the dataspace", context)
        } else {
            let dims = shape.map { hsize_t($0) }
            space = try check(H5Screate_simple(Int32(dims.count), dims, nil), "creating the dataspace", context)
        }
        defer { H5Sclose(space) }
        let (type, owned) = memoryType(dtype)
        guard type >= 0 else { throw failure("creating the element type", context) }
        defer { if owned { H5Tclose(type) } }
        return try check(path.withCString {
            H5Dcreate2(file, $0, type, space, linkCreation, creation, access)
        }, "creating the dataset", context)
    }

    /// The most bytes one chunk of a dataset this module writes holds (before clipping to the dataset's
    /// shape): 1 MiB, which fits h5py's and HDF5's default chunk cache (1 MiB per dataset), so that a
    /// reader taking a dataset in pieces reads each chunk from disk once.
    package static let chunkTarget = 1 << 20

    /// The chunks an open dataset written by this module caches: the chunk being completed by the next
    /// write and the one being filled.
    static let chunkCacheChunks = 2

    /// The chunk shape of a dataset of `shape` whose elements take `elementSize` bytes: the largest block
    /// of whole trailing axes (row-major order) of at most ``chunkTarget`` bytes,
    ///
    /// ```
    /// chunk = [1, …, 1, c_d, n_{d+1}, …, n_{r-1}],   c_d = max(1, ⌊target / (elementSize · n_{d+1} ⋯ n_{r-1})⌋) ≤ n_d
    /// ```
    ///
    /// where `d` is the outermost axis that does not fit whole. When planes of axis 0 fit, a chunk is `k`
    /// whole planes, and a write of planes `p..<q` with `p` and `q` multiples of `k` (or `q` the last
    /// plane) is whole chunks, which the slab engine arranges (its slabs are whole multiples of `k`
    /// planes); when one plane is larger, a chunk is whole lines of the inner axes and any write of whole
    /// planes is whole chunks. Nil for a scalar dataset or one with no elements (stored contiguous).
    ///
    /// - Complexity: O(rank).
    package static func chunkShape(_ shape: [Int], elementSize: Int) -> [Int]? {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { return nil }
        var chunk = [Int](repeating: 1, count: shape.count)
        var inner = max(elementSize, 1)
        for d in shape.indices.reversed() {
            guard inner <= chunkTarget / shape[d] else {
                chunk[d] = max(1, min(shape[d], chunkTarget / inner))
                break
            }
            chunk[d] = shape[d]
            inner *= shape[d]
        }
        return chunk
    }

    /// The chunk shape of the dataset `dataset` of the HDF5 file at `url`, or nil when it is not chunked
    /// (contiguous or compact storage): how a test sees the layout a write chose.
    ///
    /// - Throws: `FormatError` when the file or dataset cannot be opened.
    package static func storedChunkShape(of url: URL, dataset: String) throws(FormatError) -> [Int]? {
        let context = ErrorContext(file: url.path, member: dataset)
        return try locked { () throws(FormatError) -> [Int]? in
            let (file, _) = try openFile(url, context: context)
            defer { H5Fclose(file) }
            let handle = try check(dataset.withCString { H5Dopen2(file, $0, nabla_h5p_default()) }, "opening the dataset", context)
            defer { H5Dclose(handle) }
            let plist = try check(H5Dget_create_plist(handle), "reading the dataset layout", context)
            defer { H5Pclose(plist) }
            guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = H5Pget_chunk(plist, 32, &dims)
            guard rank >= 0 else { throw failure("reading the chunk shape", context) }
            return dims.prefix(Int(rank)).map { Int($0) }
        }
    }
}

// MARK: - Sessions for the grid readers

extension HDF5 {
    /// An attribute's value as the grid readers need it.
    enum Attribute {
        /// Integer or floating-point values, converted to `Double` (a scalar is one value).
        case numbers([Double])
        /// Fixed- or variable-length strings (a scalar is one string).
        case strings([String])
        /// Any other type, described for error messages (`"a compound type"`).
        case other(String)
    }

    /// What a path names.
    enum ObjectKind { case dataset, group, missing }

    /// The first dimension scale attached to one dimension of a dataset.
    struct AttachedScale {
        /// The scale dataset's path (`/x`).
        var path: String
        /// Its `NAME` attribute, empty when it has none.
        var name: String
    }

    /// One HDF5 file open for reading, for the code that interprets grids (`HDF5+Grid.swift`), which thereby
    /// never calls libhdf5 itself. Valid only inside ``withSession(_:allowingExternalData:_:)``, which holds
    /// the process-wide HDF5 lock; every object is opened with the session's external-data policy.
    struct Session {
        fileprivate let file: hid_t
        fileprivate let fileSize: Int
        fileprivate let access: Access
        /// The file, for messages.
        let context: ErrorContext

        /// `"/a/b"` from `"a/b"`, refusing malformed paths.
        func normalised(_ path: String) throws(FormatError) -> String {
            try HDF5.normalised(path, context: context)
        }

        func kind(of path: String) throws(FormatError) -> ObjectKind {
            switch try objectType(file, path, access: access, context: context) {
            case H5I_DATASET: .dataset
            case H5I_GROUP: .group
            default: .missing
            }
        }

        /// The error for a path that names nothing readable, listing the file's datasets.
        func missing(_ path: String) throws(FormatError) -> FormatError {
            try HDF5.missing(path, in: file, access: access, context: context)
        }

        /// The dataset `name` stands for (`nil`: the root): the dataset itself, or the only dataset anywhere
        /// under the group it names. `group` may first give the dataset a group stands for by another
        /// convention (an openPMD record's only component), or nil.
        func dataset(named name: String?,
                     group: (String) throws(FormatError) -> String? = { _ in nil }) throws(FormatError) -> String {
            let path = try name.map { (d: String) throws(FormatError) -> String in try normalised(d) } ?? "/"
            switch try kind(of: path) {
            case .dataset:
                return path
            case .missing:
                throw try missing(path)
            case .group:
                if let resolved = try group(path) { return resolved }
                let prefix = path == "/" ? "/" : path + "/"
                let all = try datasets(under: path).map { prefix + $0 }
                let holder = path == "/" ? "the file" : "the group '\(path)'"
                guard all.count == 1 else {
                    if all.isEmpty { throw context.error(.invalidName, "\(holder) holds no datasets") }
                    throw context.error(.invalidName,
                        "\(holder) holds \(all.count) datasets (\(listing(all))); choose one as FILE:/path/to/dataset")
                }
                return all[0]
            }
        }

        /// The datasets anywhere under `group`, as paths relative to it (`"x"`, `"g/d"`), in name order.
        func datasets(under group: String) throws(FormatError) -> [String] {
            try datasetPaths(in: file, under: group, access: access, context: context, relative: true)
        }

        /// Reads a dataset with every check of ``HDF5/read(from:dataset:allowingExternalData:)``.
        func read(_ path: String) throws(FormatError) -> AnyNDArray {
            try readDataset(file, path: path, fileSize: fileSize, access: access,
                            context: ErrorContext(file: context.file, member: path))
        }

        /// The element type and shape of a dataset, checked as ``read(_:)`` checks them (except for its
        /// size against memory), without reading its values.
        func describe(_ path: String) throws(FormatError) -> (dtype: DType, shape: [Int]) {
            let open = try openDataset(file, path: path, fileSize: fileSize, access: access,
                                       context: ErrorContext(file: context.file, member: path))
            H5Dclose(open.dataset)
            return (open.dtype, open.shape)
        }

        /// The attribute `name` of the object at `path`, or `nil` when it has none.
        func attribute(_ name: String, of path: String) throws(FormatError) -> Attribute? {
            let object = try check(path.withCString { H5Oopen(file, $0, access.link) }, "opening '\(path)'", context)
            defer { H5Oclose(object) }
            var typeClass: Int32 = -1
            var count: hsize_t = 0
            let found = name.withCString { nabla_h5_attribute_info(object, $0, &typeClass, &count) }
            if found < 0 { throw failure("reading the attribute '\(name)' of '\(path)'", context) }
            if found == 0 { return nil }
            guard count <= 65536 else {
                throw context.error(.invalidShape, "the attribute '\(name)' of '\(path)' has \(count) elements; at most 65536 are read")
            }
            let n = Int(count)
            switch H5T_class_t(rawValue: typeClass) {
            case H5T_INTEGER, H5T_FLOAT:
                var values = [Double](repeating: 0, count: n)
                if n > 0 {
                    try check(name.withCString { nabla_h5_read_attribute_doubles(object, $0, &values, count) },
                              "reading the attribute '\(name)' of '\(path)'", context)
                }
                return .numbers(values)
            case H5T_STRING:
                var strings: [String] = []
                var buffer = [CChar](repeating: 0, count: 4096)
                for k in 0..<n {
                    try check(name.withCString { nabla_h5_read_attribute_string(object, $0, hsize_t(k), &buffer, buffer.count) },
                              "reading the attribute '\(name)' of '\(path)'", context)
                    strings.append(text(buffer))
                }
                return .strings(strings)
            case H5T_COMPOUND: return .other("a compound type")
            case H5T_ENUM: return .other("an enum type")
            case H5T_REFERENCE: return .other("a reference type")
            case H5T_VLEN: return .other("a variable-length sequence type")
            case H5T_ARRAY: return .other("an array type")
            default: return .other("a type of class \(typeClass)")
            }
        }

        /// For each of the `rank` dimensions of the dataset at `path`: its first attached dimension scale
        /// (`nil` when none) and its label (h5py's `dims[k].label`; empty when none).
        func dimensionScales(of path: String, rank: Int) throws(FormatError) -> [(scale: AttachedScale?, label: String)] {
            let member = ErrorContext(file: context.file, member: path)
            let dataset = try check(path.withCString { H5Dopen2(file, $0, access.dataset) }, "opening the dataset", member)
            defer { H5Dclose(dataset) }
            var result: [(scale: AttachedScale?, label: String)] = []
            var scalePath = [CChar](repeating: 0, count: 4096)
            var scaleName = [CChar](repeating: 0, count: 4096)
            var label = [CChar](repeating: 0, count: 4096)
            for k in 0..<rank {
                let count = nabla_h5ds_first_scale(dataset, UInt32(k), &scalePath, scalePath.count, &scaleName, scaleName.count)
                if count < 0 { throw failure("reading the dimension scales of dimension \(k)", member) }
                nabla_h5ds_label(dataset, UInt32(k), &label, label.count)
                let scale = count > 0 ? AttachedScale(path: text(scalePath), name: text(scaleName)) : nil
                result.append((scale, text(label)))
            }
            return result
        }
    }

    /// Opens `url` read-only and runs `body` with it, holding the HDF5 lock throughout.
    static func withSession<R>(_ url: URL, allowingExternalData: Bool,
                               _ body: (Session) throws(FormatError) -> R) throws(FormatError) -> R {
        let context = ErrorContext(file: url.path)
        return try locked { () throws(FormatError) -> R in
            let (file, fileSize) = try openFile(url, context: context)
            defer { H5Fclose(file) }
            let access = try Access(allowingExternalData: allowingExternalData, context: context)
            defer { access.close() }
            return try body(Session(file: file, fileSize: fileSize, access: access, context: context))
        }
    }
}
