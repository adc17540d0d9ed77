import Nabla
import NablaSpectral
import _CFFTWMPI

// The one file of NablaMPI that calls FFTW-MPI (and touches its raw memory): FFTW-MPI's local sizes and
// planner, the distributed real-to-complex transform with transposed output and its inverse, and the
// loops that copy a slab into FFTW's padded array, multiply the local half-spectrum and copy results
// out. Why raw pointers: FFTW-MPI transforms `fftw_malloc`ed arrays in its own layout (the real array
// padded to 2·(n/2+1) along the last axis, the spectrum transposed); each pointer is owned by one
// `DistributedRealFFT` and freed by it. Planner calls take turns with NablaSpectral's (`FFTWPlanner`):
// FFTW-MPI plans through FFTW's one process-wide planner.
//
// Planning policy: `FFTW_ESTIMATE` plans, made afresh for each call (milliseconds), so no rank spends
// seconds measuring and the plans depend on nothing but the shape and the number of ranks. No wisdom file
// is read or written here; before planning, rank 0's in-process wisdom is broadcast
// (`fftw_mpi_broadcast_wisdom`), so that every rank plans from the same wisdom even when a program has
// loaded wisdom on some ranks only (FFTW-MPI needs every rank to choose the same plan).

/// Whether FFTW-MPI has registered its solvers (`fftw_mpi_init`, once per process); read and written
/// only under the FFTW planner lock.
nonisolated(unsafe) private var fftwMPIInitialised = false

/// A real-to-complex FFT of a field distributed in slabs of axis 0 over the ranks of a communicator, with
/// FFTW-MPI (`fftw_mpi_plan_many_dft_r2c` with `FFTW_MPI_TRANSPOSED_OUT`), and the inverse transforms of
/// multiplied copies of its spectrum (`c2r` with `FFTW_MPI_TRANSPOSED_IN`).
///
/// The real field of shape `[n0, n1, …, n_{d-1}]` (d ≥ 2) lies on the ranks in FFTW's block split of
/// axis 0 (``planes``); its half-spectrum `[n0, n1, …, n_{d-1}/2 + 1]` lies transposed, as
/// `[n1', n0, n2, …]` split along its first axis (``modes``: this rank's indices along axis 1, which for
/// d = 2 is the halved axis). Transforms are unnormalised: the multiplier must carry `1/(n0·n1·…)`.
///
/// Called only as `DistributedRealFFT<Double>` or `<Float>` (`fftw_mpi_*`, `fftwf_mpi_*`). Collective:
/// every rank of the communicator creates it and runs each transform.
final class DistributedRealFFT<T: BinaryFloatingPoint & Sendable> {
    /// The transform's shape (at least 2-D).
    let shape: [Int]
    /// The planes of axis 0 this rank holds in FFTW's split (`local_0_start ..< + local_n0`).
    let planes: Range<Int>
    /// The indices along axis 1 of the half-spectrum this rank holds (`local_1_start ..< + local_n1`).
    let modes: Range<Int>
    /// Threads FFTW and the multiply use on this rank.
    let threads: Int
    private let complexCount: Int
    private let real: UnsafeMutableRawPointer
    private let spectrum: UnsafeMutableRawPointer
    private let scratch: UnsafeMutableRawPointer
    private let forwardPlan: OpaquePointer
    private let backwardPlan: OpaquePointer
    private static var isDouble: Bool { T.self == Double.self }

    /// Plans both transforms for `shape` (collective).
    ///
    /// - Throws: ``NablaError`` on every rank when a rank cannot allocate the arrays or FFTW-MPI cannot
    ///   plan; ``MPIError`` when the ranks cannot agree.
    init(shape: [Int], communicator: Communicator) throws {
        precondition(shape.count >= 2 && (T.self == Double.self || T.self == Float.self),
                     "FFTW-MPI real transforms are multi-dimensional, in Double or Float")
        self.shape = shape
        let onNode = try communicator.ranksOnThisNode()
        let threads = max(1, Parallel.coreCount / max(1, onNode))
        self.threads = threads
        let comm = communicator.handle
        let last = shape.count - 1
        let rank = Int32(shape.count)
        var n = shape.map { ptrdiff_t($0) }
        var half = n
        half[last] = n[last] / 2 + 1
        var (n0, start0, n1, start1): (ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t) = (0, 0, 0, 0)
        let allocated: ptrdiff_t = FFTWPlanner.withLock {
            if !fftwMPIInitialised {
                fftw_mpi_init()
                fftwf_mpi_init()
                fftwMPIInitialised = true
            }
            // FFTW_MPI_DEFAULT_BLOCK (0) for both distributed axes: ⌈n/P⌉ per rank.
            return Self.isDouble
                ? fftw_mpi_local_size_many_transposed(rank, &half, 1, 0, 0, comm, &n0, &start0, &n1, &start1)
                : fftwf_mpi_local_size_many_transposed(rank, &half, 1, 0, 0, comm, &n0, &start0, &n1, &start1)
        }
        planes = Int(start0)..<Int(start0 + n0)
        modes = Int(start1)..<Int(start1 + n1)
        complexCount = max(1, Int(allocated))
        let bytes = complexCount * 2 * MemoryLayout<T>.stride
        let buffers = (fftw_malloc(bytes), fftw_malloc(bytes), fftw_malloc(bytes))
        let allocatedHere = buffers.0 != nil && buffers.1 != nil && buffers.2 != nil
        let failed = try communicator.allReduce([allocatedHere ? Int.max : communicator.rank], .min)[0]
        guard failed == Int.max, let r = buffers.0, let s = buffers.1, let c = buffers.2 else {
            fftw_free(buffers.0); fftw_free(buffers.1); fftw_free(buffers.2)
            throw NablaError.invalidArgument("rank \(failed) cannot allocate the 3 × \(bytes) bytes of FFTW-MPI arrays for a spectral derivative of shape \(shape); use more ranks")
        }
        (real, spectrum, scratch) = (r, s, c)

        let plans: (OpaquePointer?, OpaquePointer?) = FFTWPlanner.withLock {
            let forwardFlags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_MPI_TRANSPOSED_OUT)
            let backwardFlags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_MPI_TRANSPOSED_IN)
            let (realD, realF) = (r.assumingMemoryBound(to: Double.self), r.assumingMemoryBound(to: Float.self))
            if Self.isDouble { fftw_plan_with_nthreads(Int32(threads)); fftw_mpi_broadcast_wisdom(comm) }
            else { fftwf_plan_with_nthreads(Int32(threads)); fftwf_mpi_broadcast_wisdom(comm) }
            let forward = Self.isDouble
                ? fftw_mpi_plan_many_dft_r2c(rank, &n, 1, 0, 0, realD, s.assumingMemoryBound(to: fftw_complex.self), comm, forwardFlags)
                : fftwf_mpi_plan_many_dft_r2c(rank, &n, 1, 0, 0, realF, s.assumingMemoryBound(to: fftwf_complex.self), comm, forwardFlags)
            let backward = Self.isDouble
                ? fftw_mpi_plan_many_dft_c2r(rank, &n, 1, 0, 0, c.assumingMemoryBound(to: fftw_complex.self), realD, comm, backwardFlags)
                : fftwf_mpi_plan_many_dft_c2r(rank, &n, 1, 0, 0, c.assumingMemoryBound(to: fftwf_complex.self), realF, comm, backwardFlags)
            return (forward, backward)
        }
        let planned = plans.0 != nil && plans.1 != nil
        let unplanned = try communicator.allReduce([planned ? Int.max : communicator.rank], .min)[0]
        guard unplanned == Int.max, let forward = plans.0, let backward = plans.1 else {
            FFTWPlanner.withLock {
                for plan in [plans.0, plans.1].compactMap({ $0 }) { Self.isDouble ? fftw_destroy_plan(plan) : fftwf_destroy_plan(plan) }
            }
            fftw_free(r); fftw_free(s); fftw_free(c)
            throw NablaError.invalidArgument("FFTW-MPI cannot plan a real transform of shape \(shape) over \(communicator.size) ranks (rank \(unplanned))")
        }
        forwardPlan = forward
        backwardPlan = backward
    }

    deinit {
        FFTWPlanner.withLock {
            if Self.isDouble {
                fftw_destroy_plan(forwardPlan); fftw_destroy_plan(backwardPlan)
            } else {
                fftwf_destroy_plan(forwardPlan); fftwf_destroy_plan(backwardPlan)
            }
        }
        fftw_free(real); fftw_free(spectrum); fftw_free(scratch)
    }

    private func execute(_ plan: OpaquePointer) {
        if Self.isDouble { fftw_execute(plan) } else { fftwf_execute(plan) }
    }

    /// The number of real values in one row along the last axis, and that row's stride in FFTW's padded
    /// real array (`2·(n/2+1)`).
    private var rowLength: (count: Int, stride: Int) {
        let n = shape[shape.count - 1]
        return (n, 2 * (n / 2 + 1))
    }

    /// Transforms this rank's planes `local` (``planes``.count planes of `shape[1...]`, C order) into the
    /// spectrum (collective).
    func forward(_ local: NDArray<T>) {
        let (n, stride) = rowLength
        let rows = planes.count * shape[1..<(shape.count - 1)].reduce(1, *)
        precondition(local.count == rows * n, "the slab does not match FFTW's split")
        let target = real.assumingMemoryBound(to: T.self)
        local.withUnsafeBufferPointer { source in
            // 1D equivalent -- padded[r, :n] = local[r, :] for every row r of the last axis
            for r in 0..<rows {
                (target + r * stride).update(from: source.baseAddress! + r * n, count: n)
            }
        }
        execute(forwardPlan)
    }

    /// The inverse transform of the spectrum multiplied by `multiplier`: this rank's planes, as an array
    /// of `shape` (``planes``.count planes; `shape` may drop a trailing axis of length 1). Collective; the
    /// spectrum is kept for further calls.
    func inverse(_ multiplier: SpectralMultiplier<T>, shape localShape: [Int]) throws -> NDArray<T> {
        multiply(multiplier)
        execute(backwardPlan)  // destroys `scratch`
        let (n, stride) = rowLength
        let rows = planes.count * shape[1..<(shape.count - 1)].reduce(1, *)
        let source = real.assumingMemoryBound(to: T.self)
        let scalars = [T](unsafeUninitializedCapacity: rows * n) { out, initialised in
            // 1D equivalent -- result[r, :] = padded[r, :n]
            for r in 0..<rows {
                (out.baseAddress! + r * n).initialize(from: source + r * stride, count: n)
            }
            initialised = rows * n
        }
        return try NDArray(shape: localShape, scalars: scalars)
    }

    /// `scratch = spectrum · M` over this rank's part of the transposed half-spectrum, where at the mode
    /// `(j_0, …, j_{d-1})`
    /// ```
    /// M = Σ_terms i^p · Π_a c_a[j_a]        (c_a = 1 for an axis the term does not differentiate)
    /// ```
    /// The local spectrum is `[modes.count, n0, n2, …, n_{d-1}/2+1]` (for d = 2: `[modes.count, n0]`),
    /// row-major: position 0 is axis 1 (global index `modes.lowerBound + j`), position 1 axis 0.
    private func multiply(_ multiplier: SpectralMultiplier<T>) {
        let d = shape.count
        let last = d - 1
        var half = shape
        half[last] = shape[last] / 2 + 1
        // Position p of the local spectrum holds axis axes[p], extents[p] modes from mode firsts[p].
        let axes = [1, 0] + Array(2..<d)
        let extents = [modes.count] + axes.dropFirst().map { half[$0] }
        let firsts = [modes.lowerBound] + [Int](repeating: 0, count: d - 1)
        let inner = extents[last], innerAxis = axes[last], rowExtents = Array(extents[..<last])
        let rows = extents[..<last].reduce(1, *)
        guard rows > 0, inner > 0 else { return }
        let buffers = SpectrumPointers(x: spectrum.assumingMemoryBound(to: T.self), y: scratch.assumingMemoryBound(to: T.self),
                                       count: 2 * rows * inner)
        let terms = multiplier.terms
        let chunks = threads > 1 ? min(threads, rows) : 1
        Parallel.forEachChunk(count: rows, chunks: chunks) { _, range in
            let x = buffers.x, y = buffers.y
            var re = [T](repeating: 0, count: inner), im = [T](repeating: 0, count: inner)
            // The multi-index of row `range.lowerBound` over positions 0..<last.
            var index = [Int](repeating: 0, count: last)
            var rest = range.lowerBound
            for p in stride(from: last - 1, through: 0, by: -1) {
                index[p] = rest % extents[p]
                rest /= extents[p]
            }
            for row in range {
                for j in 0..<inner { re[j] = 0; im[j] = 0 }
                for term in terms {
                    var s: T = term.iPower % 4 < 2 ? 1 : -1
                    for p in 0..<last {
                        if let c = term.factors[axes[p]] { s *= c[index[p] + firsts[p]] }
                    }
                    // 1D equivalent -- m[j] += i**p * s * c[j]
                    let even = term.iPower % 2 == 0
                    if let c = term.factors[innerAxis] {
                        if even { for j in 0..<inner { re[j] += s * c[j] } } else { for j in 0..<inner { im[j] += s * c[j] } }
                    } else {
                        if even { for j in 0..<inner { re[j] += s } } else { for j in 0..<inner { im[j] += s } }
                    }
                }
                // 1D equivalent -- y[row, :] = x[row, :] * (re + 1j*im)
                let at = 2 &* row &* inner
                assert(at + 2 * inner <= buffers.count)
                for j in 0..<inner {
                    let a = x[at &+ 2 &* j], b = x[at &+ 2 &* j &+ 1]
                    y[at &+ 2 &* j] = a * re[j] - b * im[j]
                    y[at &+ 2 &* j &+ 1] = a * im[j] + b * re[j]
                }
                NDArray<T>.increment(&index, shape: rowExtents)
            }
        }
    }
}

/// The spectrum and its multiplied copy for the multiply's workers.
///
/// `@unchecked Sendable`: the workers read `x` and each writes only its own rows of `y`; the pass ends
/// before the arrays are used again.
private struct SpectrumPointers<T>: @unchecked Sendable {
    let x: UnsafeMutablePointer<T>
    let y: UnsafeMutablePointer<T>
    /// The number of values (twice the complex values) in each.
    let count: Int
}
