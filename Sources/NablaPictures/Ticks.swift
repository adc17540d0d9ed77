#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Tick positions and labels for plot axes.
enum Ticks {
    /// The 1-2-5 step closest to `span / count` (Heckbert, "Nice numbers for graph labels",
    /// Graphics Gems, 1990): with `f = raw / 10^⌊log10 raw⌋`,
    /// ```
    /// step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) · 10^⌊log10 raw⌋
    /// ```
    static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count))
        let magnitude = pow10(Int((log10(raw) + 1e-12).rounded(.down)))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }

    /// Multiples of a 1-2-5 step inside `lo … hi`, about `count` intervals apart.
    static func nice(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [lo] }
        let step = niceStep(span: hi - lo, count: count)
        let eps = 1e-9
        let first = Int((lo / step - eps).rounded(.up)), last = Int((hi / step + eps).rounded(.down))
        guard first <= last else { return [] }
        return (first...last).map { k in
            let v = Double(k) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// Labels for evenly stepped ticks, with as many decimals as the step needs; very large or small
    /// values are written `m×10^{k}`.
    static func labels(for ticks: [Double]) -> [String] {
        guard ticks.count >= 2 else { return ticks.map { shortLabel($0) } }
        let step = abs(ticks[1] - ticks[0])
        let largest = ticks.map(abs).max() ?? 0
        if largest >= 1e6 || (step < 1e-4 && largest < 1e-3) || step < largest * 1e-6 {
            let k = Int(log10(largest).rounded(.down))
            let scale = pow10(k)
            let decimals = decimalsNeeded(step / scale)
            return ticks.map { v in
                v == 0 ? "0" : "\(trimmed(fixed(v / scale, decimals: decimals)))×10^{\(minusSign(k))}"
            }
        }
        let decimals = decimalsNeeded(step)
        return ticks.map { trimmed(fixed($0, decimals: decimals)) }
    }

    /// A label for a single value: plain decimals for `10⁻⁴ … 10⁵`, otherwise `m×10^{k}` / `10^{k}`.
    static func shortLabel(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        if v == 0 { return "0" }
        let k = Int((log10(abs(v)) + 1e-9).rounded(.down))
        let m = v / pow10(k)
        let mText = fixed(m, decimals: decimalsNeeded(significantStep(m)))
        if (-4...4).contains(k) {
            return fixed(v, decimals: max(0, decimalsNeeded(significantStep(m)) - k))
        }
        return mText == "1" ? "10^{\(minusSign(k))}" : (mText == "−1" ? "−10^{\(minusSign(k))}" : "\(mText)×10^{\(minusSign(k))}")
    }

    /// The place value of the last significant digit of `m` (at most 3 significant digits).
    private static func significantStep(_ m: Double) -> Double {
        for step in [1.0, 0.1, 0.01] where abs((m / step).rounded() * step - m) < 1e-9 * max(1, abs(m)) {
            return step
        }
        return 0.01
    }

    /// Decimal places that show multiples of `step` exactly.
    static func decimalsNeeded(_ step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var d = max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        // A step like 0.25 needs one more place than its magnitude suggests.
        while d < 12, abs((step * pow10(d)).rounded() - step * pow10(d)) > 1e-6 { d += 1 }
        return d
    }

    /// A decimal without trailing zeros: `"0.50"` → `"0.5"`, `"−0.0"` → `"0"`.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return t == "−0" ? "0" : String(t)
    }

    /// `v` with exactly `decimals` places, using the typographic minus `−`.
    static func fixed(_ v: Double, decimals: Int) -> String {
        let scaled = (abs(v) * pow10(decimals)).rounded()
        guard scaled < 9e15 else { return "\(v)" }
        var digits = String(Int64(scaled))
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (v < 0 && scaled != 0 ? "−" : "") + digits
    }

    private static func minusSign(_ k: Int) -> String { k < 0 ? "−\(-k)" : "\(k)" }

    /// 10^k, exact for the integer powers used here.
    static func pow10(_ k: Int) -> Double {
        var r = 1.0
        if k >= 0 { for _ in 0..<k { r *= 10 } } else { for _ in 0..<(-k) { r /= 10 } }
        return r
    }
}

/// A mapping from data values to a fraction of an axis's length, linear or logarithmic.
struct AxisScale: Sendable, Hashable {
    var lo: Double
    var hi: Double
    var isLogarithmic: Bool

    /// 0 at `lo`, 1 at `hi`.
    func fraction(_ v: Double) -> Double {
        if isLogarithmic { return (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) }
        return (v - lo) / (hi - lo)
    }

    /// A tick: its value, whether it is major (longer mark), and its label (nil: unlabelled).
    struct Tick: Hashable {
        var value: Double
        var isMajor: Bool
        var label: String?
    }

    /// Ticks for about `count` labelled intervals. Log scales get decade ticks (thinned for long
    /// ranges), minor ticks at 2…9, and labels on 2 and 5 when there are few decades.
    func ticks(count: Int = 6) -> [Tick] {
        guard isLogarithmic else {
            let values = Ticks.nice(lo, hi, count: count)
            return zip(values, Ticks.labels(for: values)).map { Tick(value: $0, isMajor: true, label: $1) }
        }
        let l0 = log10(lo), l1 = log10(hi)
        let k0 = Int((l0 - 1e-9).rounded(.down)), k1 = Int((l1 + 1e-9).rounded(.up))
        let inRange = { (v: Double) in v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) }
        let decades = (k0...k1).map { Ticks.pow10($0) }.filter(inRange)
        if decades.count < 2 && (l1 - l0) < 0.7 {
            // Less than a decade and at most one power of ten: linear ticks read better.
            let values = Ticks.nice(lo, hi, count: max(3, count - 1)).filter { $0 > 0 }
            return zip(values, Ticks.labels(for: values)).map { Tick(value: $0, isMajor: true, label: $1) }
        }
        let span = l1 - l0
        let every = max(1, Int((Double(decades.count) / Double(max(2, count) + 4)).rounded(.up)))
        let labelledMinors: Set<Int> = span < 1.3 ? [2, 3, 5] : (span < 2.6 ? [2, 5] : [])
        var ticks: [Tick] = []
        // All labels written alike: plain numbers when they all fit 0.0001…99999, else powers of ten.
        let plain = lo >= 1e-4 * (1 - 1e-9) && hi < 1e5
        func label(_ v: Double) -> String {
            if plain { return Ticks.shortLabel(v) }
            let k = Int((log10(v) + 1e-9).rounded(.down))
            let m = Int((v / Ticks.pow10(k)).rounded())
            let power = k < 0 ? "10^{−\(-k)}" : "10^{\(k)}"
            return m == 1 ? power : "\(m)×" + power
        }
        for k in k0...k1 {
            let decade = Ticks.pow10(k)
            if inRange(decade) {
                let labelled = ((k % every) + every) % every == 0
                ticks.append(Tick(value: decade, isMajor: true, label: labelled ? label(decade) : nil))
            }
            if span <= 8 {
                for m in 2...9 {
                    let v = Double(m) * decade
                    if inRange(v) {
                        ticks.append(Tick(value: v, isMajor: false, label: labelledMinors.contains(m) ? label(v) : nil))
                    }
                }
            }
        }
        return ticks
    }
}
