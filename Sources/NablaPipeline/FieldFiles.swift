import Foundation
import Nabla
import NablaFormats

/// Reading and writing named arrays in the formats Nabla knows, chosen by the file's extension.
public enum FieldFiles {
    /// A file format, chosen from a path's extension.
    public enum Format: String, Sendable, CaseIterable {
        case npy, npz

        /// The format of `url` from its extension, or an error naming the extension and the choices.
        public init(of url: URL) throws(PipelineError) {
            let ext = url.pathExtension.lowercased()
            guard let format = Format(rawValue: ext) else {
                throw PipelineError("\(url.path): unsupported file extension '\(ext.isEmpty ? "(none)" : "." + ext)'; expected .npy or .npz")
            }
            self = format
        }
    }

    /// Reads every array of a file: one, named after the file's stem, for `.npy`; all members for `.npz`.
    public static func readAll(_ url: URL) throws(PipelineError) -> [(name: String, array: AnyNDArray)] {
        let format = try Format(of: url)
        do {
            switch format {
            case .npy: return [(url.deletingPathExtension().lastPathComponent, try NPY.read(from: url))]
            case .npz: return try NPZ.read(from: url)
            }
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }

    /// Reads one array: the only one in the file, or the `.npz` member named `key`.
    public static func read(_ url: URL, key: String? = nil) throws(PipelineError) -> AnyNDArray {
        let format = try Format(of: url)
        if format == .npy {
            if let key { throw PipelineError("\(url.path): --key '\(key)' applies to .npz archives only") }
            do { return try NPY.read(from: url) } catch { throw PipelineError.wrap(error, file: url.path) }
        }
        let members = try readAll(url)
        if let key {
            guard let match = members.first(where: { $0.name == key }) else {
                throw PipelineError("\(url.path): no array named '\(key)'; the archive holds \(names(members))")
            }
            return match.array
        }
        guard members.count == 1 else {
            throw PipelineError("\(url.path): the archive holds \(members.count) arrays (\(names(members))); choose one with --key NAME")
        }
        return members[0].array
    }

    /// Writes arrays to `url` atomically (temporary file, then rename): a `.npy` holds exactly one array.
    public static func write(_ arrays: [(name: String, array: AnyNDArray)], to url: URL) throws(PipelineError) {
        let format = try Format(of: url)
        do {
            switch format {
            case .npy:
                guard arrays.count == 1 else {
                    throw PipelineError("\(url.path): a .npy file holds one array, but there are \(arrays.count) results (\(names(arrays))); write a .npz instead")
                }
                try NPY.write(arrays[0].array, to: url)
            case .npz:
                try NPZ.write(arrays, to: url)
            }
        } catch {
            throw PipelineError.wrap(error, file: url.path)
        }
    }

    static func names(_ members: [(name: String, array: AnyNDArray)]) -> String {
        members.isEmpty ? "no arrays" : members.map { "'\($0.name)'" }.joined(separator: ", ")
    }
}
