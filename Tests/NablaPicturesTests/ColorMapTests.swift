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

    @Test func colorBarStripFollowsTheMap() {
        var c = Canvas(width: 200, height: 300)
        let bar = ColorBar(range: 0...10, title: "|E|")
        bar.draw(on: &c, x: 50, y: 40, width: 20, height: 200)
        #expect(c[60, 40 + 199].distance(to: ColorMap.viridis.color(at: 0)) <= 2)
        #expect(c[60, 40].distance(to: ColorMap.viridis.color(at: 1)) <= 2)
        #expect(c[65, 40 + 100].distance(to: ColorMap.viridis.color(at: 0.5)) <= 3)
        // Labels: something dark to the right of the bar.
        let dark = (78..<140).contains { x in (30..<250).contains { y in c[x, y].red < 80 } }
        #expect(dark)
    }
}
