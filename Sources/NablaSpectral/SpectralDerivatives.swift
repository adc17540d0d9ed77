// Spectral derivatives of periodic fields: the public entry points.
//
// Rules (S. G. Johnson, "Notes on FFT-based differentiation"): samples x_j = x0 + j·h, j = 0…N-1, of a
// function with period L = N·h (endpoint not repeated); mode k is multiplied by (i k)^m with
//   k = 2π/L · {0, 1, …, ceil(N/2)-1, -floor(N/2), …, -1},
// and, for even N, the Nyquist mode k = πN/L gets 0 for odd m and (-1)^(m/2) (πN/L)^m for even m.
import Nabla

/// The element types of spectral derivatives: `Double` (FFTW's `fftw_*`) and `Float` (`fftwf_*`).
///
/// The protocol has no requirements of its own: the entry points recognise `Double` and `Float` and run
/// the engine compiled for each (an unspecialised generic loop called across modules is ~30x slower).
/// Do not conform other types; the entry points refuse them with a `NablaError`.
public protocol SpectralScalar: FieldScalar {}

extension Double: SpectralScalar {}
extension Float: SpectralScalar {}

/// Routes a generic call to `SpectralEngine<Double>` or `SpectralEngine<Float>`.
enum SpectralDispatch {
    /// Output `q` is `Σ_terms ∂^{Σm} f / Π ∂x_a^{m_a}` with `m = outputs[q][t]`, `periods[a]` the period
    /// of axis `a`; warnings for the axes `checkAxes` that do not look periodic.
    static func run<T: SpectralScalar>(_ f: NDArray<T>, periods: [Double], outputs: [[[Int]]], rigour: PlanningRigour?,
                                       checkAxes: [Int]) throws -> (results: [NDArray<T>], warnings: [SpectralWarning]) {
        var results: [NDArray<T>] = []
        let warnings = try run(f, periods: periods, outputs: outputs, rigour: rigour, checkAxes: checkAxes, into: &results)
        return (results, warnings)
    }

    /// As above, reusing the arrays in `results` (see ``SpectralEngine/run(_:periods:outputs:rigour:checkAxes:into:)``).
    static func run<T: SpectralScalar>(_ f: NDArray<T>, periods: [Double], outputs: [[[Int]]], rigour: PlanningRigour?,
                                       checkAxes: [Int], into results: inout [NDArray<T>]) throws -> [SpectralWarning] {
        // `T` is exactly `Double` or `Float` in the branches, so the casts reinterpret nothing.
        if T.self == Double.self {
            return try retyped(&results, as: Double.self) { typed in
                try SpectralEngine<Double>.run(unsafeBitCast(f, to: NDArray<Double>.self), periods: periods, outputs: outputs,
                                               rigour: rigour, checkAxes: checkAxes, into: &typed)
            }
        }
        if T.self == Float.self {
            return try retyped(&results, as: Float.self) { typed in
                try SpectralEngine<Float>.run(unsafeBitCast(f, to: NDArray<Float>.self), periods: periods, outputs: outputs,
                                              rigour: rigour, checkAxes: checkAxes, into: &typed)
            }
        }
        throw NablaError.invalidArgument("spectral derivatives support Double and Float fields, not \(T.self); convert the field with converted(to: Double.self)")
    }

    /// Calls `body` with `results` moved out as arrays of `U` (`T` is `U`: the cast reinterprets nothing), and
    /// moves them back afterwards, so that arrays `body` reuses are not copied.
    private static func retyped<T, U, R>(_ results: inout [NDArray<T>], as _: U.Type,
                                         _ body: (inout [NDArray<U>]) throws -> R) rethrows -> R {
        var typed = unsafeBitCast(results, to: [NDArray<U>].self)
        results = []
        defer { results = unsafeBitCast(typed, to: [NDArray<T>].self) }
        return try body(&typed)
    }
}

/// The engine a spectral entry point runs a checked request on: ``SpectralDispatch`` for real fields (r2c),
/// ``SpectralComplexDispatch`` for complex ones (c2c). Its arguments: the field, the period of every axis,
/// the orders of each output's terms, the planning rigour, the axes checked for periodicity.
typealias SpectralRun<E> = (NDArray<E>, [Double], [[[Int]]], PlanningRigour?, [Int]) throws
    -> (results: [NDArray<E>], warnings: [SpectralWarning])

/// NablaSpectral's checks for the other modules of the package (NablaMPI's slabs), each run by the code
/// compiled for `Double` or `Float`: a generic loop called across modules is not specialised.
package enum SpectralChecks {
    // `T` is exactly `Double` or `Float` in the branches, so the casts reinterpret nothing (`as?` would
    // copy an array element by element).

    /// Throws the `NablaError` of the one-process path for the first non-finite value of `f`, naming its
    /// index with `firstPlane` added to axis 0 (`f` a slab of a larger field).
    package static func checkFinite<T: SpectralScalar>(_ f: NDArray<T>, firstPlane: Int) throws {
        if T.self == Double.self {
            return try SpectralEngine<Double>.checkFinite(unsafeBitCast(f, to: NDArray<Double>.self), firstPlane: firstPlane)
        }
        if T.self == Float.self {
            return try SpectralEngine<Float>.checkFinite(unsafeBitCast(f, to: NDArray<Float>.self), firstPlane: firstPlane)
        }
        try SpectralEngine<T>.checkFinite(f, firstPlane: firstPlane)
    }

    /// The periodicity criterion's `J` and `A` sums over every line of `f` (of `shape`) along `axis`.
    package static func edgeSums<T: SpectralScalar>(_ f: [T], shape: [Int], axis: Int) -> PeriodicitySums {
        if T.self == Double.self { return Periodicity.edgeSums(unsafeBitCast(f, to: [Double].self), shape: shape, axis: axis) }
        if T.self == Float.self { return Periodicity.edgeSums(unsafeBitCast(f, to: [Float].self), shape: shape, axis: axis) }
        return Periodicity.edgeSums(f, shape: shape, axis: axis)
    }

    /// The periodicity criterion's `D` sums over the sample of lines of `f` along `axis`.
    package static func differenceSums<T: SpectralScalar>(_ f: [T], shape: [Int], axis: Int) -> PeriodicitySums {
        if T.self == Double.self { return Periodicity.differenceSums(unsafeBitCast(f, to: [Double].self), shape: shape, axis: axis) }
        if T.self == Float.self { return Periodicity.differenceSums(unsafeBitCast(f, to: [Float].self), shape: shape, axis: axis) }
        return Periodicity.differenceSums(f, shape: shape, axis: axis)
    }

    /// How many lines, at most, `D` is sampled on (the first this many values of each plane along axis 0).
    package static var sampledLines: Int { Periodicity.sampledLines }
}

// MARK: Public API

/// The spectral gradient: the `m`-th derivative of a periodic field along each selected axis, computed
/// with FFTs (exact for trigonometric polynomials the grid resolves; geometric convergence for smooth
/// periodic data).
///
/// Along axis `a` with `N` samples `h` apart (period `L = N·h`):
/// ```
/// ∂^m f/∂x_a^m = IFFT_a[ (i k)^m · FFT_a[f] ],   k = 2π/L · {0, 1, …, ceil(N/2)-1, -floor(N/2), …, -1}
/// even N, Nyquist k = πN/L:  factor 0 for odd m;  (-1)^(m/2) (πN/L)^m for even m (kept)
/// ```
/// Accuracy: exact (to rounding) for trigonometric polynomials the grid resolves; for smooth periodic
/// data the error falls faster than any power of `h` (geometrically for analytic functions) — spectral
/// accuracy, not a fixed order. Data that is not periodic rings (Gibbs) and is reported to `onWarning`.
///
/// How it is computed (batched 1-D FFTW transforms, no transposes, no N-D transform): one real-to-complex
/// transform of `f` along the LAST axis, shared by all outputs; for an output along another axis, a complex
/// DFT of that half-spectrum along the axis, the multiply, the inverse complex DFT; then one
/// complex-to-real transform along the last axis per output. The input is never modified.
///
/// - Parameters:
///   - f: samples of one period along each selected axis (at least 1-D, every axis non-empty, finite).
///   - spacing: empty (step 1), one step for every selected axis, or one per selected axis (in the order
///     of `axes`): a step `h`, or coordinates that must be uniformly spaced (relative tolerance 1e-9).
///   - axes: the axes to differentiate along, in the order of the results; negative values count from
///     the end; `nil` selects all.
///   - derivative: the derivative order `m ≥ 1`.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called once per differentiated axis along which `f` does not look periodic
///     (see ``periodicityWarnings(of:axes:)``), before the results are returned.
/// - Returns: one array per selected axis, of `f`'s shape and element type.
/// - Throws: `NablaError` for a 0-D field, an empty axis, a non-finite value (naming its index),
///   non-uniform coordinates, `m < 1` or an axis out of range or repeated; ``SpectralError`` when FFTW
///   cannot plan.
/// - Complexity: `O(n log n)` for `n = f.count`: one r2c transform, then per selected axis other than the
///   last a complex round trip, and one c2r transform per output; transforms use all cores. A new shape
///   is planned once per process (instant from wisdom or, without wisdom and `rigour`, with
///   `FFTW_ESTIMATE` — see ``SpectralFFT/defersMeasuring``; an explicit ``PlanningRigour/measure`` costs
///   0.05–0.2 s per new plan, kept as wisdom). Memory: the outputs plus two or three half-spectrum scratch buffers (pooled).
public func spectralGradient<T: SpectralScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], axes: [Int]? = nil, derivative: Int = 1,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> [NDArray<T>] {
    try SpectralArguments.gradient(of: f, spacing: spacing, axes: axes, derivative: derivative, rigour: rigour,
                                   onWarning: onWarning, run: SpectralDispatch.run)
}

/// The spectral gradient written into caller-supplied arrays, so repeated calls reuse memory.
///
/// `outputs` is resized to one array per selected axis; an entry that already has `f`'s shape and is not
/// shared is overwritten in place, without allocating. Formula, arguments and errors are those of
/// ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``:
/// ```
/// outputs[q] = ∂^m f/∂x_{axes[q]}^m = IFFT[ (i k)^m · FFT[f] ]
/// ```
///
/// - Parameters:
///   - f: samples of one period along each selected axis (at least 1-D, every axis non-empty, finite).
///   - spacing: empty (step 1), one step for every selected axis, or one per selected axis.
///   - axes: the axes to differentiate along, in the order of the results; `nil` selects all.
///   - derivative: the derivative order `m ≥ 1`.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - outputs: the arrays to write into; resized to one array per selected axis.
///   - onWarning: called once per differentiated axis along which `f` does not look periodic.
/// - Throws: as ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``.
/// - Complexity: as ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``, without
///   allocating outputs when `outputs` already fit. Accuracy: spectral (see there).
public func spectralGradient<T: SpectralScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [], axes: [Int]? = nil, derivative: Int = 1,
    rigour: PlanningRigour? = nil, into outputs: inout [NDArray<T>], onWarning: (SpectralWarning) -> Void = { _ in }
) throws {
    let (selected, periods, requests) = try SpectralArguments.gradientRequest(shape: f.shape, spacing: spacing, axes: axes,
                                                                              derivative: derivative)
    let warnings = try SpectralDispatch.run(f, periods: periods, outputs: requests, rigour: rigour,
                                   checkAxes: selected, into: &outputs)
    warnings.forEach(onWarning)
}

/// The `m`-th spectral derivative along one axis (see ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``):
/// ```
/// ∂^m f/∂x^m = IFFT[ (i k)^m · FFT[f] ],   k = 2π/(N·h) · {0, …, ceil(N/2)-1, -floor(N/2), …, -1}
/// ```
/// with the Nyquist mode of even `N` zeroed for odd `m` and kept as `(-1)^(m/2) (πN/L)^m` for even `m`.
///
/// - Parameters:
///   - f: samples of one period along `axis` (finite, at least 1-D).
///   - axis: the axis to differentiate along; negative values count from the end.
///   - order: the derivative order `m ≥ 1`.
///   - spacing: the step `h` along `axis`, or its uniformly spaced coordinates.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called when `f` does not look periodic along `axis`.
/// Accuracy: spectral — exact for resolved trigonometric polynomials, faster than any power of `h` for
/// smooth periodic data.
///
/// - Returns: the derivative, of `f`'s shape and element type.
/// - Throws: as ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``.
/// - Complexity: `O(n log n)` for `n = f.count`: two or four batched 1-D transforms (r2c and c2r along
///   the last axis, plus a complex round trip when `axis` is not the last).
public func spectralDerivative<T: SpectralScalar>(
    of f: NDArray<T>, along axis: Int, order: Int = 1, spacing: Spacing = 1,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> NDArray<T> {
    try spectralGradient(of: f, spacing: [spacing], axes: [axis], derivative: order, rigour: rigour,
                         onWarning: onWarning)[0]
}

/// A spectral mixed partial derivative with one order per axis:
/// ```
/// ∂^{m_0+m_1+…} f / ∂x_0^{m_0} ∂x_1^{m_1} …  =  IFFT[ Π_a (i k_a)^{m_a} · FFT[f] ]
/// ```
/// An axis's Nyquist bin (even `N`) is zeroed only when that axis's order `m_a` is odd; for even `m_a`
/// it gets `(-1)^(m_a/2) (π N_a/L_a)^{m_a}`. Axes with order 0 are not transformed. Accuracy: spectral
/// (exact for resolved trigonometric polynomials).
///
/// - Parameters:
///   - f: samples of one period along each differentiated axis (finite, at least 1-D).
///   - orders: one non-negative order per axis of `f`, at least one positive.
///   - spacing: over ALL axes: empty (step 1), one step for every axis, or one entry per axis.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called once per differentiated axis along which `f` does not look periodic.
/// - Returns: the mixed partial derivative, of `f`'s shape and element type.
/// - Throws: as ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``, and when `orders`
///   does not have one entry per axis or has a negative entry or none positive.
/// - Complexity: `O(n log n)`: one r2c and one c2r transform along the last axis, and a complex round
///   trip along each other differentiated axis.
public func spectralDerivative<T: SpectralScalar>(
    of f: NDArray<T>, orders: [Int], spacing: [Spacing] = [],
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> NDArray<T> {
    try SpectralArguments.validate(shape: f.shape)
    guard orders.count == f.rank else {
        throw NablaError.invalidArgument("orders \(orders) has \(orders.count) entries; give one derivative order per axis (\(f.rank))")
    }
    if let bad = orders.firstIndex(where: { $0 < 0 }) {
        throw NablaError.invalidArgument("derivative order \(orders[bad]) for axis \(bad) is negative; orders must be 0 or more")
    }
    guard orders.contains(where: { $0 > 0 }) else {
        throw NablaError.invalidArgument("orders \(orders) are all 0; at least one derivative order must be 1 or more")
    }
    let all = Array(0..<f.rank)
    let steps = try SpectralArguments.steps(spacing, for: all, shape: f.shape)
    let periods = all.map { Double(f.shape[$0]) * steps[$0] }
    let differentiated = all.filter { orders[$0] > 0 }
    let (results, warnings) = try SpectralDispatch.run(f, periods: periods, outputs: [[orders]],
                                              rigour: rigour, checkAxes: differentiated)
    warnings.forEach(onWarning)
    return results[0]
}

/// The spectral Laplacian, a sum of true second derivatives (Nyquist kept on every even-length axis):
/// ```
/// ∇²f = Σ_a ∂²f/∂x_a² = Σ_a IFFT_a[ -k_a² · FFT_a[f] ]
/// ```
/// Not the divergence of the spectral gradient, which zeroes the Nyquist modes. Accuracy: spectral (exact
/// for resolved trigonometric polynomials).
///
/// - Parameters:
///   - f: samples of one period along every axis (finite, at least 1-D).
///   - spacing: over ALL axes: empty (step 1), one step for every axis, or one entry per axis.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called once per axis along which `f` does not look periodic.
/// - Returns: `∇²f`, of `f`'s shape and element type.
/// - Throws: as ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``.
/// - Complexity: `O(n log n)`: one r2c and one c2r transform along the last axis, and a complex round
///   trip along each other axis; one output array.
public func spectralLaplacian<T: SpectralScalar>(
    of f: NDArray<T>, spacing: [Spacing] = [],
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> NDArray<T> {
    try SpectralArguments.laplacian(of: f, spacing: spacing, rigour: rigour, onWarning: onWarning, run: SpectralDispatch.run)
}

// MARK: Arguments

/// Argument checks shared by the spectral entry points (and NablaMPI's FFTW-MPI path); every message names
/// the offending value.
package enum SpectralArguments {
    /// Relative tolerance on the steps of coordinates given for a spectral axis.
    static let uniformTolerance = 1e-9

    /// Checked gradient arguments: the selected axes, the period of every axis, one single-term request per axis.
    package static func gradientRequest(shape: [Int], spacing: [Spacing], axes: [Int]?, derivative: Int) throws(NablaError)
        -> (axes: [Int], periods: [Double], outputs: [[[Int]]]) {
        try validate(shape: shape)
        try validate(order: derivative, name: "derivative order")
        let selected = try normalize(axes, rank: shape.count)
        let steps = try steps(spacing, for: selected, shape: shape)
        var periods = [Double](repeating: 0, count: shape.count)
        for (a, h) in zip(selected, steps) { periods[a] = Double(shape[a]) * h }
        let outputs = selected.map { a -> [[Int]] in
            var orders = [Int](repeating: 0, count: shape.count)
            orders[a] = derivative
            return [orders]
        }
        return (selected, periods, outputs)
    }

    /// The spectral gradient of a real or complex field: the checked request run by `run`, its warnings
    /// sent to `onWarning`.
    static func gradient<E>(of f: NDArray<E>, spacing: [Spacing], axes: [Int]?, derivative: Int, rigour: PlanningRigour?,
                            onWarning: (SpectralWarning) -> Void, run: SpectralRun<E>) throws -> [NDArray<E>] {
        let (selected, periods, outputs) = try gradientRequest(shape: f.shape, spacing: spacing, axes: axes, derivative: derivative)
        let (results, warnings) = try run(f, periods, outputs, rigour, selected)
        warnings.forEach(onWarning)
        return results
    }

    /// The spectral Laplacian of a real or complex field: the checked request run by `run`, its warnings sent
    /// to `onWarning`.
    static func laplacian<E>(of f: NDArray<E>, spacing: [Spacing], rigour: PlanningRigour?,
                             onWarning: (SpectralWarning) -> Void, run: SpectralRun<E>) throws -> NDArray<E> {
        let (periods, terms) = try laplacianRequest(shape: f.shape, spacing: spacing)
        let (results, warnings) = try run(f, periods, [terms], rigour, Array(0..<f.rank))
        warnings.forEach(onWarning)
        return results[0]
    }

    /// Checked Laplacian arguments: the period of every axis and one second-derivative term per axis, summed.
    package static func laplacianRequest(shape: [Int], spacing: [Spacing]) throws(NablaError) -> (periods: [Double], terms: [[Int]]) {
        try validate(shape: shape)
        let all = Array(0..<shape.count)
        let steps = try steps(spacing, for: all, shape: shape)
        let terms = all.map { a -> [Int] in
            var orders = [Int](repeating: 0, count: shape.count)
            orders[a] = 2
            return orders
        }
        return (all.map { Double(shape[$0]) * steps[$0] }, terms)
    }

    static func validate(shape: [Int]) throws(NablaError) {
        guard !shape.isEmpty else {
            throw .invalidShape("cannot differentiate a 0-D array (a single number); the field needs at least one axis")
        }
        if let empty = shape.firstIndex(of: 0) {
            throw .invalidShape("axis \(empty) of shape \(shape) is empty (length 0); a spectral derivative needs at least one sample per axis")
        }
    }

    static func validate(order: Int, name: String) throws(NablaError) {
        guard order >= 1 else {
            throw .invalidArgument("\(name) \(order) is not supported; it must be 1 or more")
        }
    }

    /// Axis indices in `-rank..<rank`, made non-negative, without repeats; `nil` means all axes.
    static func normalize(_ axes: [Int]?, rank: Int) throws(NablaError) -> [Int] {
        try normalizedAxes(axes, rank: rank)
    }

    /// One step per selected axis from numpy.gradient-style spacing (none, one for all, one per axis).
    static func steps(_ spacing: [Spacing], for axes: [Int], shape: [Int]) throws(NablaError) -> [Double] {
        let given: [Spacing]
        switch spacing.count {
        case 0: given = Array(repeating: .uniform(1), count: axes.count)
        case 1 where axes.count != 1:
            guard case .uniform = spacing[0] else {
                throw .invalidSpacing("one coordinate array was given for \(axes.count) axes; give one spacing per axis, or a single number for all")
            }
            given = Array(repeating: spacing[0], count: axes.count)
        case axes.count: given = spacing
        default:
            throw .invalidSpacing("\(spacing.count) spacings were given for \(axes.count) ax\(axes.count == 1 ? "is" : "es"); give none, one number for all, or one per axis")
        }
        var steps: [Double] = []
        for (axis, s) in zip(axes, given) { steps.append(try step(s, axis: axis, length: shape[axis])) }
        return steps
    }

    /// The uniform step of one axis; coordinates must be equally spaced.
    static func step(_ spacing: Spacing, axis: Int, length: Int) throws(NablaError) -> Double {
        switch spacing {
        case let .uniform(h):
            guard h.isFinite, h != 0 else {
                throw .invalidSpacing("spacing \(h) for axis \(axis) must be finite and non-zero")
            }
            return h
        case let .floatCoordinates(x):
            return try step(.coordinates(x.map { Double($0) }), axis: axis, length: length)
        case let .coordinates(x):
            guard x.count == length else {
                throw .invalidSpacing("axis \(axis) has length \(length) but its coordinate array has \(x.count) elements")
            }
            guard length >= 2 else {
                throw .invalidSpacing("axis \(axis) has one coordinate, which does not give a step; pass the step (the period divided by the number of samples) instead")
            }
            if let bad = x.firstIndex(where: { !$0.isFinite }) {
                throw .invalidSpacing("axis \(axis): coordinate \(bad) is \(x[bad]); coordinates must be finite")
            }
            let h = (x[length - 1] - x[0]) / Double(length - 1)
            guard h != 0 else { throw .invalidSpacing("axis \(axis): the coordinates do not advance; the step must be non-zero") }
            for i in 1..<length where Swift.abs((x[i] - x[i - 1]) - h) > uniformTolerance * Swift.abs(h) {
                throw .invalidSpacing("axis \(axis) is not uniformly spaced (step \(x[i] - x[i - 1]) between coordinates \(i - 1) and \(i), mean step \(h)); spectral derivatives need a uniform periodic grid — use finite differences (Nabla.gradient) for this axis")
            }
            return h
        }
    }
}
