// The only file that imports libpng.
//
// libpng reports errors by `longjmp` out of its error callback. A `longjmp` across Swift frames is
// undefined behaviour (no cleanup, no release of references), so no Swift code may sit between libpng's
// `setjmp` and an error. This file therefore uses only libpng's *simplified* API
// (`png_image_write_to_memory`, `png_image_begin_read_from_file`, `png_image_finish_read`): each call
// runs its work under `png_safe_execute`, which does `setjmp` inside libpng, catches every
// `png_error` in C, and returns 0 with the message in `png_image.message`. No Swift callbacks are
// installed, so every jump starts and ends in C. On top of that, inputs are validated before libpng is
// called (dimensions within PNG's limits, buffer sizes), so the error paths are not expected to run
// at all; if they do, the message comes back as a thrown `PictureError.png`.
//
// Files are written atomically: the PNG is encoded into memory, written to a temporary file in the
// destination folder, flushed, and renamed over the destination, so a reader never sees half a file.

internal import _CPNG

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Canvas {
    /// The canvas encoded as an 8-bit PNG: RGB (colour type 2) when every pixel is opaque, RGBA
    /// (colour type 6) otherwise, tagged sRGB.
    public func pngData() throws(PictureError) -> [UInt8] {
        if isOpaque {
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                rgb[3 * i] = pixels[4 * i]
                rgb[3 * i + 1] = pixels[4 * i + 1]
                rgb[3 * i + 2] = pixels[4 * i + 2]
            }
            return try PNGCodec.encode(width: width, height: height, samples: rgb, channels: 3)
        }
        return try PNGCodec.encode(width: width, height: height, samples: pixels, channels: 4)
    }

    /// Writes the canvas as a PNG file, atomically: the file at `path` is either left untouched or
    /// replaced by the complete image.
    ///
    /// - Throws: ``PictureError/fileSystem(path:message:)`` when the folder does not exist or is not
    ///   writable, ``PictureError/png(_:)`` if libpng fails.
    public func writePNG(to path: String) throws(PictureError) {
        try PNGCodec.writeAtomically(try pngData(), to: path)
    }
}

/// PNG encoding and decoding through libpng's simplified API.
enum PNGCodec {
    /// libpng's default limit on width and height (`PNG_USER_WIDTH_MAX`, `PNG_USER_HEIGHT_MAX`).
    static let maximumDimension = 1_000_000

    /// Encodes 8-bit samples, `channels` (3: RGB, 4: RGBA) per pixel, rows from the top.
    static func encode(width: Int, height: Int, samples: [UInt8], channels: Int) throws(PictureError) -> [UInt8] {
        precondition(channels == 3 || channels == 4, "PNG encoding takes 3 or 4 channels, got \(channels)")
        guard (1...maximumDimension).contains(width), (1...maximumDimension).contains(height) else {
            throw .png("image size \(width)×\(height) is outside PNG's 1…\(maximumDimension) pixels per side")
        }
        let (rowBytes, o1) = width.multipliedReportingOverflow(by: channels)
        let (total, o2) = rowBytes.multipliedReportingOverflow(by: height)
        guard !o1, !o2, rowBytes <= Int(Int32.max), samples.count == total else {
            throw .png("\(samples.count) samples do not make a \(width)×\(height) image of \(channels) channels")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(channels == 4 ? PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA : PNG_FORMAT_RGB)
        // Deflate never grows data by more than a few bytes per 16 KiB block; add room for the
        // filter bytes and the chunks. If libpng still wants more, it says how much.
        var capacity = total + height + total / 64 + 4096
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = output.withUnsafeMutableBytes { out in
                samples.withUnsafeBytes { src in
                    png_image_write_to_memory(&image, out.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                output.removeSubrange(Int(size)...)
                return output
            }
            let message = Self.message(of: &image)
            png_image_free(&image)
            guard Int(size) > capacity else { throw .png(message) }
            capacity = Int(size)
            image.warning_or_error = 0
        }
        throw .png("libpng asked for a larger output buffer twice")
    }

    /// Decodes a PNG file into 8-bit RGBA, rows from the top (any PNG libpng reads is converted).
    static func readRGBA(path: String) throws(PictureError) -> (width: Int, height: Int, pixels: [UInt8]) {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let message = Self.message(of: &image)
            png_image_free(&image)
            throw .png("\(path): \(message)")
        }
        image.format = png_uint_32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let message = Self.message(of: &image)
            png_image_free(&image)
            throw .png("\(path): \(message)")
        }
        return (width, height, pixels)
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Writes `bytes` to `path` through a temporary file in the same folder and `rename(2)`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(PictureError) {
        func failure(_ what: String) -> PictureError {
            .fileSystem(path: path, message: "\(what): \(String(cString: strerror(errno)))")
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw .fileSystem(path: path, message: "the path names a folder, not a file") }
        var template = Array("\(folder).\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(folder.isEmpty ? "." : folder)") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var written = 0
        var error: PictureError?
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    error = failure("writing failed")
                    return
                }
                written += n
            }
        }
        if error == nil, fchmod(fd, 0o644) != 0 { error = failure("cannot set permissions") }
        if error == nil, fsync(fd) != 0 { error = failure("cannot flush to disk") }
        if close(fd) != 0, error == nil { error = failure("closing failed") }
        if error == nil, rename(temporary, path) != 0 { error = failure("cannot replace the file") }
        if let error {
            unlink(temporary)
            throw error
        }
    }
}
