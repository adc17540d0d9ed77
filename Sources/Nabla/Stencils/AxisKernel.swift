// Why this file uses raw pointers: it holds the hot loops of every finite-difference operator. They
// run on all cores over disjoint parts of the output, read shifted rows of the input, and must compile to
// vectorised loops without bounds checks or reference counting, which Swift arrays do not give across
// threads. Every pointer here points into an input or output buffer, or into a small buffer this file
// allocates and frees; the `assert`s check offsets in debug builds. Pointers are taken inside
// `withUnsafe…` closures (`NDArray+Kernel` section below) and never outlive them.
//
// This is also where the generic operators reach code specialised for `Double`, `Float` and `Float16`
// (`AxisKernel.dispatch`): an unspecialised generic loop called from another module runs ~30x slower.

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
        let src = SharedBuffer(UnsafeMutablePointer(mutating: inBase), count: input.count)  // read only
        let dst = SharedBuffer(outBase, count: output.count)
        let total = input.count
        stencil.withCompiled(inner: inner, lines: outer) { compiled in
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
                    compiled.applySegment(rows: first..<last, input: UnsafePointer(src.pointer + lineStart),
                                          output: dst.pointer + lineStart, accumulator: accumulator, accumulate: accumulate)
                    u += last - first
                }
            }
        }
    }
}

extension AxisStencil {
    /// Calls `body` with the stencil compiled for `lines` lines of rows of `inner` elements; the compiled
    /// form (which may borrow the storage of the stencil's ``WeightTable`` or ``NumpySteps``) is valid only
    /// inside `body`.
    func withCompiled<R>(inner: Int, lines: Int, _ body: (CompiledStencil<W>) -> R) -> R {
        func compiled(_ weights: UnsafePointer<W>?, _ steps: CompiledStencil<W>.BorrowedSteps) -> R {
            let compiled = CompiledStencil(self, inner: inner, lines: lines, borrowing: weights, steps: steps)
            defer { compiled.deallocate() }
            return body(compiled)
        }
        switch interior {
        case let .perRow(_, table):
            return table.weights.withUnsafeBufferPointer { compiled($0.baseAddress, .none) }
        case let .numpySteps(steps):
            switch steps.values {
            case let .double(dx): return dx.withUnsafeBufferPointer { compiled(nil, $0.baseAddress.map { .double($0) } ?? .none) }
            case let .float(dx): return dx.withUnsafeBufferPointer { compiled(nil, $0.baseAddress.map { .float($0) } ?? .none) }
            }
        case .centralQuotient, .uniform:
            return compiled(nil, .none)
        }
    }
}

/// An ``AxisStencil`` flattened into manually managed buffers for rows of `inner` elements: offsets are
/// already multiplied by `inner`. Made and deallocated by ``AxisStencil/withCompiled(inner:lines:_:)``, which
/// outlives the workers using it.
struct CompiledStencil<W: BinaryFloatingPoint & Sendable>: @unchecked Sendable {
    enum Kind { case centralQuotient, uniform, perRow, numpySteps }
    /// The steps of a `.numpySteps` interior, borrowed from the stencil's ``NumpySteps``.
    enum BorrowedSteps { case none, double(UnsafePointer<Double>), float(UnsafePointer<Float>) }

    let n: Int
    let inner: Int
    let kind: Kind
    /// `.centralQuotient`: the divisor (its reciprocal when `byReciprocal`).
    let divisor: W
    /// Quotients multiply by the stored reciprocal of their divisor (numpy's complex division; see
    /// ``AxisStencil/dividesByReciprocal``).
    let byReciprocal: Bool
    /// Interior term offsets in elements (`offset * inner`); for `.centralQuotient`, `[+inner, -inner]`.
    let termShifts: UnsafeMutablePointer<Int>
    let termCount: Int
    /// `.uniform`: one weight per term; `.perRow`: `weights[k * n + i]` (the stencil's ``WeightTable``).
    let termWeights: UnsafeMutablePointer<W>
    /// Whether `termWeights` belongs to the stencil's ``WeightTable`` (not deallocated here).
    private(set) var borrowsTermWeights = false
    /// `.numpySteps`: the steps `dx` (row `i`'s weights come from `dx[i-1]`, `dx[i]`) and whether the
    /// weights are negated.
    let steps: BorrowedSteps
    let stepsNegated: Bool
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

    /// Axes of at most this many samples apply numpy's non-uniform stencil from a table of per-row weights
    /// computed once per call when at least ``numpyTableMinimumLines`` lines share them
    /// (``init(_:inner:lines:borrowing:steps:)``).
    static var numpyTableLimit: Int { 1 << 16 }
    /// Filling the table takes about as long as computing the weights in the loop for 4–6 lines (it is
    /// one scalar pass on one core), so fewer lines compute them in the loop.
    static var numpyTableMinimumLines: Int { 8 }

    /// `perRowWeights`: the storage of the stencil's ``WeightTable`` when the interior is `.perRow`;
    /// `steps`: the storage of its ``NumpySteps`` when it is `.numpySteps`; valid while this value is used.
    ///
    /// A `.numpySteps` interior is applied from its steps, each row's weights computed as the row is
    /// computed, unless at least ``numpyTableMinimumLines`` lines of an axis of at most ``numpyTableLimit``
    /// samples share them: then this computes the weights once into a table of `3 n` values (the same
    /// bits; deallocated with this value), which the lines read instead of dividing again.
    init(_ stencil: AxisStencil<W>, inner: Int, lines: Int, borrowing perRowWeights: UnsafePointer<W>?, steps: BorrowedSteps) {
        n = stencil.length
        self.inner = inner
        let byReciprocal = stencil.dividesByReciprocal
        self.byReciprocal = byReciprocal
        self.steps = steps
        stepsNegated = if case let .numpySteps(s) = stencil.interior { s.negated } else { false }
        switch stencil.interior {
        case let .centralQuotient(d):
            kind = .centralQuotient
            // numpy's complex divide: scl = 1/d in the element type, then (re + im·0) · scl.
            divisor = byReciprocal ? 1 / d : d
            termShifts = .copy([inner, -inner])
            termCount = 2
            termWeights = .copy([])
        case let .uniform(offsets, weights):
            kind = .uniform
            divisor = 1
            termShifts = .copy(offsets.map { $0 * inner })
            termCount = offsets.count
            termWeights = .copy(weights)
        case let .perRow(offsets, table):
            kind = .perRow
            divisor = 1
            termShifts = .copy(offsets.map { $0 * inner })
            termCount = offsets.count
            // Borrowed, not copied: `withCompiled` keeps the table's storage pinned while this is used.
            if let perRowWeights, table.count > 0 {
                termWeights = UnsafeMutablePointer(mutating: perRowWeights)
                borrowsTermWeights = true
            } else {
                termWeights = .copy(table.weights)
            }
        case .numpySteps:
            divisor = 1
            termShifts = .copy([-inner, 0, inner])
            termCount = 3
            if lines >= Self.numpyTableMinimumLines && n <= Self.numpyTableLimit {
                kind = .perRow
                switch steps {
                case let .double(dx): termWeights = Self.numpyTable(n: n, steps: dx, negated: stepsNegated)
                case let .float(dx): termWeights = Self.numpyTable(n: n, steps: dx, negated: stepsNegated)
                case .none: termWeights = .copy([])
                }
            } else {
                kind = .numpySteps
                termWeights = .copy([])
            }
        }
        leadingCount = stencil.leading.count
        trailingStart = stencil.length - stencil.trailing.count
        let rules = stencil.leading + stencil.trailing
        var isQuotient: [Bool] = [], divisors: [W] = [], starts: [Int] = [0], shifts: [Int] = [], weights: [W] = []
        for rule in rules {
            switch rule {
            case let .quotient(plus, minus, d):
                isQuotient.append(true)
                divisors.append(byReciprocal ? 1 / d : d)
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

    /// numpy's non-uniform weights of every row, `table[k * n + i]` (`0` on the boundary rows), computed as
    /// ``numpyStepRows(_:steps:input:output:accumulate:)`` computes them; the caller deallocates the table.
    static func numpyTable<S: BinaryFloatingPoint>(n: Int, steps dx: UnsafePointer<S>, negated: Bool) -> UnsafeMutablePointer<W> {
        let table = UnsafeMutablePointer<W>.allocate(capacity: 3 * n)
        table.initialize(repeating: 0, count: 3 * n)
        for i in 1..<max(1, n - 1) {
            let (a, b, c) = rowWeights(dx, i, negated: negated)
            table[i] = a
            table[n &+ i] = b
            table[2 &* n &+ i] = c
        }
        return table
    }

    /// Row `i`'s weights from the steps `dx[i-1]`, `dx[i]`: computed in `S`, converted to `W`, negated
    /// when asked.
    @inline(__always)
    static func rowWeights<S: BinaryFloatingPoint>(_ dx: UnsafePointer<S>, _ i: Int, negated: Bool) -> (W, W, W) {
        let w = NumpySteps.weights(dx[i &- 1], dx[i])
        let a = W(w.a), b = W(w.b), c = W(w.c)
        return negated ? (-a, -b, -c) : (a, b, c)
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
        if inner == 2 {
            // Complex data (real and imaginary parts interleaved) along its last axis: rows lo..<hi are one
            // contiguous run of 2·(hi - lo) values, and every value's operations are the per-row ones.
            applyPairedRows(lo..<hi, input: input, output: output, accumulator: accumulator, accumulate: accumulate)
            return
        }
        if inner == 1 {
            // Along the axis itself: rows lo..<hi are contiguous.
            let count = hi &- lo
            switch kind {
            case .centralQuotient:
                // 1D equivalent -- out[lo:hi] = (f[lo+1:hi+1] - f[lo-1:hi-1]) / divisor
                Self.quotient(count: count, plus: input + (lo &+ 1), minus: input + (lo &- 1), divisor: divisor,
                              reciprocal: byReciprocal, output: output + lo, accumulate: accumulate)
            case .uniform:
                Self.weightedSum(count: count, base: input + lo, shifts: shifts, weights: weights, terms: terms,
                                 output: output + lo, accumulator: accumulator, accumulate: accumulate)
            case .perRow:
                Self.varyingWeightedSum(count: count, base: input + lo, shifts: shifts, terms: terms,
                                        weights: weights + lo, weightStride: n,
                                        output: output + lo, accumulator: accumulator, accumulate: accumulate)
            case .numpySteps:
                applyNumpySteps(lo..<hi, input: input, output: output, accumulate: accumulate)
            }
        } else {
            for i in lo..<hi {
                let row = i &* inner
                switch kind {
                case .centralQuotient:
                    // 1D equivalent -- out[i] = (f[i+1] - f[i-1]) / divisor, for a whole row
                    Self.quotient(count: inner, plus: input + (row &+ inner), minus: input + (row &- inner),
                                  divisor: divisor, reciprocal: byReciprocal, output: output + row, accumulate: accumulate)
                case .uniform:
                    Self.weightedSum(count: inner, base: input + row, shifts: shifts, weights: weights, terms: terms,
                                     output: output + row, accumulator: accumulator, accumulate: accumulate)
                case .perRow:
                    // Row i's weights are weights[k * n + i]: a stride-n gather of `terms` values.
                    Self.weightedSum(count: inner, base: input + row, shifts: shifts, weights: weights + i,
                                     weightStride: n, terms: terms,
                                     output: output + row, accumulator: accumulator, accumulate: accumulate)
                case .numpySteps:
                    // Row i's three weights, computed once for its `inner` elements.
                    applyNumpySteps(i..<(i &+ 1), input: input, output: output, accumulate: accumulate)
                }
            }
        }
    }

    /// Interior rows `rows` when `inner == 2` (complex data along its last axis).
    @inline(__always)
    func applyPairedRows<T: BinaryFloatingPoint>(
        _ rows: Range<Int>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        accumulator: UnsafeMutablePointer<W>, accumulate: Bool
    ) {
        let lo = rows.lowerBound, hi = rows.upperBound
        let count = 2 &* (hi &- lo)
        let start = 2 &* lo
        let shifts = UnsafePointer(termShifts)
        let weights = UnsafePointer(termWeights)
        switch kind {
        case .centralQuotient:
            // 1D equivalent -- out[lo:hi] = (f[lo+1:hi+1] - f[lo-1:hi-1]) / divisor, both parts
            Self.quotient(count: count, plus: input + (start &+ 2), minus: input + (start &- 2), divisor: divisor,
                          reciprocal: byReciprocal, output: output + start, accumulate: accumulate)
        case .uniform:
            Self.weightedSum(count: count, base: input + start, shifts: shifts, weights: weights, terms: termCount,
                             output: output + start, accumulator: accumulator, accumulate: accumulate)
        case .perRow:
            // 1D equivalent -- out[i] = Σ_k w[k, i] * f[i + o_k], for the real and the imaginary part
            let terms = termCount
            for i in lo..<hi {
                for lane in 0..<2 {
                    let j = 2 &* i &+ lane
                    var sum: W = weights[i] * W(input[j &+ shifts[0]])
                    var k = 1
                    while k < terms {
                        sum += weights[k &* n &+ i] * W(input[j &+ shifts[k]])
                        k &+= 1
                    }
                    if accumulate { output[j] += T(sum) } else { output[j] = T(sum) }
                }
            }
        case .numpySteps:
            // Each row's weights serve its real and imaginary part.
            applyNumpySteps(rows, input: input, output: output, accumulate: accumulate)
        }
    }

    /// Interior rows `rows` of numpy's non-uniform stencil (`.numpySteps`), whatever `inner`: row `i`'s
    /// weights are computed from the steps `dx[i-1]`, `dx[i]` in their own type (``NumpySteps``), converted
    /// to `W`, and applied to the row's `inner` elements; along a contiguous axis (`inner == 1`) four rows
    /// at a time in SIMD registers, with the same operations lane by lane.
    @inline(__always)
    func applyNumpySteps<T: BinaryFloatingPoint>(
        _ rows: Range<Int>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        switch steps {
        case let .double(dx): numpyStepRows(rows, steps: dx, input: input, output: output, accumulate: accumulate)
        case let .float(dx): numpyStepRows(rows, steps: dx, input: input, output: output, accumulate: accumulate)
        case .none: assert(rows.isEmpty)
        }
    }

    @inline(__always)
    func numpyStepRows<S: BinaryFloatingPoint, T: BinaryFloatingPoint>(
        _ rows: Range<Int>, steps dx: UnsafePointer<S>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        accumulate: Bool
    ) {
        assert(rows.lowerBound >= 1 && rows.upperBound <= n - 1)
        var first = rows.lowerBound
        if inner == 1 {
            first = NumpyStepsVectors.rows(rows, steps: dx, negated: stepsNegated, input: input, output: output,
                                           accumulate: accumulate, weightType: W.self)
        }
        for i in first..<rows.upperBound {
            let (a, b, c) = Self.rowWeights(dx, i, negated: stepsNegated)
            let row = i &* inner
            // 1D equivalent -- out[i] = (a * f[i-1] + b * f[i]) + c * f[i+1], for a whole row
            Self.threeTermSum(count: inner, minus: input + (row &- inner), centre: input + row, plus: input + (row &+ inner),
                              a, b, c, output: output + row, accumulate: accumulate)
        }
    }

    /// `output[j] (+)= (a · minus[j] + b · centre[j]) + c · plus[j]`, summed in `W`.
    @inline(__always)
    static func threeTermSum<T: BinaryFloatingPoint>(
        count: Int, minus s0: UnsafePointer<T>, centre s1: UnsafePointer<T>, plus s2: UnsafePointer<T>,
        _ w0: W, _ w1: W, _ w2: W, output: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        if accumulate {
            for j in 0..<count {
                var sum: W = w0 * W(s0[j])
                sum += w1 * W(s1[j])
                sum += w2 * W(s2[j])
                output[j] += T(sum)
            }
        } else {
            for j in 0..<count {
                var sum: W = w0 * W(s0[j])
                sum += w1 * W(s1[j])
                sum += w2 * W(s2[j])
                output[j] = T(sum)
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
                          reciprocal: byReciprocal, output: output + row &* inner, accumulate: accumulate)
        } else {
            Self.weightedSum(count: inner, base: input, shifts: shifts, weights: UnsafePointer(ruleWeights) + start,
                             terms: ruleTermStart[r + 1] - start,
                             output: output + row &* inner, accumulator: accumulator, accumulate: accumulate)
        }
    }

    /// `output[j] (+)= (plus[j] - minus[j]) / divisor`: the difference in `T`, the division in `W`; with
    /// `reciprocal`, `divisor` holds `1/d` and the quotient is `(plus[j] - minus[j]) · divisor` (numpy's
    /// complex division).
    @inline(__always)
    static func quotient<T: BinaryFloatingPoint>(
        count: Int, plus: UnsafePointer<T>, minus: UnsafePointer<T>, divisor: W, reciprocal: Bool,
        output: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        if reciprocal {
            // 1D equivalent -- out = (f[a] - f[b]) * (1 / d)
            if accumulate {
                for j in 0..<count { output[j] += T(W(plus[j] - minus[j]) * divisor) }
            } else {
                for j in 0..<count { output[j] = T(W(plus[j] - minus[j]) * divisor) }
            }
            return
        }
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
            threeTermSum(count: count, minus: base + shifts[0], centre: base + shifts[1], plus: base + shifts[2],
                         weights[0], weights[weightStride], weights[2 &* weightStride], output: output, accumulate: false)
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

    var termCount: Int {
        switch self {
        case let .native(c): c.termCount
        case let .inDouble(c): c.termCount
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

extension BuiltStencil {
    /// Calls `body` with every stencil of `stencils[k...]` compiled (row length `inners[k]`, `lines[k]` lines), in order;
    /// the compiled forms are valid only inside `body`.
    static func withCompiled<R>(_ stencils: ArraySlice<BuiltStencil>, inners: ArraySlice<Int>, lines: ArraySlice<Int>,
                                _ body: ([CompiledAnyStencil<T>]) -> R) -> R {
        guard let first = stencils.first, let inner = inners.first, let count = lines.first else { return body([]) }
        let rest = stencils.dropFirst(), restInners = inners.dropFirst(), restLines = lines.dropFirst()
        switch first {
        case let .native(s):
            return s.withCompiled(inner: inner, lines: count) { c in
                withCompiled(rest, inners: restInners, lines: restLines) { body([.native(c)] + $0) }
            }
        case let .inDouble(s):
            return s.withCompiled(inner: inner, lines: count) { c in
                withCompiled(rest, inners: restInners, lines: restLines) { body([.inDouble(c)] + $0) }
            }
        }
    }
}

/// The contiguous rows of numpy's non-uniform stencil (`inner == 1`), four at a time: each lane does the
/// operations of ``CompiledStencil/numpyStepRows(_:steps:input:output:accumulate:)`` for its row, in the
/// same order and types, so the results are the same bits (Swift never fuses a multiply and an add).
enum NumpyStepsVectors {
    /// Does rows `rows.lowerBound..<r` in SIMD registers and returns `r`, the first row left for the
    /// scalar loop (`rows.lowerBound` when the types have no vector loop here).
    @inline(__always)
    static func rows<S: BinaryFloatingPoint, W: BinaryFloatingPoint, T: BinaryFloatingPoint>(
        _ rows: Range<Int>, steps dx: UnsafePointer<S>, negated: Bool, input: UnsafePointer<T>,
        output: UnsafeMutablePointer<T>, accumulate: Bool, weightType: W.Type
    ) -> Int {
        // The combinations numpy's precision rules produce; the comparisons fold away once specialised.
        if S.self == Double.self, W.self == Double.self, T.self == Double.self {
            return run(rows, dx: rebound(dx, Double.self), negated: negated, input: rebound(input, Double.self),
                       output: rebound(output, Double.self), accumulate: accumulate, weightType: Double.self)
        } else if S.self == Double.self, W.self == Double.self, T.self == Float.self {
            return run(rows, dx: rebound(dx, Double.self), negated: negated, input: rebound(input, Float.self),
                       output: rebound(output, Float.self), accumulate: accumulate, weightType: Double.self)
        } else if S.self == Float.self, W.self == Float.self, T.self == Float.self {
            return run(rows, dx: rebound(dx, Float.self), negated: negated, input: rebound(input, Float.self),
                       output: rebound(output, Float.self), accumulate: accumulate, weightType: Float.self)
        } else if S.self == Float.self, W.self == Double.self, T.self == Double.self {
            return run(rows, dx: rebound(dx, Float.self), negated: negated, input: rebound(input, Double.self),
                       output: rebound(output, Double.self), accumulate: accumulate, weightType: Double.self)
        }
        return rows.lowerBound
    }

    @inline(__always)
    static func run<S: BinaryFloatingPoint & SIMDScalar & BitwiseCopyable, W: BinaryFloatingPoint & SIMDScalar,
                    T: BinaryFloatingPoint & SIMDScalar & BitwiseCopyable>(
        _ rows: Range<Int>, dx: UnsafePointer<S>, negated: Bool, input: UnsafePointer<T>,
        output: UnsafeMutablePointer<T>, accumulate: Bool, weightType: W.Type
    ) -> Int {
        // One loop per combination of the flags, so that none is tested inside it.
        switch (negated, accumulate) {
        case (false, false): run(rows, dx: dx, input: input, output: output, W.self, negated: false, accumulate: false)
        case (false, true): run(rows, dx: dx, input: input, output: output, W.self, negated: false, accumulate: true)
        case (true, false): run(rows, dx: dx, input: input, output: output, W.self, negated: true, accumulate: false)
        case (true, true): run(rows, dx: dx, input: input, output: output, W.self, negated: true, accumulate: true)
        }
    }

    @inline(__always)
    static func run<S: BinaryFloatingPoint & SIMDScalar & BitwiseCopyable, W: BinaryFloatingPoint & SIMDScalar,
                    T: BinaryFloatingPoint & SIMDScalar & BitwiseCopyable>(
        _ rows: Range<Int>, dx: UnsafePointer<S>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        _: W.Type, negated: Bool, accumulate: Bool
    ) -> Int {
        var i = rows.lowerBound
        while i &+ 4 <= rows.upperBound {
            // 1D equivalent -- a, b, c = numpy's weights of rows i..<i+4; out[i:i+4] = (a f[i-1:i+3] + b f[i:i+4]) + c f[i+1:i+5]
            let h1 = UnsafeRawPointer(dx + (i &- 1)).loadUnaligned(as: SIMD4<S>.self)
            let h2 = UnsafeRawPointer(dx + i).loadUnaligned(as: SIMD4<S>.self)
            let sum = h1 + h2
            var a: SIMD4<W> = converted(-(h2) / (h1 * sum))
            var b: SIMD4<W> = converted((h2 - h1) / (h1 * h2))
            var c: SIMD4<W> = converted(h1 / (h2 * sum))
            if negated { a = -a; b = -b; c = -c }
            let fm: SIMD4<W> = converted(UnsafeRawPointer(input + (i &- 1)).loadUnaligned(as: SIMD4<T>.self))
            let f0: SIMD4<W> = converted(UnsafeRawPointer(input + i).loadUnaligned(as: SIMD4<T>.self))
            let fp: SIMD4<W> = converted(UnsafeRawPointer(input + (i &+ 1)).loadUnaligned(as: SIMD4<T>.self))
            var s = a * fm
            s += b * f0
            s += c * fp
            var result: SIMD4<T> = converted(s)
            if accumulate { result = UnsafeRawPointer(output + i).loadUnaligned(as: SIMD4<T>.self) + result }
            UnsafeMutableRawPointer(output + i).storeBytes(of: result, as: SIMD4<T>.self)
            i &+= 4
        }
        return i
    }

    /// `v` lane by lane in `V` (rounded to nearest); a no-op when the types are the same.
    @inline(__always)
    static func converted<U: BinaryFloatingPoint & SIMDScalar, V: BinaryFloatingPoint & SIMDScalar>(_ v: SIMD4<U>) -> SIMD4<V> {
        if U.self == V.self { return unsafeBitCast(v, to: SIMD4<V>.self) }
        return SIMD4<V>(V(v[0]), V(v[1]), V(v[2]), V(v[3]))
    }

    /// The same memory seen as `U`; only called when `T` and `U` are the same type.
    @inline(__always)
    static func rebound<T, U>(_ pointer: UnsafePointer<T>, _: U.Type) -> UnsafePointer<U> {
        assert(T.self == U.self)
        return UnsafeRawPointer(pointer).assumingMemoryBound(to: U.self)
    }

    @inline(__always)
    static func rebound<T, U>(_ pointer: UnsafeMutablePointer<T>, _: U.Type) -> UnsafeMutablePointer<U> {
        assert(T.self == U.self)
        return UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: U.self)
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
        into outputs: [SharedBuffer<T>]
    ) {
        precondition(shape.count >= 2 && stencils.count == axes.count && outputs.count == axes.count)
        guard input.count > 0, let inBase = input.baseAddress else { return }
        precondition(outputs.allSatisfy { $0.count == input.count })
        let planeSize = shape[1...].reduce(1, *)
        let inners = axes.map { shape[($0 + 1)...].reduce(1, *) }
        let lines = axes.map { shape[..<$0].reduce(1, *) }
        BuiltStencil.withCompiled(stencils[...], inners: inners[...], lines: lines[...]) { compiled in
            // Per axis: (lines per plane, line length in elements).
            let geometry = axes.map { axis in (shape[1..<max(1, axis)].reduce(1, *), shape[axis...].reduce(1, *)) }
            let work = SendableFusedWork(compiled: compiled, axes: axes, geometry: geometry, outputs: outputs,
                                         input: SharedBuffer(UnsafeMutablePointer(mutating: inBase), count: input.count))
            let terms = compiled.map(\.termCount).reduce(0, +)
            Parallel.forEachChunk(count: shape[0], costPerItem: planeSize * terms) { planes in
                let nativeAccumulator = UnsafeMutablePointer<T>.allocate(capacity: blockSize)
                let doubleAccumulator = UnsafeMutablePointer<Double>.allocate(capacity: blockSize)
                defer { nativeAccumulator.deallocate(); doubleAccumulator.deallocate() }
                let input = UnsafePointer(work.input.pointer)
                for plane in planes {
                    let planeStart = plane * planeSize
                    for k in work.axes.indices where work.axes[k] != 0 {
                        let (lines, lineLength) = work.geometry[k]
                        let n = shape[work.axes[k]]
                        for line in 0..<lines {
                            let start = planeStart + line * lineLength
                            assert(start + lineLength <= work.input.count)
                            work.compiled[k].applySegment(rows: 0..<n, input: input + start,
                                                          output: work.outputs[k].pointer + start,
                                                          nativeAccumulator: nativeAccumulator, doubleAccumulator: doubleAccumulator)
                        }
                    }
                    for k in work.axes.indices where work.axes[k] == 0 {
                        work.compiled[k].applySegment(rows: plane..<(plane + 1), input: input,
                                                      output: work.outputs[k].pointer,
                                                      nativeAccumulator: nativeAccumulator, doubleAccumulator: doubleAccumulator)
                    }
                }
            }
        }
    }
}

/// What the fused workers share: compiled stencils (read-only), the input and disjoint output planes.
struct SendableFusedWork<T: FieldScalar>: @unchecked Sendable {
    let compiled: [CompiledAnyStencil<T>]
    let axes: [Int]
    let geometry: [(Int, Int)]
    let outputs: [SharedBuffer<T>]
    let input: SharedBuffer<T>
}

// MARK: Specialised entry points

extension AxisKernel {
    /// `output (+)= stencil` along `axis` of `input`, through code specialised for the element type.
    ///
    /// `FieldScalar` has no requirements, so generic callers (in any module) arrive here unspecialised;
    /// one comparison of metatypes routes `Double`, `Float` and `Float16` to loops compiled for them in
    /// this module. Other conforming types run the generic loops.
    static func dispatch<T: FieldScalar>(_ stencil: BuiltStencil<T>, to input: UnsafeBufferPointer<T>, shape: [Int],
                                         axis: Int, into output: UnsafeMutableBufferPointer<T>, accumulate: Bool) {
        if T.self == Double.self {
            applyBuilt(unsafeBitCast(stencil, to: BuiltStencil<Double>.self), to: rebound(input), shape: shape,
                       axis: axis, into: rebound(output), accumulate: accumulate)
        } else if T.self == Float.self {
            applyBuilt(unsafeBitCast(stencil, to: BuiltStencil<Float>.self), to: rebound(input), shape: shape,
                       axis: axis, into: rebound(output), accumulate: accumulate)
        } else if T.self == Float16.self {
            applyBuilt(unsafeBitCast(stencil, to: BuiltStencil<Float16>.self), to: rebound(input), shape: shape,
                       axis: axis, into: rebound(output), accumulate: accumulate)
        } else {
            applyBuilt(stencil, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
        }
    }

    /// ``applyFused(_:axes:to:shape:into:)`` through code specialised for the element type (see
    /// ``dispatch(_:to:shape:axis:into:accumulate:)``).
    static func dispatchFused<T: FieldScalar>(_ stencils: [BuiltStencil<T>], axes: [Int], to input: UnsafeBufferPointer<T>,
                                              shape: [Int], into outputs: [SharedBuffer<T>]) {
        if T.self == Double.self {
            applyFused(unsafeBitCast(stencils, to: [BuiltStencil<Double>].self), axes: axes, to: rebound(input),
                       shape: shape, into: outputs.map(rebound))
        } else if T.self == Float.self {
            applyFused(unsafeBitCast(stencils, to: [BuiltStencil<Float>].self), axes: axes, to: rebound(input),
                       shape: shape, into: outputs.map(rebound))
        } else if T.self == Float16.self {
            applyFused(unsafeBitCast(stencils, to: [BuiltStencil<Float16>].self), axes: axes, to: rebound(input),
                       shape: shape, into: outputs.map(rebound))
        } else {
            applyFused(stencils, axes: axes, to: input, shape: shape, into: outputs)
        }
    }

    @inline(__always)
    static func applyBuilt<T: FieldScalar>(_ stencil: BuiltStencil<T>, to input: UnsafeBufferPointer<T>, shape: [Int],
                                           axis: Int, into output: UnsafeMutableBufferPointer<T>, accumulate: Bool) {
        switch stencil {
        case let .native(s): apply(s, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
        case let .inDouble(s): apply(s, to: input, shape: shape, axis: axis, into: output, accumulate: accumulate)
        }
    }

    /// The same memory seen as `U`; only called when `T` and `U` are the same type.
    @inline(__always)
    static func rebound<T, U>(_ buffer: UnsafeBufferPointer<T>) -> UnsafeBufferPointer<U> {
        assert(T.self == U.self)
        return UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: U.self), count: buffer.count)
    }

    @inline(__always)
    static func rebound<T, U>(_ buffer: UnsafeMutableBufferPointer<T>) -> UnsafeMutableBufferPointer<U> {
        assert(T.self == U.self)
        return UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: U.self),
                                          count: buffer.count)
    }

    @inline(__always)
    static func rebound<T, U>(_ buffer: SharedBuffer<T>) -> SharedBuffer<U> {
        assert(T.self == U.self)
        return SharedBuffer(start: buffer.rawPointer, count: buffer.count)
    }
}

// MARK: NDArray+Kernel

// The element type of a differentiated array is a real `T` (one lane) or a pair of `T`s stored
// contiguously, real part first — `Complex<T>` (two lanes). A two-lane array of shape S is differenced as
// the real array of shape S + [2] it is in memory: the same stencils, the same loops, no copies.

extension NDArray {
    /// How many `T` values one element holds: 1 (`Element == T`) or 2 (a complex number).
    static func laneCount<T: FieldScalar>(of _: T.Type) -> Int {
        let lanes = MemoryLayout<Element>.stride / MemoryLayout<T>.stride
        precondition((lanes == 1 || lanes == 2) && MemoryLayout<Element>.size == lanes * MemoryLayout<T>.stride
                     && MemoryLayout<Element>.alignment == MemoryLayout<T>.alignment,
                     "\(Element.self) is neither \(T.self) nor a pair of them")
        return lanes
    }

    /// The shape of the lane view, and the stencils as numpy applies them to that data (complex quotients
    /// multiply by the divisor's reciprocal).
    static func laneView<T: FieldScalar>(_ shape: [Int], _ stencils: [BuiltStencil<T>]) -> ([Int], [BuiltStencil<T>]) {
        laneCount(of: T.self) == 1 ? (shape, stencils) : (shape + [2], stencils.map(\.forComplexData))
    }

    /// An array whose contents are unspecified until written (any trivial element type).
    static func uninitializedElements(shape: [Int]) -> NDArray {
        NDArray(uncheckedShape: shape, scalars: [Element].uninitializedTrivial(count: shape.reduce(1, *)))
    }

    /// New arrays: `stencils[k]` applied along `axes[k]`, in one pass over `self` when that is faster.
    func applying<T: FieldScalar>(_ stencils: [BuiltStencil<T>], along axes: [Int]) -> [NDArray] {
        var results = axes.map { _ in NDArray.uninitializedElements(shape: shape) }
        apply(stencils, along: axes, into: &results)
        return results
    }

    /// Overwrites `outputs[k]` (of `self`'s shape) with `stencils[k]` applied along `axes[k]` of `self`.
    func apply<T: FieldScalar>(_ stencils: [BuiltStencil<T>], along axes: [Int], into outputs: inout [NDArray]) {
        let shape = self.shape
        precondition(outputs.count == axes.count && outputs.allSatisfy { $0.shape == shape })
        // Fused when several axes share the planes of axis 0 and there are enough planes to share out.
        guard count > 0 else { return }
        guard axes.count >= 2, rank >= 2, shape[0] >= 2 * Parallel.coreCount else {
            for k in axes.indices { outputs[k].apply(stencils[k], along: axes[k], from: self, accumulate: false) }
            return
        }
        let (laneShape, laneStencils) = Self.laneView(shape, stencils)
        let lanes = Self.laneCount(of: T.self)
        // Move the outputs' storage out (uniquely referenced, so taking pointers copies nothing unless an
        // output was shared), pin all of it for the pass, then move it back.
        var storage: [[Element]] = []
        for k in outputs.indices {
            storage.append(outputs[k].scalars)
            outputs[k].scalars = []
        }
        defer { for k in outputs.indices { outputs[k].scalars = storage[k] } }
        scalars.withUnsafeBufferPointer { elements in
            elements.withMemoryRebound(to: T.self) { input in
                Self.withSharedBuffers(&storage) { buffers in
                    let laneBuffers = buffers.map { SharedBuffer<T>(start: $0.rawPointer, count: $0.count * lanes) }
                    AxisKernel.dispatchFused(laneStencils, axes: axes, to: input, shape: laneShape, into: laneBuffers)
                }
            }
        }
    }

    /// Calls `body` with a ``SharedBuffer`` over each of `arrays` (in order), all valid only inside `body`.
    private static func withSharedBuffers(_ arrays: inout [[Element]], _ body: ([SharedBuffer<Element>]) -> Void) {
        guard var last = arrays.popLast() else { return body([]) }
        defer { arrays.append(last) }
        last.withSharedBuffer { buffer in
            withSharedBuffers(&arrays) { buffers in body(buffers + [buffer]) }
        }
    }

    /// A new array: `stencil` applied along `axis`.
    func applying<T: FieldScalar>(_ stencil: BuiltStencil<T>, along axis: Int) -> NDArray {
        var result = NDArray.uninitializedElements(shape: shape)
        result.apply(stencil, along: axis, from: self, accumulate: false)
        return result
    }

    /// Overwrites `self` with (or, when `accumulate`, adds to `self`) `stencil` applied along `axis` of
    /// `source`, which has the same shape and is a different array.
    mutating func apply<T: FieldScalar>(_ stencil: BuiltStencil<T>, along axis: Int, from source: NDArray, accumulate: Bool) {
        precondition(source.shape == shape, "output shape \(shape) differs from input shape \(source.shape)")
        let (laneShape, laneStencils) = Self.laneView(shape, [stencil])
        source.scalars.withUnsafeBufferPointer { elements in
            elements.withMemoryRebound(to: T.self) { input in
                scalars.withUnsafeMutableBufferPointer { outputElements in
                    outputElements.withMemoryRebound(to: T.self) { output in
                        AxisKernel.dispatch(laneStencils[0], to: input, shape: laneShape, axis: axis, into: output,
                                            accumulate: accumulate)
                    }
                }
            }
        }
    }
}
