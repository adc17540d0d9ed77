#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

extension NablaCommand {
    /// `nabla batch`: `nabla gradient` over folders of files, in parallel, resumable.
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Differentiate many array files (files and folders) into OUTDIR, in parallel, within a memory budget.",
            discussion: """
            Each input file becomes OUTDIR/<path relative to the folder given>/<stem>.npz holding axis0, axis1, … \
            exactly as `nabla gradient` writes them (a file named directly goes to OUTDIR/<stem>.npz). A folder \
            means every supported file in it (--recursive: in its subfolders too); hidden files are skipped. Two \
            inputs that would write the same output are refused before any work.

            Files run in parallel (--jobs), never holding more data than --memory at once: a file the slab \
            engine streams (finite differences of a .npy, stored .npz member or HDF5 dataset into npz or h5, \
            any operation but jacobian) holds slabs sized for its share, --memory ÷ --jobs; other files are \
            estimated from their header (input × (1 + number of results)), and one larger than the budget \
            runs alone. A bad file \
            is reported and skipped; the others go on. Outputs appear only when complete (temporary file, then \
            rename), so after a crash or kill `--resume` finishes the work, keeping every complete output that \
            is newer than its input, and removes the temporaries of the killed run.

            Progress goes to stderr: a live bar on a terminal, a line every 2 s otherwise, and a summary at the \
            end. --quiet drops progress and summary; failed files are still reported, one `nabla: error:` line \
            each. --log writes one JSON line per file (input, output, status ok/failed/skipped, shape, dtype, \
            seconds, bytes, nonfinite_input, nonfinite_output, error, note).

            Exit status: 0 when every file succeeded (or was kept by --resume), 1 when any file failed or the \
            output folder is unusable, 2 for usage errors (bad option values, no inputs, duplicate outputs).

            Examples:
              nabla batch runs/ -o grads/ --recursive --spacing 0.1
              nabla batch a.npy b.npy c/ -o out/ --jobs 4 --memory 8G --log batch.jsonl
              nabla batch runs/ -o grads/ --recursive --resume        # after a crash: finish the rest
              nabla batch fields/ -o d2/ --key V --axis -1 --derivative 2 --accuracy 4 --quiet
            """
        )

        @Argument(help: ArgumentHelp("Input files (.npy, .npz, and the other formats nabla reads) and folders.", valueName: "INPUT"))
        var inputs: [String] = []

        @Option(name: .customShort("o"), help: ArgumentHelp("The output folder (created if missing).", valueName: "OUTDIR"))
        var output: String

        @OptionGroup var field: FieldSelection

        @OptionGroup var scheme: SchemeOptions

        @OptionGroup var external: ExternalDataOption

        @Flag(name: .customLong("recursive"), help: "Also take the files in subfolders of folder inputs.")
        var recursive = false

        @Option(name: .customLong("jobs"), parsing: .unconditional,
                help: ArgumentHelp("Files processed at once, 1 or more (default: the number of cores).", valueName: "N"))
        var jobs: Int?

        @Option(name: .customLong("memory"), parsing: .unconditional,
                help: ArgumentHelp("The most data held in memory at once, e.g. 4G, 512M, 1.5GiB.", valueName: "SIZE"))
        var memory: ByteSize = .defaultBudget

        @Flag(name: .customLong("quiet"), help: "No progress and no summary on stderr (failed files are still reported).")
        var quiet = false

        @Option(name: .customLong("log"), help: ArgumentHelp("Write one JSON line per file to this file.", valueName: "FILE.jsonl"))
        var log: String?

        @Flag(name: .customLong("resume"), help: "Keep outputs that are complete and newer than their input; do the rest.")
        var resume = false

        @Option(name: .customLong("format"), help: ArgumentHelp("The output format: npz (default), nc (netCDF-4 with the input's dimensions and coordinates), vti/vtr (VTK ImageData/RectilinearGrid) or h5.", valueName: "FORMAT"))
        var format: BatchFormat = .npz

        @Option(name: .customLong("operation"),
                help: ArgumentHelp("What each file gets, as the nabla command of that name: gradient (default), laplacian, derivative (with --order), hessian, divergence, curl or jacobian (the last three read vector-field .npz files).", valueName: "NAME"))
        var operation: BatchOperationName = .gradient

        @Option(name: .customLong("order"), help: ArgumentHelp("With --operation derivative: one derivative order per axis, comma-separated.", valueName: "M0,M1,…"))
        var order: DerivativeOrders?

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs \(jobs) is not allowed; give a whole number of at least 1") }
            if (operation == .derivative) != (order != nil) {
                throw ValidationError(operation == .derivative ? "--operation derivative needs --order M0,M1,…" : "--order applies to --operation derivative only")
            }
        }

        func run() throws {
            var job = BatchJob(inputs: inputs, outputDirectory: FileSystem.fileURL(output, isDirectory: true),
                               recursive: recursive, key: field.key, axes: field.axes,
                               options: scheme.options(derivative: field.derivative),
                               jobs: jobs ?? Parallel.coreCount, memory: memory,
                               resume: resume, log: log.map { FileSystem.fileURL($0) })
            job.column = field.column
            job.outputFormat = format.rawValue
            job.operation = switch operation {
            case .gradient: .gradient
            case .laplacian: .laplacian
            case .derivative: .derivative(orders: order?.orders ?? [])
            case .hessian: .hessian
            case .divergence: .divergence
            case .curl: .curl
            case .jacobian: .jacobian
            }
            job.allowExternal = external.allowExternal
            let summary: BatchSummary
            do {
                summary = try job.run(progress: .automatic(quiet: quiet))
            } catch {
                printError(error.description)
                throw ExitCode(error.kind == .usage ? 2 : 1)
            }
            if summary.failed > 0 { throw ExitCode(1) }
        }
    }
}

/// `--operation` of `nabla batch`.
enum BatchOperationName: String, ExpressibleByArgument, CaseIterable {
    case gradient, laplacian, derivative, hessian, divergence, curl, jacobian
}

/// `--format` of `nabla batch`.
enum BatchFormat: String, ExpressibleByArgument, CaseIterable {
    case npz, nc, vti, vtr, h5
}
