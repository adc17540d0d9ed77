// SpectralVsFiniteDifference — geometric against algebraic convergence on a smooth periodic field.
//
// The field and its derivative on one period [0, 2π), N samples x_j = 2πj/N (endpoint not repeated):
//
//     f(x) = 1 / (a − cos x),   f'(x) = −sin x / (a − cos x)²,   a = 1.5
//
// f is analytic in the strip |Im x| < σ = acosh(a) ≈ 0.962 (its poles are where cos x = a), so its
// Fourier coefficients fall like e^(−σ|k|) and the spectral derivative's error like N·e^(−σN/2)
// (Trefethen, "Spectral Methods in MATLAB", ch. 4): GEOMETRIC convergence, a fixed number of digits
// (σ/(2 ln 10) ≈ 0.21) gained per extra sample, until rounding (~1e-14) stops it. Periodic finite
// differences of accuracy p have error C·hᵖ: ALGEBRAIC convergence, p·log10(2) digits per doubling of N.
//
// Printed: the error table, a text chart of correct digits (−log10 error) per N, the fitted rates, and a
// Nyquist demonstration (cos 4x on N = 8). The program exits with status 1 if a finite-difference order
// misses p by more than 0.3, if the geometric rate misses σ/2 by more than 0.3 (in ln units per sample), if
// the spectral error does not reach 1e-12, or if the Nyquist derivatives are wrong.
import Foundation
import Nabla
import NablaSpectral
import NablaVerification

let a = 1.5
let sigma = acosh(a)
func f(_ x: Double) -> Double { 1 / (a - cos(x)) }
func fPrime(_ x: Double) -> Double { -sin(x) / ((a - cos(x)) * (a - cos(x))) }

let sizes = [8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]
let accuracies = [2, 4, 6]
/// Finite-difference orders are fitted on these sizes (asymptotic regime).
let fittedSizes = sizes.filter { $0 >= 48 }
/// The geometric rate is fitted on spectral errors above this (below it rounding takes over).
let roundingFloor = 1e-11
let tolerance = 0.3

/// The least-squares slope of `y` against `x`.
func leastSquaresSlope(_ x: [Double], _ y: [Double]) -> Double {
    let mx = x.reduce(0, +) / Double(x.count)
    let my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0
    for i in x.indices {
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) * (x[i] - mx)
    }
    return sxy / sxx
}

func sci(_ x: Double) -> String { String(format: "%.2e", x) }

func run() throws -> [String] {
    var failures: [String] = []
    print("SpectralVsFiniteDifference — d/dx of f(x) = 1/(1.5 − cos x) on [0, 2π), N samples, max error vs exact f'")
    print("")

    // methods[0] = spectral, methods[1...] = finite differences of accuracy 2, 4, 6 (periodic stencils).
    let names = ["spectral", "accuracy 2", "accuracy 4", "accuracy 6"]
    var errors = [[Double]](repeating: [], count: names.count)
    for n in sizes {
        let axis = GridAxis.periodic(period: 2 * .pi, count: n)
        let grid = Grid(axis)
        let samples = grid.sample(f)
        let exact = grid.sample(fPrime)
        let spectral = try spectralDerivative(of: samples, along: 0, spacing: axis.spacing, rigour: .estimate)
        errors[0].append((spectral - exact).maxMagnitude())
        for (k, p) in accuracies.enumerated() {
            // The grid's axis is periodic, so its stencils wrap around: no edges.
            let d = try grid.gradient(of: samples, accuracy: p)[0]
            errors[k + 1].append((d - exact).maxMagnitude())
        }
    }

    print("     N  " + names.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
    for (i, n) in sizes.enumerated() {
        print(String(format: "  %4d  ", n) + errors.map { sci($0[i]).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
    }
    print("")

    // The chart: one group of bars per doubling of N, a bar's length is the number of correct digits.
    let perDigit = 3
    print("correct digits, −log10(max error); one █ = 1/\(perDigit) digit:")
    print(String(repeating: " ", count: 22) + stride(from: 0, through: 16, by: 2).map { String($0).padding(toLength: 2 * perDigit, withPad: " ", startingAt: 0) }.joined())
    for n in [8, 16, 32, 64, 128, 256] {
        let i = sizes.firstIndex(of: n)!
        for (m, name) in names.enumerated() {
            let digits = max(0, -log10(errors[m][i]))
            let bar = String(repeating: "█", count: Int((digits * Double(perDigit)).rounded()))
            let label = m == 0 ? String(format: "N = %3d ", n) : "        "
            print("  " + label + name.padding(toLength: 11, withPad: " ", startingAt: 0) + "|" + bar + String(format: " %.1f", digits))
        }
    }
    print("each doubling of N adds a fixed length to a finite-difference bar (p·0.3 digits) but doubles the")
    print("spectral bar, until rounding stops it near 14 digits.")
    print("")

    // Geometric: ln e ≈ c − (σ/2)·N before rounding (the factor N in N·e^(−σN/2) is divided out).
    let geometric = sizes.indices.filter { errors[0][$0] > roundingFloor }
    let x = geometric.map { Double(sizes[$0]) }
    let y = geometric.map { log(errors[0][$0] / Double(sizes[$0])) }
    let rate = -leastSquaresSlope(x, y)
    print(String(format: "spectral: error ≈ C·N·e^(−%.3f N) for N = %d…%d (expected σ/2 = acosh(1.5)/2 = %.3f),",
                 rate, sizes[geometric.first!], sizes[geometric.last!], sigma / 2))
    print(String(format: "          %.2f digits per extra sample; %@ at N = %d (rounding)",
                 rate / log(10), sci(errors[0].min()!), sizes[errors[0].firstIndex(of: errors[0].min()!)!]))
    if abs(rate - sigma / 2) > tolerance {
        failures.append(String(format: "spectral: geometric rate %.3f is not within ±%.1f of σ/2 = %.3f", rate, tolerance, sigma / 2))
    }
    if errors[0].min()! > 1e-12 {
        failures.append("spectral: the error never reached 1e-12 (smallest \(sci(errors[0].min()!)))")
    }
    for (k, p) in accuracies.enumerated() {
        let levels = fittedSizes.map { sizes.firstIndex(of: $0)! }
        let study = try ConvergenceStudy(steps: levels.map { 2 * .pi / Double(sizes[$0]) },
                                         errors: levels.map { errors[k + 1][$0] }, points: fittedSizes, expectedOrder: Double(p))
        print(String(format: "accuracy %d: error ≈ %.2g·h^%.2f for N = %d…%d (expected order %d): algebraic",
                     p, study.constant, study.observedOrder, fittedSizes.first!, fittedSizes.last!, p))
        if !study.isConsistent(tolerance: tolerance) {
            failures.append(String(format: "accuracy %d: observed order %.2f is not within ±%.1f of %d", p, study.observedOrder, tolerance, p))
        }
    }
    print("")

    // Nyquist: cos 4x on N = 8 samples is (−1)^j, the highest mode the grid holds.
    let nyquistAxis = GridAxis.periodic(period: 2 * .pi, count: 8)
    let nyquistGrid = Grid(nyquistAxis)
    let c = nyquistGrid.sample { x in cos(4 * x) }
    let h = nyquistAxis.spacing
    let first = try spectralDerivative(of: c, along: 0, order: 1, spacing: h, rigour: .estimate)
    let second = try spectralDerivative(of: c, along: 0, order: 2, spacing: h, rigour: .estimate)
    let twice = try spectralDerivative(of: first, along: 0, order: 1, spacing: h, rigour: .estimate)
    let fd = try nyquistGrid.gradient(of: c, accuracy: 2, derivative: 2)[0]
    let exactFirst = nyquistGrid.sample { x in -4 * sin(4 * x) }   // 0 at every sample
    let exactSecond = nyquistGrid.sample { x in -16 * cos(4 * x) }
    func row(_ a: NDArray<Double>) -> String { a.scalars.map { String(format: "%7.2f", abs($0) < 0.005 ? 0 : $0) }.joined() }
    print("Nyquist: f = cos 4x on N = 8 samples, f_j = (−1)^j, the highest mode an 8-point grid holds:")
    print("  f                       " + row(c))
    print("  spectral f'             " + row(first) + "   exact −4 sin 4x = 0 at every sample")
    print("  spectral f''            " + row(second) + "   exact −16 cos 4x")
    print("  spectral d/dx of f'     " + row(twice) + "   (the first derivative dropped the Nyquist mode)")
    print("  finite differences f''  " + row(fd) + "   (accuracy 2: −4/h² = −6.48 at this mode)")
    let firstError = (first - exactFirst).maxMagnitude(), secondError = (second - exactSecond).maxMagnitude()
    print("  max error: f' \(sci(firstError)), f'' \(sci(secondError)) — odd orders zero the Nyquist mode, even orders keep it")
    if firstError > 1e-12 { failures.append("Nyquist: f' should be 0, max error \(sci(firstError))") }
    if secondError > 1e-12 { failures.append("Nyquist: f'' should be −16 cos 4x, max error \(sci(secondError))") }
    return failures
}

let clock = ContinuousClock()
let started = clock.now
do {
    let failures = try run()
    let elapsed = (clock.now - started).components
    print(String(format: "\ntime: %.2f s", Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
    guard failures.isEmpty else {
        FileHandle.standardError.write(Data(("SpectralVsFiniteDifference: FAILED\n" + failures.map { "  " + $0 + "\n" }.joined()).utf8))
        exit(1)
    }
    print("OK: finite-difference orders within ±\(tolerance) of 2, 4, 6; spectral geometric rate within ±\(tolerance) of σ/2; Nyquist exact")
} catch {
    FileHandle.standardError.write(Data("SpectralVsFiniteDifference: error: \(error)\n".utf8))
    exit(1)
}
