import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

extension NablaCommand {
    /// `nabla score`: how far a computed array is from a reference.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a computed array file against a reference: errors, where they are, pass or fail.",
            discussion: """
            Reports the max absolute error and its index, the max relative error |a-b| / max(|a|+|b|, 1e-8) \
            (Theano's), the relative L2 error ||a-b|| / ||b||, the RMS error, the number of points outside \
            atol + rtol*|reference| (numpy.allclose's band), NaN/Inf mismatches (NaN against NaN, or the same \
            infinity, is a match), for all points, the interior and the edge (points next to a boundary). \
            Two .npz archives are paired by array name; a .npy and a .npz with one array are compared directly. \
            Every dtype is converted to float64; complex arrays (complex64, complex128, either side) are scored \
            by |a - b|, the modulus of the complex difference, with |a| and |b| in the relative error and the band.

            Exit status: 0 when every point passes, 1 when some do not, 2 on bad input (unreadable file, \
            shapes or array names that differ, invalid tolerance).

            --json prints one JSON object: max_abs_error, max_rel_error, rel_l2_error, rms_error, argmax, \
            mismatched, nan_mismatches, passed, … at the top level, "interior" and "edge" objects, and for \
            archives an "arrays" object with one such object per name. NaN and infinities, which JSON \
            numbers cannot hold, are the strings "NaN", "Infinity", "-Infinity"; a missing index is null.

            Examples:
              nabla score dVdx.npy dVdx_exact.npy
              nabla score grad.npz exact.npz --atol 1e-6 --rtol 0
              nabla score grad.npz exact.npz --json | jq .max_abs_error
            """
        )

        @Argument(help: "The computed array: a .npy file or a .npz archive.")
        var computed: String

        @Argument(help: "The reference array: a .npy file or a .npz archive.")
        var reference: String

        @Option(name: .customLong("atol"), help: ArgumentHelp("Absolute tolerance of the band atol + rtol*|reference| (numpy.allclose's default).", valueName: "A"))
        var atol: Double = 1e-8

        @Option(name: .customLong("rtol"), help: ArgumentHelp("Relative tolerance of the band (numpy.allclose's default).", valueName: "R"))
        var rtol: Double = 1e-5

        @Option(name: .customLong("edge-width"), help: ArgumentHelp("Points within this many points of a boundary count as edge points.", valueName: "W"))
        var edgeWidth: Int = 1

        @OptionGroup var external: ExternalDataOption

        @OptionGroup var memory: MemoryOption

        @Flag(name: .customLong("json"), help: "Print one JSON object instead of the table.")
        var json = false

        func run() throws {
            let output: String
            let passed: Bool
            do {
                var job = ScoreJob(computed: FileSystem.fileURL(computed), reference: FileSystem.fileURL(reference),
                                   absoluteTolerance: atol, relativeTolerance: rtol, edgeWidth: edgeWidth)
                job.allowExternal = external.allowExternal
                job.memory = memory.memory.bytes
                let result = try job.run()
                output = json ? try result.json() : result.description
                passed = result.passed
            } catch {
                printError(error)
                throw ExitCode(2)
            }
            // The table for people shows control characters of array names escaped; JSON escapes its own.
            print(json ? output : FileSystem.displayed(output))
            if !passed { throw ExitCode(1) }
        }
    }
}
