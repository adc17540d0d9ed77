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
/// The stencil is first flattened into plain buffers (``CompiledStencil``) so that the loops do no
/// reference counting: worker threads touching shared arrays' reference counts would contend for them.
///
/// This file and ``Parallel`` are where the finite-difference code uses unsafe pointers. Every pointer
/// here points into the input or output buffer, at offsets the `assert`s check in debug builds.
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
        let compiled = CompiledStencil(stencil, inner: inner)
        defer { compiled.deallocate(); withExtendedLifetime(stencil) {} }
        Parallel.forEachChunk(count: outer * n, costPerItem: inner * compiled.termCount) { units in
            let accumulator = UnsafeMutablePointer<W>.allocate(capacity: blockSize)
            defer { accumulator.deallocate() }
            var u = units.lowerBound
            while u < units.upperBound {
                let line = u / n
                let first = u - line * n
                let last = min(n, first + (units.upperBound - u))
                let lineStart = line * n * inner
                assert(lineStart + n * inner <= total)
                compiled.applySegment(rows: first..<last, input: src.base + lineStart, output: dst.base + lineStart,
                                      accumulator: accumulator, accumulate: accumulate)
                u += last - first
            }
        }
    }
}

/// An ``AxisStencil`` flattened into manually managed buffers for rows of `inner` elements: offsets are
/// already multiplied by `inner`. Owned by one ``AxisKernel/apply(_:to:shape:axis:into:accumulate:)``
/// call, which deallocates it after the workers finish.
struct CompiledStencil<W: BinaryFloatingPoint & Sendable>: @unchecked Sendable {
    enum Kind { case centralQuotient, uniform, perRow }

    let n: Int
    let inner: Int
    let kind: Kind
    /// `.centralQuotient`: the divisor.
    let divisor: W
    /// Interior term offsets in elements (`offset * inner`); for `.centralQuotient`, `[+inner, -inner]`.
    let termShifts: UnsafeMutablePointer<Int>
    let termCount: Int
    /// `.uniform`: one weight per term; `.perRow`: `weights[k * n + i]` (the stencil's ``WeightTable``).
    let termWeights: UnsafeMutablePointer<W>
    /// Whether `termWeights` belongs to the stencil's ``WeightTable`` (not deallocated here).
    private(set) var borrowsTermWeights = false
    /// Boundary rows `0..<leadingCount` and `trailingStart..<n`, rule `r` = row, or `leadingCount + (row - trailingStart)`.
    let leadingCount: Int
    let trailingStart: Int
    /// Per rule: whether it is a quotient `(f[a] - f[b]) / divisor` (terms `a`, `b`), else a weighted sum.
    let ruleIsQuotient: UnsafeMutablePointer<Bool>
    let ruleDivisor: UnsafeMutablePointer<W>
    /// Rule `r`'s terms are `ruleTermStart[r]..<ruleTermStart[r + 1]` of `ruleShifts` / `ruleWeights`.
    let ruleTermStart: UnsafeMutablePointer<Int>
    /// Absolute element offsets (`row * inner`) of the rules' source rows within a line.
    let ruleShifts: UnsafeMutablePointer<Int>
    let ruleWeights: UnsafeMutablePointer<W>

    init(_ stencil: AxisStencil<W>, inner: Int) {
        n = stencil.length
        self.inner = inner
        switch stencil.interior {
        case let .centralQuotient(d):
            kind = .centralQuotient
            divisor = d
            termShifts = .copy([inner, -inner])
            termCount = 2
            termWeights = .copy([])
        case let .uniform(offsets, weights):
            kind = .uniform
            divisor = 1
            termShifts = .copy(offsets.map { $0 * inner })
            termCount = offsets.count
            termWeights = .copy(weights)
        case let .perRow(offsets, weights):
            kind = .perRow
            divisor = 1
            termShifts = .copy(offsets.map { $0 * inner })
            termCount = offsets.count
            // Borrowed, not copied: the stencil (alive for the whole apply call) owns the table.
            termWeights = weights.pointer
            borrowsTermWeights = true
        }
        leadingCount = stencil.leading.count
        trailingStart = stencil.length - stencil.trailing.count
        let rules = stencil.leading + stencil.trailing
        var isQuotient: [Bool] = [], divisors: [W] = [], starts: [Int] = [0], shifts: [Int] = [], weights: [W] = []
        for rule in rules {
            switch rule {
            case let .quotient(plus, minus, d):
                isQuotient.append(true)
                divisors.append(d)
                shifts += [plus * inner, minus * inner]
                weights += [1, -1]
            case let .weighted(rows, w):
                isQuotient.append(false)
                divisors.append(1)
                shifts += rows.map { $0 * inner }
                weights += w
            }
            starts.append(shifts.count)
        }
        ruleIsQuotient = .copy(isQuotient)
        ruleDivisor = .copy(divisors)
        ruleTermStart = .copy(starts)
        ruleShifts = .copy(shifts)
        ruleWeights = .copy(weights)
    }

    func deallocate() {
        termShifts.deallocate()
        if !borrowsTermWeights { termWeights.deallocate() }
        ruleIsQuotient.deallocate()
        ruleDivisor.deallocate()
        ruleTermStart.deallocate()
        ruleShifts.deallocate()
        ruleWeights.deallocate()
    }

    /// Rows `rows` of one line (`n * inner` elements starting at `input` / `output`).
    @inline(__always)
    func applySegment<T: BinaryFloatingPoint>(
        rows: Range<Int>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        accumulator: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        // Boundary rows, each with its own rule.
        let leadingEnd = min(rows.upperBound, leadingCount)
        if rows.lowerBound < leadingEnd {
            for i in rows.lowerBound..<leadingEnd {
                applyRule(i, row: i, input: input, output: output, accumulator: accumulator, accumulate: accumulate)
            }
        }
        let trailingBegin = max(rows.lowerBound, trailingStart)
        if trailingBegin < rows.upperBound {
            for i in trailingBegin..<rows.upperBound {
                applyRule(leadingCount + i - trailingStart, row: i, input: input, output: output,
                          accumulator: accumulator, accumulate: accumulate)
            }
        }
        // Interior rows.
        let lo = max(rows.lowerBound, leadingCount)
        let hi = min(rows.upperBound, max(leadingCount, trailingStart))
        guard lo < hi else { return }
        let shifts = UnsafePointer(termShifts)
        let terms = termCount
        let weights = UnsafePointer(termWeights)
        if inner == 1 {
            // Along the axis itself: rows lo..<hi are contiguous.
            let count = hi &- lo
            switch kind {
            case .centralQuotient:
                // 1D equivalent -- out[lo:hi] = (f[lo+1:hi+1] - f[lo-1:hi-1]) / divisor
                Self.quotient(count: count, plus: input + (lo &+ 1), minus: input + (lo &- 1), divisor: divisor,
                              output: output + lo, accumulate: accumulate)
            case .uniform:
                Self.weightedSum(count: count, base: input + lo, shifts: shifts, weights: weights, terms: terms,
                                 output: output + lo, accumulator: accumulator, accumulate: accumulate)
            case .perRow:
                Self.varyingWeightedSum(count: count, base: input + lo, shifts: shifts, terms: terms,
                                        weights: weights + lo, weightStride: n,
                                        output: output + lo, accumulator: accumulator, accumulate: accumulate)
            }
        } else {
            for i in lo..<hi {
                let row = i &* inner
                switch kind {
                case .centralQuotient:
                    // 1D equivalent -- out[i] = (f[i+1] - f[i-1]) / divisor, for a whole row
                    Self.quotient(count: inner, plus: input + (row &+ inner), minus: input + (row &- inner),
                                  divisor: divisor, output: output + row, accumulate: accumulate)
                case .uniform:
                    Self.weightedSum(count: inner, base: input + row, shifts: shifts, weights: weights, terms: terms,
                                     output: output + row, accumulator: accumulator, accumulate: accumulate)
                case .perRow:
                    // Row i's weights are weights[k * n + i]: a stride-n gather of `terms` values.
                    Self.weightedSum(count: inner, base: input + row, shifts: shifts, weights: weights + i,
                                     weightStride: n, terms: terms,
                                     output: output + row, accumulator: accumulator, accumulate: accumulate)
                }
            }
        }
    }

    /// Boundary rule `r` on `row` (`inner` contiguous outputs).
    @inline(__always)
    func applyRule<T: BinaryFloatingPoint>(
        _ r: Int, row: Int, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        accumulator: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        let start = ruleTermStart[r]
        let shifts = UnsafePointer(ruleShifts) + start
        if ruleIsQuotient[r] {
            Self.quotient(count: inner, plus: input + shifts[0], minus: input + shifts[1], divisor: ruleDivisor[r],
                          output: output + row &* inner, accumulate: accumulate)
        } else {
            Self.weightedSum(count: inner, base: input, shifts: shifts, weights: UnsafePointer(ruleWeights) + start,
                             terms: ruleTermStart[r + 1] - start,
                             output: output + row &* inner, accumulator: accumulator, accumulate: accumulate)
        }
    }

    /// `output[j] (+)= (plus[j] - minus[j]) / divisor`: the difference in `T`, the division in `W`.
    @inline(__always)
    static func quotient<T: BinaryFloatingPoint>(
        count: Int, plus: UnsafePointer<T>, minus: UnsafePointer<T>, divisor: W, output: UnsafeMutablePointer<T>,
        accumulate: Bool
    ) {
        if accumulate {
            for j in 0..<count { output[j] += T(W(plus[j] - minus[j]) / divisor) }
        } else {
            for j in 0..<count { output[j] = T(W(plus[j] - minus[j]) / divisor) }
        }
    }

    /// `output[j] (+)= Σ_k weights[k · weightStride] · base[j + shifts[k]]`, summed left to right in `W`.
    @inline(__always)
    static func weightedSum<T: BinaryFloatingPoint>(
        count: Int, base: UnsafePointer<T>, shifts: UnsafePointer<Int>, weights: UnsafePointer<W>,
        weightStride: Int = 1, terms: Int,
        output: UnsafeMutablePointer<T>, accumulator acc: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        // Three, four and six terms (numpy's non-uniform stencil, accuracy 4 and 6): one pass with the sum
        // in registers, the same left-to-right order as the general loop below, so the same bits.
        if !accumulate && terms == 3 {
            let w0 = weights[0], w1 = weights[weightStride], w2 = weights[2 &* weightStride]
            let s0 = base + shifts[0], s1 = base + shifts[1], s2 = base + shifts[2]
            for j in 0..<count {
                var sum: W = w0 * W(s0[j])
                sum += w1 * W(s1[j])
                sum += w2 * W(s2[j])
                output[j] = T(sum)
            }
            return
        }
        if !accumulate && (terms == 4 || terms == 6) {
            let w0 = weights[0], w1 = weights[weightStride], w2 = weights[2 &* weightStride]
            let w3 = weights[3 &* weightStride]
            let s0 = base + shifts[0], s1 = base + shifts[1], s2 = base + shifts[2], s3 = base + shifts[3]
            if terms == 4 {
                for j in 0..<count {
                    var sum: W = w0 * W(s0[j])
                    sum += w1 * W(s1[j])
                    sum += w2 * W(s2[j])
                    sum += w3 * W(s3[j])
                    output[j] = T(sum)
                }
            } else {
                let w4 = weights[4 &* weightStride], w5 = weights[5 &* weightStride]
                let s4 = base + shifts[4], s5 = base + shifts[5]
                for j in 0..<count {
                    var sum: W = w0 * W(s0[j])
                    sum += w1 * W(s1[j])
                    sum += w2 * W(s2[j])
                    sum += w3 * W(s3[j])
                    sum += w4 * W(s4[j])
                    sum += w5 * W(s5[j])
                    output[j] = T(sum)
                }
            }
            return
        }
        var j0 = 0
        while j0 < count {
            let m = min(AxisKernel.blockSize, count &- j0)
            let s0 = base + (j0 &+ shifts[0])
            let w0 = weights[0]
            for j in 0..<m { acc[j] = w0 * W(s0[j]) }
            var k = 1
            while k < terms {
                let s = base + (j0 &+ shifts[k])
                let w = weights[k &* weightStride]
                for j in 0..<m { acc[j] += w * W(s[j]) }
                k &+= 1
            }
            store(acc, count: m, to: output + j0, accumulate: accumulate)
            j0 &+= m
        }
    }

    /// Like ``weightedSum(count:base:shifts:weights:weightStride:terms:output:accumulator:accumulate:)``
    /// with a weight per output: term `k`'s weight for output `j` is `weights[k * weightStride + j]`.
    @inline(__always)
    static func varyingWeightedSum<T: BinaryFloatingPoint>(
        count: Int, base: UnsafePointer<T>, shifts: UnsafePointer<Int>, terms: Int,
        weights: UnsafePointer<W>, weightStride: Int,
        output: UnsafeMutablePointer<T>, accumulator acc: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        // numpy's non-uniform stencil (three terms): one pass, same order of operations.
        if !accumulate && terms == 3 {
            let w0 = weights, w1 = weights + weightStride, w2 = weights + 2 &* weightStride
            let s0 = base + shifts[0], s1 = base + shifts[1], s2 = base + shifts[2]
            for j in 0..<count {
                var sum: W = w0[j] * W(s0[j])
                sum += w1[j] * W(s1[j])
                sum += w2[j] * W(s2[j])
                output[j] = T(sum)
            }
            return
        }
        var j0 = 0
        while j0 < count {
            let m = min(AxisKernel.blockSize, count &- j0)
            let s0 = base + (j0 &+ shifts[0])
            let w0 = weights + j0
            for j in 0..<m { acc[j] = w0[j] * W(s0[j]) }
            var k = 1
            while k < terms {
                let s = base + (j0 &+ shifts[k])
                let w = weights + (k &* weightStride &+ j0)
                for j in 0..<m { acc[j] += w[j] * W(s[j]) }
                k &+= 1
            }
            store(acc, count: m, to: output + j0, accumulate: accumulate)
            j0 &+= m
        }
    }

    /// `output[j] (+)= T(acc[j])`.
    @inline(__always)
    static func store<T: BinaryFloatingPoint>(_ acc: UnsafeMutablePointer<W>, count m: Int, to out: UnsafeMutablePointer<T>, accumulate: Bool) {
        if accumulate {
            for j in 0..<m { out[j] += T(acc[j]) }
        } else {
            for j in 0..<m { out[j] = T(acc[j]) }
        }
    }
}

extension UnsafeMutablePointer {
    /// A new allocation holding a copy of `elements` (at least one slot, so it is never empty); the caller
    /// deallocates it.
    static func copy(_ elements: [Pointee]) -> UnsafeMutablePointer {
        let pointer = UnsafeMutablePointer.allocate(capacity: Swift.max(1, elements.count))
        elements.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: source.count) }
        }
        return pointer
    }
}

// MARK: Several axes at once

/// A compiled stencil in the precision it computes in.
enum CompiledAnyStencil<T: FieldScalar>: @unchecked Sendable {
    case native(CompiledStencil<T>)
    case inDouble(CompiledStencil<Double>)

    init(_ stencil: BuiltStencil<T>, inner: Int) {
        switch stencil {
        case let .native(s): self = .native(CompiledStencil(s, inner: inner))
        case let .inDouble(s): self = .inDouble(CompiledStencil(s, inner: inner))
        }
    }

    var termCount: Int {
        switch self {
        case let .native(c): c.termCount
        case let .inDouble(c): c.termCount
        }
    }

    func deallocate() {
        switch self {
        case let .native(c): c.deallocate()
        case let .inDouble(c): c.deallocate()
        }
    }

    @inline(__always)
    func applySegment(rows: Range<Int>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
                      nativeAccumulator: UnsafeMutablePointer<T>, doubleAccumulator: UnsafeMutablePointer<Double>) {
        switch self {
        case let .native(c):
            c.applySegment(rows: rows, input: input, output: output, accumulator: nativeAccumulator, accumulate: false)
        case let .inDouble(c):
            c.applySegment(rows: rows, input: input, output: output, accumulator: doubleAccumulator, accumulate: false)
        }
    }
}

extension AxisKernel {
    /// Derivatives along several axes in one pass over the input: `outputs[k] = stencils[k]` along
    /// `axes[k]`.
    ///
    /// The array is processed plane by plane along axis 0 (each worker takes consecutive planes). For
    /// plane `i`, the axes other than 0 are applied within the plane, then axis 0's row `i` (which reads
    /// planes `i ± 1`), so each input plane is fetched from memory about once instead of once per axis.
    /// Every output element is computed by exactly the operations of ``apply(_:to:shape:axis:into:accumulate:)``.
    static func applyFused<T: FieldScalar>(
        _ stencils: [BuiltStencil<T>], axes: [Int], to input: UnsafeBufferPointer<T>, shape: [Int],
        into outputs: [UnsafeMutablePointer<T>]
    ) {
        precondition(shape.count >= 2 && stencils.count == axes.count && outputs.count == axes.count)
        guard input.count > 0, let inBase = input.baseAddress else { return }
        let planeSize = shape[1...].reduce(1, *)
        let compiled = zip(stencils, axes).map { stencil, axis in
            CompiledAnyStencil(stencil, inner: shape[(axis + 1)...].reduce(1, *))
        }
        defer { compiled.forEach { $0.deallocate() }; withExtendedLifetime(stencils) {} }
        // Per axis: (lines per plane, line length in elements), and the output pointers.
        let geometry = axes.map { axis in (shape[1..<max(1, axis)].reduce(1, *), shape[axis...].reduce(1, *)) }
        let work = SendableFusedWork(compiled: compiled, axes: axes, geometry: geometry,
                                     outputs: outputs.map { SendablePointer(base: $0) }, input: SendableReadPointer(base: inBase))
        let terms = compiled.map(\.termCount).reduce(0, +)
        Parallel.forEachChunk(count: shape[0], costPerItem: planeSize * terms) { planes in
            let nativeAccumulator = UnsafeMutablePointer<T>.allocate(capacity: blockSize)
            let doubleAccumulator = UnsafeMutablePointer<Double>.allocate(capacity: blockSize)
            defer { nativeAccumulator.deallocate(); doubleAccumulator.deallocate() }
            for plane in planes {
                let planeStart = plane * planeSize
                for k in work.axes.indices where work.axes[k] != 0 {
                    let (lines, lineLength) = work.geometry[k]
                    let n = shape[work.axes[k]]
                    for line in 0..<lines {
                        let start = planeStart + line * lineLength
                        work.compiled[k].applySegment(rows: 0..<n, input: work.input.base + start,
                                                      output: work.outputs[k].base + start,
                                                      nativeAccumulator: nativeAccumulator, doubleAccumulator: doubleAccumulator)
                    }
                }
                for k in work.axes.indices where work.axes[k] == 0 {
                    work.compiled[k].applySegment(rows: plane..<(plane + 1), input: work.input.base,
                                                  output: work.outputs[k].base,
                                                  nativeAccumulator: nativeAccumulator, doubleAccumulator: doubleAccumulator)
                }
            }
        }
    }
}

/// What the fused workers share: compiled stencils (read-only) and disjoint output planes.
struct SendableFusedWork<T: FieldScalar>: @unchecked Sendable {
    let compiled: [CompiledAnyStencil<T>]
    let axes: [Int]
    let geometry: [(Int, Int)]
    let outputs: [SendablePointer<T>]
    let input: SendableReadPointer<T>
}
