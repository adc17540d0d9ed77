import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

extension NablaCommand {
    /// `nabla laplacian`.
    struct Laplacian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Laplacian of an array file, from true second-derivative stencils.",
            discussion: """
            Sums the second derivative along every axis, each a compact centred stencil of the chosen \
            accuracy with one-sided stencils of the same order at the edges (not the divergence of \
            numpy's gradient, which is wider and less accurate). Writes one array.

            Examples:
              nabla laplacian V.npy --spacing 0.1 -o lapV.npy
              nabla laplacian V.npy --spacing 0.1 --accuracy 4 --periodic -o lapV.npy
              nabla laplacian wave.npy --method spectral --spacing 0.049087 -o lapwave.npy
              nabla laplacian sim.h5:/data/100/meshes/phi -o lap.npy     # openPMD
            """
        )

        @OptionGroup var arguments: LaplacianArguments

        @OptionGroup var files: FileOptions

        @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input (default: its only array).", valueName: "NAME"))
        var key: String?

        @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUT.npy (or OUT.npz, array 'laplacian').", valueName: "OUTPUT"))
        var output: String

        func run() throws {
            let job = FieldJob(.laplacian, input: FileSystem.fileURL(arguments.input), key: key,
                               options: arguments.difference.options(), output: FileSystem.fileURL(output))
            try runReportingErrors { try files.applied(to: job).run() }
        }
    }

    /// `nabla divergence`.
    struct Divergence: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The divergence of a vector field stored as arrays axis0, axis1, … in a .npz.",
            discussion: """
            The component along axis k is the array named axisk, the names nabla gradient writes, so the \
            divergence of a gradient file is a Laplacian (numpy's wide one, by default). Writes one array.

            Examples:
              nabla divergence E.npz --spacing 0.1 -o divE.npy
              nabla gradient V.npy -o g.npz && nabla divergence g.npz -o lap.npy
              nabla divergence sim.h5:/data/100/meshes/E -o divE.npy     # openPMD
            """
        )

        @OptionGroup var arguments: VectorFieldArguments

        func run() throws { try arguments.run(.divergence) }
    }

    /// `nabla curl`.
    struct Curl: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The curl of a 2-D or 3-D vector field stored as arrays axis0, axis1[, axis2] in a .npz.",
            discussion: """
            3-D: writes axis0, axis1, axis2 = (∂F2/∂x1 - ∂F1/∂x2, ∂F0/∂x2 - ∂F2/∂x0, ∂F1/∂x0 - ∂F0/∂x1). \
            2-D: writes one array, 'curl' = ∂F1/∂x0 - ∂F0/∂x1 (a .npy output is allowed).

            Examples:
              nabla curl B.npz --spacing 0.05 -o curlB.npz
              nabla curl flow2d.npz --accuracy 4 -o vorticity.npy
              nabla curl sim.h5:/data/100/meshes/B --si -o curlB.npz     # openPMD
            """
        )

        @OptionGroup var arguments: VectorFieldArguments

        func run() throws { try arguments.run(.curl) }
    }
}

/// The input, scheme and output of `nabla divergence` and `nabla curl`.
struct VectorFieldArguments: ParsableArguments {
    @Argument(help: "The vector field: a .npz (or HDF5 group) holding axis0, axis1[, axis2] of one shape, or an openPMD vector mesh record, FILE.h5:/data/N/meshes/E (its components in axisLabels order, its grid giving the spacing).")
    var input: String

    @OptionGroup var scheme: SchemeOptions

    @OptionGroup var memory: MemoryOption

    @OptionGroup var files: FileOptions

    @Option(name: .customShort("o"), help: ArgumentHelp("The output: OUT.npy, or OUT.npz (see the discussion for the array names).", valueName: "OUTPUT"))
    var output: String

    func run(_ operation: FieldJob.Operation) throws {
        let job = FieldJob(operation, input: FileSystem.fileURL(input), options: scheme.options(memory: memory.memory),
                           output: FileSystem.fileURL(output))
        try runReportingErrors { try files.applied(to: job).run() }
    }
}
