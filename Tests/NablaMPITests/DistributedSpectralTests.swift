import Foundation
import Nabla
@testable import NablaMPI
import NablaSpectral
import Testing

// FFTW-MPI's spectral derivatives on one rank (a singleton inside `swift test`) against NablaSpectral's
// one-process path; Scripts/test-mpi.sh runs the same code on 1-4 ranks against `nabla --method spectral`.

/// Smooth and periodic along every axis: Π_a exp(sin(2π i_a / n_a + a)).
func periodicField<T: SpectralScalar>(_ shape: [Int], as: T.Type = T.self) throws -> NDArray<T> {
    try NDArray(shape: shape) { index in
        T(index.indices.reduce(1.0) { f, a in f * exp(sin(2 * Double.pi * Double(index[a]) / Double(shape[a]) + Double(a))) })
    }
}

/// `max |a - b| ≤ tolerance · max |a|` for each pair.
func expectClose<T: SpectralScalar>(_ a: [NDArray<T>], _ b: [NDArray<T>], tolerance: Double,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    for (x, y) in zip(a, b) {
        #expect(x.shape == y.shape, sourceLocation: sourceLocation)
        let scale = x.scalars.map { abs(Double($0)) }.max() ?? 0
        let worst = zip(x.scalars, y.scalars).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(worst <= tolerance * scale, "max |difference| \(worst) vs max |result| \(scale)", sourceLocation: sourceLocation)
    }
}

extension DistributedTests {
    // Nested in DistributedTests so that its `.serialized` holds here too: NablaMPI calls MPI from one thread
    // at a time (MPI_THREAD_SERIALIZED), and suites side by side would run at once.
    @Suite
    struct Spectral {
        let world: Communicator

        init() throws { world = try Communicator.world() }

        /// Odd and even lengths (Nyquist modes on axis 0 and on the last axis), 1-D to 4-D, derivative 1 and 2,
        /// every axis and axis 0 alone (the transposed spectrum's second axis).
        @Test(arguments: [[13, 8, 6], [12, 9, 8], [13, 10], [12], [5, 4, 6, 8]], [1, 2])
        func gradientMatchesOneProcess(shape: [Int], derivative: Int) throws {
            let f: NDArray<Double> = try periodicField(shape)
            let field = try DistributedField(scattering: f, communicator: world)
            for axes in [nil, [0]] as [[Int]?] {
                let spacing: [Spacing] = [.uniform(0.25)]
                let distributed = try field.spectralGradient(spacing: spacing, axes: axes, derivative: derivative).map(\.local)
                let serial = try spectralGradient(of: f, spacing: spacing, axes: axes, derivative: derivative)
                expectClose(serial, distributed, tolerance: 1e-12)
            }
        }

        @Test(arguments: [[13, 8, 6], [12, 9, 8], [13, 10], [12]])
        func laplacianMatchesOneProcess(shape: [Int]) throws {
            let f: NDArray<Double> = try periodicField(shape)
            let field = try DistributedField(scattering: f, communicator: world)
            let distributed = try field.spectralLaplacian(spacing: [.uniform(0.5)]).local
            expectClose([try spectralLaplacian(of: f, spacing: [.uniform(0.5)])], [distributed], tolerance: 1e-12)
        }

        @Test func floatMatchesOneProcess() throws {
            let f: NDArray<Float> = try periodicField([13, 8, 6])
            let field = try DistributedField(scattering: f, communicator: world)
            expectClose(try spectralGradient(of: f), try field.spectralGradient().map(\.local), tolerance: 1e-5)
            expectClose([try spectralLaplacian(of: f)], [try field.spectralLaplacian().local], tolerance: 1e-5)
        }

        /// A trigonometric polynomial the grid resolves: exact to rounding, Nyquist rule included (cos(4x) on
        /// 8 points: the first derivative's Nyquist mode is zeroed, the second's kept, -16 cos(4x)).
        @Test func nyquistRule() throws {
            let n = 8
            let f = try NDArray<Double>(shape: [n, 3]) { i in cos(4 * 2 * Double.pi * Double(i[0]) / Double(n)) + sin(Double(i[1])) }
            let field = try DistributedField(scattering: f, communicator: world)
            let h = 2 * Double.pi / Double(n)
            let first = try field.spectralGradient(spacing: [.uniform(h)], axes: [0]).first!.local
            #expect(first.scalars.allSatisfy { abs($0) < 1e-12 })
            let second = try field.spectralGradient(spacing: [.uniform(h)], axes: [0], derivative: 2).first!.local
            for (k, value) in second.scalars.enumerated() {
                #expect(abs(value + 16 * cos(4 * 2 * Double.pi * Double(k / 3) / Double(n))) < 1e-12)
            }
        }

        /// The one-process errors and warnings, by the same checks (the global index of a non-finite value).
        @Test func errorsAndWarningsAreNablaSpectrals() throws {
            var bad: NDArray<Double> = try periodicField([9, 4, 5])
            bad[7, 1, 3] = .nan
            let field = try DistributedField(scattering: bad, communicator: world)
            #expect(throws: NablaError.invalidArgument("the field is not finite at index [7, 1, 3]: nan; a spectral derivative would spread it over every output value — remove or replace non-finite values first")) {
                try field.spectralGradient()
            }
            let good = try DistributedField(scattering: try periodicField([9, 4, 5]) as NDArray<Double>, communicator: world)
            let x = (0..<9).map { Double($0 * $0) }
            do {
                _ = try good.spectralGradient(spacing: [.coordinates(x)], axes: [0])
                Issue.record("non-uniform coordinates accepted")
            } catch let error as NablaError {
                #expect(throws: error) { try spectralGradient(of: bad.map { $0.isNaN ? 0 : $0 }, spacing: [.coordinates(x)], axes: [0]) }
            }
            #expect(throws: NablaError.self) { try good.spectralGradient(axes: [3]) }
            #expect(throws: NablaError.self) { try good.spectralGradient(derivative: 0) }

            let ramp = try NDArray<Double>(shape: [9, 8, 7]) { i in Double(i[0] * 56 + i[1] * 7 + i[2]) }
            var warnings: [SpectralWarning] = []
            _ = try DistributedField(scattering: ramp, communicator: world).spectralGradient(onWarning: { warnings.append($0) })
            #expect(warnings == (try periodicityWarnings(of: ramp)))
            #expect(warnings.map(\.axis) == [0, 1, 2])
        }

        /// `--memory`'s estimates: slab, ghosts (received and sent), end buffers and results for finite
        /// differences; slab, FFTW's three arrays and results for the spectral path.
        @Test func memoryEstimates() throws {
            let plane = 8 * 7 * 8
            let numpy = SlabbedOperation(.gradient(axes: nil, derivative: 1))
            // 37 planes on one rank: no ghosts (not periodic), 3 planes at each end; 10 planes with two ghosts.
            #expect(try numpy.distributedBytes(shape: [37, 8, 7], counts: [37], elementSize: 8) == [(37 + 3 * 37 + 4 * 3) * plane])
            #expect(try numpy.distributedBytes(shape: [37, 8, 7], counts: [10, 10, 10, 7, 0], elementSize: 8)
                    == [(10 + 30 + 2 + 12), (10 + 30 + 4 + 12), (10 + 30 + 4 + 12), (7 + 21 + 2 + 12), 0].map { $0 * plane })
            // A periodic axis 0 too short to cut is gathered whole: 3 planes, depth 2.
            let whole = SlabbedOperation(.gradient(axes: [0], derivative: 1), accuracy: 4, periodicAxes: [0])
            #expect(try whole.distributedBytes(shape: [3, 8, 7], counts: [1, 1, 1, 0], elementSize: 8)
                    == [1, 1, 1, 0].map { n in n == 0 ? 0 : (n + n + 2 * 2 + 2 * 3) * plane })
            // Spectral, [37, 8, 6] on one rank: 37·8·4 complex values per FFTW array.
            #expect(DistributedField<Double>.spectralBytes(shape: [37, 8, 6], counts: [37], outputs: 3, elementSize: 8)
                    == [(4 * 37 * 48 + 6 * 37 * 8 * 4) * 8])
        }

        @Test func redistributionKeepsTheField() throws {
            let f: NDArray<Double> = try periodicField([7, 3])
            let field = try DistributedField(scattering: f, communicator: world)
            #expect(try field.redistributed(counts: [7]).local.scalars == f.scalars)
            #expect(throws: NablaError.self) { try field.redistributed(counts: [6]) }
        }
    }
}
