#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

/// The checks every command makes on its paths before reading anything, so that nothing is lost:
/// inputs must be regular files (a FIFO or a device would block or never end), and an output may never be
/// one of the inputs, under any name (`./v.npy`, a symbolic link, a hard link).
package enum FileSafety {
    /// A file's identity: its device and inode. Two paths name one file exactly when their identities are
    /// equal, whatever links or `./` lie between.
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64

        /// The identity of the file `path` names (links followed), or nil if there is none.
        init?(path: String) {
            guard let info = FileSystem.status(path) else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Refuses an input that is not a regular file, without opening it (opening a FIFO blocks).
    /// A missing file is left to the reader, whose message says "no such file".
    static func checkReadable(_ url: URL) throws(PipelineError) {
        guard let info = FileSystem.status(url.path) else { return }
        guard let what = FileKind.nonRegular(mode: info.st_mode) else { return }
        throw PipelineError("\(url.path): is \(what); nabla reads regular files only")
    }

    /// Refuses to write `output` when it names the same file as one of `inputs` (compared by device and
    /// inode), or when the output path names a folder (`out.npy/`).
    ///
    /// - Parameter sameFileAllowed: an input the output may share, because the writer adds to the file
    ///   instead of replacing it (an HDF5 input written into with new datasets).
    static func checkOutput(_ output: URL, inputs: [URL], sameFileAllowed: URL? = nil) throws(PipelineError) {
        if output.hasDirectoryPath {
            throw PipelineError("\(output.path)/: names a folder (it ends with '/'); give the output file's name")
        }
        if FileSystem.kind(output.path) == .folder {
            throw PipelineError("\(output.path): is a folder; give the output file's name")
        }
        guard let target = Identity(path: output.path) else { return }  // a new file cannot be an input
        let allowed = sameFileAllowed.flatMap { Identity(path: $0.path) }
        for input in inputs where Identity(path: input.path) == target && target != allowed {
            throw PipelineError("\(output.path): is the input \(input.path)\(input.path == output.path ? "" : " (the same file under another name)"); writing it would destroy the input, so choose another output name")
        }
    }

    /// The checks of a command that reads `input` (with the coordinate files of `options`) and writes
    /// `output`: every input a regular file, the output none of them. An HDF5 output may be the HDF5 input
    /// file itself: the results are added to it as new datasets.
    package static func check(input: URL, options: DifferenceOptions, output: URL) throws(PipelineError) {
        let inputFile = FieldFiles.location(of: input).file
        let (outputFile, _) = FieldFiles.location(of: output)
        var inputs = [inputFile]
        for case let .coordinates(url) in options.spacing { inputs.append(url) }
        for url in inputs { try checkReadable(url) }
        let addsToHDF5 = (try? FieldFiles.Format(of: output))?.isHDF5 == true && (try? FieldFiles.Format(of: input))?.isHDF5 == true
        try checkOutput(outputFile, inputs: inputs, sameFileAllowed: addsToHDF5 ? inputFile : nil)
    }
}
