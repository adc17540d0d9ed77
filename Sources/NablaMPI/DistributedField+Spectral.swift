import Nabla
import NablaSpectral

// Spectral derivatives of distributed fields through FFTW-MPI: the arguments, the Nyquist rule and the
// wavenumbers are NablaSpectral's (`SpectralArguments`, `SpectralEngine.multipliers`), so a distributed
// derivative is the one-process `spectralGradient`/`spectralLaplacian` computed by another transform.

extension DistributedField where Scalar: SpectralScalar {
    /// The spectral gradient of a distributed periodic field: the `m`-th derivative along each selected
    /// axis, through one distributed FFT (FFTW-MPI) — NablaSpectral's `spectralGradient` on P ranks.
    ///
    /// Along axis `a` with `N` samples `h` apart (period `L = N·h`):
    /// ```
    /// ∂^m f/∂x_a^m = IFFT[ (i k_a)^m · FFT[f] ],   k_a = 2π/L · {0, 1, …, ceil(N/2)-1, -floor(N/2), …, -1}
    /// even N, Nyquist k = πN/L:  factor 0 for odd m;  (-1)^(m/2) (πN/L)^m for even m (kept)
    /// ```
    /// Accuracy: spectral (exact for trigonometric polynomials the grid resolves); the results equal the
    /// one-process path's to rounding (within about `1e-15 · max|result|` in Double: a different sequence
    /// of FFTW's operations, not bit for bit).
    ///
    /// How: one real-to-complex N-D transform of the whole field (`FFTW_MPI_TRANSPOSED_OUT`: the spectrum
    /// stays split along axis 1, saving the transpose back), then per output a multiply of the local
    /// modes and one complex-to-real transform (`FFTW_MPI_TRANSPOSED_IN`). FFTW-MPI's split of axis 0 is
    /// the field's own (``SlabDecomposition/blockCounts(planeCount:parts:)``); a field split otherwise is
    /// moved to it and the results moved back. A 1-D field is transformed as `[n, 1]`. Plans are
    /// `FFTW_ESTIMATE`, made per call; no wisdom file is used (rank 0's in-process wisdom is broadcast so
    /// that every rank plans alike).
    ///
    /// Collective: every rank calls it with the same arguments.
    ///
    /// - Parameters:
    ///   - spacing: empty (step 1), one step for every selected axis, or one per selected axis: a step, or
    ///     uniformly spaced coordinates.
    ///   - axes: the axes to differentiate along, in the order of the results; `nil` selects all.
    ///   - derivative: the derivative order `m ≥ 1`.
    ///   - onWarning: called (on every rank alike) once per selected axis along which the field does not
    ///     look periodic (NablaSpectral's criterion, `D` sampled on each rank's slab).
    /// - Returns: one distributed field per selected axis, split as this one.
    /// - Throws: the `NablaError` of the one-process path for the same arguments (identically on every
    ///   rank); for a non-finite value, the error naming its global index (the first in C order);
    ///   `NablaError` when a rank cannot allocate FFTW's arrays; ``MPIError`` when a message fails.
    /// - Complexity: `O(n log n / P)` per rank for `n` points on `P` ranks, plus the all-to-all of the
    ///   transposes (each rank sends about `8·n/P` bytes per Double transform, once forward and once per
    ///   output backward). Memory per rank: three FFTW arrays of about the slab's size, plus the outputs.
    public func spectralGradient(spacing: [Spacing] = [], axes: [Int]? = nil, derivative: Int = 1,
                                 onWarning: (SpectralWarning) -> Void = { _ in }) throws -> [DistributedField<Scalar>] {
        let (selected, periods, outputs) = try SpectralArguments.gradientRequest(shape: shape, spacing: spacing, axes: axes,
                                                                                 derivative: derivative)
        return try spectral(periods: periods, outputs: outputs, checkAxes: selected, onWarning: onWarning)
    }

    /// The spectral Laplacian of a distributed periodic field, a sum of true second derivatives (the
    /// Nyquist mode of every even-length axis kept) — NablaSpectral's `spectralLaplacian` on P ranks:
    /// ```
    /// ∇²f = IFFT[ -(k_0² + k_1² + …) · FFT[f] ]
    /// ```
    /// One forward and one inverse distributed transform. Accuracy, collectiveness, errors and cost as
    /// ``spectralGradient(spacing:axes:derivative:onWarning:)``, for one output.
    ///
    /// - Parameters:
    ///   - spacing: over ALL axes: empty (step 1), one step for every axis, or one entry per axis.
    ///   - onWarning: called (on every rank alike) once per axis along which the field does not look periodic.
    /// - Returns: `∇²f`, split as this field.
    /// - Throws: as ``spectralGradient(spacing:axes:derivative:onWarning:)``.
    public func spectralLaplacian(spacing: [Spacing] = [],
                                  onWarning: (SpectralWarning) -> Void = { _ in }) throws -> DistributedField<Scalar> {
        let (periods, terms) = try SpectralArguments.laplacianRequest(shape: shape, spacing: spacing)
        return try spectral(periods: periods, outputs: [terms], checkAxes: Array(shape.indices), onWarning: onWarning)[0]
    }

    /// Routes to the engine compiled for `Double` or `Float` (a generic loop called across modules is not
    /// specialised).
    private func spectral(periods: [Double], outputs: [[[Int]]], checkAxes: [Int],
                          onWarning: (SpectralWarning) -> Void) throws -> [DistributedField<Scalar>] {
        // The casts back succeed whenever the casts in succeed (Scalar is then Double or Float).
        if let field = self as? DistributedField<Double>,
           let results = try DistributedSpectral<Double>.run(field, periods: periods, outputs: outputs, checkAxes: checkAxes,
                                                             onWarning: onWarning) as? [DistributedField<Scalar>] {
            return results
        }
        if let field = self as? DistributedField<Float>,
           let results = try DistributedSpectral<Float>.run(field, periods: periods, outputs: outputs, checkAxes: checkAxes,
                                                            onWarning: onWarning) as? [DistributedField<Scalar>] {
            return results
        }
        throw NablaError.invalidArgument("spectral derivatives support Double and Float fields, not \(Scalar.self)")
    }
}

extension DistributedField where Scalar: SpectralScalar {
    /// The bytes each rank holds while ``spectralGradient(spacing:axes:derivative:onWarning:)`` or
    /// ``spectralLaplacian(spacing:onWarning:)`` runs with `outputs` results on a field of `shape` split
    /// as `counts` (FFTW-MPI's), values of `elementSize` bytes (an estimate, for memory budgets):
    /// ```
    /// bytes_r = (n·plane + R·n·plane + 3 · 2·A) · elementSize,   A = max(n·H, m·n0·H / h1)
    /// ```
    /// `A` complex values in each of FFTW's three arrays (the padded real slab, the spectrum, its
    /// multiplied copy): `H` per plane of the half-spectrum, `m` of its `h1` modes along axis 1 on this
    /// rank after the transpose (FFTW's block split of them).
    public static func spectralBytes(shape: [Int], counts: [Int], outputs: Int, elementSize: Int) -> [Int] {
        let padded = shape.count == 1 ? shape + [1] : shape
        let last = padded.count - 1
        let plane = shape.dropFirst().reduce(1, *)
        let halfPlane = padded[1..<last].reduce(1, *) * (padded[last] / 2 + 1)
        let h1 = last == 1 ? padded[1] / 2 + 1 : padded[1]
        let modes = SlabDecomposition.blockCounts(planeCount: h1, parts: counts.count)
        return zip(counts, modes).map { n, m in
            let complexValues = max(n * halfPlane, m * padded[0] * (halfPlane / max(1, h1)))
            return ((1 + outputs) * n * plane + 3 * 2 * complexValues) * elementSize
        }
    }
}

/// The multiplier of one output in the spectrum: at the mode `(j_0, …, j_{d-1})`,
/// `Σ_terms i^p · Π_a c_a[j_a]`, `c_a` from `SpectralEngine.multipliers` (the `1/N` of the transforms
/// folded into one axis's factors).
struct SpectralMultiplier<T: Sendable>: Sendable {
    struct Term: Sendable {
        /// Per axis of the transform: the factor of each mode (the half-spectrum's `n/2+1` for the last
        /// axis); nil for an axis the term does not differentiate (factor 1).
        var factors: [[T]?]
        /// The number of axes differentiated an odd number of times: the power of `i`.
        var iPower: Int
    }
    var terms: [Term]
}

/// The spectral path of ``DistributedField``, called only as `DistributedSpectral<Double>` or `<Float>`.
enum DistributedSpectral<T: SpectralScalar & Sendable> {
    /// Output `q` is `Σ_terms ∂^{Σm} f / Π ∂x_a^{m_a}` with `m = outputs[q][t]`, `periods[a]` the period
    /// of axis `a`; warnings for the axes `checkAxes` that do not look periodic.
    static func run(_ field: DistributedField<T>, periods: [Double], outputs: [[[Int]]], checkAxes: [Int],
                    onWarning: (SpectralWarning) -> Void) throws -> [DistributedField<T>] {
        let communicator = field.communicator
        try checkFinite(field)
        try periodicityWarnings(field, axes: checkAxes).forEach(onWarning)

        // FFTW-MPI transforms real data of at least two dimensions: a 1-D field is [n, 1].
        let shape = field.shape.count == 1 ? field.shape + [1] : field.shape
        let fft = try DistributedRealFFT<T>(shape: shape, communicator: communicator)
        var slots = [Int](repeating: 0, count: communicator.size)
        slots[communicator.rank] = fft.planes.count
        let counts = try communicator.allReduce(slots, .sum)
        precondition(fft.planes.isEmpty || counts[..<communicator.rank].reduce(0, +) == fft.planes.lowerBound,
                     "FFTW-MPI's split is a split into consecutive blocks")
        fft.forward(try field.redistributed(counts: counts).local)
        let localShape = [fft.planes.count] + field.shape.dropFirst()
        return try outputs.map { terms in
            let local = try fft.inverse(multiplier(terms, shape: shape, periods: periods), shape: localShape)
            return try DistributedField(shape: field.shape, communicator: communicator, counts: counts, local: local)
                .redistributed(counts: field.counts)
        }
    }

    /// The multiplier of a sum of terms (orders per axis of the field; `shape` may have one more axis).
    static func multiplier(_ terms: [[Int]], shape: [Int], periods: [Double]) -> SpectralMultiplier<T> {
        let last = shape.count - 1
        let scale = 1 / Double(shape.reduce(1, *))
        return SpectralMultiplier(terms: terms.map { orders in
            var factors = [[T]?](repeating: nil, count: shape.count)
            var scaled = false
            for a in orders.indices where orders[a] > 0 {
                factors[a] = SpectralEngine<T>.multipliers(n: shape[a], order: orders[a], period: periods[a], half: a == last,
                                                           scale: scaled ? 1 : scale).factors
                scaled = true
            }
            return .init(factors: factors, iPower: orders.filter { $0 % 2 == 1 }.count)
        })
    }

    /// NablaSpectral's check that every value is finite, on every rank's planes: the first non-finite
    /// value in C order (the lowest failing rank's) is named by its global index, on every rank.
    static func checkFinite(_ field: DistributedField<T>) throws {
        var message: String?
        do {
            try SpectralChecks.checkFinite(field.local, firstPlane: field.planes.lowerBound)
        } catch let NablaError.invalidArgument(text) {
            message = text
        } catch {
            message = "\(error)"
        }
        let communicator = field.communicator
        let failing = try communicator.allReduce([message == nil ? Int.max : communicator.rank], .min)[0]
        guard failing != Int.max else { return }
        let text = try communicator.broadcast(Array((message ?? "").utf8), from: failing)
        throw NablaError.invalidArgument(String(decoding: text, as: UTF8.self))
    }

    /// NablaSpectral's periodicity criterion (`J > 4·A` and `J > 4·D`) from sums over every rank's slab.
    /// Along axis 1, 2, … each line lies on one rank; along axis 0 the planes 0, 1, n-2, n-1 are gathered
    /// on rank 0 for `J` and `A`, and each rank adds the difference across its slab's end from the next
    /// rank's first plane for `D`. One-rank results are NablaSpectral's exactly; on more ranks `D`'s
    /// sample of lines along axes ≥ 1 is taken per slab.
    static func periodicityWarnings(_ field: DistributedField<T>, axes: [Int]) throws -> [SpectralWarning] {
        let communicator = field.communicator
        let shape = field.shape, n0 = shape[0]
        let local = field.local.scalars, localShape = field.local.shape
        let rest = Array(shape.dropFirst())
        let plane = field.planeElements
        let owned = field.planes
        var starts = [0]
        for c in field.counts { starts.append(starts[starts.count - 1] + c) }
        func owner(_ p: Int) -> Int { starts.lastIndex { $0 <= p && $0 < n0 }.map { min($0, field.counts.count - 1) } ?? 0 }
        func total(_ sums: PeriodicitySums) throws -> PeriodicitySums {
            let reals = try communicator.allReduce([sums.jump, sums.edge, sums.difference], .sum)
            let counts = try communicator.allReduce([sums.lines, sums.differences], .sum)
            var all = PeriodicitySums()
            (all.jump, all.edge, all.difference) = (reals[0], reals[1], reals[2])
            (all.lines, all.differences) = (counts[0], counts[1])
            return all
        }
        /// Values `range` of the planes `wanted` (in order), sent from their owners to `root`.
        func planes(_ wanted: [Int], elements: Range<Int>, to root: Int) throws -> [T] {
            let mine = wanted.filter { owned.contains($0) }
            let values = mine.flatMap { p in local[(p - owned.lowerBound) * plane + elements.lowerBound..<(p - owned.lowerBound) * plane + elements.upperBound] }
            let me = communicator.rank
            var receives: [(rank: Int, count: Int)] = []
            if me == root {
                for q in 0..<communicator.size {
                    let count = wanted.filter { owner($0) == q }.count
                    if count > 0 { receives.append((q, count * elements.count)) }
                }
            }
            let exchange = try communicator.startExchange(sending: mine.isEmpty ? [] : [(root, values)], receiving: receives, tag: 903)
            return try exchange.finish().flatMap { $0 }
        }

        var warnings: [SpectralWarning] = []
        for axis in axes where shape[axis] >= 4 {
            var sums: PeriodicitySums
            if axis > 0 {
                sums = try total(SpectralChecks.edgeSums(local, shape: localShape, axis: axis))
                guard sums.jumpStandsOut else { continue }
                sums.add(try total(SpectralChecks.differenceSums(local, shape: localShape, axis: axis)))
            } else {
                let ends = try planes([0, 1, n0 - 2, n0 - 1], elements: 0..<plane, to: 0)
                sums = try total(communicator.rank == 0 ? SpectralChecks.edgeSums(ends, shape: [4] + rest, axis: 0) : PeriodicitySums())
                guard sums.jumpStandsOut else { continue }
                // D along axis 0: the first min(plane, 4096) values of every pair of neighbouring planes.
                let sampled = 0..<min(plane, SpectralChecks.sampledLines)
                var differences = PeriodicitySums()
                if owned.count >= 2 { differences = SpectralChecks.differenceSums(local, shape: localShape, axis: 0) }
                // Across slab ends: this rank's last plane and the next rank's first.
                var sends: [(rank: Int, values: [T])] = []
                var receives: [(rank: Int, count: Int)] = []
                if !owned.isEmpty, owned.lowerBound > 0 {
                    sends.append((owner(owned.lowerBound - 1), Array(local[sampled])))
                }
                if !owned.isEmpty, owned.upperBound < n0 { receives.append((owner(owned.upperBound), sampled.count)) }
                let next = try communicator.startExchange(sending: sends, receiving: receives, tag: 904).finish()
                if let first = next.first {
                    let at = (owned.count - 1) * plane
                    let pair: [T] = Array(local[at + sampled.lowerBound..<at + sampled.upperBound]) + first
                    differences.add(SpectralChecks.differenceSums(pair, shape: [2, sampled.count], axis: 0))
                }
                sums.add(try total(differences))
            }
            if let warning = sums.warning(axis: axis) { warnings.append(warning) }
        }
        return warnings
    }
}
