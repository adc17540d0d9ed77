import Foundation
import Nabla
import NablaFormats
import NablaPictures
import NablaSpectral
import NablaVerification

/// `nabla demo`: the main job on an embedded problem, showing what Nabla does and how well.
///
/// 1. The field `E = -∇V` of a dipole (charges ±1 at `z = ±0.5` in the box `[-2, 2]³`) by finite
///    differences of accuracy 2, 4 and 6 at three resolutions, scored against Coulomb's law with the
///    verification tools, and the observed orders of accuracy fitted. Points within
///    ``Dipole/exclusionRadius`` of a charge are excluded from scoring: the potential is singular there and
///    no finite-difference stencil approximates it; the pictures show them grey.
/// 2. A periodic companion field `f = exp(sin x + cos 2y + sin z)` on `[0, 2π)³`, differentiated along `x`
///    spectrally (FFTW) and by periodic finite differences, for `N = 8 … 64`: spectral errors fall
///    geometrically to rounding, finite differences as `h^p`.
/// 3. Files: the potential and the field (`.npy`, `.npz`), a picture of `|E|` on the `y = 0` plane with
///    field arrows, and two convergence plots (PNG, SVG or PDF: ``format``).
package struct DemoJob: Sendable {
    /// Where the files go (created if missing).
    package var outputDirectory: URL
    /// Samples per axis of the finest dipole grid (rounded down to `4k + 1`, at least 17).
    package var size: Int
    /// The format of the three pictures.
    package var format: PictureFormat
    /// Receives the printed report, line by line.
    package var report: @Sendable (String) -> Void

    /// A demo writing to `outputDirectory`, with `size` samples per axis on the finest dipole grid.
    package init(outputDirectory: URL, size: Int = 65, format: PictureFormat = .png,
                report: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.outputDirectory = outputDirectory
        self.size = size
        self.format = format
        self.report = report
    }

    /// The dipole of the demo.
    package enum Dipole {
        /// Charges `(q, z)` on the z axis.
        package static let charges: [(q: Double, z: Double)] = [(1, 0.5), (-1, -0.5)]
        /// Points closer than this to a charge are excluded from scoring.
        package static let exclusionRadius = 0.6
        /// The box is `[-halfWidth, halfWidth]³`.
        package static let halfWidth = 2.0

        static func distances(_ p: [Double]) -> [(q: Double, d: [Double], r: Double)] {
            charges.map { c in
                let d = [p[0], p[1], p[2] - c.z]
                return (c.q, d, (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).squareRoot())
            }
        }

        /// `V = Σ q / r`.
        package static func potential(_ p: [Double]) -> Double {
            distances(p).reduce(0) { $0 + $1.q / $1.r }
        }

        /// `E = -∇V = Σ q (p - c) / r³`, component `k`.
        package static func field(_ p: [Double], _ k: Int) -> Double {
            distances(p).reduce(0) { $0 + $1.q * $1.d[k] / ($1.r * $1.r * $1.r) }
        }

        /// Whether `p` lies within the exclusion radius of a charge.
        package static func isExcluded(_ p: [Double]) -> Bool {
            distances(p).contains { $0.r < exclusionRadius }
        }
    }

    /// Runs the demo. Returns the files written.
    @discardableResult
    package func run() throws(PipelineError) -> [URL] {
        let finest = (max(17, size) - 1) / 4 * 4 + 1
        guard finest <= 257 else {
            throw PipelineError("--size \(size) is too large for the demo; use at most 257 (points per axis)")
        }
        do throws(FileSystem.Failure) {
            try FileSystem.createFolder(outputDirectory.path)
        } catch {
            throw PipelineError("\(outputDirectory.path): cannot create the output folder: \(error.path == outputDirectory.path ? error.reason : error.description)")
        }
        do {
            return try runSteps(finest: finest)
        } catch {
            throw PipelineError.wrap(error, file: outputDirectory.path)
        }
    }

    private func runSteps(finest: Int) throws -> [URL] {
        let m = finest - 1
        let levels = [m / 2 + 1, 3 * m / 4 + 1, finest]
        let accuracies = [2, 4, 6]
        report("Nabla demo — the field E = -∇V of a dipole: charges +1 at z = 0.5 and -1 at z = -0.5 in the box [-2, 2]³")
        report("finite differences (numpy's scheme at accuracy 2, edges of the same order), scored against Coulomb's law;")
        report(String(format: "points within %.2f of a charge are excluded (the potential is singular there).", Dipole.exclusionRadius))
        report("")

        // 1. Dipole convergence.
        var errors = [[Double]](repeating: [], count: accuracies.count)
        var steps: [Double] = []
        var finestField: [NDArray<Double>] = []
        var finestPotential = NDArray<Double>(scalar: 0)
        var finestGrid = Grid()
        var worst: [String] = []
        for n in levels {
            let axis = GridAxis.linspace(-Dipole.halfWidth, Dipole.halfWidth, count: n)
            let grid = Grid(axis, axis, axis)
            steps.append(axis.uniformStep ?? 0)
            let V = grid.sample(Dipole.potential)
            let excluded = grid.sample { p in Dipole.isExcluded(p) ? 1.0 : 0.0 }
            let exact = (0..<3).map { k in grid.sample { p in Dipole.isExcluded(p) ? .nan : Dipole.field(p, k) } }
            for (a, p) in accuracies.enumerated() {
                let E = try grid.gradient(of: V, edgeOrder: 2, accuracy: p).map { g in
                    g.combined(with: excluded) { value, isExcluded in isExcluded == 1 ? .nan : -value }
                }
                let s = try score(E, against: exact, grid: grid)
                errors[a].append(s.overall.maxAbsError)
                if n == finest {
                    if p == 4 { finestField = E }
                    let at = s.overall.argmaxCoordinates.map { c in "(" + c.map { String(format: "%.2f", $0) }.joined(separator: ", ") + ")" } ?? "—"
                    worst.append(String(format: "accuracy %d: max |error| %.2e at %@, interior %.2e, edges %.2e",
                                        p, s.overall.maxAbsError, at, s.interior.maxAbsError, s.edge.maxAbsError))
                }
            }
            if n == finest { finestPotential = V; finestGrid = grid }
        }
        var studies: [ConvergenceStudy] = []
        for (a, p) in accuracies.enumerated() {
            studies.append(try ConvergenceStudy(steps: steps, errors: errors[a], points: levels, expectedOrder: Double(p),
                                                label: "accuracy \(p)"))
        }
        report("max |E - E_exact| over the box (excluded points aside):")
        report("  accuracy" + levels.map { pad("N = \($0)", 11) }.joined() + "   observed order")
        for (a, p) in accuracies.enumerated() {
            report(String(format: "  %8d", p) + errors[a].map { String(format: "%11.2e", $0) }.joined()
                   + String(format: "   %6.2f (expected %d)", studies[a].observedOrder, p))
        }
        report("at N = \(finest):")
        for line in worst { report("  " + line) }
        report("")

        // 2. Periodic companion: spectral vs finite differences.
        report("Periodic companion f = exp(sin x + cos 2y + sin z) on [0, 2π)³, ∂f/∂x:")
        report("       N    spectral     accuracy 2   accuracy 4   accuracy 6")
        let sizes = [8, 16, 32, 64]
        var periodicErrors: [[Double]] = [[], [], [], []]  // spectral, p = 2, 4, 6
        var periodicSteps: [Double] = []
        for n in sizes {
            let axis = GridAxis.periodic(period: 2 * .pi, count: n)
            let grid = Grid(axis, axis, axis)
            let f = grid.sample { x, y, z in exp(sin(x) + cos(2 * y) + sin(z)) }
            let exact = grid.sample { x, y, z in cos(x) * exp(sin(x) + cos(2 * y) + sin(z)) }
            let h = 2 * Double.pi / Double(n)
            periodicSteps.append(h)
            let spectral = try spectralDerivative(of: f, along: 0, spacing: .uniform(h), rigour: .estimate)
            periodicErrors[0].append((spectral - exact).maxMagnitude())
            for (k, p) in [2, 4, 6].enumerated() {
                let d = try grid.gradient(of: f, axes: [0], accuracy: p)[0]
                periodicErrors[k + 1].append((d - exact).maxMagnitude())
            }
            report(String(format: "  %6d", n) + periodicErrors.map { String(format: "  %11.2e", $0.last ?? 0) }.joined())
        }
        report("spectral derivatives reach rounding error by N = 32; finite differences fall as h^p.")
        report("")

        // 3. Files.
        var written: [URL] = []
        let potentialURL = outputDirectory.appendingPathComponent("potential.npy")
        try NPY.write(finestPotential, to: potentialURL)
        written.append(potentialURL)
        let fieldURL = outputDirectory.appendingPathComponent("field.npz")
        try NPZ.write(finestField.enumerated().map { (name: "axis\($0.offset)", array: $0.element) }, to: fieldURL)
        written.append(fieldURL)
        // The field and the potential for ParaView/VisIt: VTK ImageData on the grid (x fastest in VTK is
        // the array's last axis, z here).
        let vtkURL = outputDirectory.appendingPathComponent("field.vti")
        let axes = finestGrid.axes.map(\.coordinates)
        try VTK.writeImageData([("potential", AnyNDArray(finestPotential))]
                               + finestField.enumerated().map { (name: ["Ex", "Ey", "Ez"][$0.offset], array: AnyNDArray($0.element)) },
                               origin: axes.map { $0[0] }, spacing: axes.map { $0[1] - $0[0] }, to: vtkURL)
        written.append(vtkURL)

        let j = finest / 2  // y = 0
        let xs = finestGrid.axes[0].coordinates
        let zs = finestGrid.axes[2].coordinates
        func slice(_ a: NDArray<Double>) throws -> NDArray<Double> {
            try NDArray(shape: [finest, finest]) { index in a[index[0], j, index[1]] }
        }
        let ex = try slice(finestField[0]), ey = try slice(finestField[1]), ez = try slice(finestField[2])
        let magnitude = ex.combined(with: ey) { $0 * $0 + $1 * $1 }.combined(with: ez) { ($0 + $1 * $1).squareRoot() }
        var slicePlot = try FieldSlicePlot(magnitude: magnitude, x: xs, y: zs, vectors: (x: ex, y: ez))
        slicePlot.title = "Dipole field |E| on the plane y = 0 (accuracy 4, N = \(finest))"
        slicePlot.colorBarTitle = "|E|"
        slicePlot.xLabel = "x"
        slicePlot.yLabel = "z"
        slicePlot.isLogarithmic = true
        slicePlot.notFiniteLabel = "excluded"
        let sliceURL = outputDirectory.appendingPathComponent("field-slice.\(format.fileExtension)")
        try write(slicePlot.render(as: format), to: sliceURL)
        written.append(sliceURL)

        var convergence = ConvergencePlot(series: accuracies.enumerated().map { a, p in
            ConvergencePlot.Series("accuracy \(p)", points: zip(steps, errors[a]).map { (h: $0, error: $1) })
        })
        convergence.title = "Dipole field: max error vs grid spacing"
        convergence.referenceSlopes = accuracies.map(Double.init)
        let convergenceURL = outputDirectory.appendingPathComponent("convergence.\(format.fileExtension)")
        try write(convergence.render(as: format), to: convergenceURL)
        written.append(convergenceURL)

        var periodic = ConvergencePlot(series: ["spectral", "accuracy 2", "accuracy 4", "accuracy 6"].enumerated().map { k, label in
            ConvergencePlot.Series(label, points: zip(periodicSteps, periodicErrors[k]).map { (h: $0, error: $1) })
        })
        periodic.title = "Periodic field: spectral vs finite differences"
        let periodicURL = outputDirectory.appendingPathComponent("periodic-convergence.\(format.fileExtension)")
        try write(periodic.render(as: format), to: periodicURL)
        written.append(periodicURL)

        report("wrote:")
        for url in written { report("  " + FileSystem.displayed(url.path)) }
        return written
    }

    /// Writes a picture's bytes atomically.
    private func write(_ bytes: [UInt8], to url: URL) throws {
        try AtomicFile.write(Data(bytes), to: url)
    }
}

/// `text` right-aligned in `width` characters.
func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
