import Dispatch
import Foundation
import Nabla
import NablaSpectral
import Synchronization
import Testing

// Serialized: two tests set the process-wide wisdom directory (SpectralFFT.wisdomDirectory); run side by side,
// one test's wisdom was written into the other's folder.
@Suite("Spectral behaviour", .serialized)
struct BehaviourTests {
    // MARK: Periodicity warnings

    @Test("a ramp along one axis is reported, naming the axis; periodic data is not")
    func nonPeriodicWarning() throws {
        let grid = Grid(.periodic(period: 2 * .pi, count: 16), .periodic(period: 1, count: 32))
        let f: NDArray<Double> = grid.sample { x, y in sin(x) + y }   // y: a ramp, not periodic
        var warnings: [SpectralWarning] = []
        _ = try spectralGradient(of: f, spacing: [.uniform(2 * .pi / 16), .uniform(1.0 / 32)]) { warnings.append($0) }
        #expect(warnings.map(\.axis) == [1])
        #expect(warnings[0].description.hasPrefix("axis 1 does not look periodic"))
        #expect(try periodicityWarnings(of: f).map(\.axis) == [1])
        #expect(try periodicityWarnings(of: f, axes: [0]).isEmpty)

        var none: [SpectralWarning] = []
        let g: NDArray<Double> = grid.sample { x, y in sin(x) * cos(2 * .pi * 3 * y) }
        _ = try spectralGradient(of: g) { none.append($0) }
        #expect(none.isEmpty)
    }

    @Test("no false alarm on noise, on a steep periodic feature at the boundary, or on constants")
    func noFalseAlarms() throws {
        #expect(try periodicityWarnings(of: randomField(Double.self, shape: [64, 48])).isEmpty)
        let grid = Grid(.periodic(period: 2 * .pi, count: 128))
        // A narrow periodic bump centred half a width from the wrap point: steep at the boundary.
        let bump: NDArray<Double> = grid.sample { x in exp(-pow(sin((x - 0.15) / 2), 2) / 0.01) }
        #expect(try periodicityWarnings(of: bump).isEmpty)
        #expect(try periodicityWarnings(of: NDArray<Double>(repeating: 3, shape: [10, 10])).isEmpty)
        // A repeated endpoint is a different mistake and gives no jump.
        let wrong: NDArray<Double> = Grid(.linspace(0, 2 * .pi, count: 17)).sample { x in sin(x) }
        #expect(try periodicityWarnings(of: wrong).isEmpty)
    }

    // MARK: Errors

    @Test("errors name the offending value")
    func errors() throws {
        let f = try randomField(Double.self, shape: [4, 6])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try spectralGradient(of: NDArray<Double>(repeating: 0, shape: [3, 0])) }.contains("axis 1"))
        var bad = f
        bad[1, 2] = .nan
        #expect(message { _ = try spectralGradient(of: bad) }.contains("[1, 2]"))
        bad = f
        bad[3, 5] = -.infinity
        #expect(message { _ = try spectralLaplacian(of: bad) }.contains("[3, 5]"))
        #expect(message { _ = try spectralDerivative(of: f, along: 1, spacing: .coordinates([0, 1, 2, 3.5, 4, 5])) }
            .contains("not uniformly spaced"))
        #expect(message { _ = try spectralDerivative(of: f, along: 0, order: 0) }.contains("derivative order 0"))
        #expect(message { _ = try spectralDerivative(of: f, along: 2) }.contains("axis 2 is out of bounds"))
        #expect(message { _ = try spectralGradient(of: f, axes: [-3]) }.contains("axis -3"))
        #expect(message { _ = try spectralDerivative(of: f, orders: [0, 0]) }.contains("all 0"))
        #expect(message { _ = try spectralDerivative(of: f, orders: [1]) }.contains("one derivative order per axis"))
        #expect(message { _ = try spectralGradient(of: NDArray<Double>(scalar: 1)) }.contains("0-D"))
        #expect(message { _ = try spectralGradient(of: f, spacing: [0.0]) }.contains("spacing 0.0"))
    }

    // MARK: Value semantics, concurrency, plans

    @Test("the input is never modified")
    func inputUnchanged() throws {
        let f = try randomField(Double.self, shape: [12, 10, 8])
        let copy = f  // shares storage: a write through FFTW would show in both
        _ = try spectralGradient(of: f, derivative: 3)
        _ = try spectralLaplacian(of: f)
        _ = try spectralDerivative(of: f, orders: [1, 2, 1])
        #expect(f == (try randomField(Double.self, shape: [12, 10, 8])))
        #expect(copy == f)
        let g = try randomField(Float.self, shape: [64, 33])
        _ = try spectralGradient(of: g)
        #expect(g == (try randomField(Float.self, shape: [64, 33])))
    }

    @Test("several threads differentiating at once give identical results")
    func concurrency() throws {
        let f = try randomField(Double.self, shape: [16, 24, 20])
        let h = try randomField(Float.self, shape: [30, 18])
        let reference = try spectralGradient(of: f)
        let referenceFloat = try spectralGradient(of: h, derivative: 2)
        let mismatches = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            do {
                if i % 2 == 0 {
                    if try spectralGradient(of: f) != reference { mismatches.add(1, ordering: .relaxed) }
                } else {
                    if try spectralGradient(of: h, derivative: 2) != referenceFloat { mismatches.add(1, ordering: .relaxed) }
                }
            } catch { mismatches.add(1, ordering: .relaxed) }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }

    @Test("into: reuses the caller's arrays and gives the same values")
    func intoOutputs() throws {
        let f = try randomField(Double.self, shape: [10, 12])
        let fresh = try spectralGradient(of: f, derivative: 2)
        var outputs = [try NDArray<Double>(repeating: 7, shape: [10, 12]), try NDArray<Double>(repeating: 0, shape: [3])]
        try spectralGradient(of: f, derivative: 2, into: &outputs)
        #expect(outputs == fresh)
        try spectralGradient(of: f, axes: [1], into: &outputs)
        #expect(outputs.count == 1)
        #expect(outputs[0] == (try spectralDerivative(of: f, along: 1)))
    }

    @Test("plans are cached: a second call on the same shape makes no plan")
    func planReuse() throws {
        let shape = [7, 13, 5]
        let f = try randomField(Double.self, shape: shape)
        _ = try spectralGradient(of: f)
        let first = SpectralFFT.planCount(forShape: shape)
        #expect(first == 2)   // r2c and c2r along the last axis
        // The other axes run in column blocks (half-spectrum [7, 13, 3]): axis 0 in blocks of 16 columns
        // and a last one of 7, axis 1 in one block of 3; a forward and a backward plan each.
        let blocks = [[7, 16], [7, 7], [13, 3]]
        let firstBlocks = blocks.map { SpectralFFT.planCount(forShape: $0) }
        #expect(firstBlocks.allSatisfy { $0 >= 2 })
        _ = try spectralGradient(of: f)
        _ = try spectralDerivative(of: f, along: 1, order: 2)
        #expect(SpectralFFT.planCount(forShape: shape) == first)
        #expect(blocks.map { SpectralFFT.planCount(forShape: $0) } == firstBlocks)
    }

    @Test("without wisdom, a call naming no rigour plans at once and owes the measuring; paying it writes wisdom")
    func deferredMeasuring() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-wisdom-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let saved = SpectralFFT.wisdomDirectory
        defer { SpectralFFT.wisdomDirectory = saved }
        SpectralFFT.wisdomDirectory = directory.path
        #expect(SpectralFFT.defersMeasuring)
        // A shape no other test plans, so no wisdom of this process (or of ~/.cache/nabla) holds its plans.
        let f = try randomField(Double.self, shape: [5, 14, 7])
        let estimated = try spectralGradient(of: f)
        #expect(SpectralFFT.owedMeasurements > 0)
        #expect(SpectralFFT.measureOwedPlans(within: 30) > 0)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("fftw-wisdom").path))
        // Later calls use the measured plans: the same values up to rounding.
        let measured = try spectralGradient(of: f)
        for (a, b) in zip(estimated, measured) {
            let scale = a.scalars.map(abs).max() ?? 1
            #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-13 * scale })
        }
    }

    // MARK: Wisdom

    @Test("a corrupt or foreign wisdom file is ignored (warning, no crash)")
    func corruptWisdom() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-wisdom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage").path
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: URL(fileURLWithPath: garbage))
        #expect(SpectralFFT.importWisdom(fromFile: garbage) == false)
        #expect(SpectralFFT.importWisdom(fromFile: garbage, float: true) == false)
        let foreign = directory.appendingPathComponent("foreign").path
        try "(fftw-2.1.5 fftw_wisdom #x1 #x2 #x3 #x4\n  (fftw_codelet_r2cf_8 0 #x1040 #x1040 #x0 #x0 #x0 #x0)\n)\n"
            .write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect(SpectralFFT.importWisdom(fromFile: foreign) == false)
        #expect(SpectralFFT.importWisdom(fromFile: directory.appendingPathComponent("missing").path) == false)

        // The wisdom cache itself: a corrupt file there is ignored, then rewritten after a measured plan.
        let saved = SpectralFFT.wisdomDirectory
        defer { SpectralFFT.wisdomDirectory = saved }
        let cacheFile = directory.appendingPathComponent("fftw-wisdom").path
        try Data(repeating: 0xFF, count: 100).write(to: URL(fileURLWithPath: cacheFile))
        SpectralFFT.wisdomDirectory = directory.path
        let f = try randomField(Double.self, shape: [3, 17, 11])
        let d = try spectralDerivative(of: f, along: 1, rigour: .measure)
        #expect(d.shape == f.shape)
        // Kept for the caller to read (a library does not print), naming the file.
        let warnings = SpectralFFT.wisdomWarnings.filter { $0.description.contains(cacheFile) }
        #expect(warnings.contains(.wisdomIgnored(path: cacheFile, reason: "it is corrupt or was written by another FFTW version or precision; it will be rewritten")))
        #expect(warnings.allSatisfy { $0.axis == nil && $0.description.hasPrefix("ignoring FFTW wisdom file \(cacheFile)") })
        #expect(SpectralFFT.importWisdom(fromFile: cacheFile) == true)
    }

    // MARK: Mixed methods

    @Test("grid gradient: spectral along periodic axes, finite differences along the others")
    func mixedMethods() throws {
        let grid = Grid(.periodic(period: 2 * .pi, count: 16), .linspace(0, 1, count: 21))
        let f: NDArray<Double> = grid.sample { x, y in sin(2 * x) * y * y }
        var warnings: [SpectralWarning] = []
        let g = try gradient(of: f, grid: grid, accuracy: 4) { warnings.append($0) }
        #expect(warnings.isEmpty)   // y is not spectral, so its ramp is not checked
        #expect(maxError(g[0], grid.sample { x, y in 2 * cos(2 * x) * y * y }) < 1e-13)
        #expect(maxError(g[1], grid.sample { x, y in 2 * sin(2 * x) * y }) < 1e-12)
        let onlyY = try gradient(of: f, grid: grid, axes: [1], accuracy: 4)
        #expect(onlyY[0] == g[1])
        // The finite-difference axis uses Nabla's engine: numpy.gradient by default.
        let fd = try gradient(of: f, grid: grid, axes: [1])
        #expect(fd[0] == (try Nabla.gradient(of: f, spacing: [grid.axes[1].spacing], axes: [1])[0]))
    }

    // MARK: numpy reference

    struct Fixture: Decodable {
        struct Output: Decodable { let orders: [Int]; let values: [Double] }
        let shape: [Int]
        let spacing: [Double]
        let input: [Double]
        let outputs: [Output]
    }

    @Test("agrees with numpy.fft (fixtures from Scripts/make_spectral_fixtures.py)",
          arguments: ["random_1d_even", "random_1d_odd", "random_2d", "random_3d"])
    func numpyReference(name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let f = try NDArray(shape: fixture.shape, scalars: fixture.input)
        let spacing = fixture.spacing.map { Spacing.uniform($0) }
        for output in fixture.outputs {
            let expected = try NDArray(shape: fixture.shape, scalars: output.values)
            let result = try spectralDerivative(of: f, orders: output.orders, spacing: spacing)
            let scale = max(1, maxAbs(expected))
            #expect(maxError(result, expected) < 1e-12 * scale, "\(name) orders \(output.orders)")
            let resultFloat = try spectralDerivative(of: f.converted(to: Float.self), orders: output.orders, spacing: spacing)
            #expect(maxError(resultFloat.converted(to: Double.self), expected) < 2e-5 * scale, "\(name) Float orders \(output.orders)")
        }
    }
}
