import Foundation
import Testing
@testable import NablaPictures

@Suite struct PNGTests {
    @Test func opaqueCanvasBecomesAnRGBPNG() throws {
        var c = Canvas(width: 37, height: 21, background: RGBAColor(hex: 0x102030))
        c[5, 7] = RGBAColor(hex: 0xFF8000)
        let png = try c.pngData()
        let chunks = try pngChunks(png)
        #expect(chunks.first?.type == "IHDR")
        #expect(chunks.last?.type == "IEND" && chunks.last?.data.isEmpty == true)
        #expect(chunks.contains { $0.type == "IDAT" })
        let ihdr = chunks[0].data
        #expect(bigEndian32(ihdr[0..<4]) == 37 && bigEndian32(ihdr[4..<8]) == 21)
        #expect(ihdr[8] == 8)   // bit depth
        #expect(ihdr[9] == 2)   // colour type RGB
        #expect(ihdr[12] == 0)  // not interlaced
    }

    @Test func translucentCanvasBecomesAnRGBAPNG() throws {
        let c = Canvas(width: 3, height: 2, background: RGBAColor.white.withOpacity(0.5))
        let chunks = try pngChunks(try c.pngData())
        #expect(chunks[0].data[9] == 6)
    }

    @Test func writtenFileReadsBackPixelForPixel() throws {
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var c = Canvas(width: 64, height: 48, background: .white)
        c.fillRectangle(x: 10, y: 10, width: 20, height: 10, color: RGBAColor(hex: 0x440154))
        c.fillCircle(center: [45, 30], radius: 9, color: RGBAColor(hex: 0xFDE725))
        c.drawText("Nabla", at: [2, 2], color: .black)
        c[63, 47] = RGBAColor(red: 1, green: 2, blue: 3, alpha: 4)
        let path = folder + "/picture.png"
        try c.writePNG(to: path)
        let back = try PNGCodec.readRGBA(path: path)
        #expect(back.width == 64 && back.height == 48)
        #expect(back.pixels == c.pixels)
        // Nothing but the picture is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["picture.png"])
    }

    @Test func rewritingReplacesTheFile() throws {
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/p.png"
        try Canvas(width: 5, height: 5, background: .black).writePNG(to: path)
        try Canvas(width: 7, height: 3, background: .white).writePNG(to: path)
        let back = try PNGCodec.readRGBA(path: path)
        #expect(back.width == 7 && back.height == 3 && back.pixels.allSatisfy { $0 == 255 })
    }

    @Test func missingFolderThrowsAFileSystemError() {
        #expect(throws: PictureError.self) {
            try Canvas(width: 2, height: 2).writePNG(to: "/nonexistent-nabla-folder/x.png")
        }
        do {
            try Canvas(width: 2, height: 2).writePNG(to: "/nonexistent-nabla-folder/x.png")
        } catch {
            guard case let .fileSystem(path, message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == "/nonexistent-nabla-folder/x.png")
            #expect(message.contains("No such file"))
        }
    }

    @Test func readingANonPNGThrowsLibpngsMessage() throws {
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/not.png"
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PictureError.self) { try PNGCodec.readRGBA(path: path) }
    }

    @Test func wrongSampleCountIsRejectedBeforeLibpng() {
        #expect(throws: PictureError.self) {
            try PNGCodec.encode(width: 4, height: 4, samples: [UInt8](repeating: 0, count: 10), channels: 3)
        }
        #expect(throws: PictureError.self) {
            try PNGCodec.encode(width: 2_000_000, height: 1, samples: [], channels: 3)
        }
    }

    @Test func noisyImagesStillFit() throws {
        // Incompressible data: the encoder must grow its buffer if needed, not fail.
        var rng = SystemRandomNumberGenerator()
        var c = Canvas(width: 300, height: 200)
        for y in 0..<200 {
            for x in 0..<300 {
                c[x, y] = RGBAColor(red: .random(in: 0...255, using: &rng), green: .random(in: 0...255, using: &rng),
                                    blue: .random(in: 0...255, using: &rng), alpha: .random(in: 0...255, using: &rng))
            }
        }
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try c.writePNG(to: folder + "/noise.png")
        #expect(try PNGCodec.readRGBA(path: folder + "/noise.png").pixels == c.pixels)
    }
}
