import Testing
@testable import NablaPictures

@Suite struct TicksTests {
    @Test(arguments: [
        (0.0, 1.0, 5, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (-2.0, 2.0, 5, [-2, -1, 0, 1, 2]),
        (0.013, 0.087, 5, [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08]),
        (0.0, 7.3, 6, [0, 1, 2, 3, 4, 5, 6, 7]),
        (-1.5, 1.5, 6, [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]),
        (100.0, 1000.0, 4, [200, 400, 600, 800, 1000]),
    ])
    func niceTicksUseOneTwoFiveSteps(lo: Double, hi: Double, count: Int, expected: [Double]) {
        let ticks = Ticks.nice(lo, hi, count: count)
        #expect(ticks.count == expected.count)
        for (t, e) in zip(ticks, expected) { #expect(abs(t - e) < 1e-12) }
    }

    @Test func stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        for span in [0.0003, 0.7, 1, 3.3, 42, 9999, 1.2e7] {
            let step = Ticks.niceStep(span: span, count: 5)
            var m = step
            while m >= 10 { m /= 10 }
            while m < 1 { m *= 10 }
            #expect([1, 2, 5, 10].contains { abs(m - $0) < 1e-9 }, "span \(span) gave step \(step)")
        }
    }

    @Test func labelsHaveTheDecimalsTheStepNeeds() {
        #expect(Ticks.labels(for: [0, 0.2, 0.4]) == ["0", "0.2", "0.4"])
        #expect(Ticks.labels(for: [-1, -0.5, 0]) == ["−1", "−0.5", "0"])
        #expect(Ticks.labels(for: [0, 0.25, 0.5]) == ["0", "0.25", "0.5"])
        #expect(Ticks.labels(for: [1000, 2000]) == ["1000", "2000"])
        #expect(Ticks.labels(for: [0, 2e-5, 4e-5]) == ["0", "2×10^{−5}", "4×10^{−5}"])
        #expect(Ticks.labels(for: [0, 5e6, 1e7]) == ["0", "0.5×10^{7}", "1×10^{7}"])
    }

    @Test func shortLabels() {
        #expect(Ticks.shortLabel(0.01) == "0.01")
        #expect(Ticks.shortLabel(500) == "500")
        #expect(Ticks.shortLabel(1e-5) == "10^{−5}")
        #expect(Ticks.shortLabel(5e-4) == "0.0005")
        #expect(Ticks.shortLabel(2e-7) == "2×10^{−7}")
        #expect(Ticks.shortLabel(1e6) == "10^{6}")
        #expect(Ticks.fixed(-0.5, decimals: 2) == "−0.50")
        #expect(Ticks.fixed(-0.001, decimals: 1) == "0.0")
    }

    @Test func logAxesTickDecadesAndMinors() {
        let wide = AxisScale(lo: 3e-11, hi: 2e-2, isLogarithmic: true).ticks(count: 8)
        let majors = wide.filter(\.isMajor).map(\.value)
        #expect(majors.count == 9)   // 1e-10 … 1e-2
        #expect(wide.filter(\.isMajor).allSatisfy { $0.label != nil })
        let narrow = AxisScale(lo: 0.004, hi: 0.25, isLogarithmic: true).ticks()
        #expect(narrow.filter(\.isMajor).map(\.value) == [0.01, 0.1])
        #expect(narrow.contains { !$0.isMajor && $0.label == "0.02" })
        let tiny = AxisScale(lo: 3, hi: 7, isLogarithmic: true).ticks()
        #expect(tiny.map(\.value) == [3, 4, 5, 6, 7])
    }
}
