import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

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
              nabla gradient field.nc --key V -o g.npz       # netCDF coordinates
              nabla gradient scales.h5:/V -o g.npz           # HDF5 dimension scales
              nabla gradient sim.h5:/data/100/meshes/phi --si -o g.npz   # openPMD
              nabla gradient table.csv --column pressure --spacing 0.5 -o dp.csv
              nabla gradient V.npy --accuracy 6 --derivative 2 --periodic-axis 0 -o d2.npz
              nabla gradient wave.npy --method spectral --spacing 0.049087 -o dwave.npz
            """
        )

        @OptionGroup var arguments: GradientArguments

        @Flag(name: .customLong("include-input"), help: "With a .vti/.vtr output: also write the input field, under its name.")
        var includeInput = false

        @OptionGroup var files: FileOptions

        @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUTPUT.npz or OUTPUT.h5 (one array per axis), or OUTPUT.npy/.csv/.tsv (exactly one axis).", valueName: "OUTPUT"))
        var output: String

        func run() throws {
            let field = arguments.field
            var job = FieldJob(.gradient, input: FileSystem.fileURL(arguments.input), key: field.key, column: field.column,
                               axes: field.axes, options: arguments.options, output: FileSystem.fileURL(output))
            job.includeInput = includeInput
            try runReportingErrors { try files.applied(to: job).run() }
        }
    }
}
