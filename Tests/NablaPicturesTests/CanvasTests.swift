import Testing
@testable import NablaPictures

@Suite struct CanvasTests {
    @Test func newCanvasIsFilledWithTheBackground() {
        let c = Canvas(width: 4, height: 3, background: RGBAColor(hex: 0x123456))
        #expect(c.pixels.count == 4 * 3 * 4)
        #expect(c[3, 2] == RGBAColor(hex: 0x123456))
        #expect(c.isOpaque)
    }

    @Test func fillRectangleCoversExactlyItsPixels() {
        var c = Canvas(width: 10, height: 10)
        c.fillRectangle(x: 2, y: 3, width: 4, height: 2, color: .black)
        #expect(c[2, 3] == .black)
        #expect(c[5, 4] == .black)
        #expect(c[6, 4] == .white)
        #expect(c[2, 5] == .white)
        #expect(c[1, 3] == .white)
        // Clipped at the edges instead of trapping.
        c.fillRectangle(x: -5, y: 8, width: 100, height: 100, color: .black)
        #expect(c[0, 9] == .black && c[9, 8] == .black)
    }

    @Test func strokeRectangleDrawsOnlyTheBorder() {
        var c = Canvas(width: 10, height: 10)
        c.strokeRectangle(x: 1, y: 1, width: 6, height: 5, color: .black)
        #expect(c[1, 1] == .black && c[6, 1] == .black && c[1, 5] == .black && c[6, 5] == .black && c[3, 5] == .black)
        #expect(c[3, 3] == .white)
        #expect(c[7, 1] == .white)
    }

    @Test func oneLineThroughPixelCentresIsOnePixelWide() {
        var c = Canvas(width: 20, height: 20)
        c.drawLine(from: [2.5, 10.5], to: [15.5, 10.5], color: .black, width: 1)
        for x in 2...15 { #expect(c[x, 10] == .black) }
        #expect(c[8, 9] == .white)
        #expect(c[8, 11] == .white)
        #expect(c[17, 10] == .white)
    }

    @Test func diagonalLinesAreAntiAliased() {
        var c = Canvas(width: 20, height: 20)
        c.drawLine(from: [2, 3], to: [17, 14], color: .black, width: 1)
        let greys = c.pixels.enumerated().filter { $0.offset % 4 == 0 && $0.element > 0 && $0.element < 255 }
        #expect(!greys.isEmpty)
    }

    @Test func dashedLinesHaveGaps() {
        var c = Canvas(width: 40, height: 5)
        c.drawLine(from: [0.5, 2.5], to: [39.5, 2.5], color: .black, width: 1, dash: (on: 5, off: 5))
        #expect(c[2, 2] == .black)
        #expect(c[8, 2] == .white)
        #expect(c[12, 2] == .black)
    }

    @Test func circlesAndDots() {
        var c = Canvas(width: 30, height: 30)
        c.fillCircle(center: [15, 15], radius: 6, color: .black)
        #expect(c[14, 14] == .black)
        #expect(c[15, 10] == .black)   // centre (15.5, 10.5), 4.5 from the centre
        #expect(c[15, 22] == .white)   // 7.5 away
        #expect(c[3, 3] == .white)
        var ring = Canvas(width: 30, height: 30)
        ring.strokeCircle(center: [15, 15], radius: 8, color: .black, width: 2)
        #expect(ring[14, 14] == .white)
        #expect(ring[22, 14].red < 60)  // (22.5, 14.5) is 7.5 from the centre: on the ring
    }

    @Test func polygonsAreFilledInside() {
        var c = Canvas(width: 20, height: 20)
        c.fillPolygon([[2, 2], [18, 2], [10, 18]], color: .black)
        #expect(c[10, 5] == .black)
        #expect(c[2, 16] == .white)
    }

    @Test func arrowHasShaftHeadAndOutline() {
        var c = Canvas(width: 60, height: 30, background: RGBAColor(hex: 0x808080))
        c.drawArrow(from: [5, 15], to: [55, 15], color: .white, width: 2, headLength: 10, headWidth: 10, outline: .black)
        #expect(c[20, 14] == .white)             // shaft
        #expect(c[50, 14] == .white)             // head
        #expect(c[20, 16].red < 40)               // outline under the shaft
        #expect(c[20, 5] == RGBAColor(hex: 0x808080))
        // The head is wider than the shaft.
        #expect(c[46, 11] == .white && c[46, 18] == .white)
        #expect(c[20, 11] == RGBAColor(hex: 0x808080))
    }

    @Test func blendingIsSourceOver() {
        var c = Canvas(width: 2, height: 2, background: .white)
        c.fillRectangle(x: 0, y: 0, width: 1, height: 1, color: RGBAColor.black.withOpacity(0.5))
        #expect(abs(Int(c[0, 0].red) - 128) <= 1)
        #expect(c[0, 0].alpha == 255)
        var clear = Canvas(width: 1, height: 1, background: .clear)
        clear.fillRectangle(x: 0, y: 0, width: 1, height: 1, color: RGBAColor(hex: 0xFF0000).withOpacity(0.5))
        #expect(clear[0, 0].red == 255 && abs(Int(clear[0, 0].alpha) - 128) <= 1)
        #expect(!clear.isOpaque)
    }
}
