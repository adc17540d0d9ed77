import ArgumentParser
import Foundation
import NablaPipeline

extension NablaCommand {
    /// `nabla gradient`: numpy.gradient on a file, and more.
    struct Gradient: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Differentiate an array file along its axes, exactly as numpy.gradient does (and beyond).",
            discussion: """
            By default: central differences inside, one-sided differences at the edges, numpy 2.x semantics \
            and the same results to the bit. --accuracy, --derivative and --periodic go beyond numpy. Writes \
            one array per selected axis, named axis0, axis1, … after the axis index (--axis -1 on a 3-D \
            input gives axis2). Float16/32/64 keep their type; integers give float64.

            Examples:
              nabla gradient V.npy -o grad.npz                          # every axis, spacing 1
              nabla gradient V.npy --spacing 0.1 --edge-order 2 -o E.npz
              nabla gradient V.npy --axis 0 --axis -1 --spacing 0.1 --spacing x.npy -o g.npz
              nabla gradient fields.npz --key V --axis 1 -o dVdy.npy
              nabla gradient run.h5:/fields/V --spacing 0.1 -o E.h5
              nabla gradient table.csv --column pressure --spacing 0.5 -o dp.csv
              nabla gradient V.npy --accuracy 6 --derivative 2 --periodic-axis 0 -o d2.npz
              nabla gradient wave.npy --method spectral --spacing 0.049087 -o dwave.npz
            """
        )

        @Argument(help: "The input array: a .npy file, or a .npz archive (see --key).")
        var input: String

        @Option(name: .customLong("axis"), parsing: .unconditionalSingleValue,
                help: ArgumentHelp("An axis to differentiate along (repeatable, in output order; negative counts from the end). Default: every axis.", valueName: "N"))
        var axis: [Int] = []

        @OptionGroup var scheme: SchemeOptions

        @OptionGroup var method: MethodOption

        @Option(name: .customLong("derivative"), help: ArgumentHelp("The order of the derivative along each axis (1 = first derivative).", valueName: "M"))
        var derivative: Int = 1

        @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input, or the dataset of an HDF5 input (default: its only array); FILE.h5:/group/dataset works too.", valueName: "NAME"))
        var key: String?

        @Option(name: .customLong("column"), help: ArgumentHelp("For a CSV/TSV input with a header row: the column to differentiate (a 1-D field). Without it the whole table is a 2-D grid.", valueName: "NAME"))
        var column: String?

        @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUTPUT.npz or OUTPUT.h5 (one array per axis), or OUTPUT.npy/.csv/.tsv (exactly one axis).", valueName: "OUTPUT"))
        var output: String

        func run() throws {
            try runReportingErrors {
                try GradientJob(input: URL(fileURLWithPath: input), key: key, column: column, axes: axis.isEmpty ? nil : axis,
                                options: scheme.options(derivative: derivative, method: method.method), output: URL(fileURLWithPath: output)).run()
            }
        }
    }
}
