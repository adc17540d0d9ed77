import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

/// `nabla`: derivatives of fields sampled on N-D grids, on numpy's file formats.
@main
struct NablaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nabla",
        abstract: "Derivatives of fields sampled on N-dimensional grids, numpy-exact, on .npy/.npz files.",
        discussion: """
        Examples:
          nabla demo --output nabla-demo
          nabla gradient potential.npy --spacing 0.1 --edge-order 2 -o field.npz
          nabla gradient data.npz --key V --axis -1 --spacing x.npy -o dVdx.npy
        """,
        version: "0.1.0",
        subcommands: [Demo.self, Gradient.self, Laplacian.self, Divergence.self, Curl.self, Derivative.self, Hessian.self,
                      Jacobian.self, Score.self, Batch.self]
    )

    /// argument-parser's `main()`, except that usage errors (unknown options, missing or malformed values)
    /// print `nabla: error: <message>` like every other error, then the usage, and exit with status 2, the
    /// Unix convention, instead of argument-parser's 64. Help and version requests are unchanged. The
    /// arguments are decoded byte for byte (``FileSystem/commandLineArguments()``), so file names that are
    /// not UTF-8 name exactly the files given.
    static func main() {
        // A write past RLIMIT_FSIZE fails with EFBIG and is reported, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        // Ctrl-C or kill during a write: the temporaries go, the exit status says which signal.
        AtomicFile.removeTemporariesOnSignals()
        do {
            var command = try parseAsRoot(FileSystem.commandLineArguments())
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = self.message(for: error).replacingOccurrences(of: "\n", with: " ")
                let usage = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                    .drop { !$0.hasPrefix("Usage:") }.joined(separator: "\n")
                FileHandle.standardError.write(Data("nabla: error: \(FileSystem.displayed(message))\n\(usage)\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Runs a library job, turning its error into `nabla: error: …` on stderr and exit status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        printError(error)
        throw ExitCode(1)
    }
}

/// Prints `nabla: error: <message>` as one line on stderr (names that are not UTF-8 shown with `\xFF`).
func printError(_ error: Any) {
    let line = FileSystem.displayed("\(error)".replacingOccurrences(of: "\n", with: " "))
    FileHandle.standardError.write(Data("nabla: error: \(line)\n".utf8))
}
