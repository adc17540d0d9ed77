import Foundation
import Nabla

// MARK: - ZIP central directory

/// A minimal, defensive reader of ZIP central directories (including ZIP64), used to locate members.
///
/// Only the end records, the central directory (at most ``maxCentralDirectorySize`` bytes) and each
/// member's 30-byte local header are read. Every size and offset is checked against the file before it
/// is used: a member's data must lie inside the file, the directory must lie between the members and the
/// end record, and the member count must fit the directory. What a member's bytes decode to is checked by
/// the caller (``NPZ``): stored sizes must agree, deflated members must inflate to exactly their declared
/// size, and every member's CRC-32 must match.
enum ZIPReader {
    struct Member {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var dataOffset: Int
        /// Where the member's local file header starts.
        var localHeaderOffset: Int = 0
        /// The member's name as the central directory stores it (bytes).
        var rawName: [UInt8] = []
    }

    static let maxCentralDirectorySize = 64 << 20

    static func members(of source: some ByteSource, context: ErrorContext) throws(FormatError) -> [Member] {
        let size = source.size
        func corrupt(_ message: String) -> FormatError { context.error(.corruptArchive, message) }

        // End of central directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try source.bytes(at: size - tailLength, count: tailLength)
        var eocd = -1
        var p = tailLength - 22
        while p >= 0 {
            if tail[p] == 0x50, tail[p + 1] == 0x4B, tail[p + 2] == 0x05, tail[p + 3] == 0x06 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else {
            let start = try source.bytes(at: 0, count: min(size, 6))
            let hint = start == NPYFormat.magic ? " (this looks like a .npy file: a .npy array saved under the name .npz? rename it to .npy)" : ""
            throw context.error(.badMagic, "not a ZIP archive: no end-of-central-directory record found\(hint)")
        }
        let eocdOffset = size - tailLength + eocd
        var entryCount = Int(le16(tail, eocd + 10))
        var cdSize = Int(le32(tail, eocd + 12))
        var cdOffset = Int(le32(tail, eocd + 16))

        // ZIP64: a locator 20 bytes before the record points at the ZIP64 end record.
        if eocdOffset >= 20 {
            let locator = try source.bytes(at: eocdOffset - 20, count: 20)
            if locator.starts(with: [0x50, 0x4B, 0x06, 0x07]) {
                guard let recordOffset = Int(exactly: le64(locator, 8)), recordOffset >= 0, recordOffset <= eocdOffset - 20 - 56 else {
                    throw corrupt("the ZIP64 end-of-central-directory locator points outside the file")
                }
                let record = try source.bytes(at: recordOffset, count: 56)
                guard record.starts(with: [0x50, 0x4B, 0x06, 0x06]) else { throw corrupt("the ZIP64 end-of-central-directory record is missing") }
                guard let n = Int(exactly: le64(record, 32)), let s = Int(exactly: le64(record, 40)),
                      let o = Int(exactly: le64(record, 48)) else {
                    throw corrupt("the ZIP64 end-of-central-directory record holds impossible sizes")
                }
                (entryCount, cdSize, cdOffset) = (n, s, o)
            }
        }
        guard cdSize <= maxCentralDirectorySize else {
            throw corrupt("the central directory claims \(cdSize) bytes; at most \(maxCentralDirectorySize) are supported")
        }
        guard cdOffset >= 0, cdOffset <= eocdOffset, cdSize <= eocdOffset - cdOffset else {
            throw corrupt("the central directory (\(cdSize) bytes at offset \(cdOffset)) lies outside the \(size)-byte file")
        }
        guard entryCount <= cdSize / 46 else {
            throw corrupt("the archive claims \(entryCount) members but its central directory has room for at most \(cdSize / 46)")
        }
        let cd = try source.bytes(at: cdOffset, count: cdSize)

        var members: [Member] = []
        var q = 0
        for index in 0..<entryCount {
            guard q + 46 <= cd.count, cd[q] == 0x50, cd[q + 1] == 0x4B, cd[q + 2] == 0x01, cd[q + 3] == 0x02 else {
                throw corrupt("central directory entry \(index) is damaged")
            }
            let flags = le16(cd, q + 8)
            let method = le16(cd, q + 10)
            let crc = le32(cd, q + 16)
            var compressedSize = UInt64(le32(cd, q + 20))
            var uncompressedSize = UInt64(le32(cd, q + 24))
            let nameLength = Int(le16(cd, q + 28)), extraLength = Int(le16(cd, q + 30)), commentLength = Int(le16(cd, q + 32))
            var localOffset = UInt64(le32(cd, q + 42))
            let next = q + 46 + nameLength + extraLength + commentLength
            guard next <= cd.count else { throw corrupt("central directory entry \(index) runs past the directory") }
            let nameBytes = Array(cd[(q + 46)..<(q + 46 + nameLength)])
            let name = decodeName(nameBytes, utf8Flag: flags & 0x0800 != 0)

            // ZIP64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
            var e = q + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = le16(cd, e), length = Int(le16(cd, e + 2))
                let body = e + 4
                guard body + length <= extraEnd else { break }
                if id == 0x0001 {
                    var f = body
                    func take() throws(FormatError) -> UInt64 {
                        guard f + 8 <= body + length else { throw corrupt("member '\(name)' has a short ZIP64 extra field") }
                        defer { f += 8 }
                        return le64(cd, f)
                    }
                    if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try take() }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try take() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try take() }
                }
                e = body + length
            }

            guard flags & 0x0001 == 0 else { throw corrupt("member '\(name)' is encrypted") }
            guard let csize = Int(exactly: compressedSize), let usize = Int(exactly: uncompressedSize),
                  let local = Int(exactly: localOffset), local <= size - 30 else {
                throw corrupt("member '\(name)' has sizes or an offset outside the \(size)-byte file")
            }
            let header = try source.bytes(at: local, count: 30)
            guard header.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
                throw corrupt("member '\(name)': no local file header at offset \(local)")
            }
            let dataOffset = local + 30 + Int(le16(header, 26)) + Int(le16(header, 28))
            guard dataOffset <= size, csize <= size - dataOffset else {
                throw corrupt("member '\(name)' declares \(csize) bytes of data at offset \(dataOffset), past the end of the \(size)-byte file")
            }
            members.append(Member(name: name, method: method, crc32: crc, compressedSize: csize,
                                  uncompressedSize: usize, dataOffset: dataOffset, localHeaderOffset: local,
                                  rawName: nameBytes))
            q = next
        }
        return members
    }

    /// Checks that a member's local file header agrees with its central directory entry: the same name
    /// and compression method, and, unless the sizes follow the data (flag bit 3) or live in a ZIP64 extra
    /// field, the same CRC-32 and sizes.
    static func checkLocalHeader(_ member: Member, in source: some ByteSource, context: ErrorContext) throws(FormatError) {
        func corrupt(_ message: String) -> FormatError { context.error(.corruptArchive, message) }
        let header = try source.bytes(at: member.localHeaderOffset, count: 30)
        guard header.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw corrupt("no local file header at offset \(member.localHeaderOffset)")
        }
        let flags = le16(header, 6)
        guard le16(header, 8) == member.method else {
            throw corrupt("the local header says compression method \(le16(header, 8)) but the directory says \(member.method)")
        }
        let nameLength = Int(le16(header, 26))
        guard nameLength == member.rawName.count,
              try source.bytes(at: member.localHeaderOffset + 30, count: nameLength) == member.rawName else {
            throw corrupt("the local header names another member than the central directory")
        }
        guard flags & 0x0008 == 0 else { return }
        let crc = le32(header, 14), compressed = le32(header, 18), uncompressed = le32(header, 22)
        guard crc == member.crc32 else {
            throw corrupt("the local header records CRC-32 \(NPZ.hex(crc)) but the directory \(NPZ.hex(member.crc32))")
        }
        if compressed != 0xFFFF_FFFF && Int(compressed) != member.compressedSize
            || uncompressed != 0xFFFF_FFFF && Int(uncompressed) != member.uncompressedSize {
            throw corrupt("the local header's sizes (\(compressed), \(uncompressed)) differ from the directory's (\(member.compressedSize), \(member.uncompressedSize))")
        }
    }

    private static func decodeName(_ bytes: [UInt8], utf8Flag: Bool) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        // Not UTF-8: read as code page 437's ASCII half, other bytes as latin-1 (enough for error messages).
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    private static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
