import Foundation
import Nabla
import NablaFormats

/// One file of `nabla batch`: estimate its memory from its header, then differentiate it exactly as
/// `nabla gradient` does and write it.
///
/// Every file its `nabla` command would run through the slab engine (``FieldJob/slabPlan()``: finite
/// differences of a `.npy`, stored `.npz` or HDF5 input into a `.npz` or HDF5 output, whatever the
/// operation but the Jacobian) goes through it (``SlabJob``, ``streamDifferences(_:from:to:planesPerSlab:)``)
/// with the file's share of the batch's memory: read a slab at a time straight into the engine's buffer,
/// results written straight to their place in the output (a small file is one slab: one read, one
/// computation, one write per result). Other files are read whole, differentiated in memory
/// (``FieldJob/computeAndWrite(_:of:axes:options:spacing:file:to:overwrite:onWarning:)``, or the
/// operation's `nabla` command) and written.
///
/// The memory estimate and the way a file is processed live together here because they must agree: the
/// slab engine holds ``SlabJob/Layout/heldBytes``; the in-memory path holds what ``InMemoryNeed`` estimates
/// (the estimate of the `nabla` command itself), and a file that needs more than the whole budget is
/// refused before it is read.
struct GradientFileTask: Sendable {
    var key: String?
    var column: String?
    var axes: [Int]?
    var options: DifferenceOptions
    var spacing: [Spacing]
    /// What each file gets: the gradient (default) or another operation of the tool.
    var operation: FieldJob.Operation = .gradient

    /// The arrays an output holds for an input of rank `rank` (nil when the axes are out of range).
    func outputNames(rank: Int) -> [String]? {
        operation.names(rank: rank, axes: axes)
    }
    /// Read HDF5 data stored outside the input file (`--allow-external`).
    var allowExternal = false

    // MARK: Estimating

    /// What a file's header says, read without loading the data.
    struct Probe {
        /// The array to differentiate, when the header identifies it (nil: the format has no cheap header,
        /// a deflated member, or a key that will be refused when the file is read).
        var dtype: DType?
        var shape: [Int]?
    }

    func probe(_ item: BatchItem) throws(PipelineError) -> Probe {
        let format = try FieldFiles.Format(of: item.input)
        let headers: ArchiveHeaders
        if format == .npy {
            headers = try ArchiveHeaders.npy(item.input)
        } else if format == .npz {
            headers = try ArchiveHeaders.npz(item.input)
        } else {
            return Probe(dtype: nil, shape: nil)
        }
        let chosen = key.map { k in headers.entries.first { $0.name == k } } ?? (headers.entries.count == 1 ? headers.entries.first : nil)
        guard let chosen, chosen.complete else { return Probe(dtype: nil, shape: nil) }
        return Probe(dtype: chosen.dtype, shape: chosen.shape)
    }

    /// The axes differentiated in a rank-`rank` array, non-negative, in output order (nil if out of range:
    /// the computation reports it).
    func selectedAxes(rank: Int) -> [Int]? {
        try? normalizedAxes(axes, rank: rank)
    }

    /// The `nabla` command's job on `item`, within `memory` bytes.
    func fieldJob(_ item: BatchItem, memory: Int) -> FieldJob {
        // A vector field's components are its arrays axis0, axis1, …: --key is not theirs.
        var options = options
        options.memory = memory
        var job = FieldJob(operation, input: item.input, key: operation.readsVectorField ? nil : key, column: column,
                           axes: axes, options: options, output: item.output)
        job.allowExternal = allowExternal
        return job
    }

    /// Whether `item` runs as its `nabla` command's job (``fieldJob(_:memory:)``), which takes the slab
    /// engine where it can; otherwise it is read and differentiated in memory here.
    func runsAsCommand(_ item: BatchItem) -> Bool {
        // Files with a grid (netCDF, HDF5) take `nabla gradient` itself, which reads it.
        let format = try? FieldFiles.Format(of: item.input)
        return operation != .gradient || item.output.pathExtension != "npz" || format == .nc || format?.isHDF5 == true
    }

    /// The bytes `item` holds when it does not take the slab route: the in-memory path's estimate from the
    /// file's metadata (``InMemoryNeed``, as the `nabla` command estimates it). A file that only the
    /// in-memory path can take and that needs more than the whole budget `total` is refused here, before
    /// anything is read, with the command's message. A file run as its command may still stream through
    /// the slab engine, so it is not refused here: it reserves at most the whole budget and its command,
    /// given that much, refuses it if it must; it reserves at least its `share` of the budget, which its
    /// slab engine may then use (a small file's in-memory estimate may hold no slab with its halos). Files
    /// whose metadata cannot be read reserve the whole budget.
    func memoryNeed(_ item: BatchItem, share: Int, total: Int) throws(PipelineError) -> Int {
        let job = fieldJob(item, memory: total)
        guard let need = job.inMemoryNeed(budget: total) else { return total }
        guard runsAsCommand(item) else {
            try InMemoryNeed.check(need.bytes, budget: total, file: item.input.path, what: "the gradient", reason: need.reason)
            return need.bytes
        }
        return max(need.bytes, min(share, total))
    }

    /// The arrays a complete output holds: names, dtype and shape (nil when the header did not say).
    func expectedOutputs(_ probe: Probe) -> [ArchiveHeaders.Entry]? {
        guard let dtype = probe.dtype, let shape = probe.shape, let names = outputNames(rank: shape.count) else { return nil }
        let outputType: DType = dtype.kindCharacter == "f" ? dtype : .float64
        return names.map { ArchiveHeaders.Entry(name: $0, dtype: outputType, shape: shape, complete: true) }
    }

    // MARK: The slab engine

    /// How the slab engine processes a file: the plan of its `nabla` command (``FieldJob/slabPlan()``) and
    /// the slab layout (whose ``SlabJob/Layout/heldBytes`` is the file's memory need).
    struct SlabRoute {
        var plan: SlabJob.Plan
        var layout: SlabJob.Layout
    }

    /// The slab engine's plan for `item`, or nil when the file takes the in-memory path: whatever the
    /// operation's `nabla` command would not run through the slab engine (spectral derivatives, the
    /// Jacobian, a CSV column, an input the engine cannot read a slab at a time, an output other than
    /// `.npz` or HDF5; see ``FieldJob/slabPlan()``), or arguments the in-memory path must report (axes
    /// out of range, coordinates of the wrong length).
    ///
    /// The slabs are sized for `share` bytes (the file's share of the batch's budget); a file whose one
    /// plane does not fit its share is sized for the whole budget `total` (then it waits until that much
    /// is free), and one that does not fit even that takes the in-memory path, which runs it alone as
    /// before.
    func slabRoute(_ item: BatchItem, share: Int, total: Int) -> SlabRoute? {
        guard let plan = (try? fieldJob(item).slabPlan()) ?? nil else { return nil }
        let input = plan.input
        for memory in share < total ? [share, total] : [total] {
            if let layout = try? SlabJob.layout(plan.operation, shape: input.shape, dtype: input.dtype, nativeOrder: input.nativeOrder,
                                                memory: memory, file: item.input.path) {
                return SlabRoute(plan: plan, layout: layout)
            }
        }
        return nil
    }

    /// The `nabla` command of `operation` on `item` (for the gradient: `nabla gradient`). A vector field's
    /// components are its arrays `axis0`, `axis1`, …: `--key` is not theirs.
    private func fieldJob(_ item: BatchItem) -> FieldJob {
        var job = FieldJob(operation, input: item.input, key: operation.readsVectorField ? nil : key, column: column,
                           axes: axes, options: options, output: item.output)
        job.allowExternal = allowExternal
        return job
    }

    // MARK: Running

    /// What processing one file found.
    struct Outcome {
        var dtype: DType?
        var shape: [Int]?
        var nonFiniteInput: Int?
        var nonFiniteOutput: Int?
    }

    /// Differentiates one file through the slab engine (see ``slabRoute(_:share:total:)``), as its `nabla`
    /// command would with the route's slabs; the output appears only when complete. The non-finite values
    /// of the input and of the results are counted as the in-memory path counts them.
    func run(_ item: BatchItem, _ route: SlabRoute) throws(PipelineError) -> Outcome {
        try Self.createFolder(of: item.output)
        let tally = NonFiniteTally()
        let plan = route.plan
        try SlabJob.run(plan.operation, on: plan.input, names: plan.names, output: item.output,
                        planes: route.layout.planes, file: item.input.path, tally: tally)
        plan.notes.forEach(PipelineWarnings.printNote)
        return Outcome(dtype: plan.input.dtype, shape: plan.input.shape, nonFiniteInput: tally.input, nonFiniteOutput: tally.output)
    }

    /// Reads, differentiates and writes one file in memory (other operations, and other outputs: their
    /// `nabla` command, which streams through the slab engine where it can, within `memory` bytes); the
    /// output appears only when complete.
    func run(_ item: BatchItem, memory: Int) throws(PipelineError) -> Outcome {
        if runsAsCommand(item) { return try runOther(item, memory: memory) }
        let field = try FieldFiles.read(item.input, key: key, column: column, allowExternal: allowExternal)
        let nonFiniteInput = field.nonFiniteCount
        try Self.createFolder(of: item.output)
        let nonFiniteOutput = try computeAndWrite(field, file: item.input.path, to: item.output)
        return Outcome(dtype: field.dtype, shape: field.shape, nonFiniteInput: nonFiniteInput, nonFiniteOutput: nonFiniteOutput)
    }

    /// Creates the folder that will hold `output` (and its parents).
    private static func createFolder(of output: URL) throws(PipelineError) {
        let directory = output.deletingLastPathComponent().path
        do throws(FileSystem.Failure) {
            try FileSystem.createFolder(directory)
        } catch {
            throw PipelineError("\(output.path): cannot create the folder \(error.path ?? directory): \(error.reason)")
        }
    }

    /// Computes every selected axis and writes the archive (atomically); returns the non-finite results.
    private func computeAndWrite(_ field: AnyNDArray, file: String, to output: URL) throws(PipelineError) -> Int {
        try FieldJob.computeAndWrite(.gradient, of: [field], axes: axes, options: options, spacing: spacing, file: file,
                                     to: output, onWarning: PipelineWarnings.printToStandardError).nonFinite
    }

    /// The operations other than the gradient (and other outputs) run their `nabla` command's job on the
    /// file, exactly (for the gradient: files with a grid, netCDF in, netCDF/VTK/HDF5 out), within `memory`
    /// bytes: the file's reservation, which its slab engine sizes its slabs for and its in-memory path is
    /// checked against.
    private func runOther(_ item: BatchItem, memory: Int) throws(PipelineError) -> Outcome {
        try Self.createFolder(of: item.output)
        try fieldJob(item, memory: memory).run()
        let written = item.output.pathExtension == "npz" ? (try? ArchiveHeaders.npz(item.output).entries.first) ?? nil : nil
        return Outcome(dtype: written?.dtype, shape: written?.shape, nonFiniteInput: nil, nonFiniteOutput: nil)
    }

    // MARK: Resuming

    /// Whether `item`'s output can be kept by `--resume`: it exists, is at least as new as the input, and is a
    /// complete archive holding the expected arrays (checked from its central directory and member headers;
    /// when the input's header did not say, any non-empty set of `axisK` members of one shape), and the
    /// whole archive verifies (``ArchiveHeaders/verifies(_:)``: every member's CRC-32), so that an output
    /// damaged after it was written is redone.
    func outputIsComplete(_ item: BatchItem, probe: Probe?) -> Bool {
        guard let outputTime = FileSystem.modificationTime(item.output.path),
              let inputTime = FileSystem.modificationTime(item.input.path), outputTime >= inputTime else { return false }
        // Formats without a cheap completeness check: the output appeared by rename, so it is complete.
        guard item.output.pathExtension == "npz" else { return true }
        guard let found = try? ArchiveHeaders.npz(item.output).entries,
              found.allSatisfy(\.complete) else { return false }
        if let probe, let expected = expectedOutputs(probe) {
            guard found == expected else { return false }
        } else {
            guard let first = found.first, found.allSatisfy({ $0.shape == first.shape && $0.dtype == first.dtype }) else { return false }
            if operation != .gradient {
                guard found.map(\.name) == outputNames(rank: first.shape.count) else { return false }
            } else {
                guard found.allSatisfy({ $0.name.hasPrefix("axis") && Int($0.name.dropFirst(4)) != nil }) else { return false }
            }
        }
        return ArchiveHeaders.verifies(item.output)
    }
}
