// Spectral derivatives of fields larger than memory: the in-memory engine's steps (SpectralEngine.swift)
// run on slabs of axis 0 and on column blocks of the half-spectrum, within a memory budget.
//
// The scheme, and why its results are the in-memory path's to the bit. The in-memory engine computes
// R = rfft(f) along the last axis, then per output S = Σ_t term_t(R) (a term along axis a ≥ 1: DFTs of
// gathered column blocks along a, the multiply, inverse DFTs; along the last axis: the multiply), then
// irfft(S) along the last axis. Every one of these steps works on lines that a slab of axis 0 holds
// whole — except the DFTs along axis 0 itself. So:
//   pass A  slab by slab: read f, check it, R = rfft(f); outputs without an axis-0 term are computed and
//           written at once; R is parked in a scratch file when an output has an axis-0 term;
//   pass B  column blocks of the parked R (every plane of axis 0, a range of the flattened other axes,
//           read with one pread per plane): the in-memory axis-0 term — the same gathered sub-blocks of
//           the same width, the same plans, the same multiply — written back in place;
//   pass C  slab by slab: S = the axis-0 term read back (+ the other terms, added in the in-memory order
//           from R = rfft(f) of the input read again), irfft(S), written.
// Each value goes through the same arithmetic in the same order as in memory; only the batch sizes of the
// r2c/c2r plans (a slab's lines instead of the field's) and the widths of the column blocks differ. With
// FFTW_ESTIMATE plans — what calls naming no rigour use until measuring is paid, and what the `nabla` tool
// runs — FFTW picks the same algorithm for every line whatever the batch, and the results are the
// in-memory ones to the bit (tested for 1-D to 4-D, every cut). With measured plans (FFTW_MEASURE, or
// wisdom), each batch shape is timed on its own and FFTW may pick another algorithm for a slab than for
// the whole field: results may then differ in the last bits, as two measured in-memory runs may.
// Plans are cached per shape: made once for the slab shape (and once for a shorter last slab) and once
// per column-block width, and reused for every slab and block.
import Foundation
import Nabla

/// A spectral gradient or Laplacian computed from a ``FieldSource`` to a ``FieldSink`` within a memory
/// budget (``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)``).
///
/// The results are those of ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)`` and
/// ``spectralLaplacian(of:spacing:rigour:onWarning:)`` to the bit, whatever the budget, when both run
/// estimated FFTW plans (see the note on measured plans at ``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)``).
public struct SlabbedSpectralOperation: Sendable, Equatable {
    /// What is computed.
    public enum Kind: Sendable, Equatable {
        /// One result per selected axis (`nil`: every axis): `∂^m f/∂x_a^m = IFFT[(i k_a)^m FFT[f]]`.
        case gradient(axes: [Int]?, derivative: Int)
        /// One result: `∇²f = Σ_a IFFT[-k_a² FFT[f]]` (Nyquist kept on even axes).
        case laplacian
    }

    /// What is computed.
    public var kind: Kind
    /// numpy's varargs: none, one step for all axes, or one per differentiated axis (every axis for the
    /// Laplacian); coordinates must be uniform.
    public var spacing: [Spacing]

    /// An operation; the arguments mean what they mean for the in-memory functions.
    public init(_ kind: Kind, spacing: [Spacing] = []) {
        self.kind = kind
        self.spacing = spacing
    }

    /// The checked request on a field of `shape`: the axes checked for periodicity, the period of every
    /// axis, the terms of each output (the in-memory entry points' checks and errors).
    func request(shape: [Int]) throws(NablaError) -> (checkAxes: [Int], periods: [Double], outputs: [[[Int]]]) {
        switch kind {
        case let .gradient(axes, derivative):
            let (selected, periods, outputs) = try SpectralArguments.gradientRequest(shape: shape, spacing: spacing, axes: axes,
                                                                                     derivative: derivative)
            return (selected, periods, outputs)
        case .laplacian:
            let (periods, terms) = try SpectralArguments.laplacianRequest(shape: shape, spacing: spacing)
            return (Array(0..<shape.count), periods, [terms])
        }
    }

    /// The number of results on a field of `shape`.
    public func resultCount(shape: [Int]) throws(NablaError) -> Int { try request(shape: shape).outputs.count }

    /// How the work is cut to fit `memory` bytes for elements of `elementSize` bytes (4 or 8).
    ///
    /// Per plane of a slab: the input, one result, and two or three half-spectra (`R`, a term, and a sum
    /// when an output sums several terms: the Laplacian); per column
    /// of a block along axis 0: its `N_0` complex values; plus the column-block scratch of the strided
    /// transforms (one `n × width` block of complex values per chunk of workers) and, when axis 0 is checked for periodicity,
    /// its first two and last two planes. A field whose whole computation fits is computed in one piece, as in
    /// memory but one result at a time.
    ///
    /// - Throws: ``NablaError/invalidArgument(_:)`` naming the bytes needed when one plane of a slab, or
    ///   one block of columns along axis 0, does not fit — before anything is read.
    public func budget(shape: [Int], elementSize: Int, memory: Int) throws(NablaError) -> SpectralSlabBudget {
        let (checkAxes, _, outputs) = try request(shape: shape)
        let s = elementSize, n0 = shape[0], rank = shape.count
        let plane = shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let complexPlane = rank == 1 ? 1 : shape.dropFirst().dropLast().reduce(shape[rank - 1] / 2 + 1) {
            $0.multipliedReportingOverflow(by: $1).partialValue
        }
        // The strided passes' gathered blocks: one per chunk of workers, each `n × width` complex values.
        let complexShape = rank == 1 ? [n0 / 2 + 1] : Array(shape.dropLast()) + [shape[rank - 1] / 2 + 1]
        let blockScratch = (0..<max(0, rank - 1)).map { a in
            let n = complexShape[a], outer = complexShape[..<a].reduce(1, *), inner = complexShape[(a + 1)...].reduce(1, *)
            let width = SpectralEngine<Double>.blockWidth(n: n, inner: inner, complexBytes: 2 * s)
            let chunks = Parallel.chunkCount(count: outer * ((inner + width - 1) / width), costPerItem: n * width * 16)
            return chunks * n * width * 2 * s
        }.max() ?? 0
        let ends = rank > 1 && n0 >= 4 && checkAxes.contains(0) ? 4 * plane * s : 0
        let fixed = blockScratch + ends
        // In one piece: the input, one result at a time and the half-spectra.
        let spectra = outputs.contains { $0.count > 1 } ? 3 : 2
        let whole = (n0 * plane * 2 * s + spectra * 2 * complexShape.reduce(1, *) * s).addingReportingOverflow(blockScratch)
        if rank == 1 || (!whole.overflow && whole.partialValue <= memory) {
            guard !whole.overflow, whole.partialValue <= memory else {
                throw .invalidArgument("the memory budget of \(memory) bytes cannot hold a 1-D spectral derivative: its \(n0) samples, one result and the half-spectra need \(whole.overflow ? "more than \(Int.max)" : "\(whole.partialValue)") bytes; allow more memory")
            }
            return SpectralSlabBudget(planesPerSlab: n0, columnsPerBlock: nil, scratchBytes: 0)
        }
        let perPlane = plane.multipliedReportingOverflow(by: 2 * s).partialValue + complexPlane * spectra * 2 * s
        let planes = (memory - fixed) / perPlane
        guard planes >= 1 else {
            throw .invalidArgument("the memory budget of \(memory) bytes cannot hold one slab: one plane of shape \(Array(shape.dropFirst())) with its result and half-spectra needs \(perPlane + fixed) bytes; allow more memory")
        }
        guard outputs.contains(where: { $0.contains { $0[0] > 0 } }) else {
            return SpectralSlabBudget(planesPerSlab: min(planes, n0), columnsPerBlock: nil, scratchBytes: 0)
        }
        // Column blocks: whole sub-blocks of the in-memory pass's width (so each column meets the same plan).
        let width = SpectralEngine<Double>.blockWidth(n: n0, inner: complexPlane, complexBytes: 2 * s)
        let columnBytes = n0 * 2 * s
        let columns = (memory - blockScratch) / columnBytes / width * width
        guard columns >= min(width, complexPlane) else {
            throw .invalidArgument("the memory budget of \(memory) bytes cannot hold one block of columns along axis 0: \(width) column\(width == 1 ? "" : "s") of \(n0) complex values need \(width * columnBytes + blockScratch) bytes; allow more memory")
        }
        return SpectralSlabBudget(planesPerSlab: min(planes, n0), columnsPerBlock: min(columns, complexPlane),
                                  scratchBytes: n0 * complexPlane * 2 * s)
    }
}

/// How ``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)`` cuts a field (see
/// ``SlabbedSpectralOperation/budget(shape:elementSize:memory:)``).
public struct SpectralSlabBudget: Sendable, Equatable {
    /// Planes of axis 0 per slab (all of them: the field is computed in one piece, as in memory).
    public let planesPerSlab: Int
    /// Complex values of a half-spectrum plane per column block along axis 0; `nil` when no result has
    /// a term along axis 0, or the field is computed in one piece.
    public let columnsPerBlock: Int?
    /// The bytes of the scratch file that holds the half-spectrum between passes (0: none).
    public let scratchBytes: Int
}

/// The spectral gradient or Laplacian (`operation`) of the field `source` serves, written to `sink` a slab
/// of axis 0 at a time, in memory bounded by `memory` bytes (peak resident memory about `memory` plus
/// the process's own), with the results of the in-memory functions to the bit.
///
/// ```
/// ∂^m f/∂x_a^m = IFFT_a[ (i k_a)^m · FFT_a[f] ]          ∇²f = Σ_a IFFT_a[ -k_a² · FFT_a[f] ]
/// ```
/// Lines along axes ≥ 1 lie whole in a slab; lines along axis 0 are transformed in column blocks of
/// the half-spectrum, parked in a nameless scratch file in `scratchFolder` (see the file's header for
/// the three passes). Periodicity warnings use the in-memory criterion; the neighbouring differences `D`
/// are sampled per slab (along axes ≥ 1) instead of over the whole field.
///
/// Bits: with estimated plans (`rigour: .estimate`, or `nil` while no wisdom exists — the first-run
/// policy of ``SpectralFFT/defersMeasuring``) the results equal the in-memory functions' to the bit. With
/// measured plans FFTW times the slab's batch of lines and the whole field's separately and may choose
/// different algorithms, so the last bits may differ (as between two measured in-memory runs).
///
/// - Parameters:
///   - operation: the gradient (any axes, derivative order `m ≥ 1`) or the Laplacian.
///   - source: the field (one component, finite, one period along every differentiated axis).
///   - sink: receives each result's planes in increasing order.
///   - memory: the budget for buffers, in bytes.
///   - scratchFolder: where the scratch file lives (the output's folder: the same file system).
///   - rigour: FFTW planning rigour, as for the in-memory functions.
///   - onWarning: called once per differentiated axis along which the field does not look periodic.
/// - Throws: the in-memory functions' ``NablaError``s, a budget too small for one plane or one column
///   block (before anything is read), or what `source`, `sink` or the scratch file throw (the sink then
///   holds part of the results: a file sink must discard them).
/// - Complexity: the in-memory transforms (`O(n log n)`), plus, when a result has a term along axis 0,
///   the half-spectrum (about the input's size) written, read and written again, and read once more;
///   the Laplacian reads the input twice.
public func streamSpectral<Source: FieldSource, Sink: FieldSink>(
    _ operation: SlabbedSpectralOperation, from source: Source, to sink: Sink, memory: Int, scratchFolder: URL,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws where Source.Scalar == Sink.Scalar, Source.Scalar: SpectralScalar {
    let cut = try operation.budget(shape: source.shape, elementSize: MemoryLayout<Source.Scalar>.stride, memory: memory)
    try streamSpectral(operation, from: source, to: sink, cut: cut, scratchFolder: scratchFolder, rigour: rigour,
                       onWarning: onWarning)
}

/// ``streamSpectral(_:from:to:memory:scratchFolder:rigour:onWarning:)`` with the slabs and column blocks
/// given (`cut.columnsPerBlock` a multiple of ``SpectralEngine/blockWidth(n:inner:complexBytes:)``, or
/// every column).
func streamSpectral<Source: FieldSource, Sink: FieldSink>(
    _ operation: SlabbedSpectralOperation, from source: Source, to sink: Sink, cut: SpectralSlabBudget, scratchFolder: URL,
    rigour: PlanningRigour?, onWarning: (SpectralWarning) -> Void
) throws where Source.Scalar == Sink.Scalar, Source.Scalar: SpectralScalar {
    typealias T = Source.Scalar
    guard source.componentCount == 1 else {
        throw NablaError.invalidArgument("a spectral gradient or Laplacian needs 1 component, the source has \(source.componentCount)")
    }
    let shape = source.shape
    /// The streams retyped as `U` (`T` is `U`: the casts reinterpret nothing). A buffer is moved, not
    /// copied, so that reading into it does not copy its storage.
    func streams<U>(_: U.Type) -> SlabStreams<U> {
        SlabStreams(read: { planes, buffer in
            var typed = unsafeBitCast(buffer, to: NDArray<T>.self)
            buffer = SlabStreams<U>.empty
            defer { buffer = unsafeBitCast(typed, to: NDArray<U>.self) }
            try source.read(component: 0, runs: [planes], into: &typed)
        }, write: { result, planes, buffer in
            try sink.write(result: result, planes: planes, from: unsafeBitCast(buffer, to: NDArray<T>.self), bufferPlane: 0)
        })
    }
    let warnings: [SpectralWarning]
    if T.self == Double.self {
        warnings = try SpectralSlabs<Double>.run(operation, shape: shape, budget: cut, streams: streams(Double.self),
                                                 scratchFolder: scratchFolder, rigour: rigour)
    } else if T.self == Float.self {
        warnings = try SpectralSlabs<Float>.run(operation, shape: shape, budget: cut, streams: streams(Float.self),
                                                scratchFolder: scratchFolder, rigour: rigour)
    } else {
        throw NablaError.invalidArgument("spectral derivatives support Double and Float fields, not \(T.self)")
    }
    warnings.forEach(onWarning)
}

/// A source and a sink seen through one element type.
struct SlabStreams<U: FieldScalar> {
    /// Fills the buffer (of shape `[planes.count] + shape[1...]`) with `planes`.
    let read: (Range<Int>, inout NDArray<U>) throws -> Void
    /// Hands result `q`'s `planes` (the whole buffer) to the sink.
    let write: (Int, Range<Int>, NDArray<U>) throws -> Void

    static var empty: NDArray<U> { NDArray([U]()) }
}

/// The slab path, compiled for `Double` and `Float`.
enum SpectralSlabs<T: SpectralScalar> {
    typealias Engine = SpectralEngine<T>

    static func run(_ operation: SlabbedSpectralOperation, shape: [Int], budget: SpectralSlabBudget, streams: SlabStreams<T>,
                    scratchFolder: URL, rigour: PlanningRigour?) throws -> [SpectralWarning] {
        let (checkAxes, periods, outputs) = try operation.request(shape: shape)
        let n0 = shape[0], rest = Array(shape.dropFirst())
        // Half-spectra: R, a term, and a sum of terms when an output has several (else the term is the sum).
        let spectra = outputs.contains { $0.count > 1 } ? 3 : 2
        func uninitialized(_ planes: Int) throws -> NDArray<T> {
            try NDArray(shape: [planes] + rest, scalars: [T].uninitialized(count: planes * rest.reduce(1, *)) { _ in })
        }
        defer { FFTW.shared.releasePooledBuffers() }
        if budget.planesPerSlab >= n0 {
            // In one piece: the in-memory computation, one result at a time.
            var f = try uninitialized(n0), out = try uninitialized(n0)
            try streams.read(0..<n0, &f)
            try Engine.checkFinite(f)
            let warnings = checkAxes.compactMap { Periodicity.check(f.scalars, shape: shape, axis: $0) }
            let layout = Engine.SpectrumLayout(shape: shape)
            try Engine.withScratch(count: spectra, elements: 2 * layout.complexCount) { buffers in
                let (R, B) = (buffers[0], buffers[1]), S = spectra == 3 ? buffers[2] : B
                try Engine.spectrum(of: f, into: R, rigour: rigour)
                for q in outputs.indices {
                    try Engine.sum(outputs[q], of: R, into: S, scratch: B, layout: layout, periods: periods, rigour: rigour)
                    try Engine.real(of: S, into: &out, rigour: rigour)
                    try streams.write(q, 0..<n0, out)
                }
            }
            return warnings
        }

        let slabs = try SlabDecomposition(planeCount: n0, depth: 0, planesPerSlab: budget.planesPerSlab)
        let complexPlane = Engine.SpectrumLayout(shape: shape).complexCount / n0
        let spectrumBytes = n0 * complexPlane * 2 * MemoryLayout<T>.stride
        // Outputs with a term along axis 0 (always their first: the requests list terms by axis).
        let throughColumns = outputs.indices.filter { outputs[$0].contains { $0[0] > 0 } }
        precondition(throughColumns.allSatisfy { q in outputs[q].dropFirst().allSatisfy { $0[0] == 0 } },
                     "only an output's first term may lie along axis 0")
        let scratch = throughColumns.isEmpty ? nil : try ScratchFile(folder: scratchFolder)
        func region(_ q: Int) -> Int { throughColumns.firstIndex(of: q)! * spectrumBytes }
        var checks = PeriodicityAccumulator<T>(shape: shape, axes: checkAxes)

        /// Runs `body` on every slab in order with the slab's input and result buffers and its views of the
        /// half-spectrum buffers (`S` is `B` unless an output sums terms); the buffers are reused, and the
        /// shorter last slab's replace them (the old ones go first: memory stays in the budget).
        func forEachSlab(_ body: (Range<Int>, inout NDArray<T>, inout NDArray<T>, SharedBuffer<T>, SharedBuffer<T>,
                                  SharedBuffer<T>, Engine.SpectrumLayout) throws -> Void) throws {
            try Engine.withScratch(count: spectra, elements: 2 * complexPlane * budget.planesPerSlab) { buffers in
                var f = try uninitialized(budget.planesPerSlab), out = try uninitialized(budget.planesPerSlab)
                for k in 0..<slabs.count {
                    let planes = slabs[k].planes
                    if f.shape[0] != planes.count {
                        (f, out) = (SlabStreams<T>.empty, SlabStreams<T>.empty)
                        (f, out) = (try uninitialized(planes.count), try uninitialized(planes.count))
                    }
                    let layout = Engine.SpectrumLayout(shape: f.shape)
                    let views = buffers.map { $0.slice(from: 0, count: 2 * layout.complexCount) }
                    try body(planes, &f, &out, views[0], spectra == 3 ? views[2] : views[1], views[1], layout)
                }
            }
        }

        // Pass A: checks, R = rfft(f) per slab; outputs without an axis-0 term; R parked for the others.
        try forEachSlab { planes, f, out, R, S, B, layout in
            try streams.read(planes, &f)
            try Engine.checkFinite(f, firstPlane: planes.lowerBound)
            checks.add(f, planes: planes)
            try Engine.spectrum(of: f, into: R, rigour: rigour)
            for q in throughColumns {
                try scratch!.write(R, at: region(q) + planes.lowerBound * complexPlane * 2 * MemoryLayout<T>.stride)
            }
            for q in outputs.indices where !throughColumns.contains(q) {
                try Engine.sum(outputs[q], of: R, into: S, scratch: B, layout: layout, periods: periods, rigour: rigour)
                try Engine.real(of: S, into: &out, rigour: rigour)
                try streams.write(q, planes, out)
            }
        }
        guard let scratch, let columns = budget.columnsPerBlock else { return checks.warnings }

        // Pass B: the axis-0 term of each such output, in column blocks of the parked half-spectrum.
        FFTW.shared.releasePooledBuffers()
        for q in throughColumns {
            let factors = Engine.stridedFactors(outputs[q][0], axis: 0, shape: shape, periods: periods)
            try Engine.withScratch(count: 1, elements: 2 * n0 * columns) { buffers in
                for start in stride(from: 0, to: complexPlane, by: columns) {
                    let count = min(columns, complexPlane - start)
                    let block = buffers[0].slice(from: 0, count: 2 * n0 * count)
                    // 1D equivalent -- block = R[:, start:start+count] (one pread per plane)
                    for p in 0..<n0 {
                        try scratch.read(at: region(q) + (p * complexPlane + start) * 2 * MemoryLayout<T>.stride,
                                         into: block.slice(from: 2 * p * count, count: 2 * count))
                    }
                    try Engine.axisPass(from: block, to: block, outer: 1, n: n0, inner: count, forward: true, factors: factors,
                                        backward: true, rigour: rigour)
                    for p in 0..<n0 {
                        try scratch.write(block.slice(from: 2 * p * count, count: 2 * count),
                                          at: region(q) + (p * complexPlane + start) * 2 * MemoryLayout<T>.stride)
                    }
                }
            }
        }

        // Pass C: S = the axis-0 term (+ the other terms from the input's R, in order), irfft, written.
        FFTW.shared.releasePooledBuffers()
        let rereads = throughColumns.contains { outputs[$0].count > 1 }
        try forEachSlab { planes, f, out, R, S, B, layout in
            if rereads {
                try streams.read(planes, &f)
                try Engine.spectrum(of: f, into: R, rigour: rigour)
            }
            for q in throughColumns {
                try scratch.read(at: region(q) + planes.lowerBound * complexPlane * 2 * MemoryLayout<T>.stride, into: S)
                try Engine.sum(outputs[q], of: R, into: S, scratch: B, layout: layout, periods: periods, rigour: rigour,
                               skipFirst: true)
                try Engine.real(of: S, into: &out, rigour: rigour)
                try streams.write(q, planes, out)
            }
        }
        return checks.warnings
    }
}

/// The periodicity criterion (``Periodicity``) measured slab by slab: along axes ≥ 1 every line lies in
/// one slab; along axis 0 the first two and last two planes are kept for `J` and `A`, and `D` takes the first values of
/// each pair of neighbouring planes, across slab ends too.
struct PeriodicityAccumulator<T: SpectralScalar> {
    let shape: [Int]
    let axes: [Int]
    private var sums: [Int: PeriodicitySums] = [:]
    /// Planes 0 and 1, then `n-2` and `n-1`, as met (axis 0 checked only).
    private var ends: [T] = []
    /// The sampled values of the last plane seen (axis 0's `D` across slab ends).
    private var previous: [T] = []

    init(shape: [Int], axes: [Int]) {
        self.shape = shape
        self.axes = axes.filter { shape[$0] >= 4 }
    }

    mutating func add(_ f: NDArray<T>, planes: Range<Int>) {
        let plane = shape.dropFirst().reduce(1, *), n0 = shape[0]
        for axis in axes {
            var total = sums[axis] ?? PeriodicitySums()
            if axis > 0 {
                total.add(Periodicity.edgeSums(f.scalars, shape: f.shape, axis: axis))
                total.add(Periodicity.differenceSums(f.scalars, shape: f.shape, axis: axis))
            } else {
                let sampled = min(plane, Periodicity.sampledLines)
                for p in planes where p < 2 || p >= n0 - 2 {
                    let at = (p - planes.lowerBound) * plane
                    ends += f.scalars[at..<at + plane]
                }
                if planes.count >= 2 { total.add(Periodicity.differenceSums(f.scalars, shape: f.shape, axis: 0)) }
                if !previous.isEmpty {
                    let pair = previous + f.scalars[0..<sampled]
                    total.add(Periodicity.differenceSums(pair, shape: [2, sampled], axis: 0))
                }
                let last = (planes.count - 1) * plane
                previous = Array(f.scalars[last..<last + sampled])
            }
            sums[axis] = total
        }
    }

    /// One warning per checked axis that fails the criterion, in the order of the axes.
    var warnings: [SpectralWarning] {
        axes.compactMap { axis in
            var total = sums[axis] ?? PeriodicitySums()
            if axis == 0, ends.count == 4 * shape.dropFirst().reduce(1, *) {
                total.add(Periodicity.edgeSums(ends, shape: [4] + shape.dropFirst(), axis: 0))
            }
            return total.warning(axis: axis)
        }
    }
}
