import ArgumentParser
import Foundation
import Nabla
import NablaMPI
import _NablaCommandLine

/// `nabla-mpi`: `nabla`'s finite-difference commands on the ranks of an MPI job, each rank holding a slab
/// of axis 0. `mpirun -np 4 nabla-mpi gradient V.npy --spacing 0.1 -o E.npz`; without mpirun it runs as
/// one process.
@main
struct NablaMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nabla-mpi",
        abstract: "nabla's finite-difference commands on MPI ranks: each rank reads, differentiates and writes a slab of axis 0.",
        discussion: """
        Options and output names are nabla's; results are nabla's to the bit, whatever the number of ranks. \
        .npy inputs and stored .npz members are read with MPI-IO, each rank its own planes; other inputs \
        (HDF5, CSV, compressed .npz) are read by every rank. Outputs are .npy or .npz, written with MPI-IO \
        under a temporary name and renamed when every rank has succeeded. An error on any rank ends every \
        rank with one error line and exit status 1, and leaves no output.

        Examples:
          mpirun -np 4 nabla-mpi gradient V.npy --spacing 0.1 --edge-order 2 -o E.npz
          mpirun -np 2 nabla-mpi laplacian V.npy --accuracy 4 --periodic -o lapV.npy
          nabla-mpi curl B.npz -o curlB.npz          # one process, no mpirun
        """,
        version: "0.1.0",
        subcommands: [Gradient.self, Laplacian.self, Divergence.self, Curl.self]
    )

    static func main() {
        signal(SIGXFSZ, SIG_IGN)
        let communicator: Communicator
        do {
            communicator = try Communicator.world()
        } catch {
            FileHandle.standardError.write(Data("nabla-mpi: error: \(error)\n".utf8))
            Foundation.exit(1)
        }
        let isRoot = communicator.rank == 0
        Context.communicator = communicator
        var status: Int32 = 0
        do {
            // Arguments decoded byte for byte: file names that are not UTF-8 name exactly the files given.
            var command = try parseAsRoot(FileSystem.commandLineArguments())
            try command.run()
        } catch let failure as Failure {
            if isRoot { FileHandle.standardError.write(Data("nabla-mpi: error: \(FileSystem.displayed(failure.message.replacingOccurrences(of: "\n", with: " ")))\n".utf8)) }
            status = 1
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                if isRoot {
                    let message = self.message(for: error).replacingOccurrences(of: "\n", with: " ")
                    let usage = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                        .drop { !$0.hasPrefix("Usage:") }.joined(separator: "\n")
                    FileHandle.standardError.write(Data("nabla-mpi: error: \(FileSystem.displayed(message))\n\(usage)\n".utf8))
                }
                status = 2
            } else {
                // Help and version (every rank has the same arguments: print once).
                if isRoot {
                    let text = fullMessage(for: error)
                    if code == .success { print(text) } else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
                }
                status = code.rawValue
            }
        }
        MPIRuntime.finalize()
        Foundation.exit(status)
    }
}

/// The world communicator, set once before parsing.
enum Context {
    nonisolated(unsafe) static var communicator: Communicator!
}

/// An error every rank agreed on; rank 0 prints it.
struct Failure: Error { var message: String }

/// Runs a job on every rank; errors (agreed on by every rank) become ``Failure``.
func runJob(_ job: DistributedJob) throws {
    do {
        try job.run()
    } catch let error as DistributedError {
        throw Failure(message: error.message)
    } catch {
        throw Failure(message: "\(error)")
    }
}

extension NablaMPICommand {
    struct Gradient: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Differentiate an array file along its axes, exactly as numpy.gradient does (and beyond), on MPI ranks.",
            discussion: "As nabla gradient: one array per selected axis, named axis0, axis1, … after the axis index.")

        @OptionGroup var arguments: GradientArguments
        @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUTPUT.npz (one array per axis), or OUTPUT.npy (exactly one axis).", valueName: "OUTPUT"))
        var output: String

        func run() throws {
            let (field, difference) = (arguments.field, arguments.difference)
            try runJob(DistributedJob(command: .gradient(axes: field.axes), input: arguments.input, key: field.key, column: field.column,
                                      scheme: difference.scheme, derivative: field.derivative, method: difference.method.method,
                                      output: output, memory: difference.memory.memory, communicator: Context.communicator))
        }
    }

    struct Laplacian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Laplacian of an array file, from true second-derivative stencils, on MPI ranks.")

        @OptionGroup var arguments: LaplacianArguments
        @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input (default: its only array).", valueName: "NAME"))
        var key: String?
        @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUT.npy (or OUT.npz, array 'laplacian').", valueName: "OUTPUT"))
        var output: String

        func run() throws {
            let difference = arguments.difference
            try runJob(DistributedJob(command: .laplacian, input: arguments.input, key: key, scheme: difference.scheme,
                                      method: difference.method.method, output: output, memory: difference.memory.memory, communicator: Context.communicator))
        }
    }

    struct Divergence: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The divergence of a vector field stored as arrays axis0, axis1, … in a .npz, on MPI ranks.")
        @OptionGroup var arguments: VectorFieldArguments
        func run() throws { try arguments.run(.divergence) }
    }

    struct Curl: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The curl of a 2-D or 3-D vector field stored as arrays axis0, axis1[, axis2] in a .npz, on MPI ranks.")
        @OptionGroup var arguments: VectorFieldArguments
        func run() throws { try arguments.run(.curl) }
    }
}

/// The input, scheme and output of `divergence` and `curl`.
struct VectorFieldArguments: ParsableArguments {
    @Argument(help: "The vector field: a .npz holding axis0, axis1[, axis2] of one shape.")
    var input: String
    @OptionGroup var scheme: SchemeOptions
    @OptionGroup var memory: MemoryOption
    @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUT.npy, or OUT.npz.", valueName: "OUTPUT"))
    var output: String

    func run(_ command: DistributedJob.Command) throws {
        try runJob(DistributedJob(command: command, input: input, scheme: scheme, output: output,
                                  memory: memory.memory, communicator: Context.communicator))
    }
}
