// The spectral engine: one real-to-complex transform along the last axis, complex transforms along the
// other differentiated axes (no transposes), a multiply by (i k)^m / N in between, and the bookkeeping
// for gradients, mixed partials and sums of terms. Generic over the element type, and called only as
// `SpectralEngine<Double>` or `SpectralEngine<Float>` (see `SpectralScalar` in SpectralDerivatives.swift),
// so the optimiser specialises every loop here.
//
// Why this file uses raw pointers: the half-spectra live in `fftw_malloc`ed scratch buffers (FFTW's SIMD
// alignment) that the multiply loops read and write on all cores, and FFTW reads the caller's array and
// writes the results directly (no copies of 3-D arrays). Workers reach the buffers through Nabla's
// `SharedBuffer` handle only; array storage is borrowed inside `withUnsafe…` closures and never kept.
import ComplexModule
import Foundation
import Nabla
import RealModule

/// The scheme: one real-to-complex transform along the LAST (contiguous) axis, kept as `R`; then per
/// output and term, complex DFTs along the other differentiated axes of `R` (strided, which FFTW
/// vectorises over the contiguous axes), a multiply by `Π (i k_a)^{m_a} / N_a`, the inverse DFTs, and one
/// complex-to-real transform along the last axis. A 3-axis gradient costs one r2c, three c2r and two
/// complex round trips — about one 3-D round trip plus two real passes. During development (256³
/// doubles, 2 cores) separate real transforms along each strided axis measured 2-3x slower, and `rfftn`
/// + 3 `irfftn` about 1.6x slower; `Benchmarks/spectral_compare.py` measures the current scheme against
/// numpy and against FFTW's own transforms (table in Benchmarks/README.md).
package enum SpectralEngine<T: BinaryFloatingPoint & Sendable> {
    static var precision: FFTW.Precision { MemoryLayout<T>.size == 8 ? .double : .single }

    /// Computes `outputs` into `results`: output `q` is the sum over its terms of the mixed partial with
    /// per-axis orders `term[a]`; `periods[a]` is the period `N·h` of axis `a`. Entries of `results` that
    /// already have `f`'s shape are overwritten in place (no allocation when not shared), the others are
    /// replaced. Checks `checkAxes` for periodicity first and returns those warnings.
    static func run(_ f: NDArray<T>, periods: [Double], outputs: [[[Int]]], rigour: PlanningRigour?,
                    checkAxes: [Int], into results: inout [NDArray<T>]) throws -> [SpectralWarning] {
        let shape = f.shape
        let count = f.count
        var warnings: [SpectralWarning] = []
        if !outputs.isEmpty { try checkFinite(f) }
        for axis in checkAxes {
            if let warning = Periodicity.check(f.scalars, shape: shape, axis: axis) { warnings.append(warning) }
        }
        if outputs.isEmpty { results = []; return warnings }
        if results.count > outputs.count { results.removeLast(results.count - outputs.count) }

        let layout = SpectrumLayout(shape: shape)
        // Buffers: R (the half-spectrum of f), B (one term), S (a sum of terms).
        let sums = outputs.contains(where: { $0.count > 1 })
        return try withScratch(count: sums ? 3 : 2, elements: 2 * layout.complexCount) { buffers in
            let R = buffers[0], B = buffers[1], S = sums ? buffers[2] : B
            try spectrum(of: f, into: R, rigour: rigour)
            for (q, terms) in outputs.enumerated() {
                try sum(terms, of: R, into: S, scratch: B, layout: layout, periods: periods, rigour: rigour)
                if q < results.count, results[q].shape == shape {
                    try real(of: S, into: &results[q], rigour: rigour)  // destroys S
                    continue
                }
                var array = try NDArray(shape: shape, scalars: [T].uninitialized(count: count) { _ in })
                try real(of: S, into: &array, rigour: rigour)  // destroys S
                if q < results.count { results[q] = array } else { results.append(array) }
            }
            return warnings
        }
    }

    /// Calls `body` with `count` scratch buffers of `elements` values each, `fftw_malloc`ed (FFTW's SIMD
    /// alignment) from the pool and returned to it afterwards.
    static func withScratch<R>(count: Int, elements: Int, _ body: ([SharedBuffer<T>]) throws -> R) throws -> R {
        let fftw = FFTW.shared
        var borrowed: [FFTWBuffer] = []
        defer { borrowed.forEach(fftw.returnBuffer) }
        for _ in 0..<count { borrowed.append(try fftw.borrowBuffer(bytes: elements * MemoryLayout<T>.stride)) }
        return try body(borrowed.map { SharedBuffer(start: $0.base, count: elements) })
    }

    // MARK: Steps (the in-memory path runs them on the whole field, the slab path on slabs)

    /// The shapes of a real field and of its half-spectrum (the last axis cut to `n/2 + 1` complex values).
    struct SpectrumLayout {
        let shape: [Int]
        let complexShape: [Int]
        var last: Int { shape.count - 1 }
        var complexCount: Int { complexShape.reduce(1, *) }

        init(shape: [Int]) {
            self.shape = shape
            var complexShape = shape
            complexShape[shape.count - 1] = shape[shape.count - 1] / 2 + 1
            self.complexShape = complexShape
        }

        /// The `outer × n × inner` layout of the half-spectrum around axis `a`.
        func around(_ a: Int) -> (outer: Int, n: Int, inner: Int) {
            (complexShape[..<a].reduce(1, *), complexShape[a], complexShape[(a + 1)...].reduce(1, *))
        }
    }

    /// An r2c or c2r plan along the last axis of `shape` for a real array at `real`.
    static func lastAxisPlan(_ direction: FFTW.Direction, shape: [Int], real: UnsafeMutableRawPointer,
                             rigour: PlanningRigour?) throws -> FFTWPlan {
        let fftw = FFTW.shared
        return try fftw.plan(.init(precision: precision, direction: direction, shape: shape, axis: shape.count - 1, inPlace: false,
                                   rigour: rigour ?? SpectralFFT.defaultRigour, alignment: fftw.alignment(of: real, precision)),
                             byDefault: rigour == nil)
    }

    /// `R = rfft(f)` along the last axis (one batched r2c transform; `f` is only read).
    static func spectrum(of f: NDArray<T>, into R: SharedBuffer<T>, rigour: PlanningRigour?) throws {
        try f.withUnsafeBufferPointer { input in
            let source = UnsafeMutablePointer(mutating: input.baseAddress!)  // read only: r2c plans preserve input
            try lastAxisPlan(.r2c, shape: f.shape, real: UnsafeMutableRawPointer(source), rigour: rigour)
                .execute(UnsafeMutableRawPointer(source), R.rawPointer)
        }
    }

    /// `out = irfft(S)` along the last axis (one batched c2r transform into `out`, which has the real shape);
    /// destroys `S`.
    static func real(of S: SharedBuffer<T>, into out: inout NDArray<T>, rigour: PlanningRigour?) throws {
        let shape = out.shape
        try out.withUnsafeMutableBufferPointer { buffer in
            let real = UnsafeMutableRawPointer(buffer.baseAddress!)
            try lastAxisPlan(.c2r, shape: shape, real: real, rigour: rigour).execute(S.rawPointer, real)
        }
    }

    /// The multipliers of a term's one strided axis `a` (with `orders[a] > 0`), the `1/N` of the last
    /// axis folded in when the last axis is not differentiated.
    static func stridedFactors(_ orders: [Int], axis a: Int, shape: [Int], periods: [Double]) -> (c: [T], odd: Bool) {
        let last = shape.count - 1
        let scale = 1 / Double(shape[a]) * (orders[last] == 0 ? 1 / Double(shape[last]) : 1)
        let (c, odd) = multipliers(n: shape[a], order: orders[a], period: periods[a], half: false, scale: scale)
        return (c, odd)
    }

    /// `S = Σ_t term_t`, in order, each term `Π (i k_a)^{m_a} / N_a · R` with `m = terms[t]` (every term but
    /// the first computed in `B`, then added to `S`). `skipFirst`: `S` already holds the first term
    /// (computed elsewhere: the slab path's column blocks along axis 0).
    static func sum(_ terms: [[Int]], of R: SharedBuffer<T>, into S: SharedBuffer<T>, scratch B: SharedBuffer<T>,
                    layout: SpectrumLayout, periods: [Double], rigour: PlanningRigour?, skipFirst: Bool = false) throws {
        for (t, orders) in terms.enumerated() where !(skipFirst && t == 0) {
            let target = terms.count == 1 || t == 0 ? S : B
            try term(orders, of: R, into: target, layout: layout, periods: periods, rigour: rigour)
            if t > 0 { add(target, into: S) }
        }
    }

    /// One term: `target = Π_a (i k_a)^{m_a} / N_a · R` (the `1/N` of the last axis included).
    static func term(_ orders: [Int], of R: SharedBuffer<T>, into target: SharedBuffer<T>, layout: SpectrumLayout,
                     periods: [Double], rigour: PlanningRigour?) throws {
        let shape = layout.shape, complexShape = layout.complexShape, last = layout.last
        let complexCount = layout.complexCount
        let strided = orders.indices.filter { $0 < last && orders[$0] > 0 }
        let scaleLast = 1 / Double(shape[last])
        if strided.isEmpty {
            // 1D equivalent -- Y = R * (1j k_z)^m / N_z
            let (c, odd) = multipliers(n: shape[last], order: orders[last], period: periods[last], half: true, scale: scaleLast)
            multiply(R, into: target, factors: c, odd: odd, outer: complexCount / complexShape[last], n: complexShape[last], inner: 1)
        } else if strided.count == 1 {
            // One pass over column blocks: forward DFT, multiply, inverse DFT while the block is in cache.
            let a = strided[0]
            let (outer, n, inner) = layout.around(a)
            try axisPass(from: R, to: target, outer: outer, n: n, inner: inner, forward: true,
                         factors: stridedFactors(orders, axis: a, shape: shape, periods: periods), backward: true, rigour: rigour)
            if orders[last] > 0 {
                // 1D equivalent -- Y *= (1j k_z)^m / N_z (commutes with the transforms along a)
                let (c, odd) = multipliers(n: shape[last], order: orders[last], period: periods[last], half: true, scale: scaleLast)
                multiply(target, into: target, factors: c, odd: odd, outer: complexCount / complexShape[last], n: complexShape[last], inner: 1)
            }
        } else {
            for (i, a) in strided.enumerated() {
                let (outer, n, inner) = layout.around(a)
                try axisPass(from: i == 0 ? R : target, to: target, outer: outer, n: n, inner: inner, forward: true,
                             factors: nil, backward: false, rigour: rigour)
            }
            for (i, a) in strided.enumerated() {
                // 1D equivalent -- Y *= (1j k_a)^m / N_a along axis a
                let scale = 1 / Double(shape[a]) * (i == 0 && orders[last] == 0 ? scaleLast : 1)
                let (c, odd) = multipliers(n: shape[a], order: orders[a], period: periods[a], half: false, scale: scale)
                let (outer, _, inner) = layout.around(a)
                multiply(target, into: target, factors: c, odd: odd, outer: outer, n: shape[a], inner: inner)
            }
            if orders[last] > 0 {
                let (c, odd) = multipliers(n: shape[last], order: orders[last], period: periods[last], half: true, scale: scaleLast)
                multiply(target, into: target, factors: c, odd: odd, outer: complexCount / complexShape[last], n: complexShape[last], inner: 1)
            }
            for a in strided {
                let (outer, n, inner) = layout.around(a)
                try axisPass(from: target, to: target, outer: outer, n: n, inner: inner, forward: false, factors: nil,
                             backward: true, rigour: rigour)
            }
        }
    }

    /// Computes `outputs` of a complex field `f` (interleaved real and imaginary parts, `f.count` complex
    /// values) into new arrays of complex values (interleaved), by complex DFTs (c2c) along every
    /// differentiated axis — the last one included — a multiply by `Π (i k_a)^{m_a} / N_a`, and the inverse
    /// DFTs. The Nyquist rule is the real one (see ``multipliers(n:order:period:half:scale:)``): for a
    /// complex field too, the Nyquist mode of an even axis is `Y cos(πN x/L)` (the interpolant of least
    /// oscillation), whose odd derivatives vanish at the samples and whose even ones are `(-1)^(m/2)(πN/L)^m`.
    /// The input is copied into scratch first and never modified.
    static func runComplex(_ f: UnsafeBufferPointer<T>, shape: [Int], periods: [Double], outputs: [[[Int]]],
                           rigour: PlanningRigour?) throws -> [[T]] {
        let complexCount = shape.reduce(1, *)
        precondition(f.count == 2 * complexCount)
        guard !outputs.isEmpty else { return [] }
        let fftw = FFTW.shared
        func plan(_ direction: FFTW.Direction, axis: Int, inPlace: Bool) throws -> FFTWPlan {
            try fftw.plan(.init(precision: precision, direction: direction, shape: shape, axis: axis, inPlace: inPlace,
                                rigour: rigour ?? SpectralFFT.defaultRigour, alignment: 0, complexData: true),
                          byDefault: rigour == nil)
        }
        /// DFTs along axis `a` from `x` to `y`: contiguous lines (the last axis) by one batched plan,
        /// strided ones in column blocks.
        func transform(_ direction: FFTW.Direction, axis a: Int, from x: SharedBuffer<T>, to y: SharedBuffer<T>) throws {
            let inner = shape[(a + 1)...].reduce(1, *)
            if inner == 1 {
                try plan(direction, axis: a, inPlace: x.rawPointer == y.rawPointer).execute(x.rawPointer, y.rawPointer)
            } else {
                try axisPass(from: x, to: y, outer: shape[..<a].reduce(1, *), n: shape[a], inner: inner,
                             forward: direction == .forward, factors: nil, backward: direction == .backward, rigour: rigour)
            }
        }
        var borrowed: [FFTWBuffer] = []
        defer { borrowed.forEach(fftw.returnBuffer) }
        func buffer() throws -> SharedBuffer<T> {
            let b = try fftw.borrowBuffer(bytes: complexCount * 2 * MemoryLayout<T>.stride)
            borrowed.append(b)
            return SharedBuffer(start: b.base, count: 2 * complexCount)
        }
        let R = try buffer()
        let B = try buffer()
        let S = outputs.contains(where: { $0.count > 1 }) ? try buffer() : B
        // The input, copied once: out-of-place complex plans may overwrite their input.
        if let base = f.baseAddress { R.rawPointer.copyMemory(from: base, byteCount: f.count * MemoryLayout<T>.stride) }

        var results: [[T]] = []
        for terms in outputs {
            for (t, orders) in terms.enumerated() {
                let target = terms.count == 1 || t == 0 ? S : B
                let axes = orders.indices.filter { orders[$0] > 0 }
                for (i, a) in axes.enumerated() { try transform(.forward, axis: a, from: i == 0 ? R : target, to: target) }
                for a in axes {
                    // 1D equivalent -- Y *= (1j k_a)^m / N_a along axis a (k_a signed: FFT order)
                    let (c, odd) = multipliers(n: shape[a], order: orders[a], period: periods[a], half: false,
                                               scale: 1 / Double(shape[a]))
                    multiply(target, into: target, factors: c, odd: odd, outer: shape[..<a].reduce(1, *), n: shape[a],
                             inner: shape[(a + 1)...].reduce(1, *))
                }
                for a in axes { try transform(.backward, axis: a, from: target, to: target) }
                if t > 0 { add(target, into: S) }
            }
            results.append([T].uninitialized(count: 2 * complexCount) { out in
                out.rawPointer.copyMemory(from: S.rawPointer, byteCount: 2 * complexCount * MemoryLayout<T>.stride)
            })
        }
        return results
    }

    /// DFTs along the middle axis of an `outer × n × inner` complex array (interleaved re, im), from `x`
    /// to `y` (which may be `x`), in column blocks: each block of `w ≤ width` neighbouring columns is
    /// gathered into a small scratch buffer (`n × w`, a cache's worth), transformed there by a
    /// single-threaded plan, and scattered back; blocks run on all cores.
    /// ```
    /// 1D equivalent -- for each o, block j:  b = x[o, :, j:j+w];  b = fft(b, axis=0)    (forward)
    ///                                        b *= c[:, None] (or 1j c: odd)          (factors)
    ///                                        b = ifft(b, axis=0) * n                 (backward)
    ///                                        y[o, :, j:j+w] = b
    /// ```
    /// Why blocks: FFTW's estimated plans for one strided transform over a whole 256³ half-spectrum ran
    /// 3–4× slower than measured ones (110–180 ms vs 30–47 ms on 2 cores), while estimated plans on
    /// gathered blocks run about as fast as the measured whole-array plans (35–50 ms) — so a first run
    /// without wisdom needs no measuring — and the plans are small (`[n, w]`, the same for every axis of
    /// length `n`), so measuring them costs milliseconds to a tenth of a second each.
    static func axisPass(from x: SharedBuffer<T>, to y: SharedBuffer<T>, outer: Int, n: Int, inner: Int, forward: Bool,
                         factors: (c: [T], odd: Bool)?, backward: Bool, rigour: PlanningRigour?) throws {
        let fftw = FFTW.shared
        let complexBytes = 2 * MemoryLayout<T>.stride
        let width = blockWidth(n: n, inner: inner, complexBytes: complexBytes)
        let blocks = (inner + width - 1) / width
        let rest = inner - (blocks - 1) * width
        func plan(_ direction: FFTW.Direction, _ w: Int) throws -> FFTWPlan {
            try fftw.plan(.init(precision: precision, direction: direction, shape: [n, w], axis: 0, inPlace: true,
                                rigour: rigour ?? SpectralFFT.defaultRigour, alignment: 0, complexData: true, block: true),
                          byDefault: rigour == nil)
        }
        let forwardPlans = forward ? [try plan(.forward, width), try plan(.forward, rest)] : []
        let backwardPlans = backward ? [try plan(.backward, width), try plan(.backward, rest)] : []
        let tasks = outer * blocks
        let chunks = Parallel.chunkCount(count: tasks, costPerItem: n * width * 16)
        var borrowed: [FFTWBuffer] = []
        defer { borrowed.forEach(fftw.returnBuffer) }
        for _ in 0..<chunks { borrowed.append(try fftw.borrowBuffer(bytes: n * width * complexBytes)) }
        let scratch = borrowed
        let source = x.rawPointer.assumingMemoryBound(to: T.self), target = y.rawPointer.assumingMemoryBound(to: T.self)
        let pointers = UncheckedPointers(source: source, target: target)
        assert(x.count >= 2 * outer * n * inner && y.count >= 2 * outer * n * inner)
        Parallel.forEachChunk(count: tasks, chunks: chunks) { c, range in
            let b = scratch[c].base.assumingMemoryBound(to: T.self)
            for task in range {
                let o = task / blocks, j = (task % blocks) * width
                let last = task % blocks == blocks - 1
                let w = last ? rest : width
                let start = 2 &* (o &* n &* inner &+ j)
                for r in 0..<n {
                    let from: UnsafeMutablePointer<T> = pointers.source + (start &+ 2 &* r &* inner)
                    (b + 2 &* r &* w).update(from: from, count: 2 &* w)
                }
                if forward { forwardPlans[last ? 1 : 0].execute(UnsafeMutableRawPointer(b), UnsafeMutableRawPointer(b)) }
                if let factors {
                    for r in 0..<n {
                        let f = factors.c[r]
                        let row: UnsafeMutablePointer<T> = b + 2 &* r &* w
                        if factors.odd {
                            for i in 0..<w {
                                let re = row[2 &* i], im = row[2 &* i &+ 1]
                                row[2 &* i] = -im * f
                                row[2 &* i &+ 1] = re * f
                            }
                        } else {
                            for i in 0..<(2 &* w) { row[i] *= f }
                        }
                    }
                }
                if backward { backwardPlans[last ? 1 : 0].execute(UnsafeMutableRawPointer(b), UnsafeMutableRawPointer(b)) }
                for r in 0..<n {
                    let to: UnsafeMutablePointer<T> = pointers.target + (start &+ 2 &* r &* inner)
                    to.update(from: b + 2 &* r &* w, count: 2 &* w)
                }
            }
        }
    }

    /// The column-block width of ``axisPass(from:to:outer:n:inner:forward:factors:backward:rigour:)``: at
    /// most 16 columns and ~128 KiB. The slab path cuts its column blocks along axis 0 at multiples of
    /// it, so that every column meets the plan it meets in memory.
    static func blockWidth(n: Int, inner: Int, complexBytes: Int) -> Int {
        max(1, min(16, inner, (128 << 10) / max(1, n * complexBytes)))
    }

    /// The multipliers `(i k_j)^m · scale` of the modes `j` along an axis of `N` samples and period `L`,
    /// as real numbers `c_j` with `(i k)^m = c` for even `m` and `(i k)^m = i·c` for odd `m`:
    /// ```
    /// k_j = 2π/L · {0, 1, …, ceil(N/2)-1, -floor(N/2), …, -1}     (half: j = 0…N/2 only, k_j ≥ 0)
    /// even m:  c_j = (-1)^(m/2)     k_j^m      (Nyquist j = N/2 kept: (-1)^(m/2) (πN/L)^m)
    /// odd m:   c_j = (-1)^((m-1)/2) k_j^m      (Nyquist of even N zeroed)
    /// m = 0:   c_j = 1
    /// ```
    /// (NablaMPI's FFTW-MPI path uses the same factors.)
    package static func multipliers(n: Int, order m: Int, period: Double, half: Bool, scale: Double) -> (factors: [T], odd: Bool) {
        let odd = m % 2 == 1
        let sign: Double = ((odd ? m - 1 : m) / 2) % 2 == 0 ? 1 : -1
        let modes = half ? n / 2 + 1 : n
        var factors = [T](repeating: 0, count: modes)
        for j in 0..<modes {
            if odd && n % 2 == 0 && j == n / 2 { continue }
            let signed = j < (n + 1) / 2 ? j : j - n
            let k = 2 * Double.pi * Double(half ? j : signed) / period
            factors[j] = T(sign * (m == 0 ? 1 : pow(k, Double(m))) * scale)
        }
        return (factors, odd)
    }

    /// `y[o, j, i] = x[o, j, i] · c_j` (even order) or `· i c_j` (odd order) on an `outer × n × inner`
    /// complex array (interleaved re, im); `x` may be `y`.
    static func multiply(_ x: SharedBuffer<T>, into y: SharedBuffer<T>, factors: [T], odd: Bool,
                         outer: Int, n: Int, inner: Int) {
        let rows = outer * n
        assert(x.count >= 2 * rows * inner && y.count >= 2 * rows * inner)
        Parallel.forEachChunk(count: rows, costPerItem: inner) { range in
            var j = range.lowerBound % n
            for r in range {
                let f = factors[j]
                let a = x.slice(from: 2 * r * inner, count: 2 * inner), b = y.slice(from: 2 * r * inner, count: 2 * inner)
                if odd {
                    // 1D equivalent -- y[j] = x[j] * 1j * c[j]
                    for i in 0..<inner {
                        let re = a[2 &* i], im = a[2 &* i &+ 1]
                        b[2 &* i] = -im * f
                        b[2 &* i &+ 1] = re * f
                    }
                } else {
                    // 1D equivalent -- y[j] = x[j] * c[j]
                    for i in 0..<(2 * inner) { b[i] = a[i] * f }
                }
                j &+= 1
                if j == n { j = 0 }
            }
        }
    }

    /// `out += term`, elementwise (over `term`'s elements).
    static func add(_ term: SharedBuffer<T>, into out: SharedBuffer<T>) {
        assert(out.count >= term.count)
        Parallel.forEachChunk(count: term.count) { range in
            for i in range { out[i] += term[i] }
        }
    }

    /// Throws, naming the multi-index of the first NaN or infinity: the FFT would spread it over every output.
    /// `firstPlane`: the global index of `f`'s plane 0 when `f` is one slab of a larger field (NablaMPI).
    static func checkFinite(_ f: NDArray<T>, firstPlane: Int = 0) throws {
        let count = f.count
        let chunks = count >= Parallel.threshold ? 8 * Parallel.coreCount : 1
        var firstBad = [Int](repeating: Int.max, count: chunks)
        f.scalars.withSharedReadBuffer { source in
            firstBad.withSharedBuffer { found in
                Parallel.forEachChunk(count: count, chunks: chunks) { c, range in
                    // Sum of x·0 is 0 for finite x and NaN otherwise: a branch-free, vectorisable test.
                    var p0: T = 0, p1: T = 0, p2: T = 0, p3: T = 0
                    var i = range.lowerBound
                    while i &+ 4 <= range.upperBound {
                        p0 += source[i] * 0; p1 += source[i &+ 1] * 0
                        p2 += source[i &+ 2] * 0; p3 += source[i &+ 3] * 0
                        i &+= 4
                    }
                    while i < range.upperBound { p0 += source[i] * 0; i &+= 1 }
                    guard (p0 + p1 + p2 + p3).isNaN else { return }
                    for i in range where !source[i].isFinite { found[c] = i; return }
                }
            }
        }
        guard let bad = firstBad.min(), bad != Int.max else { return }
        var index = f.multiIndex(ofFlatOffset: bad)
        index[0] += firstPlane
        throw NablaError.invalidArgument("the field is not finite at index \(index): \(f.scalars[bad]); a spectral derivative would spread it over every output value — remove or replace non-finite values first")
    }
}

/// Routes a complex field to `SpectralEngine<Double>` or `SpectralEngine<Float>`.
enum SpectralComplexDispatch {
    static func run<T: SpectralScalar & Real>(_ f: NDArray<Complex<T>>, periods: [Double], outputs: [[[Int]]],
                                              rigour: PlanningRigour?, checkAxes: [Int]) throws
        -> (results: [NDArray<Complex<T>>], warnings: [SpectralWarning]) {
        guard T.self == Double.self || T.self == Float.self else {
            throw NablaError.invalidArgument("spectral derivatives support Complex<Double> and Complex<Float> fields, not Complex<\(T.self)>")
        }
        if let bad = f.scalars.firstIndex(where: { !$0.isFinite }) {
            throw NablaError.invalidArgument("the field is not finite at index \(f.multiIndex(ofFlatOffset: bad)): \(f.scalars[bad]); a spectral derivative would spread it over every output value — remove or replace non-finite values first")
        }
        let shape = f.shape
        return try f.withUnsafeBufferPointer { elements in try elements.withMemoryRebound(to: T.self) { lanes in
            // The parts, as a real array of shape `shape + [2]`, checked along each axis at once.
            let laneShape = shape + [2]
            var warnings: [SpectralWarning] = []
            if !checkAxes.isEmpty {
                let flat = Array(lanes)
                for axis in checkAxes {
                    if let w = Periodicity.check(flat, shape: laneShape, axis: axis) { warnings.append(w) }
                }
            }
            let raw: [[T]]
            if T.self == Double.self {
                raw = unsafeBitCast(try SpectralEngine<Double>.runComplex(unsafeBitCast(lanes, to: UnsafeBufferPointer<Double>.self),
                                                                          shape: shape, periods: periods, outputs: outputs,
                                                                          rigour: rigour), to: [[T]].self)
            } else {
                raw = unsafeBitCast(try SpectralEngine<Float>.runComplex(unsafeBitCast(lanes, to: UnsafeBufferPointer<Float>.self),
                                                                         shape: shape, periods: periods, outputs: outputs,
                                                                         rigour: rigour), to: [[T]].self)
            }
            let results = try raw.map { parts in
                try NDArray(shape: shape, scalars: stride(from: 0, to: parts.count, by: 2).map { Complex(parts[$0], parts[$0 + 1]) })
            }
            return (results, warnings)
        } }
    }
}


/// The source and target of ``SpectralEngine/axisPass(from:to:outer:n:inner:forward:factors:backward:rigour:)``
/// for its workers.
///
/// `@unchecked Sendable`: the workers read only `source` and write only their own column blocks of
/// `target` (when `source == target`, each reads the block it then writes), and the pass ends before the
/// buffers are returned.
struct UncheckedPointers<T>: @unchecked Sendable {
    let source: UnsafeMutablePointer<T>
    let target: UnsafeMutablePointer<T>
}
