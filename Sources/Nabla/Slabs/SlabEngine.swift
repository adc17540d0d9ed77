import Dispatch

/// A finite-difference operation the slab engine applies to a field too large to hold: gradient (any
/// derivative order, accuracy, edge order, coordinates, periodic axes), Laplacian, divergence, curl, mixed
/// partial derivative, Hessian, Jacobian.
///
/// The results are those of the in-memory functions (``gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)->[NDArray<T>]``,
/// ``laplacian(of:spacing:accuracy:periodicAxes:)``, ``divergence(of:spacing:edgeOrder:accuracy:periodicAxes:)``,
/// ``curl(of:spacing:edgeOrder:accuracy:periodicAxes:)``, ``partialDerivative(of:orders:spacing:accuracy:edgeOrder:periodicAxes:)``,
/// ``hessian(of:spacing:accuracy:periodicAxes:)``, ``jacobian(of:spacing:edgeOrder:accuracy:periodicAxes:)``) to the bit, whatever the slab size: each slab's buffer
/// holds the halo planes its stencils need (see ``SlabDecomposition``); composed operators apply their
/// stencils in the in-memory order, axis 0's on the buffer's planes, the others within each plane.
public struct SlabbedOperation: Sendable, Equatable {
    /// What is computed.
    public enum Kind: Sendable, Equatable {
        /// One result per selected axis (`nil`: every axis), the `derivative`-th derivative along it.
        case gradient(axes: [Int]?, derivative: Int)
        /// One result: the sum of the second derivatives along every axis.
        case laplacian
        /// One result from one component per axis: `Σ_k ∂F_k/∂x_k`.
        case divergence
        /// From one component per axis: three results in 3-D, one in 2-D.
        case curl
        /// One result: `∂^(Σm) f / ∂x_0^m0 ∂x_1^m1 …`, `orders[k]` along axis `k` (0 to skip it), axis 0 first.
        case derivative(orders: [Int])
        /// Every `∂²f/∂x_i∂x_j` with `i ≤ j`, in that order (`i` outer): `rank·(rank+1)/2` results.
        case hessian
        /// From one component per axis: every `∂F_k/∂x_j`, `k` outer — the gradient of each component
        /// along every axis, `rank²` results.
        case jacobian
    }

    /// What is computed.
    public var kind: Kind
    /// numpy's varargs: none, one number for all axes, or one entry per differentiated axis (every axis
    /// for the Laplacian, divergence and curl).
    public var spacing: [Spacing]
    /// 1 or 2: the edge accuracy of numpy's scheme (`nil`: as the in-memory functions decide).
    public var edgeOrder: Int?
    /// The even order of accuracy, 2…16; given, the edges are of that order too (`nil`: numpy's scheme).
    public var accuracy: Int?
    /// Axes whose samples are one period.
    public var periodicAxes: [Int]

    /// An operation; the arguments mean what they mean for the in-memory functions.
    public init(_ kind: Kind, spacing: [Spacing] = [], edgeOrder: Int? = nil, accuracy: Int? = nil, periodicAxes: [Int] = []) {
        self.kind = kind
        self.spacing = spacing
        self.edgeOrder = edgeOrder
        self.accuracy = accuracy
        self.periodicAxes = periodicAxes
    }

    /// The number of input components: the rank for divergence and curl, else 1.
    public func inputCount(rank: Int) -> Int {
        switch kind {
        case .gradient, .laplacian, .derivative, .hessian: 1
        case .divergence, .curl, .jacobian: rank
        }
    }

    /// The number of results on a field of `shape`.
    public func resultCount(shape: [Int]) throws(NablaError) -> Int {
        switch kind {
        case let .gradient(axes, _): try normalizedAxes(axes, rank: shape.count).count
        case .laplacian, .divergence, .derivative: 1
        case .curl: shape.count == 3 ? 3 : 1
        case .hessian: shape.count * (shape.count + 1) / 2
        case .jacobian: shape.count * shape.count
        }
    }

    /// The checked plan on the whole field (the in-memory functions' checks and errors).
    func plan(shape: [Int]) throws(NablaError) -> DifferencePlan {
        if case .curl = kind, shape.count != 2 && shape.count != 3 {
            throw .invalidShape("curl needs a 2-D or 3-D vector field; these components have shape \(shape)")
        }
        switch kind {
        case let .derivative(orders):
            // partialDerivative's checks and plan.
            let used = try checkedDerivativeOrders(orders, rank: shape.count)
            return try DifferencePlan(shape: shape, spacing: spacing, axes: nil, edgeOrder: edgeOrder, accuracy: accuracy,
                                      derivatives: used, derivative: used[0], periodicAxes: periodicAxes)
        case .hessian:
            return try DifferencePlan(shape: shape, spacing: spacing, axes: nil, edgeOrder: 2, accuracy: accuracy ?? 2,
                                      derivatives: [1, 2], derivative: 1, periodicAxes: periodicAxes)
        case .gradient, .laplacian, .divergence, .curl, .jacobian:
            break
        }
        let (axes, derivative): ([Int]?, Int) = switch kind {
        case let .gradient(axes, m): (axes, m)
        case .laplacian: (nil, 2)
        case .divergence, .curl, .derivative, .hessian, .jacobian: (nil, 1)
        }
        return try DifferencePlan(shape: shape, spacing: spacing, axes: axes, edgeOrder: kind == .laplacian ? 1 : edgeOrder,
                                  accuracy: kind == .laplacian ? (accuracy ?? 2) : accuracy, derivatives: nil,
                                  derivative: derivative, periodicAxes: periodicAxes)
    }

    /// The halo depth along axis 0 on a field of `shape`: 0 when axis 0 is not differentiated.
    public func haloDepth(shape: [Int]) throws(NablaError) -> Int {
        haloDepth(plan: try plan(shape: shape))
    }

    /// The halo depth along axis 0 under `plan` (the whole field's): that of the stencils applied along
    /// axis 0 (for a mixed derivative, its order along axis 0; for the Hessian, orders 1 and 2).
    func haloDepth(plan: DifferencePlan) -> Int {
        switch kind {
        case let .derivative(orders): orders[0] > 0 ? plan.haloDepth(derivatives: [orders[0]]) : 0
        case .hessian: plan.haloDepth(derivatives: [1, 2])
        case .gradient, .laplacian, .divergence, .curl, .jacobian: plan.axes.contains(0) ? plan.haloDepth() : 0
        }
    }

    /// Slab-sized arrays the computation holds besides its inputs and results: a mixed derivative's
    /// intermediate, the Hessian's first derivatives along axes 1….
    func temporaryCount(rank: Int) -> Int {
        switch kind {
        case .derivative: 1
        case .hessian: rank - 1
        case .gradient, .laplacian, .divergence, .curl, .jacobian: 0
        }
    }

    /// The most planes per slab that keep the engine's buffers within `memory` bytes for elements of
    /// `elementSize` bytes: two input buffers and two sets of result buffers (one being read or written
    /// while the other is computed), each holding a slab and its halos.
    ///
    /// - Throws: ``NablaError/invalidArgument(_:)`` naming the bytes needed when not even one plane fits.
    public func planesPerSlab(shape: [Int], elementSize: Int, memory: Int) throws(NablaError) -> Int {
        let depth = try haloDepth(shape: shape)
        let planeBytes = shape.dropFirst().reduce(elementSize) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let buffers = 2 * (inputCount(rank: shape.count) + (try resultCount(shape: shape))) + temporaryCount(rank: shape.count)
        let perPlane = planeBytes.multipliedReportingOverflow(by: buffers)
        let fixed = perPlane.partialValue.multipliedReportingOverflow(by: 2 * depth)
        guard !perPlane.overflow, !fixed.overflow, perPlane.partialValue > 0 else {
            throw .invalidArgument("one plane of shape \(Array(shape.dropFirst())) is too large to process")
        }
        let planes = (memory - fixed.partialValue) / perPlane.partialValue
        guard planes >= 1 else {
            let needed = fixed.partialValue + perPlane.partialValue
            throw .invalidArgument("the memory budget of \(memory) bytes cannot hold one slab: one plane with its \(2 * depth) halo planes, in \(buffers) buffers, needs \(needed) bytes; allow more memory")
        }
        return planes
    }

    /// Computes the results of `inputs` (the buffer of one slab, or the whole field) under `plan` into
    /// `outputs`, reusing arrays of the right shape.
    func apply<T: FieldScalar>(_ inputs: [NDArray<T>], plan: DifferencePlan, into outputs: inout [NDArray<T>]) throws(NablaError) {
        let shape = inputs[0].shape
        if case .divergence = kind { _ = try vectorFieldShape(inputs) }
        if case .curl = kind { _ = try vectorFieldShape(inputs) }
        if case .jacobian = kind { _ = try vectorFieldShape(inputs) }
        let count = try resultCount(shape: shape)
        if outputs.count > count { outputs.removeLast(outputs.count - count) }
        // Results take the shape of the inputs' buffer, reusing their storage (room for the largest slab).
        for k in 0..<count {
            if k == outputs.count { outputs.append(NDArray<T>(uncheckedShape: [0], scalars: [])) }
            if outputs[k].shape != shape { outputs[k].reshapeUninitialized(shape, capacity: inputs[0].scalars.capacity) }
        }
        switch kind {
        case .gradient:
            let stencils: [BuiltStencil<T>] = plan.axes.indices.map { plan.stencil(at: $0) }
            inputs[0].apply(stencils, along: plan.axes, into: &outputs)
        case .laplacian:
            for position in plan.axes.indices {
                let stencil: BuiltStencil<T> = plan.stencil(at: position)
                outputs[0].apply(stencil, along: plan.axes[position], from: inputs[0], accumulate: position > 0)
            }
        case .divergence:
            for k in plan.axes.indices {
                let stencil: BuiltStencil<T> = plan.stencil(at: k)
                outputs[0].apply(stencil, along: k, from: inputs[k], accumulate: k > 0)
            }
        case .curl:
            let pairs = shape.count == 3 ? [(2, 1), (0, 2), (1, 0)] : [(1, 0)]
            for (c, (a, b)) in pairs.enumerated() {
                let first: BuiltStencil<T> = plan.stencil(at: b), second: BuiltStencil<T> = plan.stencil(at: a)
                outputs[c].apply(first, along: b, from: inputs[a], accumulate: false)
                outputs[c].apply(second.negated, along: a, from: inputs[b], accumulate: true)
            }
        case let .derivative(orders):
            // partialDerivative's order: one axis after another, axis 0 first.
            var current = inputs[0]
            for (axis, m) in orders.enumerated() where m > 0 {
                let stencil: BuiltStencil<T> = plan.stencil(at: axis, derivative: m)
                current = current.applying(stencil, along: axis)
            }
            outputs[0] = current
        case .jacobian:
            // jacobian's: the gradient of each component along every axis, into its row of results.
            let stencils: [BuiltStencil<T>] = plan.axes.indices.map { plan.stencil(at: $0) }
            let rank = plan.axes.count
            for k in inputs.indices {
                var row = Array(outputs[(k * rank)..<((k + 1) * rank)])
                for j in 0..<rank { outputs[k * rank + j] = NDArray<T>(uncheckedShape: [0], scalars: []) }  // unshare storage
                inputs[k].apply(stencils, along: plan.axes, into: &row)
                outputs.replaceSubrange((k * rank)..<((k + 1) * rank), with: row)
            }
        case .hessian:
            // hessian's order: ∂²/∂x_i² directly, ∂/∂x_i of the first derivative along x_j for i < j.
            let rank = shape.count
            let firsts = (0..<rank).map { j -> NDArray<T>? in
                guard j > 0 else { return nil }
                let stencil: BuiltStencil<T> = plan.stencil(at: j, derivative: 1)
                return inputs[0].applying(stencil, along: j)
            }
            var k = 0
            for i in 0..<rank {
                for j in i..<rank {
                    let stencil: BuiltStencil<T> = plan.stencil(at: i, derivative: i == j ? 2 : 1)
                    outputs[k].apply(stencil, along: i, from: i == j ? inputs[0] : firsts[j]!, accumulate: false)
                    k += 1
                }
            }
        }
    }
}

/// The slab engine: applies `operation` to the field `source` serves, a slab of axis 0 at a time, and
/// hands the results to `sink` plane by plane, in increasing order.
///
/// Memory holds two input buffers and two sets of result buffers of `planesPerSlab` planes plus halos
/// (see ``SlabbedOperation/planesPerSlab(shape:elementSize:memory:)``), never the whole field. Reading the
/// next slab and writing the previous one's results overlap with computing the current one. The results
/// equal the in-memory functions' bit for bit, whatever `planesPerSlab`.
///
/// - Throws: the ``NablaError`` the in-memory function throws for the same arguments (before anything is
///   read), or whatever `source` or `sink` throws (then the sink holds part of the results: a file sink
///   must discard them).
/// - Complexity: the in-memory function's work, plus `2·depth` halo planes per slab read and computed again.
public func streamDifferences<Source: FieldSource, Sink: FieldSink>(
    _ operation: SlabbedOperation, from source: Source, to sink: Sink, planesPerSlab: Int
) throws where Source.Scalar == Sink.Scalar {
    let shape = source.shape
    let plan = try operation.plan(shape: shape)
    let inputs = operation.inputCount(rank: shape.count)
    guard source.componentCount == inputs else {
        throw NablaError.invalidArgument("\(inputs) component\(inputs == 1 ? "" : "s") are needed, the source has \(source.componentCount)")
    }
    let n0 = shape[0]
    guard n0 > 0, shape.allSatisfy({ $0 > 0 }) else { return }
    let periodic0 = zip(plan.axes, plan.periodic).contains { $0 == 0 && $1 }
    let depth = operation.haloDepth(plan: plan)
    // One slab for the whole field when it fits, or when a periodic axis 0 is too short to cut: then the
    // computation is exactly the in-memory one.
    let whole = planesPerSlab >= n0 || (periodic0 && 2 * depth >= n0)
    let slabs = try SlabDecomposition(planeCount: n0, depth: whole ? 0 : depth, periodic: periodic0 && !whole,
                                      planesPerSlab: whole ? n0 : planesPerSlab)
    let rest = Array(shape.dropFirst())
    // Buffers are sized once for the largest slab: slabs with one halo or none reuse them.
    let largestBuffer = (0..<slabs.count).map { slabs[$0].bufferPlaneCount }.max()! * rest.reduce(1, *)
    // One slab (a small field): nothing to overlap, so it is read, computed and written on this thread.
    let pipeline = SlabPipeline<Source.Scalar>(inputs: inputs, inline: slabs.count == 1)

    func read(_ slab: Slab, into set: Int) throws {
        for c in 0..<inputs {
            let bufferShape = [slab.bufferPlaneCount] + rest
            try pipeline.withInput(set, c) { buffer in
                if buffer.shape != bufferShape { buffer.reshapeUninitialized(bufferShape, capacity: largestBuffer) }
                try source.read(component: c, runs: slab.bufferRuns, into: &buffer)
            }
        }
    }

    do {
        try read(slabs[0], into: 0)
        try run()
    } catch {
        pipeline.drain()
        throw error
    }

    func run() throws {
    for k in 0..<slabs.count {
        let slab = slabs[k]
        let set = k % 2
        // Read ahead: the next slab goes into the other input set while this one is computed.
        if k + 1 < slabs.count {
            let next = slabs[k + 1]
            pipeline.startRead { try read(next, into: 1 - set) }
        }
        // The results of slab k - 2 used this output set: their write must be done.
        try pipeline.waitForWrite(set)
        let slabPlan = whole ? plan : plan.restricted(toPlanes: slab.bufferPlanes)
        try pipeline.compute(set) { inputs, outputs throws(NablaError) in
            try operation.apply(inputs, plan: slabPlan, into: &outputs)
        }
        pipeline.startWrite(from: set) { outputs in
            for (r, result) in outputs.enumerated() {
                try sink.write(result: r, planes: slab.planes, from: result, bufferPlane: slab.ownedOffset)
            }
        }
        try pipeline.waitForRead()
    }
    try pipeline.waitForWrite(0)
    try pipeline.waitForWrite(1)
    }
}

/// The buffers of the slab engine and the two background queues that read ahead and write behind.
///
/// `@unchecked Sendable`: each buffer set is used by one party at a time — the reader fills set `s`'s
/// inputs only while the computation works on the other set, and the writer reads set `s`'s outputs only
/// until ``waitForWrite(_:)`` returns for it; the engine's loop orders these hand-overs. The two sets are
/// separate objects so that the reader, the writer and the computation never touch one variable at once.
final class SlabPipeline<T: FieldScalar>: @unchecked Sendable {
    final class BufferSet {
        var inputs: [NDArray<T>]
        var outputs: [NDArray<T>] = []
        init(_ count: Int) { inputs = Array(repeating: NDArray<T>.uninitialized(shape: [0]), count: count) }
    }

    private let sets: [BufferSet]
    private let reader = DispatchQueue(label: "nabla.slab.read")
    private let writer = DispatchQueue(label: "nabla.slab.write")
    private var pendingRead: DispatchWorkItem?
    private var pendingWrites: [DispatchWorkItem?] = [nil, nil]
    private let failure = Locked<(any Error)?>(nil)
    /// Whether writes run at once on the calling thread (one slab: no read-ahead to overlap).
    private let inline: Bool

    init(inputs count: Int, inline: Bool = false) {
        sets = [BufferSet(count), BufferSet(count)]
        self.inline = inline
    }

    func withInput(_ set: Int, _ component: Int, _ body: (inout NDArray<T>) throws -> Void) throws {
        try body(&sets[set].inputs[component])
    }

    func compute(_ set: Int, _ body: ([NDArray<T>], inout [NDArray<T>]) throws(NablaError) -> Void) throws(NablaError) {
        let buffers = sets[set]
        try body(buffers.inputs, &buffers.outputs)
    }

    private func record(_ body: () throws -> Void) {
        do { try body() } catch { failure.withLock { if $0 == nil { $0 = error } } }
    }

    private func rethrow() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    func startRead(_ body: @escaping () throws -> Void) {
        let work = UncheckedSendable(body)
        let item = DispatchWorkItem { [self] in record(work.value) }
        pendingRead = item
        reader.async(execute: item)
    }

    func waitForRead() throws {
        pendingRead?.wait()
        pendingRead = nil
        try rethrow()
    }

    func startWrite(from set: Int, _ body: @escaping ([NDArray<T>]) throws -> Void) {
        let buffers = sets[set]
        if inline { return record { try body(buffers.outputs) } }
        let work = UncheckedSendable(body)
        let item = DispatchWorkItem { [self] in record { try work.value(buffers.outputs) } }
        pendingWrites[set] = item
        writer.async(execute: item)
    }

    func waitForWrite(_ set: Int) throws {
        pendingWrites[set]?.wait()
        pendingWrites[set] = nil
        try rethrow()
    }

    /// Waits for everything still running, ignoring its errors (after a failure, before returning).
    func drain() {
        pendingRead?.wait()
        pendingWrites.forEach { $0?.wait() }
    }
}

/// A closure or value handed to a background queue of ``SlabPipeline``, whose hand-over protocol (not the
/// type system) guarantees that nothing else uses what it captures meanwhile.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
