import Foundation
import Nabla

/// An error that stops a batch before any file is read.
///
/// ``Kind/usage``: bad option values, no inputs, two inputs that would write the same output (the `nabla`
/// tool exits with status 2). ``Kind/environment``: the output folder cannot be created or written (status 1).
package struct BatchError: Error, CustomStringConvertible, Sendable {
    /// `usage`: the command line is at fault (exit status 2); `environment`: the file system is (status 1).
    package enum Kind: Sendable { case usage, environment }
    /// Whose fault the error is.
    package var kind: Kind
    /// The one-line message.
    package var description: String
    /// An error with this message, a usage error by default.
    package init(_ description: String, kind: Kind = .usage) {
        self.kind = kind
        self.description = description
    }
}

/// One file of a batch: where it is read from and where its result goes.
package struct BatchItem: Sendable, Equatable {
    /// The input file, as the user's path joined with its path inside the folder given.
    package var input: URL
    /// `OUTDIR/<relative folder>/<stem>.npz`.
    package var output: URL
    /// The input's size on disk, for progress.
    package var fileBytes: Int
}

/// Turning the inputs of `nabla batch` (files and folders) into a list of input → output pairs.
///
/// A folder stands for every supported file in it (every extension ``FieldFiles/Format`` knows), in its
/// subfolders too with `recursive`; hidden entries (`.name`, which includes Nabla's own temporaries
/// `.name.tmp-*`) are skipped, and so is the output folder if it lies inside an input folder. The output
/// of `folder/a/b/x.npy` is `OUTDIR/a/b/x.npz`; the output of a file named directly is `OUTDIR/x.npz`.
/// The same file reached twice is processed once; two different files with the same output are refused.
package enum BatchPlan {
    /// The input → output pairs for `inputs` (files and folders), in the order given, each folder's files
    /// sorted by relative path, by the rules above.
    ///
    /// - Parameters:
    ///   - inputs: files and folders, as given on the command line.
    ///   - outputDirectory: where the outputs go (`OUTDIR`).
    ///   - recursive: whether folders include their subfolders.
    ///   - outputExtension: the outputs' extension, `npz` by default.
    /// - Throws: ``BatchError`` for no inputs, an input that does not exist or has an unsupported
    ///   extension, folders without supported files, an output that would overwrite its input, or two
    ///   inputs with the same output.
    package static func items(inputs: [String], outputDirectory: URL, recursive: Bool,
                             outputExtension: String = "npz") throws(BatchError) -> [BatchItem] {
        guard !inputs.isEmpty else { throw BatchError("no inputs; give one or more files or folders") }
        // Paths are compared as the bytes they name (two different names may be equal `String`s).
        let outputRoot = FileSystem.encode(FileSystem.resolved(outputDirectory.path))
        var items: [BatchItem] = []
        var byOutput: [[UInt8]: (input: URL, identity: [UInt8])] = [:]

        func add(_ input: URL, relativeFolder: [String]) throws(BatchError) {
            var output = outputDirectory
            for component in relativeFolder { output.appendPathComponent(component, isDirectory: true) }
            output.appendPathComponent(input.deletingPathExtension().lastPathComponent + "." + outputExtension, isDirectory: false)
            let identity = FileSystem.encode(FileSystem.resolved(input.path))
            let key = FileSystem.encode(FileSystem.resolved(output.path))
            if key == identity {
                throw BatchError("\(input.path): its output would overwrite it; choose an output folder other than the input's folder")
            }
            if let previous = byOutput[key] {
                if previous.identity == identity { return }
                throw BatchError("\(previous.input.path) and \(input.path) would both write \(output.path); rename one, or give them as separate folders (outputs keep the path relative to the folder given)")
            }
            byOutput[key] = (input, identity)
            let size = FileSystem.status(input.path).map { Int($0.st_size) } ?? 0
            items.append(BatchItem(input: input, output: output, fileBytes: size))
        }

        for path in inputs {
            let url = FileSystem.fileURL(path)
            let kind = FileSystem.kind(url.path)
            guard kind != .none else {
                throw BatchError("\(path): no such file or folder")
            }
            if kind != .folder {
                guard isSupported(url) else {
                    throw BatchError("\(path): unsupported file extension; batch reads \(supportedList) files")
                }
                try add(url, relativeFolder: [])
                continue
            }
            if FileSystem.encode(FileSystem.resolved(url.path)) == outputRoot {
                throw BatchError("\(path): the output folder is this input folder; choose another output folder with -o")
            }
            for (file, relative) in try files(in: url, recursive: recursive, excluding: outputRoot) {
                try add(file, relativeFolder: relative)
            }
        }
        guard !items.isEmpty else {
            throw BatchError("no \(supportedList) files in \(inputs.joined(separator: ", "))\(recursive ? "" : " (add --recursive to search subfolders)")")
        }
        return items
    }

    /// Whether FieldFiles reads this file's format.
    static func isSupported(_ url: URL) -> Bool { (try? FieldFiles.Format(of: url))?.isReadable == true }

    static var supportedList: String { FieldFiles.Format.allCases.filter(\.isReadable).map { "." + $0.rawValue }.joined(separator: "/") }

    /// The supported files under `folder`, sorted by relative path (as bytes), each with the folders between.
    /// Names are listed as the bytes they are (``FileSystem/entries(ofFolder:)``): a name that is not UTF-8
    /// is processed like any other.
    private static func files(in folder: URL, recursive: Bool, excluding outputRoot: [UInt8]) throws(BatchError) -> [(URL, [String])] {
        var result: [(URL, [String])] = []
        var pending: [(URL, [String])] = [(folder, [])]
        while let (directory, relative) = pending.popLast() {
            let names: [String]
            do { names = try FileSystem.entries(ofFolder: directory.path) } catch {
                throw BatchError("\(directory.path): cannot list the folder: \(error.reason)")
            }
            for name in names where !name.hasPrefix(".") {
                let url = directory.appendingPathComponent(name, isDirectory: false)
                switch FileSystem.kind(url.path) {
                case .none:
                    continue  // a dangling link
                case .folder:
                    guard recursive else { continue }
                    // Never descend into the output folder (its .npz files are not inputs) or a link to a folder.
                    guard !FileSystem.isSymbolicLink(url.path),
                          FileSystem.encode(FileSystem.resolved(url.path)) != outputRoot else { continue }
                    pending.append((directory.appendingPathComponent(name, isDirectory: true), relative + [name]))
                case .regularFile, .other:
                    if isSupported(url) { result.append((url, relative)) }
                }
            }
        }
        func key(_ entry: (URL, [String])) -> [UInt8] {
            FileSystem.encode((entry.1 + [entry.0.lastPathComponent]).joined(separator: "/"))
        }
        return result.sorted { key($0).lexicographicallyPrecedes(key($1)) }
    }
}
