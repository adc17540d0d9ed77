import Foundation
import Nabla
import NablaFormats
import NablaHDF5

/// Finite-difference commands through the slab engine: a `.npy` (or stored `.npz` member) input, or HDF5
/// datasets (hyperslabs of axis 0), are read a slab of planes at a time and the results are written
/// straight into their place in a `.npy`/`.npz` output, so memory stays within `--memory` whatever the
/// file's size, and the results are the in-memory path's to the bit.
///
/// Inputs the engine cannot read a slab at a time (CSV, netCDF, deflated members, Fortran order, complex
/// or boolean data) and other output formats (HDF5 outputs included) take the in-memory path.
enum SlabJob {
    /// What the engine reads: the arrays of one field (one, or one per component of a vector field), all of
    /// one shape and element type, served as a ``FieldSource`` of the type the results are computed in.
    enum Input {
        /// Stored `.npy` arrays or `.npz` members, read with `pread`.
        case stored([StoredArrayLocation])
        /// HDF5 datasets, read by hyperslab.
        case hdf5([HDF5.PlaneReader])

        /// The shape of each array.
        var shape: [Int] {
            switch self {
            case let .stored(locations): locations[0].header.shape
            case let .hdf5(readers): readers[0].shape
            }
        }

        /// The element type stored.
        var dtype: DType {
            switch self {
            case let .stored(locations): locations[0].header.dtype
            case let .hdf5(readers): readers[0].dtype
            }
        }

        /// A source of the arrays as `T` values (converted as the in-memory path converts them).
        func source<T: FieldScalar & NPYScalar>(_: T.Type) throws -> any FieldSource<T> {
            switch self {
            case let .stored(locations): try StoredArraySource<T>(locations)
            case let .hdf5(readers): try HDF5FieldSource<T>(readers)
            }
        }
    }

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

    /// The HDF5 datasets `paths` of `file` (nil: the file's only dataset) opened for the slab engine, or nil when the engine cannot read
    /// them (complex or boolean data, datasets of different shapes or types, any error: the in-memory path
    /// then reads them, or reports what is wrong).
    static func locate(hdf5 file: URL, datasets paths: [String?], allowExternal: Bool) -> Input? {
        var readers: [HDF5.PlaneReader] = []
        for path in paths {
            guard let reader = try? HDF5.PlaneReader(file, dataset: path, allowingExternalData: allowExternal),
                  !reader.shape.isEmpty, !reader.dtype.isComplex, reader.dtype != .bool,
                  reader.shape == (readers.first?.shape ?? reader.shape),
                  reader.dtype == (readers.first?.dtype ?? reader.dtype) else { return nil }
            readers.append(reader)
        }
        return readers.isEmpty ? nil : .hdf5(readers)
    }

    /// Whether the engine writes the results to `output`: a `.npy`/`.npz` file, or HDF5 datasets (written
    /// by hyperslab, added to the file as the in-memory path adds them).
    static func writes(_ output: URL) -> Bool {
        guard let format = try? FieldFiles.Format(of: output) else { return false }
        return format == .npy || format == .npz || format.isHDF5
    }

    /// Runs `operation` on `input` into `output` (`names` for a `.npz` or HDF5 datasets; a `.npy` holds
    /// the one result), within `memory` bytes of buffers. float32 and float16 data are computed in their
    /// type, everything else in `Double` (the in-memory path's precision). An HDF5 output follows the
    /// in-memory path's rules (`out.h5:/group`, datasets added to an existing file, replaced only when
    /// `overwrite`).
    static func run(_ operation: SlabbedOperation, on input: Input, names: [String], output: URL,
                    memory: Int, overwrite: Bool, file: String) throws(PipelineError) {
        switch input.dtype {
        case .float32: try run(Float.self, operation, input, names, output, memory, overwrite, file)
        case .float16: try run(Float16.self, operation, input, names, output, memory, overwrite, file)
        default: try run(Double.self, operation, input, names, output, memory, overwrite, file)
        }
    }

    private static func run<T: FieldScalar & NPYScalar>(
        _ type: T.Type, _ operation: SlabbedOperation, _ input: Input, _ names: [String],
        _ output: URL, _ memory: Int, _ overwrite: Bool, _ file: String
    ) throws(PipelineError) {
        let shape = input.shape
        let isNPY = (try? FieldFiles.Format(of: output)) == .npy
        let planes: Int
        do {
            let fitting = try operation.planesPerSlab(shape: shape, elementSize: MemoryLayout<T>.stride, memory: memory)
            let planeBytes = shape.dropFirst().reduce(MemoryLayout<T>.stride, *)
            planes = max(1, min(fitting, slabTarget / max(planeBytes, 1)))
        } catch {
            throw PipelineError("\(file): \(error.description)")
        }
        // The engine's errors (I/O, or arguments the in-memory path would refuse the same way) are kept
        // apart from the writer's so that each is reported as itself.
        var failure: (any Error)?
        func stream<Sink: FieldSink<T>>(to sink: Sink) throws(FormatError) {
            do {
                try streamDifferences(operation, from: try input.source(T.self), to: sink, planesPerSlab: planes)
            } catch let error as FormatError {
                throw error
            } catch {
                failure = error
                throw FormatError(.io, file: output.path, "not written")
            }
        }
        let (outputFile, group) = FieldFiles.location(of: output)
        do {
            if (try? FieldFiles.Format(of: output))?.isHDF5 == true {
                try HDF5.add(datasets: names, shape: shape, of: T.self, to: outputFile, group: group,
                             replacingExisting: overwrite) { sink in try stream(to: sink) }
            } else {
                try AtomicFile.write(to: output) { (writer: AtomicFile.Writer) throws(FormatError) in
                    let sink = try StoredArraySink<T>(writer: writer, names: isNPY ? nil : names, shape: shape)
                    try stream(to: sink)
                    try sink.finish()
                }
            }
        } catch {
            throw PipelineError.wrap(failure ?? error, file: failure == nil ? outputFile.path : file)
        }
    }
}
