import ArgumentParser
import Foundation
import Nabla
import NablaPictures
import _NablaCommandLine
import _NablaTool

extension NablaCommand {
    /// `nabla demo`: the main job on an embedded problem.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the demo: a dipole field by finite differences of several accuracies, a periodic field spectrally; errors, observed orders, pictures.",
            discussion: """
            Computes E = -∇V of a dipole at accuracy 2, 4 and 6 on three grids, scores it against Coulomb's \
            law and fits the observed order of accuracy; differentiates a periodic companion field spectrally \
            and by finite differences; prints the tables and writes potential.npy, field.npz (axis0..axis2 = \
            Ex, Ey, Ez), field-slice.png (|E| on the y = 0 plane with field arrows), convergence.png and \
            periodic-convergence.png (or .svg / .pdf with --format).

            Examples:
              nabla demo
              nabla demo --output /tmp/demo --size 97
              nabla demo --format svg
            """
        )

        @Option(name: .customLong("output"), help: ArgumentHelp("The folder for the files (created if missing).", valueName: "DIR"))
        var output = "nabla-demo"

        @Option(name: .customLong("size"), help: ArgumentHelp("Points per axis of the finest dipole grid (17 to 257; rounded down to 4k+1).", valueName: "N"))
        var size = 65

        @Option(name: .customLong("format"), help: ArgumentHelp("The format of the pictures.", valueName: "FORMAT"))
        var format: PictureFormat = .png

        func run() throws {
            try runReportingErrors {
                try DemoJob(outputDirectory: FileSystem.fileURL(output), size: size, format: format).run()
            }
        }
    }
}

extension PictureFormat: ExpressibleByArgument {}
