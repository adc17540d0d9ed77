import Foundation
import Nabla
import NablaFormats

/// `.npy` files and stored `.npz` archives read and written by every rank at once through MPI-IO: each
/// rank reads and writes only its own planes, at offsets computed from the header.
///
/// Every function is collective and fails on every rank or none (``Communicator/collectively(_:)``): a
/// missing or truncated file, or a failed write, ends the call on every rank with the same error, and a
/// failed write leaves no file behind.
public enum DistributedFiles {
    /// The header of the `.npy` file or stored `.npz` member (nil: the archive's only member) at `url`,
    /// parsed by every rank (a few kilobytes read). Collective.
    public static func locate(_ url: URL, members: [String]?, communicator: Communicator) throws -> [StoredArrayLocation] {
        try communicator.collectively {
            var names = members
            if url.pathExtension.lowercased() == "npz", names == nil {
                let all = try NPZ.headers(from: url)
                guard all.count == 1 else {
                    throw FormatError(.invalidName, file: url.path, "holds \(all.count) arrays (\(all.map { "'\($0.name)'" }.joined(separator: ", "))); choose one with --key")
                }
                names = [all[0].name]
            }
            let found = try StoredArrayLocation.locate(url, members: names)
            for location in found {
                let where_ = location.member.map { "\(url.path) (\($0).npy)" } ?? url.path
                if location.header.fortranOrder && location.header.shape.count > 1 {
                    throw FormatError(.unsupportedDType, file: where_, "is stored in Fortran order; nabla-mpi reads C-order arrays")
                }
                if location.header.dtype.isComplex {
                    throw FormatError(.unsupportedDType, file: where_, "holds \(location.header.dtype.name) values; nabla-mpi differentiates real fields (use nabla for complex ones)")
                }
                if location.header.dtype == .bool {
                    throw FormatError(.unsupportedDType, file: where_, "holds booleans, which cannot be differentiated; convert the data to a number type")
                }
                if location.header.shape.isEmpty {
                    throw FormatError(.invalidShape, file: where_, "is a 0-D array (a single number); the field needs at least one axis")
                }
                if location.header.shape != found[0].header.shape {
                    throw FormatError(.invalidShape, file: where_, "has shape \(location.header.shape), but the first component has \(found[0].header.shape); the components of a vector field share one shape")
                }
            }
            return found
        }
    }

    /// Each rank's planes of the arrays at `locations` (from ``locate(_:members:communicator:)``), as
    /// `Scalar`. Arrays stored as `Scalar` in native byte order are read with `MPI_File_read_at_all`
    /// straight into the slabs; other dtypes (integers, another width or byte order) are read by each
    /// rank with `pread` and converted as the one-process tool converts them. Collective.
    public static func read<Scalar: FieldScalar & NPYScalar>(
        _ locations: [StoredArrayLocation], as type: Scalar.Type = Scalar.self, communicator: Communicator,
        counts: [Int]? = nil
    ) throws -> [DistributedField<Scalar>] {
        let shape = locations[0].header.shape
        let counts = counts ?? SlabDecomposition.blockCounts(planeCount: shape[0], parts: communicator.size)
        let rank = communicator.rank
        let start = counts[..<rank].reduce(0, +)
        let planes = start..<start + counts[rank]
        let planeElements = shape.dropFirst().reduce(1, *)
        let localShape = [planes.count] + shape.dropFirst()
        var fields: [DistributedField<Scalar>] = []
        for location in locations {
            let header = location.header
            let direct = header.dtype == Scalar.dtype && (header.byteOrder == .native || header.dtype.itemSize == 1)
            var local = try NDArray<Scalar>(repeating: 0, shape: localShape)
            if direct {
                let file = try communicator.collectively { try ParallelFile(location.file.path, mode: .read, communicator: communicator) }
                try communicator.collectively {
                    try file.readAll(into: &local, elements: 0..<local.count,
                                     at: location.dataOffset + planes.lowerBound * planeElements * header.dtype.itemSize)
                }
                try communicator.collectively { try file.close() }
            } else {
                try communicator.collectively {
                    guard !planes.isEmpty else { return }
                    try StoredArraySource<Scalar>([location]).read(component: 0, runs: [planes], into: &local)
                }
            }
            fields.append(try DistributedField(shape: shape, communicator: communicator, counts: counts, local: local))
        }
        return fields
    }

    /// Writes `fields` (one array, `names` nil: a `.npy`; else a stored `.npz` with one member per name)
    /// to `url`, each rank its own planes with `MPI_File_write_at_all`; rank 0 writes the headers, combines
    /// the ranks' CRC-32s (`crc32_combine`) and writes the central directory. The file is written under a
    /// temporary name in the same folder and renamed by rank 0 only when every rank succeeded; otherwise
    /// it is removed and every rank throws. Collective.
    public static func write<Scalar: FieldScalar & NPYScalar>(_ fields: [DistributedField<Scalar>], names: [String]?,
                                                              to url: URL) throws {
        precondition(!fields.isEmpty && (names == nil ? fields.count == 1 : names!.count == fields.count),
                     "a .npy holds one array; a .npz one per name")
        let communicator = fields[0].communicator
        let rank = communicator.rank
        let shape = fields[0].shape
        let layout = StoredArrayLayout(dtype: Scalar.dtype, shape: shape, names: names)
        let planeBytes = fields[0].planeElements * Scalar.dtype.itemSize
        let firstPlane = fields[0].planes.lowerBound
        let folder = url.deletingLastPathComponent()
        // A temporary name beside the output (so the rename stays on one file system), chosen by rank 0.
        let suffix = try communicator.broadcast(Array(UUID().uuidString.prefix(8).utf8), from: 0)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(String(decoding: suffix, as: UTF8.self)).nabla-mpi")
        let file = try communicator.collectively {
            try ParallelFile(temporary.path, mode: .createExclusive, communicator: communicator)
        }
        do {
            try communicator.collectively {
                if rank == 0 {
                    for record in layout.headerRecords { try file.write(record.bytes, at: record.offset) }
                }
            }
            var crcs: [UInt32] = []
            for (k, field) in fields.enumerated() {
                try communicator.collectively {
                    try file.writeAll(field.local, elements: 0..<field.local.count, at: layout.dataOffsets[k] + firstPlane * planeBytes)
                }
                if names != nil { crcs.append(DistributedCRC.checksum(field.local, elements: 0..<field.local.count)) }
            }
            if names != nil {
                // Every rank's CRC-32 per member, on every rank (one slot per rank, the rest zeros).
                var slots = Array(repeating: 0, count: communicator.size * fields.count)
                for k in fields.indices { slots[k * communicator.size + rank] = Int(crcs[k]) }
                let all = try communicator.allReduce(slots, .sum)
                try communicator.collectively {
                    guard rank == 0 else { return }
                    var memberCRCs: [UInt32] = []
                    for k in fields.indices {
                        var crc = layout.npyHeaderCRC
                        for r in 0..<communicator.size {
                            crc = DistributedCRC.combine(crc, UInt32(all[k * communicator.size + r]),
                                                         secondLength: fields[0].counts[r] * planeBytes)
                        }
                        memberCRCs.append(crc)
                    }
                    for record in layout.closingRecords(memberCRCs: memberCRCs) { try file.write(record.bytes, at: record.offset) }
                }
            }
            try communicator.collectively { try file.close() }
            try communicator.collectively {
                guard rank == 0 else { return }
                do throws(FileSystem.Failure) {
                    try FileSystem.rename(temporary.path, to: url.path)
                } catch {
                    throw FormatError(.io, file: url.path, "cannot be written: \(error.reason)")
                }
            }
        } catch {
            if rank == 0 { FileSystem.unlink(temporary.path) }
            throw error
        }
    }
}
