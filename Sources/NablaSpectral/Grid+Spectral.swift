// Mixed methods in one call: spectral along the grid's periodic axes, finite differences along the rest.
import Nabla

/// The gradient of a field sampled on `grid`: spectral (FFT) derivatives along the grid's periodic axes
/// and Nabla's finite differences along the others.
///
/// ```
/// periodic axis a (GridAxis.isPeriodic):  ∂^m f/∂x_a^m = IFFT_a[ (i k_a)^m · FFT_a[f] ],  k_a = 2π/(N_a h_a) · {0, …, -1}
/// other axis:                             Nabla.gradient's stencil of order `accuracy` (numpy.gradient's
///                                         scheme for m = 1, accuracy 2)
/// ```
/// See ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)`` for the spectral rules (Nyquist
/// handling) and `Nabla.gradient(of:spacing:axes:edgeOrder:accuracy:derivative:periodicAxes:)` for the
/// finite-difference ones.
///
/// - Parameters:
///   - f: the field sampled on `grid` (its shape must be the grid's shape).
///   - grid: the sampling grid; its axes say which are periodic, and give steps and coordinates.
///   - axes: the axes to differentiate along, in the order of the results; `nil` selects all.
///   - derivative: the derivative order `m ≥ 1` along each selected axis.
///   - accuracy: the finite-difference accuracy order (even) on the non-periodic axes; 2 is numpy's.
///   - edgeOrder: numpy's edge order (1 or 2) on the non-periodic axes, for `accuracy: 2` and `derivative: 1`.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called for each periodic axis along which `f` does not look periodic.
/// - Returns: one array per selected axis, of `f`'s shape and element type.
/// - Throws: `NablaError` when `f` does not have the grid's shape, a periodic axis is not
///   uniformly spaced, or any check of the spectral or finite-difference path fails; ``SpectralError``
///   when FFTW cannot plan.
/// - Complexity: `O(n log n)` for the periodic axes (see ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)``),
///   `O(n · k)` per other axis for `k`-point stencils. Accuracy: spectral along periodic axes, `O(h^p)`
///   (numpy's scheme: `O(h²)` inside, `O(h^edgeOrder)` at the edges) along the others.
public func gradient<T: SpectralScalar>(
    of f: NDArray<T>, grid: Grid, axes: [Int]? = nil, derivative: Int = 1, accuracy: Int = 2, edgeOrder: Int = 1,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> [NDArray<T>] {
    guard f.shape == grid.shape else {
        throw NablaError.shapeMismatch(expected: grid.shape, actual: "a field of shape \(f.shape) (the grid's shape is \(grid.shape))")
    }
    try SpectralArguments.validate(shape: f.shape)
    try SpectralArguments.validate(order: derivative, name: "derivative order")
    let selected = try SpectralArguments.normalize(axes, rank: f.rank)
    let spectralAxes = selected.filter { grid.axes[$0].isPeriodic }
    let differenceAxes = selected.filter { !grid.axes[$0].isPeriodic }

    var results = [Int: NDArray<T>]()
    if !spectralAxes.isEmpty {
        let spectral = try spectralGradient(of: f, spacing: spectralAxes.map { grid.axes[$0].spacing }, axes: spectralAxes,
                                            derivative: derivative, rigour: rigour, onWarning: onWarning)
        for (a, r) in zip(spectralAxes, spectral) { results[a] = r }
    }
    if !differenceAxes.isEmpty {
        let differences = try Nabla.gradient(of: f, spacing: differenceAxes.map { grid.axes[$0].spacing }, axes: differenceAxes,
                                             edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative)
        for (a, r) in zip(differenceAxes, differences) { results[a] = r }
    }
    return selected.map { results[$0]! }
}
