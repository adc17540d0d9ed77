// Why this file uses raw pointers: every FFTW call of NablaSpectral lives here (the SPMSQLite3 pattern),
// and FFTW's C API takes and returns raw memory. This file owns plans, `fftw_malloc`ed buffers and
// wisdom, serialises the planner, and turns failures into thrown errors or returned warnings (a library
// does not print). The rest of the module sees `FFTWPlan` handles and `FFTWBuffer`s only.
//
// FFTW facts this file relies on (FFTW 3.3 manual, §4.6 and §5):
// - `fftw_init_threads` must run once before any other FFTW call; `plan_with_nthreads` applies to later plans.
// - Only `fftw_execute*` is thread-safe. Planning, destroying plans and wisdom I/O are serialised here
//   behind `plannerLock`.
// - The new-array execute functions (`fftw_execute_dft_r2c/c2r`) may be applied to other arrays than the
//   planning ones if they have the same sizes, strides and `fftw_alignment_of`; plans are keyed by it.
// - MEASURE/PATIENT planning overwrites its arrays, so plans are made on private scratch buffers.
// - r2c is planned with FFTW_PRESERVE_INPUT (the caller's array is read, never written); c2r destroys its
//   complex input, which is always our own scratch.
internal import _CFFTW
import Foundation
import Nabla

/// How hard FFTW searches for a fast algorithm when it meets a new transform size (FFTW's planner flags).
///
/// ```
/// estimate   FFTW_ESTIMATE  no timing, instant
/// measure    FFTW_MEASURE   times candidate algorithms: ~0.05-0.2 s per new plan, then at FFTW's best
/// patient    FFTW_PATIENT   searches wider: several times longer, a few % faster again
/// ```
/// Plans are cached per shape for the life of the process and measured results are kept as FFTW
/// "wisdom" in a cache file (see ``SpectralFFT/wisdomDirectory``), so measuring is paid once per machine.
/// A call that names no rigour follows ``SpectralFFT/defaultRigour`` with the first-run policy of
/// ``SpectralFFT/defersMeasuring``: wisdom when the machine has it, else an estimated plan now and the
/// measuring owed for later.
public enum PlanningRigour: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `FFTW_ESTIMATE`: pick an algorithm by heuristics, without timing (uses wisdom when present).
    case estimate
    /// `FFTW_MEASURE`: time candidate algorithms once per shape (the default rigour; see
    /// ``SpectralFFT/defersMeasuring`` for what a call without `rigour:` does when there is no wisdom).
    case measure
    /// `FFTW_PATIENT`: time a wider set of candidates.
    case patient

    /// The FFTW flag's name without prefix: `estimate`, `measure` or `patient`.
    public var description: String {
        switch self {
        case .estimate: "estimate"
        case .measure: "measure"
        case .patient: "patient"
        }
    }
}

/// Errors of the FFT library itself (argument errors are `NablaError`).
public enum SpectralError: Error, Sendable, Equatable, CustomStringConvertible {
    /// FFTW returned no plan for a transform.
    case planFailed(String)

    /// "FFTW could not plan …", naming the transform.
    public var description: String {
        switch self {
        case let .planFailed(message): "FFTW could not plan \(message)"
        }
    }
}

/// Settings and statistics of NablaSpectral's FFTW layer: planning rigour, the wisdom cache file, plan
/// counts.
///
/// Wisdom (FFTW's record of measured plans) is read from and written to
/// ```
/// $NABLA_FFTW_WISDOM                 a directory; "off" or "" disables the cache
/// else $XDG_CACHE_HOME/nabla/        when XDG_CACHE_HOME is set
/// else ~/.cache/nabla/
/// ```
/// as `fftw-wisdom` (Double) and `fftwf-wisdom` (Float), replaced atomically. A corrupt or foreign file is
/// ignored and rewritten after the next measured plan. Nothing is printed: the cache belongs to the
/// process, not to one call, so its problems (``SpectralWarning/wisdomIgnored(path:reason:)``,
/// ``SpectralWarning/wisdomNotSaved(path:reason:)``) are collected for ``takeWisdomWarnings()``.
public enum SpectralFFT {
    /// The rigour used when a call does not name one. Default ``PlanningRigour/measure``: with wisdom
    /// cached, every transform runs at FFTW's best speed. What such a call does on a machine without
    /// wisdom for a plan is ``defersMeasuring``'s policy.
    public static var defaultRigour: PlanningRigour {
        get { FFTW.shared.settings.withLock { $0.defaultRigour } }
        set { FFTW.shared.settings.withLock { $0.defaultRigour = newValue } }
    }

    /// The first-run policy of calls that name no rigour (default `true`):
    /// ```
    /// wisdom for the plan at defaultRigour   use it (instant: FFTW_WISDOM_ONLY lookup)
    /// none                                   plan with FFTW_ESTIMATE for this process (instant) and
    ///                                        owe the measuring (owedMeasurements, measureOwedPlans)
    /// ```
    /// so a newcomer's first run is as fast as later runs, less the few percent measured plans gain
    /// (strided transforms run in cache-sized column blocks, where estimated plans are nearly as fast
    /// as measured ones). `false`: such calls measure at once, as calls with `rigour: .measure` do
    /// (0.05-0.2 s per new plan, 6-8 plans for a 3-axis gradient).
    public static var defersMeasuring: Bool {
        get { FFTW.shared.settings.withLock { $0.defersMeasuring } }
        set { FFTW.shared.settings.withLock { $0.defersMeasuring = newValue } }
    }

    /// The number of plans made with `FFTW_ESTIMATE` under ``defersMeasuring`` whose measuring is still
    /// owed.
    public static var owedMeasurements: Int { FFTW.shared.settings.withLock { $0.owed.count } }

    /// Measures owed plans (see ``defersMeasuring``), smallest first, while `seconds` last, saves the
    /// wisdom, and switches this process's later calls to the measured plans. A plan that would need
    /// more than the time left is left owed (FFTW's `fftw_set_timelimit` bounds each one; FFTW may
    /// overrun it by a fraction). Call it when the machine is idle — at the end of a tool's work, say.
    ///
    /// - Returns: the number of plans measured.
    @discardableResult
    public static func measureOwedPlans(within seconds: Double) -> Int {
        FFTW.shared.measureOwed(within: seconds)
    }

    /// The directory holding the wisdom files, `nil` when wisdom caching is off. Setting it loads the
    /// wisdom found there (before new plans are made).
    public static var wisdomDirectory: String? {
        get { FFTW.shared.settings.withLock { $0.wisdomDirectory } }
        set {
            FFTW.shared.settings.withLock {
                $0.wisdomDirectory = newValue
                $0.wisdomLoaded = [false, false]
            }
        }
    }

    /// The number of FFTW plans created in this process so far (cache misses).
    public static var plansCreated: Int { FFTW.shared.cache.withLock { $0.created } }

    /// The number of FFTW plans created so far for transforms of arrays of this shape; a repeated call
    /// on the same shape must not raise it (plan reuse).
    public static func planCount(forShape shape: [Int]) -> Int {
        FFTW.shared.cache.withLock { $0.createdPerShape[shape, default: 0] }
    }

    /// Merges FFTW wisdom from a file into the process's wisdom (`float`: single-precision wisdom).
    ///
    /// - Returns: `false` when the file is unreadable, corrupt or written by another FFTW version; wisdom
    ///   is then unchanged. Nothing is printed.
    @discardableResult
    public static func importWisdom(fromFile path: String, float: Bool = false) -> Bool {
        FFTW.shared.importWisdom(path: path, precision: float ? .single : .double) == nil
    }

    /// The problems met with the wisdom cache files since the last call, oldest first; the list is then
    /// emptied. A tool calls this after its spectral work to report them (the `nabla` tool prints each
    /// after `nabla: warning: `).
    public static func takeWisdomWarnings() -> [SpectralWarning] {
        FFTW.shared.settings.withLock { settings in
            defer { settings.wisdomWarningsTaken = settings.wisdomWarnings.count }
            return Array(settings.wisdomWarnings[settings.wisdomWarningsTaken...])
        }
    }

    /// Every problem met with the wisdom cache files in this process, oldest first, whether taken by
    /// ``takeWisdomWarnings()`` or not.
    public static var wisdomWarnings: [SpectralWarning] {
        FFTW.shared.settings.withLock { $0.wisdomWarnings }
    }

    /// Frees every cached plan and pooled scratch buffer (they are rebuilt on demand).
    public static func purgeCaches() { FFTW.shared.purge() }
}

/// FFTW's planner for other modules of the package (NablaMPI's FFTW-MPI plans): FFTW-MPI plans through
/// FFTW's own, process-wide planner, so its calls must take turns with this module's.
package enum FFTWPlanner {
    /// Runs `body` holding the lock that serialises every FFTW call other than `fftw_execute*`, after
    /// `fftw_init_threads`/`fftwf_init_threads` (which must precede `fftw_mpi_init`).
    package static func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        try FFTW.shared.plannerLock.withLock(body)
    }
}

/// Namespace and shared state of the FFTW layer.
///
/// `@unchecked Sendable`: every mutable field is inside a `Locked` (a pthread mutex); plan handles are immutable after
/// creation and FFTW documents `fftw_execute*` as thread-safe; every other FFTW call is made while
/// holding `plannerLock`.
final class FFTW: @unchecked Sendable {
    enum Precision: Int, Hashable, Sendable { case double = 0, single = 1 }
    /// The transforms the engine uses, all batched 1-D transforms along one axis (guru interface):
    /// `r2c`/`c2r` along the LAST axis of the real array (contiguous), `forward`/`backward` complex DFTs
    /// along another axis of the half-spectrum (strided, vectorised over the contiguous axes after it).
    enum Direction: Hashable, Sendable { case r2c, c2r, forward, backward }

    /// A batch of 1-D transforms along `axis` of a row-major array of real shape `shape`; the complex
    /// half-spectrum has the same layout with the last axis shortened to `n/2 + 1`.
    struct PlanKey: Hashable, Sendable {
        var precision: Precision
        var direction: Direction
        var shape: [Int]
        var axis: Int
        var inPlace: Bool
        var rigour: PlanningRigour
        /// `fftw_alignment_of` the real array (0 for complex transforms: their buffers are `fftw_malloc`ed).
        var alignment: Int
        /// `shape` is the shape of complex data (a complex field), transformed with `forward`/`backward`
        /// along any axis, the last included; there is no half-spectrum.
        var complexData = false
        /// A plan for one column block (complex data of shape `[n, width]`, in place, along axis 0) run by
        /// Nabla's own workers on all cores, so single-threaded itself.
        var block = false
        /// An `FFTW_ESTIMATE` plan standing in for `rigour` until its measuring is paid (see
        /// ``SpectralFFT/defersMeasuring``).
        var standIn = false
    }

    struct Settings {
        var defaultRigour: PlanningRigour = .measure
        var defersMeasuring = true
        /// Plans made with estimate stand-ins whose measuring is owed, in the order met.
        var owed: [PlanKey] = []
        var wisdomDirectory: String? = FFTW.defaultWisdomDirectory()
        var wisdomLoaded = [false, false]
        /// Problems with the wisdom files (a process meets a handful at most), and how many of them
        /// ``SpectralFFT/takeWisdomWarnings()`` has handed out.
        var wisdomWarnings: [SpectralWarning] = []
        var wisdomWarningsTaken = 0
    }

    struct Cache {
        var plans: [PlanKey: FFTWPlan] = [:]
        var created = 0
        var createdPerShape: [[Int]: Int] = [:]
        var pool: [FFTWBuffer] = []
    }

    static let shared = FFTW()
    /// Scratch buffers kept for reuse, in bytes at most (two 256³ complex half-spectra).
    static let poolLimit = 300 << 20

    let settings = Locked(Settings())
    let cache = Locked(Cache())
    /// Serialises every non-execute FFTW call. Taken before `cache` when both are needed; not recursive.
    let plannerLock = Locked()

    private init() {
        // Before any other FFTW call (the first access of `shared` runs this exactly once).
        fftw_init_threads()
        fftwf_init_threads()
    }

    static func defaultWisdomDirectory() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["NABLA_FFTW_WISDOM"] {
            return explicit.isEmpty || explicit == "off" || explicit == "0" ? nil : explicit
        }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/nabla" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.cache/nabla" }
        return nil
    }

    static func wisdomFile(in directory: String, _ precision: Precision) -> String {
        directory + (precision == .double ? "/fftw-wisdom" : "/fftwf-wisdom")
    }

    // MARK: Plans

    /// The cached plan for `key`, made now (on scratch buffers, under the planner lock) on first use.
    /// `byDefault`: the caller named no rigour, so ``SpectralFFT/defersMeasuring``'s policy applies.
    /// Problems with the wisdom cache met on the way are kept for ``SpectralFFT/takeWisdomWarnings()``.
    func plan(_ key: PlanKey, byDefault: Bool = false) throws -> FFTWPlan {
        var standIn = key
        standIn.standIn = true
        let deferring = byDefault && key.rigour != .estimate && settings.withLock { $0.defersMeasuring }
        if let plan = cache.withLock({ $0.plans[key] ?? (deferring ? $0.plans[standIn] : nil) }) { return plan }
        return try plannerLock.withLock { () throws -> FFTWPlan in
            if let plan = cache.withLock({ $0.plans[key] ?? (deferring ? $0.plans[standIn] : nil) }) { return plan }
            if let warning = loadWisdomIfNeeded(key.precision) { record(warning) }
            if deferring {
                // Wisdom for the measured plan makes it at once; without, an estimate now, measuring owed.
                if let pointer = try makePlan(key, mode: .wisdomOnly) {
                    return store(FFTWPlan(pointer: pointer, key: key))
                }
                settings.withLock { $0.owed.append(key) }
                return store(FFTWPlan(pointer: try makePlan(key, mode: .estimate)!, key: standIn))
            }
            let plan = store(FFTWPlan(pointer: try makePlan(key, mode: .rigour)!, key: key))
            if key.rigour != .estimate, let warning = saveWisdom(key.precision) { record(warning) }
            return plan
        }
    }

    /// Caches a new plan. Called with `plannerLock` held.
    private func store(_ plan: FFTWPlan) -> FFTWPlan {
        cache.withLock {
            $0.plans[plan.key] = plan
            $0.created += 1
            $0.createdPerShape[plan.key.shape, default: 0] += 1
        }
        return plan
    }

    /// ``SpectralFFT/measureOwedPlans(within:)``.
    func measureOwed(within seconds: Double) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        func left() -> Double { seconds - Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var measured: [Precision: Int] = [:]
        plannerLock.withLock {
            defer { fftw_set_timelimit(-1); fftwf_set_timelimit(-1) }  // FFTW_NO_TIMELIMIT
            // Smallest first: block plans are measured in tens of milliseconds, whole-array plans longer.
            let owed = settings.withLock { $0.owed }.sorted { $0.shape.reduce(1, *) < $1.shape.reduce(1, *) }
            for key in owed {
                let remaining = left()
                guard remaining > 0.01 else { break }
                if key.precision == .double { fftw_set_timelimit(remaining) } else { fftwf_set_timelimit(remaining) }
                guard let timed = try? makePlan(key, mode: .rigour) else { continue }
                destroy(timed, key.precision)
                // Out of time, FFTW returns a less rigorous plan and records no wisdom for `key`: this
                // lookup then fails and the measuring stays owed.
                guard let pointer = try? makePlan(key, mode: .wisdomOnly) else { continue }
                _ = store(FFTWPlan(pointer: pointer, key: key))
                settings.withLock { $0.owed.removeAll { $0 == key } }
                measured[key.precision, default: 0] += 1
            }
            for precision in measured.keys {
                if let warning = saveWisdom(precision) { record(warning) }
            }
        }
        return measured.values.reduce(0, +)
    }

    /// Destroys a plan no `FFTWPlan` owns. Called with `plannerLock` held.
    private func destroy(_ pointer: OpaquePointer, _ precision: Precision) {
        if precision == .double { fftw_destroy_plan(pointer) } else { fftwf_destroy_plan(pointer) }
    }

    /// How ``makePlan(_:mode:)`` plans: with the key's rigour, with FFTW_ESTIMATE, or only from wisdom
    /// for the key's rigour (`nil` when there is none).
    enum PlanMode { case rigour, estimate, wisdomOnly }

    /// Called with `plannerLock` held. `nil` only for `.wisdomOnly` without wisdom.
    private func makePlan(_ key: PlanKey, mode: PlanMode) throws -> OpaquePointer? {
        let last = key.shape.count - 1
        var complexShape = key.shape
        if !key.complexData { complexShape[last] = key.shape[last] / 2 + 1 }
        let count = key.shape.reduce(1, *)
        let complexCount = complexShape.reduce(1, *)
        let scalar = key.precision == .double ? 8 : 4

        // Planning arrays (MEASURE overwrites them) of the alignment the plan will run on.
        let realBytes = count * scalar + 64
        let complexBytes = complexCount * 2 * scalar
        guard let realBase = fftw_malloc(realBytes), let complexBase = fftw_malloc(complexBytes),
              let complexOther = fftw_malloc(key.inPlace ? 16 : complexBytes) else {
            throw SpectralError.planFailed("\(key.shape) along axis \(key.axis): out of memory for planning buffers")
        }
        defer { fftw_free(realBase); fftw_free(complexBase); fftw_free(complexOther) }
        var real = realBase
        while alignment(of: real, key.precision) != key.alignment { real += scalar }

        var dims: fftw_iodim64_do_not_use_me
        var loops: [fftw_iodim64_do_not_use_me] = []
        switch key.direction {
        case .r2c, .c2r:
            // 1D equivalent -- y[o, :] = rfft(x[o, :]) for every row o of the last axis.
            let n = key.shape[last], nc = n / 2 + 1, rows = count / n
            dims = .init(n: n, is: 1, os: 1)
            if rows > 1 { loops.append(key.direction == .r2c ? .init(n: rows, is: n, os: nc) : .init(n: rows, is: nc, os: n)) }
        case .forward, .backward:
            // 1D equivalent -- y[o, :, i] = fft(x[o, :, i]) for every outer index o and inner index i.
            let n = complexShape[key.axis]
            let outer = complexShape[..<key.axis].reduce(1, *)
            let inner = complexShape[(key.axis + 1)...].reduce(1, *)
            dims = .init(n: n, is: inner, os: inner)
            if outer > 1 { loops.append(.init(n: outer, is: n * inner, os: n * inner)) }
            if inner > 1 { loops.append(.init(n: inner, is: 1, os: 1)) }
        }
        var flags: UInt32
        switch key.rigour {
        case .estimate: flags = FFTW_ESTIMATE
        case .measure: flags = FFTW_MEASURE
        case .patient: flags = FFTW_PATIENT
        }
        if mode == .estimate { flags = FFTW_ESTIMATE }
        if mode == .wisdomOnly { flags |= FFTW_WISDOM_ONLY }
        // r2c reads the caller's array: it must never write it. The others work on our scratch.
        flags |= key.direction == .r2c ? FFTW_PRESERVE_INPUT : FFTW_DESTROY_INPUT
        let threads = Int32(count >= (1 << 15) && !key.block ? Parallel.coreCount : 1)
        let out = key.inPlace ? complexBase : complexOther
        let sign = key.direction == .forward ? FFTW_FORWARD : FFTW_BACKWARD

        let pointer: OpaquePointer? = loops.withUnsafeBufferPointer { loopDims in
            let rank = Int32(loops.count), howmany = loopDims.baseAddress
            switch (key.precision, key.direction) {
            case (.double, .r2c):
                fftw_plan_with_nthreads(threads)
                return fftw_plan_guru64_dft_r2c(1, &dims, rank, howmany, real.assumingMemoryBound(to: Double.self),
                                                complexBase.assumingMemoryBound(to: fftw_complex.self), flags)
            case (.double, .c2r):
                fftw_plan_with_nthreads(threads)
                return fftw_plan_guru64_dft_c2r(1, &dims, rank, howmany, complexBase.assumingMemoryBound(to: fftw_complex.self),
                                                real.assumingMemoryBound(to: Double.self), flags)
            case (.double, _):
                fftw_plan_with_nthreads(threads)
                return fftw_plan_guru64_dft(1, &dims, rank, howmany, complexBase.assumingMemoryBound(to: fftw_complex.self),
                                            out.assumingMemoryBound(to: fftw_complex.self), sign, flags)
            case (.single, .r2c):
                fftwf_plan_with_nthreads(threads)
                return fftwf_plan_guru64_dft_r2c(1, &dims, rank, howmany, real.assumingMemoryBound(to: Float.self),
                                                 complexBase.assumingMemoryBound(to: fftwf_complex.self), flags)
            case (.single, .c2r):
                fftwf_plan_with_nthreads(threads)
                return fftwf_plan_guru64_dft_c2r(1, &dims, rank, howmany, complexBase.assumingMemoryBound(to: fftwf_complex.self),
                                                 real.assumingMemoryBound(to: Float.self), flags)
            case (.single, _):
                fftwf_plan_with_nthreads(threads)
                return fftwf_plan_guru64_dft(1, &dims, rank, howmany, complexBase.assumingMemoryBound(to: fftwf_complex.self),
                                             out.assumingMemoryBound(to: fftwf_complex.self), sign, flags)
            }
        }
        guard let pointer else {
            if mode == .wisdomOnly { return nil }
            throw SpectralError.planFailed("a \(key.direction) transform of shape \(key.shape) along axis \(key.axis) (\(key.precision), \(key.rigour))")
        }
        return pointer
    }

    /// `fftw_alignment_of` a real array: plans run only on arrays of the alignment they were made for.
    func alignment(of pointer: UnsafeMutableRawPointer, _ precision: Precision) -> Int {
        precision == .double ? Int(fftw_alignment_of(pointer.assumingMemoryBound(to: Double.self)))
                             : Int(fftwf_alignment_of(pointer.assumingMemoryBound(to: Float.self)))
    }

    /// Drops cached plans (destroyed when their last user lets go) and pooled buffers.
    func purge() {
        let dropped = cache.withLock { cache -> ([FFTWPlan], [FFTWBuffer]) in
            defer { cache.plans = [:]; cache.pool = [] }
            return (Array(cache.plans.values), cache.pool)
        }
        _ = dropped  // released here, outside the cache lock (plan deinit takes the planner lock)
    }

    // MARK: Wisdom

    private func record(_ warning: SpectralWarning) {
        settings.withLock { $0.wisdomWarnings.append(warning) }
    }

    /// Loads the cached wisdom of `precision` the first time it is needed. Called with `plannerLock` held.
    /// - Returns: a warning when the cache file exists but cannot be used (a missing file is normal).
    private func loadWisdomIfNeeded(_ precision: Precision) -> SpectralWarning? {
        let directory = settings.withLock { s -> String? in
            guard !s.wisdomLoaded[precision.rawValue] else { return nil }
            s.wisdomLoaded[precision.rawValue] = true
            return s.wisdomDirectory
        }
        guard let directory else { return nil }
        let path = Self.wisdomFile(in: directory, precision)
        guard FileSystem.status(path) != nil else { return nil }
        return importWisdomLocked(path: path, precision: precision)
    }

    /// Merges the wisdom in `path`; a warning saying why when it cannot.
    func importWisdom(path: String, precision: Precision) -> SpectralWarning? {
        plannerLock.withLock { importWisdomLocked(path: path, precision: precision) }
    }

    private func importWisdomLocked(path: String, precision: Precision) -> SpectralWarning? {
        guard FileSystem.isReadable(path) else {
            return .wisdomIgnored(path: path, reason: "the file cannot be read; planning without it")
        }
        let name = FileSystem.cString(path)
        let ok = precision == .double ? fftw_import_wisdom_from_filename(name) : fftwf_import_wisdom_from_filename(name)
        if ok == 0 {
            return .wisdomIgnored(path: path, reason: "it is corrupt or was written by another FFTW version or precision; it will be rewritten")
        }
        return nil
    }

    /// Writes the process's wisdom atomically (``AtomicFile``). Called with `plannerLock` held.
    /// - Returns: a warning when the file cannot be written (planning itself succeeded).
    private func saveWisdom(_ precision: Precision) -> SpectralWarning? {
        guard let directory = settings.withLock({ $0.wisdomDirectory }) else { return nil }
        let path = Self.wisdomFile(in: directory, precision)
        do throws(FileSystem.Failure) {
            try FileSystem.createFolder(directory)
        } catch {
            return .wisdomNotSaved(path: path, reason: "cannot create the directory: \(error)")
        }
        do throws(FormatError) {
            try AtomicFile.produce(at: URL(fileURLWithPath: path, isDirectory: false)) { temporary in
                let name = FileSystem.cString(temporary)
                let ok = precision == .double ? fftw_export_wisdom_to_filename(name)
                                              : fftwf_export_wisdom_to_filename(name)
                guard ok != 0 else { throw FormatError(.io, file: path, "FFTW could not write its wisdom") }
            }
        } catch {
            return .wisdomNotSaved(path: path, reason: error.message)
        }
        return nil
    }

    // MARK: Scratch buffers

    /// An `fftw_malloc`ed buffer of at least `bytes`, from the pool when one fits.
    func borrowBuffer(bytes: Int) throws -> FFTWBuffer {
        if let buffer = cache.withLock({ cache -> FFTWBuffer? in
            guard let i = cache.pool.indices.filter({ cache.pool[$0].bytes >= bytes })
                .min(by: { cache.pool[$0].bytes < cache.pool[$1].bytes }) else { return nil }
            return cache.pool.remove(at: i)
        }) { return buffer }
        guard let base = fftw_malloc(max(bytes, 16)) else {
            throw SpectralError.planFailed("scratch: out of memory allocating \(bytes) bytes")
        }
        Memory.adviseHugePages(UnsafeMutableRawBufferPointer(start: base, count: bytes))
        return FFTWBuffer(base: base, bytes: bytes)
    }

    /// Frees every pooled buffer (plans stay cached): the slab path calls it between passes whose
    /// buffers differ in size, so that the pool never holds more than the memory budget.
    func releasePooledBuffers() {
        let dropped = cache.withLock { cache -> [FFTWBuffer] in
            defer { cache.pool = [] }
            return cache.pool
        }
        _ = dropped  // freed here, outside the lock
    }

    /// Returns a buffer to the pool, or frees it when the pool is full.
    func returnBuffer(_ buffer: FFTWBuffer) {
        cache.withLock { cache in
            let held = cache.pool.reduce(0) { $0 + $1.bytes }
            if held + buffer.bytes <= Self.poolLimit { cache.pool.append(buffer) }
        }
    }
}

/// An FFTW plan. Executing it (``execute(_:_:)``) is thread-safe; it is destroyed under the planner lock.
///
/// `@unchecked Sendable`: immutable after creation, and FFTW's execute functions are thread-safe.
final class FFTWPlan: @unchecked Sendable {
    let pointer: OpaquePointer
    let key: FFTW.PlanKey

    init(pointer: OpaquePointer, key: FFTW.PlanKey) {
        self.pointer = pointer
        self.key = key
    }

    /// Runs the plan on new arrays of the planned layout (FFTW's new-array execute functions): r2c reads
    /// `input` (real) and writes `output` (complex); c2r reads and destroys `input` (complex) and writes
    /// `output` (real); forward/backward map complex to complex (`input == output` for in-place plans).
    /// The real array must have the planned `fftw_alignment_of`.
    func execute(_ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        assert(key.inPlace == (input == output), "an in-place plan must run in place, and only it")
        switch (key.precision, key.direction) {
        case (.double, .r2c):
            fftw_execute_dft_r2c(pointer, input.assumingMemoryBound(to: Double.self),
                                 output.assumingMemoryBound(to: fftw_complex.self))
        case (.double, .c2r):
            fftw_execute_dft_c2r(pointer, input.assumingMemoryBound(to: fftw_complex.self),
                                 output.assumingMemoryBound(to: Double.self))
        case (.double, _):
            fftw_execute_dft(pointer, input.assumingMemoryBound(to: fftw_complex.self),
                             output.assumingMemoryBound(to: fftw_complex.self))
        case (.single, .r2c):
            fftwf_execute_dft_r2c(pointer, input.assumingMemoryBound(to: Float.self),
                                  output.assumingMemoryBound(to: fftwf_complex.self))
        case (.single, .c2r):
            fftwf_execute_dft_c2r(pointer, input.assumingMemoryBound(to: fftwf_complex.self),
                                  output.assumingMemoryBound(to: Float.self))
        case (.single, _):
            fftwf_execute_dft(pointer, input.assumingMemoryBound(to: fftwf_complex.self),
                              output.assumingMemoryBound(to: fftwf_complex.self))
        }
    }

    deinit {
        let pointer = self.pointer, precision = key.precision
        FFTW.shared.plannerLock.withLock {
            if precision == .double { fftw_destroy_plan(pointer) } else { fftwf_destroy_plan(pointer) }
        }
    }
}

/// Memory from `fftw_malloc` (aligned for FFTW's SIMD), freed on deinit.
///
/// `@unchecked Sendable`: one borrower at a time uses it (the pool hands it out under a lock).
final class FFTWBuffer: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let bytes: Int

    init(base: UnsafeMutableRawPointer, bytes: Int) {
        self.base = base
        self.bytes = bytes
    }

    deinit { fftw_free(base) }
}
