import Foundation
import Nabla
import NablaFormats
import NablaSpectral

/// `gradient`/`laplacian --method spectral` through NablaSpectral's slab path
/// (``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)``): a `.npy` (or stored `.npz`
/// member) input is read a slab of planes at a time, lines along axis 0 are transformed in column blocks
/// of a half-spectrum parked in a nameless scratch file in the output's folder, and the results are
/// written straight into their place in a `.npy`/`.npz` output — within `--memory`, with the in-memory
/// results to the bit.
///
/// float64 and integer inputs are computed in `Double`, float32 in `Float`; float16 inputs (computed in
/// `Float` and written back as float16) take the in-memory path.
enum SpectralSlabJob {
    /// Runs `operation` on the array at `location` into `output`, or returns false (nothing done) when
    /// its dtype takes the in-memory path. Periodicity and FFTW wisdom warnings go to `onWarning`, as the
    /// in-memory path sends them.
    static func run(_ operation: SlabbedSpectralOperation, on location: StoredArrayLocation, names: [String], output: URL,
                    memory: Int, file: String, onWarning: @escaping @Sendable (String) -> Void) throws(PipelineError) -> Bool {
        switch location.header.dtype {
        case .float16: return false
        case .float32: try run(Float.self, operation, location, names, output, memory, file, onWarning)
        default: try run(Double.self, operation, location, names, output, memory, file, onWarning)
        }
        return true
    }

    private static func run<T: SpectralScalar & NPYScalar>(
        _ type: T.Type, _ operation: SlabbedSpectralOperation, _ location: StoredArrayLocation, _ names: [String],
        _ output: URL, _ memory: Int, _ file: String, _ onWarning: @escaping @Sendable (String) -> Void
    ) throws(PipelineError) {
        // Refused before anything is read or created: arguments, then a budget too small.
        do {
            _ = try operation.budget(shape: location.header.shape, elementSize: MemoryLayout<T>.stride, memory: memory)
        } catch {
            throw PipelineError.wrap(error, file: file)
        }
        var warnings: [SpectralWarning] = []
        try SlabJob.write(T.self, from: .stored([location]), names: names, output: output, file: file) { source, sink in
            try streamSpectral(operation, from: source, to: sink, memory: memory, scratchFolder: output.deletingLastPathComponent()) {
                warnings.append($0)
            }
        }
        warnings.forEach { onWarning("\(file): \($0)") }
        SpectralFFT.takeWisdomWarnings().forEach { onWarning("\($0)") }
    }
}
