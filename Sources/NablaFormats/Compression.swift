// Why this file uses raw pointers: libdeflate and zlib take C buffers (pointer and length). This is the
// one file that calls into them (module `_CDeflate`): it checks every result code, turns failures into
// `FormatError`s, and passes pointers that live only for the call (they come from the handles of
// `RawBytes.swift` or from `withUnsafe…` closures opened here).

import Foundation
import Nabla
internal import _CDeflate

// MARK: - CRC-32

/// CRC-32 with the ZIP/zlib polynomial, through libdeflate (carry-less multiplication where the CPU has it).
///
/// One thread is enough: libdeflate checksums 128 MiB in about 13 ms here (~10 GB/s, faster than the
/// `pread` or `writev` that moves the same bytes); splitting it over both cores and joining the parts
/// with zlib's `crc32_combine` saved only ~6 ms per 128 MiB, so the readers and writers do not.
enum CRC32 {
    /// The CRC-32 of `bytes`, continuing from `crc` (the CRC-32 of the bytes before them; 0 to start).
    static func checksum(_ bytes: ByteView, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.raw.baseAddress, bytes.count > 0 else { return crc }
        return libdeflate_crc32(crc, base, bytes.count)
    }

    /// The CRC-32 of `bytes`, continuing from `crc`.
    static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        ByteView.with(bytes) { checksum($0, continuing: crc) }
    }

    /// The CRC-32 of all the bytes of `source`, read `chunkSize` bytes at a time into one reused buffer
    /// (memory stays bounded whatever the source's size).
    static func checksum(of source: some ByteSource, chunkSize: Int = 4 << 20) throws(FormatError) -> UInt32 {
        var buffer = [UInt8](repeating: 0, count: max(1, min(chunkSize, source.size)))
        var crc: UInt32 = 0
        var offset = 0
        var failure: FormatError?
        buffer.withUnsafeMutableBytes { raw in
            while offset < source.size {
                let chunk = MutableBytes(raw).slice(0..<min(raw.count, source.size - offset))
                do throws(FormatError) { try source.read(at: offset, into: chunk) } catch { failure = error; return }
                crc = checksum(chunk.view, continuing: crc)
                offset += chunk.count
            }
        }
        if let failure { throw failure }
        return crc
    }

    /// The CRC-32 of the elements' bytes of `array`, continuing from `crc`.
    static func checksum(_ array: AnyNDArray, continuing crc: UInt32 = 0) -> UInt32 {
        array.withBytes { checksum($0, continuing: crc) }
    }
}

// MARK: - Deflate

/// Raw deflate streams (RFC 1951, as ZIP method 8 stores them): whole-buffer compression and
/// decompression through libdeflate, and the first bytes of a stream through zlib.
enum Deflate {
    /// numpy's `np.savez_compressed` uses zlib's default level, 6; libdeflate's 6 is comparable.
    static let level: Int32 = 6

    /// Compresses `header` followed by the bytes of `array` as one raw deflate stream.
    ///
    /// - Returns: the compressed bytes and the CRC-32 of the uncompressed ones.
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/io`` if libdeflate cannot allocate its compressor.
    static func compress(_ header: [UInt8], followedBy array: AnyNDArray,
                         context: ErrorContext) throws(FormatError) -> (bytes: [UInt8], crc: UInt32) {
        let input = [UInt8](header, followedBy: array)
        let size = header.count + array.byteCount
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw context.error(.io, "libdeflate could not allocate a compressor (out of memory?)")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_deflate_compress_bound(compressor, size)
        let output = input.withUnsafeBytes { source in
            [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
                initialized = libdeflate_deflate_compress(compressor, source.baseAddress, size, buffer.baseAddress, bound)
            }
        }
        // The bound is libdeflate's own worst case, so 0 ("did not fit") cannot happen for a valid call.
        guard !output.isEmpty else {
            throw context.error(.io, "libdeflate could not compress \(size) bytes into its own bound of \(bound)")
        }
        return (output, CRC32.checksum(input))
    }

    /// Inflates the raw deflate stream `compressed` into `output`, which it must fill exactly.
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/corruptArchive`` when the stream is damaged or
    ///   cut short, inflates to fewer bytes than `output` holds, or would inflate to more (libdeflate stops
    ///   at the end of `output`: a lying size never writes past it).
    static func inflate(_ compressed: ByteView, into output: MutableBytes, context: ErrorContext) throws(FormatError) {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw context.error(.io, "libdeflate could not allocate a decompressor (out of memory?)")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var scratch: (UInt8, UInt8) = (0, 0)  // a valid pointer for empty buffers
        var produced = 0
        let result = withUnsafeMutableBytes(of: &scratch) { empty in
            libdeflate_deflate_decompress(decompressor,
                                          compressed.raw.baseAddress ?? UnsafeRawPointer(empty.baseAddress!), compressed.count,
                                          output.raw.baseAddress ?? empty.baseAddress!, output.count, &produced)
        }
        switch result {
        case LIBDEFLATE_SUCCESS:
            guard produced == output.count else {
                throw context.error(.corruptArchive, "inflates to \(produced) bytes but the archive declares \(output.count)")
            }
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw context.error(.corruptArchive, "inflates to more than the \(output.count) bytes the archive declares")
        case LIBDEFLATE_SHORT_OUTPUT:
            throw context.error(.corruptArchive, "inflates to fewer than the \(output.count) bytes the archive declares")
        default:
            throw context.error(.corruptArchive,
                "the deflate stream is damaged or cut short (libdeflate result \(result.rawValue))")
        }
    }

    /// Inflates the whole raw deflate stream `compressed`, 64 KiB of input at a time, handing each piece of
    /// output to `consume` (memory stays bounded whatever the stream's size).
    ///
    /// - Returns: the number of bytes the stream inflated to.
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/corruptArchive`` when the stream is damaged,
    ///   ends before its end-of-stream marker, has bytes after it, or inflates to more than `limit` bytes.
    static func inflateAll(_ compressed: some ByteSource, limit: Int, context: ErrorContext,
                           _ consume: (ByteView) -> Void) throws(FormatError) -> Int {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw context.error(.io, "zlib could not start an inflater (out of memory?)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: 1 << 18)
        var produced = 0, consumed = 0, ended = false
        while !ended && consumed < compressed.size {
            var chunk = try compressed.bytes(at: consumed, count: min(1 << 16, compressed.size - consumed))
            consumed += chunk.count
            var status = Z_OK
            var tooLong = false
            chunk.withUnsafeMutableBytes { input in
                output.withUnsafeMutableBytes { out in
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(input.count)
                    repeat {
                        stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = uInt(out.count)
                        status = _CDeflate.inflate(&stream, Z_NO_FLUSH)
                        let n = out.count - Int(stream.avail_out)
                        if n > 0 {
                            produced += n
                            if produced > limit { tooLong = true; break }
                            consume(ByteView(UnsafeRawBufferPointer(rebasing: out[0..<n])))
                        }
                    } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
                    stream.next_in = nil
                    stream.next_out = nil
                }
            }
            if tooLong {
                throw context.error(.corruptArchive, "inflates to more than the \(limit) bytes the archive declares")
            }
            if status == Z_STREAM_END {
                ended = true
                if stream.avail_in > 0 || consumed < compressed.size {
                    throw context.error(.corruptArchive, "the deflate stream ends before the member's last compressed byte")
                }
            } else if status != Z_OK && status != Z_BUF_ERROR {
                throw context.error(.corruptArchive, "the deflate stream is damaged (zlib error \(status))")
            }
        }
        guard ended else { throw context.error(.corruptArchive, "the deflate stream is cut short (no end-of-stream marker)") }
        return produced
    }

    /// The first `count` bytes that the raw deflate stream in `compressed` inflates to (fewer if the stream
    /// ends first), reading only as much of `compressed` as they need, 64 KiB at a time.
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/corruptArchive`` when the stream is damaged.
    static func inflatePrefix(_ count: Int, of compressed: some ByteSource, context: ErrorContext) throws(FormatError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw context.error(.io, "zlib could not start an inflater (out of memory?)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: count)
        var produced = 0, consumed = 0
        while produced < count && consumed < compressed.size {
            let chunk = try compressed.bytes(at: consumed, count: min(1 << 16, compressed.size - consumed))
            consumed += chunk.count
            var chunkCopy = chunk
            let status: Int32 = chunkCopy.withUnsafeMutableBytes { input in
                output.withUnsafeMutableBytes { out in
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(input.count)
                    var status = Z_OK
                    while stream.avail_in > 0 && produced < count {
                        stream.next_out = (out.baseAddress! + produced).assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = uInt(count - produced)
                        status = _CDeflate.inflate(&stream, Z_NO_FLUSH)
                        produced = count - Int(stream.avail_out)
                        if status != Z_OK { break }
                    }
                    // Neither pointer outlives this closure.
                    stream.next_in = nil
                    stream.next_out = nil
                    return status
                }
            }
            if status == Z_STREAM_END { break }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                throw context.error(.corruptArchive, "the deflate stream is damaged (zlib error \(status))")
            }
        }
        return Array(output.prefix(produced))
    }
}
