import Foundation
import Nabla
import NablaFormats
import NablaNetCDF
import NablaHDF5

/// Reading and writing named arrays in the formats Nabla knows, chosen by the file's extension.
///
/// | extension        | reads                                   | writes                          |
/// |------------------|-----------------------------------------|---------------------------------|
/// | `.npy`           | its one array                           | exactly one array               |
/// | `.npz`           | all members, or the one named by `key`  | any number of arrays            |
/// | `.csv`, `.tsv`   | the 2-D grid, or one `column:` (1-D)    | exactly one 1-D or 2-D array    |
/// | `.h5`, `.hdf5`   | all datasets, or the one named by `key` | any number of arrays (datasets) |
///
/// An HDF5 dataset can also be named in the path itself: `field.h5:/run1/pressure`. The path is split at
/// a `:` only when the part before it names an existing `.h5`/`.hdf5` file (and the whole path does not
/// name a file), so ordinary file names containing `:` keep working. For output, `out.h5:/group` writes
/// the datasets under `/group`.
package enum FieldFiles {
    /// A file format, chosen from a path's extension.
    package enum Format: String, Sendable, CaseIterable {
        case npy, npz, csv, tsv, h5, hdf5, nc, vti, vtr

        /// The format of `url` from its extension (after removing any `:/dataset` suffix of an HDF5
        /// path), or an error naming the extension and the choices.
        package init(of url: URL) throws(PipelineError) {
            try FieldFiles.checkDatasetPath(url)
            let file = FieldFiles.location(of: url).file
            let ext = file.pathExtension.lowercased()
            guard let format = Format(rawValue: ext) else {
                let choices = Format.allCases.map { "." + $0.rawValue }
                throw PipelineError("\(file.path): unsupported file extension '\(ext.isEmpty ? "(none)" : "." + ext)'; expected one of \(choices.joined(separator: ", "))")
            }
            self = format
        }

        /// Whether the format is HDF5 (`.h5` or `.hdf5`).
        package var isHDF5: Bool { self == .h5 || self == .hdf5 }
        /// Whether the format is a text table (`.csv` or `.tsv`).
        package var isTable: Bool { self == .csv || self == .tsv }
        /// Whether a file of this format can hold several arrays.
        package var holdsSeveralArrays: Bool { self == .npz || isHDF5 || self == .nc || isVTK }
        /// Whether the format is VTK XML (`.vti` ImageData, `.vtr` RectilinearGrid): written, not read.
        package var isVTK: Bool { self == .vti || self == .vtr }
        /// Whether Nabla reads this format (VTK files are outputs only).
        package var isReadable: Bool { !isVTK }
    }

    // MARK: HDF5 paths

    /// Splits `FILE.h5:/group/dataset` into the file and the dataset path.
    ///
    /// The split happens at a `:` (the last one first) only when the text before it names an existing
    /// `.h5` or `.hdf5` file and the whole path does not name an existing file; otherwise the whole path is
    /// the file and the dataset is `nil`.
    package static func splitDatasetPath(_ path: String) -> (file: String, dataset: String?) {
        guard path.contains(":"), !isRegularFile(path) else { return (path, nil) }
        var index = path.endIndex
        while let colon = path[..<index].lastIndex(of: ":") {
            let file = String(path[..<colon])
            let dataset = String(path[path.index(after: colon)...])
            if HDF5.fileExtensions.contains((file as NSString).pathExtension.lowercased()), isRegularFile(file) {
                return (file, dataset)
            }
            index = colon
        }
        return (path, nil)
    }

    /// The file and HDF5 dataset (or group) a URL names: `FILE.h5:/path` for an existing file (see
    /// ``splitDatasetPath(_:)``), or, for a file still to be written, any `NAME.h5:/group` whose suffix
    /// starts with `/`.
    package static func location(of url: URL) -> (file: URL, dataset: String?) {
        let path = url.path
        guard path.contains(":") else { return (url, nil) }
        let (file, dataset) = splitDatasetPath(path)
        if let dataset { return (URL(fileURLWithPath: file, isDirectory: false), dataset) }
        // Output paths: the file need not exist yet.
        if !isRegularFile(path), let range = path.range(of: ":/", options: .backwards) {
            let file = String(path[..<range.lowerBound])
            if HDF5.fileExtensions.contains((file as NSString).pathExtension.lowercased()) {
                return (URL(fileURLWithPath: file, isDirectory: false), String(path[path.index(after: range.lowerBound)...]))
            }
        }
        return (url, nil)
    }

    /// Refuses an HDF5 dataset path with `.` or `..` components (`f.h5:/grp/../d`), as h5py does.
    /// Checked on the path as the user wrote it: `URL` resolves `..` in relative paths by itself.
    static func checkDatasetPath(_ url: URL) throws(PipelineError) {
        let written = url.relativePath
        for ext in HDF5.fileExtensions {
            guard let range = written.range(of: "." + ext + ":", options: [.caseInsensitive, .backwards]) else { continue }
            let dataset = written[range.upperBound...]
            if dataset.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." }) {
                throw PipelineError("\(written): the HDF5 dataset path '\(dataset)' has '.' or '..' components; HDF5 paths name groups and datasets only, so write the path without them")
            }
        }
    }

    /// Whether `path` names something that is not a folder (as the split has always understood "a file").
    private static func isRegularFile(_ path: String) -> Bool {
        let kind = FileSystem.kind(path)
        return kind != .none && kind != .folder
    }

    // MARK: Reading

    /// Reads every array of a file: one, named after the file's stem, for `.npy`, `.csv` and `.tsv`; all
    /// members for `.npz`; all datasets for HDF5 (named by their paths without the leading `/`, or
    /// relative to the group in `FILE.h5:/group`). HDF5 data stored outside the file (external storage,
    /// virtual datasets with other files' data, external links) is refused unless `allowExternal`.
    package static func readAll(_ url: URL, allowExternal: Bool = false) throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        let (file, dataset) = location(of: url)
        let format = try Format(of: url)
        try FileSafety.checkReadable(file)
        do {
            switch format {
            case .npy: return [(file.deletingPathExtension().lastPathComponent, try NPY.read(from: file))]
            case .npz: return try NPZ.read(from: file)
            case .csv, .tsv: return [(file.deletingPathExtension().lastPathComponent, .float64(try CSV.read(from: file)))]
            case .h5, .hdf5: return try HDF5.readAll(from: file, group: dataset, allowingExternalData: allowExternal)
            case .nc:
                var all: [(name: String, array: AnyNDArray)] = []
                for name in try NetCDF.variableNames(in: file) { all.append((name, try NetCDF.read(from: file, variable: name).values)) }
                return all
            case .vti, .vtr: throw PipelineError.outputOnly(file, format)
            }
        } catch {
            throw PipelineError.wrap(error, file: file.path)
        }
    }

    /// Reads one array: the only one in the file, the `.npz` member or HDF5 dataset named `key` (or by a
    /// `FILE.h5:/dataset` path), or, for `.csv`/`.tsv`, the grid or the column with the header `column`.
    /// HDF5 data stored outside the file is refused unless `allowExternal` (see ``readAll(_:allowExternal:)``).
    package static func read(_ url: URL, key: String? = nil, column: String? = nil,
                             allowExternal: Bool = false) throws(PipelineError) -> AnyNDArray {
        let (file, dataset) = location(of: url)
        let format = try Format(of: url)
        try FileSafety.checkReadable(file)
        if column != nil && !format.isTable {
            throw PipelineError("\(file.path): --column applies to .csv and .tsv tables only; use --key to choose an array")
        }
        switch format {
        case .npy, .csv, .tsv:
            if let key { throw PipelineError("\(file.path): --key '\(key)' applies to .npz archives and HDF5 files only") }
            do {
                if format == .npy { return try NPY.read(from: file) }
                return .float64(try CSV.read(from: file, column: column))
            } catch {
                throw PipelineError.wrap(error, file: file.path)
            }
        case .h5, .hdf5:
            if let key, let dataset, key.trimmingPrefix("/") != dataset.trimmingPrefix("/") {
                throw PipelineError("\(file.path): the path names dataset '\(dataset)' but --key names '\(key)'; give one")
            }
            do {
                return try HDF5.read(from: file, dataset: key ?? dataset, allowingExternalData: allowExternal)
            } catch {
                throw PipelineError.wrap(error, file: file.path)
            }
        case .nc:
            do { return try NetCDF.read(from: file, variable: key).values } catch { throw PipelineError.wrap(error, file: file.path) }
        case .vti, .vtr:
            throw PipelineError.outputOnly(file, format)
        case .npz:
            break
        }
        let members = try readAll(file)
        if let key {
            guard let match = members.first(where: { $0.name == key }) else {
                throw PipelineError("\(file.path): no array named '\(key)'; the archive holds \(names(members))")
            }
            return match.array
        }
        guard members.count == 1 else {
            throw PipelineError("\(file.path): the archive holds \(members.count) arrays (\(names(members))); choose one with --key NAME")
        }
        return members[0].array
    }

    // MARK: Writing

    /// Writes arrays to `url` atomically (temporary file, then rename). A `.npy`, `.csv` or `.tsv` file
    /// holds exactly one array (for CSV/TSV a 1-D or 2-D one); `out.h5:/group` puts the datasets under
    /// `/group`. An existing HDF5 file keeps all its other contents: the datasets are added to it (on a
    /// copy renamed over it), and one that already exists is replaced only when `overwrite` is true
    /// (otherwise the error names it and suggests `--overwrite`). Other formats are replaced whole.
    package static func write(_ arrays: [(name: String, array: AnyNDArray)], to url: URL,
                              overwrite: Bool = false) throws(PipelineError) {
        let (file, group) = location(of: url)
        let format = try Format(of: url)
        do {
            switch format {
            case .npy, .csv, .tsv:
                guard arrays.count == 1 else {
                    throw PipelineError("\(file.path): a .\(format.rawValue) file holds one array, but there are \(arrays.count) results (\(names(arrays))); write a .npz or .h5 file instead")
                }
                if format == .npy {
                    try NPY.write(arrays[0].array, to: file)
                } else {
                    try CSV.write(arrays[0].array, to: file, delimiter: format == .tsv ? .tab : .comma)
                }
            case .npz:
                try NPZ.write(arrays, to: file)
            case .h5, .hdf5:
                try HDF5.add(arrays, to: file, group: group, replacingExisting: overwrite)
            case .nc, .vti, .vtr:
                try writeGridded(arrays, axes: arrays.first.map { a in a.array.shape.indices.map { AxisInfo(name: "axis\($0)") } } ?? [],
                                 to: url)
            }
        } catch {
            throw PipelineError.wrap(error, file: file.path)
        }
    }

    static func names(_ members: [(name: String, array: AnyNDArray)]) -> String {
        members.isEmpty ? "no arrays" : members.map { "'\($0.name)'" }.joined(separator: ", ")
    }
}
