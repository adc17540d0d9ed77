import Nabla

/// Where everything lies in a `.npy` file (one array) or a stored `.npz` archive (one member per name) of
/// arrays of one dtype and shape, computed before any byte is written — the layout ``StoredArraySink``
/// writes, for writers that put the bytes there themselves (MPI-IO: each rank its planes at
/// ``dataOffsets``, rank 0 the ``headerRecords`` and, once the CRC-32s are known, ``closingRecords(memberCRCs:)``).
package struct StoredArrayLayout: Sendable {
    /// The member names of a `.npz`, or nil for a `.npy`.
    package let names: [String]?
    /// The `.npy` header every array starts with.
    package let npyHeader: [UInt8]
    /// The offset of each array's first element.
    package let dataOffsets: [Int]
    /// The bytes of each array's elements.
    package let dataByteCount: Int
    /// The file's size when complete.
    package let fileSize: Int
    /// What to write before the data: `(offset, bytes)`.
    package let headerRecords: [(offset: Int, bytes: [UInt8])]
    private let members: [ZIPWriter.Member]
    private let centralDirectoryOffset: Int
    private let timestamp: ZIPWriter.DOSTimestamp

    /// The layout of a `.npy` (`names` nil) or stored `.npz` of arrays of `dtype` and `shape`.
    package init(dtype: DType, shape: [Int], names: [String]?) {
        self.names = names
        npyHeader = NPYFormat.headerBytes(dtype: dtype, shape: shape)
        dataByteCount = shape.reduce(dtype.itemSize, *)
        timestamp = .now
        guard let names else {
            members = []
            dataOffsets = [npyHeader.count]
            headerRecords = [(0, npyHeader)]
            centralDirectoryOffset = npyHeader.count + dataByteCount
            fileSize = centralDirectoryOffset
            return
        }
        var members: [ZIPWriter.Member] = []
        var offsets: [Int] = []
        var records: [(offset: Int, bytes: [UInt8])] = []
        var offset = 0
        for name in names {
            let size = npyHeader.count + dataByteCount
            let member = ZIPWriter.Member(name: name, compressedSize: size, uncompressedSize: size, offset: offset)
            records.append((offset, ZIPWriter.localHeader(member, timestamp: timestamp) + npyHeader))
            offsets.append(offset + member.localHeaderSize + npyHeader.count)
            members.append(member)
            offset += member.localHeaderSize + size
        }
        self.members = members
        dataOffsets = offsets
        headerRecords = records
        centralDirectoryOffset = offset
        fileSize = offset + ZIPWriter.centralDirectory(members, offset: offset, forceZip64: false, timestamp: timestamp).count
    }

    /// What completes a `.npz` once each member's CRC-32 (over its `.npy` header and data) is known: the
    /// CRCs patched into the local headers, then the central directory. Nothing for a `.npy`.
    package func closingRecords(memberCRCs: [UInt32]) -> [(offset: Int, bytes: [UInt8])] {
        guard names != nil else { return [] }
        var patched = members
        var records: [(offset: Int, bytes: [UInt8])] = []
        for k in patched.indices {
            patched[k].crc = memberCRCs[k]
            var crc: [UInt8] = []
            crc.le32(memberCRCs[k])
            records.append((patched[k].offset + 14, crc))
        }
        records.append((centralDirectoryOffset,
                        ZIPWriter.centralDirectory(patched, offset: centralDirectoryOffset, forceZip64: false, timestamp: timestamp)))
        return records
    }

    /// The CRC-32 of the `.npy` header (what a member's CRC starts from).
    package var npyHeaderCRC: UInt32 { CRC32.checksum(npyHeader) }
}
