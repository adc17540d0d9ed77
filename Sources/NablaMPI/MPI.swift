import _CDeflate
import _CFFTWMPI
import _CMPI
import Nabla
import NablaSpectral

// The one file of NablaMPI that calls MPI and FFTW-MPI (and touches raw memory; FFTW-MPI, the MPI interface
// of FFTW, is at the end under `MARK: - FFTW-MPI`): start-up, communicators, reductions,
// broadcasts, the non-blocking plane exchange, MPI-IO and CRC-32 over array storage. Every MPI return code
// becomes a thrown ``MPIError``; the rest of the module is safe Swift over the typed API below.

/// An error an MPI call returned: the call, the code and MPI's own message for it.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    /// The MPI function that failed.
    public var operation: String
    /// MPI's error code.
    public var code: Int
    /// `MPI_Error_string` of the code.
    public var message: String

    public var description: String { "\(operation) failed: \(message) (MPI error \(code))" }
}

@inline(__always)
private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MPIError) {
    guard code != MPI_SUCCESS else { return }
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    let text: String
    if MPI_Error_string(code, &buffer, &length) == MPI_SUCCESS {
        text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    } else {
        text = "unknown MPI error"
    }
    throw MPIError(operation: operation(), code: Int(code), message: text)
}

/// The MPI library's lifetime in this process.
public enum MPIRuntime {
    /// Initialises MPI (once; later calls do nothing), asking for `MPI_THREAD_SERIALIZED`: one thread at a
    /// time calls MPI (the computation's worker threads never do; tests may run on several threads, one
    /// after another). Errors on the world
    /// communicator are returned, not fatal. A program started without `mpirun` is a singleton of one rank.
    public static func initialize() throws(MPIError) {
        // Two threads asking at once must not both initialise.
        try startLock.withLock { () throws(MPIError) in try start() }
    }

    private static let startLock = Locked()

    private static func start() throws(MPIError) {
        var flag: Int32 = 0
        try check(MPI_Initialized(&flag), "MPI_Initialized")
        guard flag == 0 else { return }
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
        try check(MPI_Comm_set_errhandler(nabla_mpi_comm_world(), nabla_mpi_errors_return()), "MPI_Comm_set_errhandler")
    }

    /// Whether MPI is initialised and not yet finalised.
    public static var isActive: Bool {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        return initialized != 0 && finalized == 0
    }

    /// Finalises MPI (collective: every rank calls it once, after its last MPI call).
    public static func finalize() {
        if isActive { MPI_Finalize() }
    }

    /// Ends every rank of the world at once (for errors that cannot be agreed on).
    public static func abort(code: Int32 = 1) -> Never {
        MPI_Abort(nabla_mpi_comm_world(), code)
        fatalError("MPI_Abort returned")
    }
}

/// A group of MPI processes (ranks) that communicate: `MPI_COMM_WORLD` or a part of it.
///
/// `@unchecked Sendable`: an MPI communicator is a process-wide handle; NablaMPI calls MPI from one thread
/// at a time (`MPI_THREAD_SERIALIZED`), whichever value of this type is used.
public struct Communicator: @unchecked Sendable {
    let handle: MPI_Comm

    /// Every process started together (`mpirun -np N`), or this process alone when started without mpirun.
    /// Initialises MPI if needed.
    public static func world() throws(MPIError) -> Communicator {
        try MPIRuntime.initialize()
        return Communicator(handle: nabla_mpi_comm_world())
    }

    /// This process's rank, `0..<size`.
    public var rank: Int {
        var r: Int32 = 0
        MPI_Comm_rank(handle, &r)
        return Int(r)
    }

    /// The number of processes.
    public var size: Int {
        var s: Int32 = 0
        MPI_Comm_size(handle, &s)
        return Int(s)
    }

    /// `MPI_Comm_split`: the processes with the same `color` form a new communicator, ranked by `key` (then
    /// by their rank here). Collective.
    public func split(color: Int, key: Int) throws(MPIError) -> Communicator {
        var result: MPI_Comm? = nil
        try check(MPI_Comm_split(handle, Int32(color), Int32(key), &result), "MPI_Comm_split")
        return Communicator(handle: result!)
    }

    /// How many processes of this communicator share this process's node (its memory): the size of
    /// `MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)`, which is freed again. Collective.
    public func ranksOnThisNode() throws(MPIError) -> Int {
        var node: MPI_Comm? = nil
        try check(MPI_Comm_split_type(handle, Int32(MPI_COMM_TYPE_SHARED), Int32(rank), nabla_mpi_info_null(), &node),
                  "MPI_Comm_split_type")
        var size: Int32 = 1
        MPI_Comm_size(node, &size)
        MPI_Comm_free(&node)
        return Int(size)
    }

    /// Waits until every process has reached this call.
    public func barrier() throws(MPIError) {
        try check(MPI_Barrier(handle), "MPI_Barrier")
    }

    // MARK: Reductions and broadcasts

    /// How values are combined across processes.
    public enum Reduction: Sendable {
        case sum, max, min
        var op: MPI_Op {
            switch self {
            case .sum: nabla_mpi_sum()
            case .max: nabla_mpi_max()
            case .min: nabla_mpi_min()
            }
        }
    }

    /// Every process's `values`, combined element-wise; every process gets the result.
    public func allReduce(_ values: [Double], _ reduction: Reduction) throws(MPIError) -> [Double] {
        var result = values
        try check(MPI_Allreduce(nabla_mpi_in_place(), &result, Int32(values.count), nabla_mpi_double(), reduction.op, handle),
                  "MPI_Allreduce")
        return result
    }

    /// Every process's `values` (64-bit integers), combined element-wise; every process gets the result.
    public func allReduce(_ values: [Int], _ reduction: Reduction) throws(MPIError) -> [Int] {
        var result = values.map { Int64($0) }
        try check(MPI_Allreduce(nabla_mpi_in_place(), &result, Int32(values.count), nabla_mpi_int64(), reduction.op, handle),
                  "MPI_Allreduce")
        return result.map { Int($0) }
    }

    /// `MPI_MAXLOC` over `(value, rank)`: the largest value and the lowest rank holding it.
    public func maxLocation(_ value: Double) throws(MPIError) -> (value: Double, rank: Int) {
        var pair = nabla_mpi_double_int(value: value, index: Int32(rank))
        try check(MPI_Allreduce(nabla_mpi_in_place(), &pair, 1, nabla_mpi_double_int(), nabla_mpi_maxloc(), handle),
                  "MPI_Allreduce(MAXLOC)")
        return (pair.value, Int(pair.index))
    }

    /// `root`'s integers, on every process.
    public func broadcast(_ values: [Int], from root: Int) throws(MPIError) -> [Int] {
        var buffer = values.map { Int64($0) }
        try check(MPI_Bcast(&buffer, Int32(buffer.count), nabla_mpi_int64(), Int32(root), handle), "MPI_Bcast")
        return buffer.map { Int($0) }
    }

    /// `root`'s bytes, on every process (the others' `bytes` are ignored).
    public func broadcast(_ bytes: [UInt8], from root: Int) throws(MPIError) -> [UInt8] {
        let count = try broadcast([bytes.count], from: root)[0]
        var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: count)
        if count > 0 {
            try check(MPI_Bcast(&buffer, Int32(count), nabla_mpi_byte(), Int32(root), handle), "MPI_Bcast")
        }
        return buffer
    }

    /// `root`'s doubles, on every process (the others' `values` only give the count).
    public func broadcast(_ values: [Double], from root: Int) throws(MPIError) -> [Double] {
        var buffer = values
        if !buffer.isEmpty {
            try check(MPI_Bcast(&buffer, Int32(buffer.count), nabla_mpi_double(), Int32(root), handle), "MPI_Bcast")
        }
        return buffer
    }

    // MARK: Point to point

    /// Starts sending each of `sends` (values to a rank) and receiving each of `receives` (a count of
    /// values from a rank) without waiting: `MPI_Isend`/`MPI_Irecv`. Between one pair of ranks, one
    /// message per direction and `tag`; messages to this process itself are allowed. Messages larger than
    /// 1 GiB travel in pieces.
    package func startExchange<T>(sending sends: [(rank: Int, values: [T])],
                                                   receiving receives: [(rank: Int, count: Int)],
                                                   tag: Int) throws(MPIError) -> PendingExchange<T> {
        precondition(_isPOD(T.self), "only plain values travel as bytes")
        let pending = PendingExchange<T>(receives: receives)
        let stride = MemoryLayout<T>.stride
        do {
            for (k, receive) in receives.enumerated() {
                let buffer = pending.receiveBuffers[k]
                for piece in Self.pieces(bytes: receive.count * stride) {
                    var request: MPI_Request? = nabla_mpi_request_null()
                    try check(MPI_Irecv(buffer.baseAddress! + piece.lowerBound, Int32(piece.count), nabla_mpi_byte(),
                                        Int32(receive.rank), Int32(tag), handle, &request), "MPI_Irecv")
                    pending.requests.append(request)
                }
            }
            for send in sends where !send.values.isEmpty {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: send.values.count * stride, alignment: 16)
                send.values.withUnsafeBytes { buffer.copyMemory(from: $0) }
                pending.sendBuffers.append(buffer)
                for piece in Self.pieces(bytes: buffer.count) {
                    var request: MPI_Request? = nabla_mpi_request_null()
                    try check(MPI_Isend(buffer.baseAddress! + piece.lowerBound, Int32(piece.count), nabla_mpi_byte(),
                                        Int32(send.rank), Int32(tag), handle, &request), "MPI_Isend")
                    pending.requests.append(request)
                }
            }
        } catch {
            _ = try? pending.waitAll()
            throw error
        }
        return pending
    }

    /// Byte ranges of at most 1 GiB covering `bytes` (MPI counts are 32-bit).
    static func pieces(bytes: Int) -> [Range<Int>] {
        let limit = 1 << 30
        return stride(from: 0, to: bytes, by: limit).map { $0..<min(bytes, $0 + limit) }
    }
}

/// Messages in flight (``Communicator/startExchange(sending:receiving:tag:)``); ``finish()`` waits for
/// them and hands over what arrived. Owns the send and receive memory until then.
package final class PendingExchange<T> {
    fileprivate var requests: [MPI_Request?] = []
    fileprivate var sendBuffers: [UnsafeMutableRawBufferPointer] = []
    fileprivate let receiveBuffers: [UnsafeMutableRawBufferPointer]
    private let counts: [Int]
    private var done = false

    fileprivate init(receives: [(rank: Int, count: Int)]) {
        counts = receives.map(\.count)
        receiveBuffers = receives.map {
            UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, $0.count * MemoryLayout<T>.stride), alignment: 16)
        }
    }

    fileprivate func waitAll() throws(MPIError) {
        guard !done else { return }
        done = true
        if !requests.isEmpty {
            try check(MPI_Waitall(Int32(requests.count), &requests, nabla_mpi_statuses_ignore()), "MPI_Waitall")
        }
    }

    /// Waits for every message; returns the values received, in the order the receives were given.
    package func finish() throws(MPIError) -> [[T]] {
        try waitAll()
        return zip(receiveBuffers, counts).map { buffer, count in
            Array(buffer.bindMemory(to: T.self).prefix(count))
        }
    }

    deinit {
        // A dropped exchange still completes: MPI must not write into freed memory.
        _ = try? waitAll()
        sendBuffers.forEach { $0.deallocate() }
        receiveBuffers.forEach { $0.deallocate() }
    }
}

// MARK: - MPI-IO

/// A file opened by every process of a communicator for MPI-IO (`MPI_File_open`): collective reads and
/// writes at explicit offsets. Errors of file operations are returned (MPI's default for files).
package final class ParallelFile {
    private var handle: MPI_File?
    private let communicator: Communicator
    private let writable: Bool
    /// The path, for messages.
    package let path: String

    package enum Mode { case read, createExclusive }

    /// Opens `path` on every process of `communicator` (collective).
    package init(_ path: String, mode: Mode, communicator: Communicator) throws(MPIError) {
        self.communicator = communicator
        self.path = path
        writable = mode == .createExclusive
        let amode: Int32 = switch mode {
        case .read: Int32(MPI_MODE_RDONLY)
        case .createExclusive: Int32(MPI_MODE_WRONLY | MPI_MODE_CREATE | MPI_MODE_EXCL)
        }
        var file: MPI_File? = nabla_mpi_file_null()
        try check(MPI_File_open(communicator.handle, FileSystem.cString(path), amode, nabla_mpi_info_null(), &file), "MPI_File_open(\(path))")
        handle = file
    }

    /// Reads, on every process at once, `array`'s elements `elements` from byte `offset` (each process
    /// its own range; an empty range takes part without reading). The file's bytes must be `T`'s in
    /// native order.
    package func readAll<T>(into array: inout NDArray<T>, elements: Range<Int>, at offset: Int) throws(MPIError) {
        let stride = MemoryLayout<T>.stride
        let failure = array.withUnsafeMutableBufferPointer { storage in
            transferAll(reading: true, UnsafeRawPointer(storage.baseAddress!) + elements.lowerBound * stride,
                        bytes: elements.count * stride, at: offset)
        }
        if let failure { throw failure }
    }

    /// Writes, on every process at once, `array`'s elements `elements` at byte `offset` (each process its
    /// own range; an empty range takes part without writing), in native byte order.
    package func writeAll<T>(_ array: NDArray<T>, elements: Range<Int>, at offset: Int) throws(MPIError) {
        let stride = MemoryLayout<T>.stride
        let failure = array.withUnsafeBufferPointer { storage in
            transferAll(reading: false, UnsafeRawPointer(storage.baseAddress!) + elements.lowerBound * stride,
                        bytes: elements.count * stride, at: offset)
        }
        if let failure { throw failure }
    }

    /// The collective read into (or write from) the `bytes` bytes at `base`, at byte `offset` of the file:
    /// pieces of at most 1 GiB (MPI counts are 32-bit), in as many rounds as the process with the most
    /// pieces needs, since every process takes part in every round. Returns the first failure. `base` is
    /// written to only when `reading` (it then points into mutable storage).
    private func transferAll(reading: Bool, _ base: UnsafeRawPointer, bytes: Int, at offset: Int) -> MPIError? {
        let pieces = Communicator.pieces(bytes: bytes)
        let rounds: Int
        do throws(MPIError) { rounds = try communicator.allReduce([pieces.count], .max)[0] } catch { return error }
        var failure: MPIError?
        for round in 0..<rounds {
            let piece = round < pieces.count ? pieces[round] : 0..<0
            let (position, count) = (MPI_Offset(offset + piece.lowerBound), Int32(piece.count))
            let code = reading
                ? MPI_File_read_at_all(handle, position, UnsafeMutableRawPointer(mutating: base + piece.lowerBound), count,
                                       nabla_mpi_byte(), nabla_mpi_status_ignore())
                : MPI_File_write_at_all(handle, position, base + piece.lowerBound, count, nabla_mpi_byte(), nabla_mpi_status_ignore())
            if failure == nil {
                do throws(MPIError) { try check(code, "\(reading ? "MPI_File_read_at_all" : "MPI_File_write_at_all")(\(path))") } catch {
                    failure = error
                }
            }
        }
        return failure
    }

    /// Writes `bytes` at `offset` from this process alone (headers, from rank 0).
    package func write(_ bytes: [UInt8], at offset: Int) throws(MPIError) {
        guard !bytes.isEmpty else { return }
        try check(MPI_File_write_at(handle, MPI_Offset(offset), bytes, Int32(bytes.count), nabla_mpi_byte(),
                                    nabla_mpi_status_ignore()), "MPI_File_write_at(\(path))")
    }

    /// Sets the file's size (collective).
    package func setSize(_ size: Int) throws(MPIError) {
        try check(MPI_File_set_size(handle, MPI_Offset(size)), "MPI_File_set_size(\(path))")
    }

    /// Flushes and closes the file (collective).
    package func close() throws(MPIError) {
        guard handle != nil else { return }
        if writable { try check(MPI_File_sync(handle), "MPI_File_sync(\(path))") }
        try check(MPI_File_close(&handle), "MPI_File_close(\(path))")
        handle = nil
    }

    deinit {
        if handle != nil { MPI_File_close(&handle) }
    }
}

// MARK: - CRC-32

/// CRC-32 (the ZIP checksum) over array storage, and zlib's `crc32_combine`.
package enum DistributedCRC {
    /// The CRC-32 of the bytes of `array`'s elements `elements` (native byte order).
    package static func checksum<T>(_ array: NDArray<T>, elements: Range<Int>) -> UInt32 {
        guard !elements.isEmpty else { return 0 }
        return array.withUnsafeBufferPointer { storage in
            let bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[
                (elements.lowerBound * MemoryLayout<T>.stride)..<(elements.upperBound * MemoryLayout<T>.stride)])
            return UInt32(libdeflate_crc32(0, bytes.baseAddress, bytes.count))
        }
    }

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(libdeflate_crc32(0, $0.baseAddress, $0.count)) }
    }

    /// The CRC-32 of `A + B` from the CRC-32 of `A`, that of `B` and the length of `B` in bytes.
    package static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        guard secondLength > 0 else { return first }
        return UInt32(crc32_combine(uLong(first), uLong(second), off_t(secondLength)))
    }
}

// MARK: - FFTW-MPI

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
