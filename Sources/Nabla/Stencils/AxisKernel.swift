/// Applies an ``AxisStencil`` along one axis of a row-major array: the hot loop of every
/// finite-difference operator in Nabla.
///
/// View the array as shape `(outer, n, inner)` around the axis. Output row `(o, i)` — `inner`
/// contiguous elements — combines whole input rows `(o, i + offset)`, so the inner loops always run
/// along contiguous memory, whatever the axis:
/// ```
/// // 1D equivalent -- out[i] = w0 * f[i + o0] + w1 * f[i + o1] + …
/// ```
/// For the last axis (`inner == 1`) the loops run along `i` instead. Sums are built in blocks of
/// ``blockSize`` values in a small accumulator of the weight type `W`, term by term, so the order of
/// operations is numpy's (left to right) and no full-size temporary is needed.
///
/// This file and ``Parallel`` are where the finite-difference code uses unsafe pointers: every pointer
/// here points into the input or output buffer at an offset `< outer * n * inner`, which
/// `assert`s check in debug builds.
enum AxisKernel {
    /// Values summed per block in the accumulator.
    static let blockSize = 512

    /// `output = stencil applied along axis of input` (or `output += …` when `accumulate`). `input` and
    /// `output` have `shape`'s element count and must not overlap.
    static func apply<T: BinaryFloatingPoint & Sendable, W: BinaryFloatingPoint & Sendable>(
        _ stencil: AxisStencil<W>,
        to input: UnsafeBufferPointer<T>,
        shape: [Int],
        axis: Int,
        into output: UnsafeMutableBufferPointer<T>,
        accumulate: Bool = false
    ) {
        precondition(axis >= 0 && axis < shape.count, "axis \(axis) outside rank \(shape.count)")
        precondition(input.count == output.count && input.count == shape.reduce(1, *), "buffer sizes do not match \(shape)")
        let n = shape[axis]
        precondition(n == stencil.length, "stencil built for length \(stencil.length), axis has \(n)")
        guard input.count > 0, let inBase = input.baseAddress, let outBase = output.baseAddress else { return }
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        let src = SendableReadPointer(base: inBase)
        let dst = SendablePointer(base: outBase)
        let total = input.count
        let terms = termCount(stencil)
        Parallel.forEachChunk(count: outer * n, costPerItem: inner * terms) { units in
            let accumulator = UnsafeMutablePointer<W>.allocate(capacity: blockSize)
            defer { accumulator.deallocate() }
            var u = units.lowerBound
            while u < units.upperBound {
                let line = u / n
                let first = u - line * n
                let last = min(n, first + (units.upperBound - u))
                let lineStart = line * n * inner
                assert(lineStart + n * inner <= total)
                applySegment(stencil, rows: first..<last, inner: inner,
                             input: src.base + lineStart, output: dst.base + lineStart,
                             accumulator: accumulator, accumulate: accumulate)
                u += last - first
            }
        }
    }

    static func termCount<W>(_ stencil: AxisStencil<W>) -> Int {
        switch stencil.interior {
        case .centralQuotient: 2
        case let .uniform(offsets, _), let .perRow(offsets, _): offsets.count
        }
    }

    /// Rows `rows` of one line (`n * inner` elements starting at `input` / `output`).
    @inline(__always)
    static func applySegment<T: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        _ stencil: AxisStencil<W>, rows: Range<Int>, inner: Int,
        input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        accumulator: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        let n = stencil.length
        let interior = stencil.interiorRows
        // Boundary rows, each with its own rule.
        for i in rows where !interior.contains(i) {
            let rule = i < interior.lowerBound ? stencil.leading[i] : stencil.trailing[i - (n - stencil.trailing.count)]
            applyRule(rule, count: inner, input: input, inner: inner, output: output + i * inner, accumulator: accumulator, accumulate: accumulate)
        }
        let lo = max(rows.lowerBound, interior.lowerBound)
        let hi = min(rows.upperBound, interior.upperBound)
        guard lo < hi else { return }
        if inner == 1 {
            // Along the axis itself: rows lo..<hi are contiguous.
            let count = hi - lo
            switch stencil.interior {
            case let .centralQuotient(divisor):
                // 1D equivalent -- out[lo:hi] = (f[lo+1:hi+1] - f[lo-1:hi-1]) / divisor
                quotient(count: count, plus: input + lo + 1, minus: input + lo - 1, divisor: divisor, output: output + lo, accumulate: accumulate)
            case let .uniform(offsets, weights):
                weightedSum(count: count, base: input + lo, shifts: offsets, weights: weights,
                            output: output + lo, accumulator: accumulator, accumulate: accumulate)
            case let .perRow(offsets, weights):
                weights.withUnsafeBufferPointer { w in
                    guard let wBase = w.baseAddress else { return }
                    varyingWeightedSum(count: count, base: input + lo, shifts: offsets, weights: wBase + lo,
                                       weightStride: n, output: output + lo, accumulator: accumulator, accumulate: accumulate)
                }
            }
        } else {
            switch stencil.interior {
            case let .centralQuotient(divisor):
                for i in lo..<hi {
                    // 1D equivalent -- out[i] = (f[i+1] - f[i-1]) / divisor, for a whole row
                    quotient(count: inner, plus: input + (i + 1) * inner, minus: input + (i - 1) * inner,
                             divisor: divisor, output: output + i * inner, accumulate: accumulate)
                }
            case let .uniform(offsets, weights):
                let shifts = offsets.map { $0 * inner }
                for i in lo..<hi {
                    weightedSum(count: inner, base: input + i * inner, shifts: shifts, weights: weights,
                                output: output + i * inner, accumulator: accumulator, accumulate: accumulate)
                }
            case let .perRow(offsets, weights):
                let shifts = offsets.map { $0 * inner }
                var rowWeights = [W](repeating: 0, count: offsets.count)
                for i in lo..<hi {
                    for k in 0..<offsets.count { rowWeights[k] = weights[k * n + i] }
                    weightedSum(count: inner, base: input + i * inner, shifts: shifts, weights: rowWeights,
                                output: output + i * inner, accumulator: accumulator, accumulate: accumulate)
                }
            }
        }
    }

    /// One boundary row (`count` contiguous outputs) with absolute source rows.
    @inline(__always)
    static func applyRule<T: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        _ rule: AxisStencil<W>.RowRule, count: Int, input: UnsafePointer<T>, inner: Int,
        output: UnsafeMutablePointer<T>, accumulator: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        switch rule {
        case let .quotient(plus, minus, divisor):
            quotient(count: count, plus: input + plus * inner, minus: input + minus * inner, divisor: divisor,
                     output: output, accumulate: accumulate)
        case let .weighted(rows, weights):
            weightedSum(count: count, base: input, shifts: rows.map { $0 * inner }, weights: weights,
                        output: output, accumulator: accumulator, accumulate: accumulate)
        }
    }

    /// `output[j] = (plus[j] - minus[j]) / divisor`: the difference in `T`, the division in `W`.
    @inline(__always)
    static func quotient<T: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        count: Int, plus: UnsafePointer<T>, minus: UnsafePointer<T>, divisor: W, output: UnsafeMutablePointer<T>,
        accumulate: Bool
    ) {
        if accumulate {
            for j in 0..<count { output[j] += T(W(plus[j] - minus[j]) / divisor) }
        } else {
            for j in 0..<count { output[j] = T(W(plus[j] - minus[j]) / divisor) }
        }
    }

    /// `output[j] = Σ_k weights[k] · base[j + shifts[k]]`, summed left to right in `W`.
    @inline(__always)
    static func weightedSum<T: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        count: Int, base: UnsafePointer<T>, shifts: [Int], weights: [W],
        output: UnsafeMutablePointer<T>, accumulator acc: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        let terms = shifts.count
        var j0 = 0
        while j0 < count {
            let m = min(blockSize, count &- j0)
            let s0 = base + (j0 &+ shifts[0])
            let w0 = weights[0]
            for j in 0..<m { acc[j] = w0 * W(s0[j]) }
            for k in 1..<terms {
                let s = base + (j0 &+ shifts[k])
                let w = weights[k]
                for j in 0..<m { acc[j] += w * W(s[j]) }
            }
            let out = output + j0
            if accumulate {
                for j in 0..<m { out[j] += T(acc[j]) }
            } else {
                for j in 0..<m { out[j] = T(acc[j]) }
            }
            j0 &+= m
        }
    }

    /// Like ``weightedSum(count:base:shifts:weights:output:accumulator:)`` with a weight per output:
    /// term `k`'s weight for output `j` is `weights[k * weightStride + j]`.
    @inline(__always)
    static func varyingWeightedSum<T: BinaryFloatingPoint, W: BinaryFloatingPoint>(
        count: Int, base: UnsafePointer<T>, shifts: [Int], weights: UnsafePointer<W>, weightStride: Int,
        output: UnsafeMutablePointer<T>, accumulator acc: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        let terms = shifts.count
        var j0 = 0
        while j0 < count {
            let m = min(blockSize, count &- j0)
            let s0 = base + (j0 &+ shifts[0])
            let w0 = weights + j0
            for j in 0..<m { acc[j] = w0[j] * W(s0[j]) }
            for k in 1..<terms {
                let s = base + (j0 &+ shifts[k])
                let w = weights + (k &* weightStride &+ j0)
                for j in 0..<m { acc[j] += w[j] * W(s[j]) }
            }
            let out = output + j0
            if accumulate {
                for j in 0..<m { out[j] += T(acc[j]) }
            } else {
                for j in 0..<m { out[j] = T(acc[j]) }
            }
            j0 &+= m
        }
    }
}
