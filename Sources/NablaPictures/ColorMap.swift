/// A colour map: colours at evenly spaced positions from 0 to 1, interpolated linearly between.
///
/// ```swift
/// ColorMap.viridis.color(at: 0)     // #440154
/// ColorMap.viridis.color(at: 1)     // #FDE725
/// ```
public struct ColorMap: Sendable, Hashable {
    /// A short name, such as `"viridis"`.
    public let name: String
    /// The colours at positions `k / (colors.count - 1)`.
    public let colors: [RGBAColor]

    /// A colour map through `colors`, evenly spaced from 0 to 1.
    ///
    /// - Precondition: at least two colours.
    public init(name: String, colors: [RGBAColor]) {
        precondition(colors.count >= 2, "a colour map needs at least 2 colours, got \(colors.count)")
        self.name = name
        self.colors = colors
    }

    /// The colour at `position`, clamped to `0 … 1`; NaN gives ``RGBAColor/notFiniteGray``.
    public func color(at position: Double) -> RGBAColor {
        guard !position.isNaN else { return .notFiniteGray }
        let s = max(0, min(1, position)) * Double(colors.count - 1)
        let i = min(Int(s), colors.count - 2)
        let t = s - Double(i)
        let a = colors[i], b = colors[i + 1]
        func mix(_ p: UInt8, _ q: UInt8) -> UInt8 { UInt8((Double(p) + (Double(q) - Double(p)) * t).rounded()) }
        return RGBAColor(red: mix(a.red, b.red), green: mix(a.green, b.green),
                         blue: mix(a.blue, b.blue), alpha: mix(a.alpha, b.alpha))
    }

    /// viridis (van der Walt, Smith & Firing, 2015), matplotlib's default: perceptually uniform,
    /// readable in greyscale and by colour-blind viewers; dark purple `#440154` at 0 to yellow
    /// `#FDE725` at 1. The full 256-entry table.
    public static let viridis = ColorMap(name: "viridis", colors: viridisTable.map { RGBAColor(hex: $0) })
}
