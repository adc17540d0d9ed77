// Honesty about periodicity: a spectral derivative assumes the samples are one period of a periodic
// function. Data that jumps between its last and first sample rings (Gibbs) and the error grows with N,
// so the derivative functions report such axes.
import Foundation
import Nabla

/// Something a spectral computation wants its caller to know; the results are still valid.
///
/// The library never prints: the entry points hand periodicity warnings to their caller (an `onWarning`
/// closure, or ``periodicityWarnings(of:axes:)``'s result), and problems with the process's FFTW wisdom
/// cache wait in ``SpectralFFT/takeWisdomWarnings()``. ``description`` is a sentence for users (the
/// `nabla` tool prints it after `nabla: warning: `).
public enum SpectralWarning: Sendable, Hashable, CustomStringConvertible {
    /// The field does not look periodic along an axis that is being differentiated spectrally: its
    /// derivative rings (Gibbs).
    case notPeriodic(PeriodicityReport)
    /// The FFTW wisdom cache file at `path` exists but could not be used (unreadable, corrupt, or written
    /// by another FFTW version); planning went on without it.
    case wisdomIgnored(path: String, reason: String)
    /// The FFTW wisdom cache file at `path` could not be written; the plans made are still used.
    case wisdomNotSaved(path: String, reason: String)

    /// The axis of a ``notPeriodic(_:)`` warning, `nil` for the others.
    public var axis: Int? {
        if case let .notPeriodic(report) = self { return report.axis }
        return nil
    }

    /// A sentence naming the axis or file, the problem and what to do.
    public var description: String {
        switch self {
        case let .notPeriodic(report): report.description
        case let .wisdomIgnored(path, reason): "ignoring FFTW wisdom file \(path): \(reason)"
        case let .wisdomNotSaved(path, reason): "cannot write the FFTW wisdom file \(path): \(reason)"
        }
    }
}

/// The measurements behind a ``SpectralWarning/notPeriodic(_:)`` warning (see ``periodicityWarnings(of:axes:)``
/// for the criterion).
public struct PeriodicityReport: Sendable, Hashable, CustomStringConvertible {
    /// The axis (non-negative) whose samples do not look like one period.
    public var axis: Int
    /// `J`: the root mean square, over all lines along the axis, of the wrap-around jump `f[0] - f[N-1]`.
    public var wrapJump: Double
    /// `A`: the root mean square, over all lines, of `max(|f[1] - f[0]|, |f[N-1] - f[N-2]|)`.
    public var edgeDifference: Double
    /// `D`: the root mean square of the neighbouring differences `f[j+1] - f[j]` (over a sample of lines).
    public var typicalDifference: Double

    /// "axis a does not look periodic: …", with `J`, the ratio `J/D`, `D` and what to do.
    public var description: String {
        let ratio = typicalDifference > 0 ? wrapJump / typicalDifference : .infinity
        return "axis \(axis) does not look periodic: the jump from its last sample back to its first "
            + "(RMS \(short(wrapJump))) is \(short(ratio)) times the typical difference between neighbouring samples "
            + "(RMS \(short(typicalDifference))); spectral derivatives of such data ring (Gibbs) and get worse as N grows. "
            + "Sample exactly one period without repeating the endpoint, or use finite differences along this axis"
    }

    private func short(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        let digits = 3 - Int((Swift.abs(x) > 0 ? log10(Swift.abs(x)) : 0).rounded(.down)) - 1
        let scale = pow(10, Double(max(0, min(digits, 12))))
        return "\((x * scale).rounded() / scale)"
    }
}

/// The periodicity criterion.
///
/// For each axis of length `N ≥ 4`, over all lines `f[0…N-1]` along it:
/// ```
/// J = RMS(f[0] - f[N-1])                                  the wrap-around jump
/// A = RMS(max(|f[1] - f[0]|, |f[N-1] - f[N-2]|))          the differences beside it
/// D = RMS(f[j+1] - f[j]),  j = 0…N-2                      typical neighbouring differences
/// not periodic  ⇔  J > 4·A  and  J > 4·D
/// ```
/// Samples of a smooth periodic function continue across the wrap, so `J ≈ A` (even for a steep feature
/// that happens to sit at the boundary) and `J ≲ √2·D`; white noise gives `J ≈ D`. A linear ramp
/// `f = x` has `J = (N-1)·A = (N-1)·D` and is flagged from `N = 6`; a repeated endpoint (`J = 0`) is not.
/// `D` is taken over at most about 4096 lines (spread over the array), so the check reads a small part
/// of large arrays. Constant data (`J = 0`) is never flagged.
enum Periodicity {
    static let threshold = 4.0
    static let sampledLines = 4096

    static func check<T: BinaryFloatingPoint>(_ f: [T], shape: [Int], axis: Int) -> SpectralWarning? {
        guard shape[axis] >= 4, f.count > 0 else { return nil }
        var sums = edgeSums(f, shape: shape, axis: axis)
        guard sums.jumpStandsOut else { return nil }
        sums.add(differenceSums(f, shape: shape, axis: axis))
        return sums.warning(axis: axis)
    }

    /// `J` and `A`'s sums over every line of `f` along `axis` (length at least 2).
    static func edgeSums<T: BinaryFloatingPoint>(_ f: [T], shape: [Int], axis: Int) -> PeriodicitySums {
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var sums = PeriodicitySums()
        guard n >= 2 else { return sums }
        for o in 0..<outer {
            let line = o * n * inner
            for i in 0..<inner {
                // 1D equivalent -- J += (f[0] - f[-1])**2 ; A += max(|f[1] - f[0]|, |f[-1] - f[-2]|)**2
                let first = Double(f[line + i]), second = Double(f[line + inner + i])
                let last = Double(f[line + (n - 1) * inner + i]), beforeLast = Double(f[line + (n - 2) * inner + i])
                let j = first - last
                let a = max(Swift.abs(second - first), Swift.abs(last - beforeLast))
                sums.jump += j * j
                sums.edge += a * a
            }
        }
        sums.lines = outer * inner
        return sums
    }

    /// `D`'s sums on a sample of lines of `f` along `axis`: contiguous runs of inner indices, spread over
    /// outer (at most about ``sampledLines`` lines).
    static func differenceSums<T: BinaryFloatingPoint>(_ f: [T], shape: [Int], axis: Int) -> PeriodicitySums {
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var sums = PeriodicitySums()
        guard n >= 2, outer > 0, inner > 0 else { return sums }
        let innerCount = min(inner, sampledLines)
        let outerCount = min(outer, max(1, sampledLines / innerCount))
        let outerStep = max(1, outer / outerCount)
        for s in 0..<outerCount {
            let line = s * outerStep * n * inner
            for j in 0..<(n - 1) {
                let row = line + j * inner
                for i in 0..<innerCount {
                    // 1D equivalent -- D += (f[j+1] - f[j])**2
                    let d = Double(f[row + inner + i]) - Double(f[row + i])
                    sums.difference += d * d
                }
            }
            sums.differences += (n - 1) * innerCount
        }
        return sums
    }
}

/// Sums of the periodicity criterion (see ``periodicityWarnings(of:axes:)``) over some lines, so that
/// parts of a field (NablaMPI's slabs) can be measured apart and added up.
package struct PeriodicitySums: Sendable {
    /// `Σ (f[0] - f[N-1])²` and `Σ max(|f[1] - f[0]|, |f[N-1] - f[N-2]|)²` over ``lines`` lines.
    package var jump = 0.0, edge = 0.0
    package var lines = 0
    /// `Σ (f[j+1] - f[j])²` over ``differences`` neighbouring pairs.
    package var difference = 0.0
    package var differences = 0

    package init() {}

    package mutating func add(_ other: PeriodicitySums) {
        jump += other.jump; edge += other.edge; lines += other.lines
        difference += other.difference; differences += other.differences
    }

    private var jumpRMS: Double { lines > 0 ? (jump / Double(lines)).squareRoot() : 0 }

    /// `J > 4·A`: the wrap-around jump stands out from the differences beside it (then `D` decides).
    package var jumpStandsOut: Bool {
        lines > 0 && jumpRMS > Periodicity.threshold * (edge / Double(lines)).squareRoot()
    }

    /// The warning for `axis` when `J > 4·A` and `J > 4·D`.
    package func warning(axis: Int) -> SpectralWarning? {
        guard jumpStandsOut, differences > 0 else { return nil }
        let J = jumpRMS, A = (edge / Double(lines)).squareRoot(), D = (difference / Double(differences)).squareRoot()
        guard J > Periodicity.threshold * D else { return nil }
        return .notPeriodic(PeriodicityReport(axis: axis, wrapJump: J, edgeDifference: A, typicalDifference: D))
    }
}

/// The axes along which `f` plainly does not look periodic, one warning per such axis (see the criterion
/// below). The spectral derivative functions run this check on every axis they differentiate.
///
/// ```
/// J = RMS over lines of (f[0] - f[N-1])
/// A = RMS over lines of max(|f[1] - f[0]|, |f[N-1] - f[N-2]|)
/// D = RMS of neighbouring differences f[j+1] - f[j]
/// not periodic  ⇔  N ≥ 4  and  J > 4·A  and  J > 4·D
/// ```
///
/// - Parameters:
///   - f: the field (at least 1-D).
///   - axes: the axes to check (negative values count from the end); `nil` checks every axis.
/// - Returns: one ``SpectralWarning/notPeriodic(_:)`` per axis that fails the criterion, in the order of
///   `axes`; empty when all pass.
/// - Throws: `NablaError` for a 0-D field, an empty axis or an axis out of range or repeated.
/// - Complexity: `O(count)` to measure the jumps (reads the first two and last two samples of every
///   line), plus at most about `4096 · N` reads for `D`, per axis.
public func periodicityWarnings<T: SpectralScalar>(of f: NDArray<T>, axes: [Int]? = nil) throws -> [SpectralWarning] {
    try SpectralArguments.validate(shape: f.shape)
    let checked = try SpectralArguments.normalize(axes, rank: f.rank)
    return checked.compactMap { Periodicity.check(f.scalars, shape: f.shape, axis: $0) }
}
