import Foundation
import Nabla
@testable import NablaPictures

/// Where the tests leave pictures for people to look at.
let pictureFolder: String = {
    let path = "/tmp/nabla-pictures"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// Leaves `bytes` in ``pictureFolder`` for people to look at.
func keep(_ bytes: [UInt8], as name: String) {
    _ = FileManager.default.createFile(atPath: pictureFolder + "/" + name, contents: Data(bytes))
}

/// A decoded PNG, read back through cairo.
struct Picture {
    var width: Int
    var height: Int
    var pixels: [RGBAColor]

    init(png: [UInt8]) throws {
        (width, height, pixels) = try DrawingContext.decodePNG(png)
    }

    subscript(x: Int, y: Int) -> RGBAColor { pixels[y * width + x] }

    /// How many pixels of the rectangle are exactly `color`.
    func count(_ color: RGBAColor, x xs: Range<Int>? = nil, y ys: Range<Int>? = nil) -> Int {
        var n = 0
        for y in ys ?? 0..<height {
            for x in xs ?? 0..<width where self[x, y] == color { n += 1 }
        }
        return n
    }
}

/// The field of a 2-D dipole: line charges +1 at (−a, 0) and −1 at (a, 0),
/// `E(r) = Σ q (r − r_q) / |r − r_q|²`, with NaN inside discs of radius `core` around the charges
/// (the "electrodes"). Returns |E|, Ex, Ey on `x × y` ('ij' indexing) and the coordinates.
func dipole(a: Double = 0.6, core: Double = 0.12)
    -> (magnitude: NDArray<Double>, ex: NDArray<Double>, ey: NDArray<Double>, x: [Double], y: [Double]) {
    let grid = Grid(.linspace(-2, 2, count: 161), .linspace(-1.5, 1.5, count: 121))
    let field: NDArray<SIMD2<Double>> = grid.sample { x, y in
        var e = SIMD2<Double>(0, 0)
        for (q, cx) in [(1.0, -a), (-1.0, a)] {
            let d = SIMD2(x - cx, y)
            let r2 = (d * d).sum()
            if r2.squareRoot() < core { return SIMD2(.nan, .nan) }
            e += q * d / r2
        }
        return e
    }
    let ex = field.map(\.x), ey = field.map(\.y)
    let magnitude = field.map { ($0 * $0).sum().squareRoot() }
    return (magnitude, ex, ey, grid.axes[0].coordinates, grid.axes[1].coordinates)
}

/// CRC-32 (ISO-HDLC, as PNG chunks use), bit by bit.
func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return ~c
}

func bigEndian32(_ b: ArraySlice<UInt8>) -> UInt32 {
    b.reduce(0) { $0 << 8 | UInt32($1) }
}

/// The chunks of a PNG stream: type and data, after checking each CRC.
func pngChunks(_ png: [UInt8]) throws -> [(type: String, data: [UInt8])] {
    struct BadPNG: Error { var reason: String }
    guard png.count >= 8, Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
        throw BadPNG(reason: "signature")
    }
    var chunks: [(type: String, data: [UInt8])] = []
    var o = 8
    while o + 12 <= png.count {
        let length = Int(bigEndian32(png[o..<(o + 4)]))
        let typeAndData = png[(o + 4)..<(o + 8 + length)]
        let crc = bigEndian32(png[(o + 8 + length)..<(o + 12 + length)])
        guard crc == crc32(typeAndData) else { throw BadPNG(reason: "CRC of chunk at \(o)") }
        chunks.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
        o += 12 + length
    }
    guard o == png.count else { throw BadPNG(reason: "trailing bytes") }
    return chunks
}

extension RGBAColor {
    /// The largest channel difference.
    func distance(to other: RGBAColor) -> Int {
        [abs(Int(red) - Int(other.red)), abs(Int(green) - Int(other.green)), abs(Int(blue) - Int(other.blue))].max()!
    }
}
