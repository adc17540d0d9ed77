// Spectral derivatives of complex fields (`Complex<Float>`, `Complex<Double>`): complex DFTs (c2c)
// along every differentiated axis, the same multipliers and Nyquist rule as real fields.
import ComplexModule
import Nabla
import RealModule

/// The spectral gradient of a complex periodic field: complex DFTs (FFTW c2c) along each selected axis.
///
/// Along axis `a` with `N` samples `h` apart (period `L = N·h`):
/// ```
/// ∂^m f/∂x_a^m = IFFT_a[ (i k)^m · FFT_a[f] ],   k = 2π/L · {0, 1, …, ceil(N/2)-1, -floor(N/2), …, -1}
/// even N, Nyquist bin (k = -πN/L in FFT order): factor 0 for odd m; (-1)^(m/2) (πN/L)^m for even m (kept)
/// ```
/// **The Nyquist rule for complex data** is the real one. A complex field has no Hermitian symmetry, so
/// positive and negative frequencies are distinct modes and are differentiated with their own sign of `k`
/// (`e^{ikx}` → `ik e^{ikx}` for `k < 0` too); but the Nyquist mode `(-1)^j` of an even axis is one sample
/// pattern of both `e^{+iπNx/L}` and `e^{-iπNx/L}`, and the interpolant of least oscillation is
/// `Y cos(πN x/L)`: its odd derivatives vanish at the samples and its even ones are `(-1)^(m/2)(πN/L)^m Y`.
///
/// Accuracy: exact (to rounding, about `N·ε·max|f^(m)|`) for complex trigonometric polynomials the grid
/// resolves; spectral for smooth periodic data; non-periodic data rings and is reported to `onWarning`.
///
/// - Parameters:
///   - f: samples of one period along each selected axis (at least 1-D, every axis non-empty, finite).
///   - spacing: empty (step 1), one step for every selected axis, or one per selected axis (uniform).
///   - axes: the axes to differentiate along, in the order of the results; `nil` selects all.
///   - derivative: the derivative order `m ≥ 1`.
///   - rigour: FFTW planning rigour for new shapes; `nil` uses ``SpectralFFT/defaultRigour`` with the
///     first-run policy of ``SpectralFFT/defersMeasuring`` (wisdom, else an estimated plan at once).
///   - onWarning: called once per differentiated axis along which `f` does not look periodic.
/// - Returns: one complex array per selected axis, of `f`'s shape and element type.
/// - Throws: as the real form.
/// - Complexity: `O(n log n)` for `n = f.count`: a forward and a backward batched complex DFT per selected
///   axis, on all cores; plans are cached per shape and kept as wisdom like the real ones. Memory: the
///   outputs plus two complex scratch buffers of `f`'s size (pooled).
public func spectralGradient<T: SpectralScalar & Real>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [], axes: [Int]? = nil, derivative: Int = 1,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> [NDArray<Complex<T>>] {
    try SpectralArguments.gradient(of: f, spacing: spacing, axes: axes, derivative: derivative, rigour: rigour,
                                   onWarning: onWarning, run: SpectralComplexDispatch.run)
}

/// The `m`-th spectral derivative of a complex periodic field along one axis (see
/// ``spectralGradient(of:spacing:axes:derivative:rigour:onWarning:)-(NDArray<Complex<T>>,_,_,_,_,_)``):
/// ```
/// ∂^m f/∂x^m = IFFT[ (i k)^m · FFT[f] ]    Nyquist of even N: 0 for odd m, (-1)^(m/2) (πN/L)^m for even m
/// ```
///
/// - Parameters:
///   - f: samples of one period along `axis` (finite, at least 1-D).
///   - axis: the axis to differentiate along; negative values count from the end.
///   - order: the derivative order `m ≥ 1`.
///   - spacing: the step `h` along `axis`, or its uniformly spaced coordinates.
///   - rigour: FFTW planning rigour for new shapes.
///   - onWarning: called when `f` does not look periodic along `axis`.
/// - Returns: the derivative, of `f`'s shape and element type.
/// - Throws: as the real form.
/// - Complexity: `O(n log n)`: one forward and one backward batched complex DFT.
public func spectralDerivative<T: SpectralScalar & Real>(
    of f: NDArray<Complex<T>>, along axis: Int, order: Int = 1, spacing: Spacing = 1,
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> NDArray<Complex<T>> {
    try spectralGradient(of: f, spacing: [spacing], axes: [axis], derivative: order, rigour: rigour, onWarning: onWarning)[0]
}

/// The spectral Laplacian of a complex periodic field (Nyquist kept on every even-length axis):
/// ```
/// ∇²f = Σ_a IFFT_a[ -k_a² · FFT_a[f] ]
/// ```
///
/// - Parameters:
///   - f: samples of one period along every axis (finite, at least 1-D).
///   - spacing: over ALL axes: empty (step 1), one step for every axis, or one entry per axis.
///   - rigour: FFTW planning rigour for new shapes.
///   - onWarning: called once per axis along which `f` does not look periodic.
/// - Returns: `∇²f`, of `f`'s shape and element type.
/// - Throws: as the real form.
/// - Complexity: `O(n log n)`: a complex round trip per axis; one output array.
public func spectralLaplacian<T: SpectralScalar & Real>(
    of f: NDArray<Complex<T>>, spacing: [Spacing] = [],
    rigour: PlanningRigour? = nil, onWarning: (SpectralWarning) -> Void = { _ in }
) throws -> NDArray<Complex<T>> {
    try SpectralArguments.laplacian(of: f, spacing: spacing, rigour: rigour, onWarning: onWarning,
                                    run: SpectralComplexDispatch.run)
}
