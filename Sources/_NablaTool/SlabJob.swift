import Foundation
import Nabla
import NablaFormats

/// Finite-difference commands through the slab engine: a `.npy` (or stored `.npz` member) input is read a
/// slab of planes at a time and the results are written straight into their place in a `.npy`/`.npz`
/// output, so memory stays within `--memory` whatever the file's size, and the results are the in-memory
/// path's to the bit.
///
/// Inputs the engine cannot read a slab at a time (CSV, HDF5, netCDF, deflated members, Fortran order) and
/// other output formats take the in-memory path.
enum SlabJob {
    /// The input bytes one slab holds at most when memory allows more: larger slabs make no command
    /// faster (the read of one slab already overlaps the computation of the previous one), and keep
    /// memory small.
    static let slabTarget: Int = {
        // NABLA_SLAB_BYTES overrides it (for benchmarks of the pipeline's granularity).
        if let text = ProcessInfo.processInfo.environment["NABLA_SLAB_BYTES"], let bytes = ByteSize(parsing: text) { return bytes.bytes }
        return 32 << 20
    }()

    /// The stored arrays `input` holds for the slab engine (the member `key` of a `.npz`, its only member,
    /// or the members `components` of a vector field), or nil when the engine cannot read them a slab at a
    /// time. Errors in the file are left for the in-memory reader to report.
    static func locate(_ input: URL, key: String?, components: [String]? = nil) -> [StoredArrayLocation]? {
        guard let format = try? FieldFiles.Format(of: input), format == .npy || format == .npz,
              FieldFiles.location(of: input).dataset == nil else { return nil }
        let members: [String]?
        if format == .npy {
            guard key == nil, components == nil else { return nil }
            members = nil
        } else if let components {
            members = components
        } else if let key {
            members = [key]
        } else {
            guard let all = try? NPZ.headers(from: input), all.count == 1 else { return nil }
            members = [all[0].name]
        }
        guard let found = try? StoredArrayLocation.locate(input, members: members),
              found.allSatisfy({ !($0.header.fortranOrder && $0.header.shape.count > 1) && $0.header.dtype != .bool && !$0.header.dtype.isComplex }),
              !found.isEmpty, !found[0].header.shape.isEmpty else { return nil }
        return found
    }

    /// Whether a `.npy`/`.npz` output can take the results.
    static func writes(_ output: URL) -> Bool {
        guard let format = try? FieldFiles.Format(of: output) else { return false }
        return format == .npy || format == .npz
    }

    /// Runs `operation` on the arrays at `locations` into `output` (`names` for a `.npz`; a `.npy` holds
    /// the one result), within `memory` bytes of buffers.
    static func run(_ operation: SlabbedOperation, on locations: [StoredArrayLocation], names: [String], output: URL,
                    memory: Int, file: String) throws(PipelineError) {
        switch locations[0].header.dtype {
        case .float32: try run(Float.self, operation, locations, names, output, memory, file)
        case .float16: try run(Float16.self, operation, locations, names, output, memory, file)
        default: try run(Double.self, operation, locations, names, output, memory, file)
        }
    }

    private static func run<T: FieldScalar & NPYScalar>(
        _ type: T.Type, _ operation: SlabbedOperation, _ locations: [StoredArrayLocation], _ names: [String],
        _ output: URL, _ memory: Int, _ file: String
    ) throws(PipelineError) {
        let shape = locations[0].header.shape
        let planes: Int
        do {
            let fitting = try operation.planesPerSlab(shape: shape, elementSize: MemoryLayout<T>.stride, memory: memory)
            let planeBytes = shape.dropFirst().reduce(MemoryLayout<T>.stride, *)
            planes = max(1, min(fitting, slabTarget / max(planeBytes, 1)))
        } catch {
            throw PipelineError("\(file): \(error.description)")
        }
        try write(T.self, from: locations, names: names, output: output, file: file) { source, sink in
            try streamDifferences(operation, from: source, to: sink, planesPerSlab: planes)
        }
    }

    /// Runs `body` from the arrays at `locations` into a `.npy`/`.npz` output written atomically (`names`
    /// for a `.npz`; a `.npy` holds the one result). Errors of `body` are reported against `file`, the
    /// writer's against `output`; nothing is left behind when either fails.
    static func write<T: FieldScalar & NPYScalar>(
        _ type: T.Type, from locations: [StoredArrayLocation], names: [String], output: URL, file: String,
        _ body: (StoredArraySource<T>, StoredArraySink<T>) throws -> Void
    ) throws(PipelineError) {
        let shape = locations[0].header.shape
        let isNPY = (try? FieldFiles.Format(of: output)) == .npy
        // The engine's errors (I/O, or arguments the in-memory path would refuse the same way) are kept
        // apart from the writer's so that each is reported as itself.
        var failure: (any Error)?
        do {
            try AtomicFile.write(to: output) { (writer: AtomicFile.Writer) throws(FormatError) in
                let sink = try StoredArraySink<T>(writer: writer, names: isNPY ? nil : names, shape: shape)
                do {
                    try body(try StoredArraySource<T>(locations), sink)
                } catch let error as FormatError {
                    throw error
                } catch {
                    failure = error
                    throw FormatError(.io, file: output.path, "not written")
                }
                try sink.finish()
            }
        } catch {
            throw PipelineError.wrap(failure ?? error, file: failure == nil ? output.path : file)
        }
    }
}
