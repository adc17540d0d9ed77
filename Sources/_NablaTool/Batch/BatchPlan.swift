import Foundation

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
        let fm = FileManager.default
        let outputRoot = outputDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        var items: [BatchItem] = []
        var byOutput: [String: (input: URL, identity: String)] = [:]

        func add(_ input: URL, relativeFolder: [String]) throws(BatchError) {
            var output = outputDirectory
            for component in relativeFolder { output.appendPathComponent(component, isDirectory: true) }
            output.appendPathComponent(input.deletingPathExtension().lastPathComponent + "." + outputExtension)
            let identity = input.standardizedFileURL.resolvingSymlinksInPath().path
            let key = output.standardizedFileURL.path
            if key == identity {
                throw BatchError("\(input.path): its output would overwrite it; choose an output folder other than the input's folder")
            }
            if let previous = byOutput[key] {
                if previous.identity == identity { return }
                throw BatchError("\(previous.input.path) and \(input.path) would both write \(output.path); rename one, or give them as separate folders (outputs keep the path relative to the folder given)")
            }
            byOutput[key] = (input, identity)
            let size = (try? fm.attributesOfItem(atPath: input.path)[.size] as? Int) ?? 0
            items.append(BatchItem(input: input, output: output, fileBytes: size))
        }

        for path in inputs {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw BatchError("\(path): no such file or folder")
            }
            if !isDirectory.boolValue {
                guard isSupported(url) else {
                    throw BatchError("\(path): unsupported file extension; batch reads \(supportedList) files")
                }
                try add(url, relativeFolder: [])
                continue
            }
            if url.standardizedFileURL.resolvingSymlinksInPath().path == outputRoot {
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

    /// The supported files under `folder`, sorted by relative path, each with the folders between.
    private static func files(in folder: URL, recursive: Bool, excluding outputRoot: String) throws(BatchError) -> [(URL, [String])] {
        let fm = FileManager.default
        var result: [(URL, [String])] = []
        var pending: [(URL, [String])] = [(folder, [])]
        while let (directory, relative) = pending.popLast() {
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: directory.path) } catch {
                throw BatchError("\(directory.path): cannot list the folder: \((error as NSError).localizedDescription)")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let url = directory.appendingPathComponent(name)
                if name.unicodeScalars.contains("\u{FFFD}") {
                    // Foundation lists a name that is not UTF-8 with replacement characters: it cannot be opened
                    // under that name, and skipping it silently would hide it.
                    throw BatchError("\(url.path): the file name is not valid UTF-8; nabla handles UTF-8 file names only, so rename it", kind: .environment)
                }
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }  // dangling link
                if isDirectory.boolValue {
                    guard recursive else { continue }
                    // Never descend into the output folder (its .npz files are not inputs) or a link to a folder.
                    let resolved = url.standardizedFileURL.resolvingSymlinksInPath().path
                    let isLink = (try? fm.destinationOfSymbolicLink(atPath: url.path)) != nil
                    guard resolved != outputRoot, !isLink else { continue }
                    pending.append((url, relative + [name]))
                } else if isSupported(url) {
                    result.append((url, relative))
                }
            }
        }
        return result.sorted { ($0.1 + [$0.0.lastPathComponent]).joined(separator: "/") < ($1.1 + [$1.0.lastPathComponent]).joined(separator: "/") }
    }
}
