import _CDeflate
import _CMPI
import Nabla

// The one file of NablaMPI that calls MPI (and touches raw memory): start-up, communicators, reductions,
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
