/// The slab engine's computation on one buffer, for engines that move the planes themselves (the MPI
/// layer: a rank's owned planes plus halo planes received from other ranks).
extension SlabbedOperation {
    /// An operation checked against the whole field's shape: what a rank needs to compute its planes.
    package struct Prepared: Sendable {
        let plan: DifferencePlan
        /// The whole field's shape.
        package let shape: [Int]
        /// The halo depth along axis 0 (0 when axis 0 is not differentiated).
        package let depth: Int
        /// Whether axis 0 is differentiated and periodic (halos wrap around).
        package let periodicAxis0: Bool
        /// Whether a periodic axis 0 is too short to cut (`2·depth ≥ n0`): every slab must then hold the
        /// whole axis and compute with the whole field's (wrapping) plan.
        package var needsWholeAxis0: Bool { periodicAxis0 && 2 * depth >= shape[0] }
    }

    /// Checks the operation on a field of `shape` (the in-memory functions' checks and errors) and
    /// returns what computing on buffers needs.
    package func prepared(shape: [Int]) throws(NablaError) -> Prepared {
        let plan = try plan(shape: shape)
        let periodic0 = zip(plan.axes, plan.periodic).contains { $0 == 0 && $1 }
        return Prepared(plan: plan, shape: shape, depth: haloDepth(plan: plan), periodicAxis0: periodic0)
    }

    /// Computes the results of `inputs` (one array per component, each a buffer whose planes are the global
    /// planes `bufferPlanes`, in order; nil: the whole field) into `outputs`. For every buffer plane at
    /// least ``Prepared/depth`` planes from a buffer end that is not a global edge, the results are the
    /// whole field's to the bit (see ``SlabDecomposition``).
    package func apply<T: FieldScalar>(_ inputs: [NDArray<T>], bufferPlanes: [Int]?, prepared: Prepared,
                                       into outputs: inout [NDArray<T>]) throws(NablaError) {
        let plan = bufferPlanes.map { prepared.plan.restricted(toPlanes: $0) } ?? prepared.plan
        try apply(inputs, plan: plan, into: &outputs)
    }
}
