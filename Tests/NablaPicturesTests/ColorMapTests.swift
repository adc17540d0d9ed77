import Testing
@testable import NablaPictures

@Suite struct ColorMapTests {
    @Test func viridisEndpointsAndMiddle() {
        #expect(ColorMap.viridis.color(at: 0) == RGBAColor(hex: 0x440154))
        #expect(ColorMap.viridis.color(at: 1) == RGBAColor(hex: 0xFDE725))
        #expect(ColorMap.viridis.color(at: 128.0 / 255) == RGBAColor(hex: 0x21918C))
        #expect(ColorMap.viridis.colors.count == 256)
    }

    @Test func outOfRangeClampsAndNaNIsGrey() {
        #expect(ColorMap.viridis.color(at: -3) == RGBAColor(hex: 0x440154))
        #expect(ColorMap.viridis.color(at: 7) == RGBAColor(hex: 0xFDE725))
        #expect(ColorMap.viridis.color(at: .nan) == .notFiniteGray)
    }

    @Test func viridisLightnessIncreases() {
        // Perceptual uniformity implies monotonic lightness; check a luma proxy.
        let luma = (0...50).map { k -> Double in
            let c = ColorMap.viridis.color(at: Double(k) / 50)
            return 0.2126 * Double(c.red) + 0.7152 * Double(c.green) + 0.0722 * Double(c.blue)
        }
        #expect(zip(luma, luma.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func customMapsInterpolate() {
        let map = ColorMap(name: "bw", colors: [.black, .white])
        #expect(map.color(at: 0.5) == RGBAColor(red: 128, green: 128, blue: 128))
        #expect(RGBAColor(hex: 0x440154).description == "#440154")
    }
}

@Suite struct MarkupTests {
    @Test func superscriptsAreSplitOut() {
        #expect(Markup.runs("10^{−3}").map(\.text) == ["10", "−3"])
        #expect(Markup.runs("10^{−3}").map(\.isSuperscript) == [false, true])
        #expect(Markup.runs("2×10^{5} m").map(\.isSuperscript) == [false, true, false])
        #expect(Markup.runs("a^b").map(\.text) == ["a^b"])
        #expect(Markup.runs("x^{2").map(\.isSuperscript) == [false, true])
        #expect(Markup.plain("h^{4}") == "h4")
    }

    @Test func superscriptsRaiseTheBoxAndAddWidth() throws {
        let dc = try DrawingContext(format: .png, width: 320, height: 240)
        let plain = dc.measure("103", font: .tick), raised = dc.measure("10^{3}", font: .tick)
        #expect(raised.height > plain.height + 2)
        #expect(raised.width < plain.width)
        #expect(dc.measure("", font: .tick) == (0, 0))
        #expect(dc.measure("H", font: .title).width > dc.measure("H", font: .tick).width)
    }
}
