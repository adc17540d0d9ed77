import Foundation
import Nabla
import NablaComplex
import NablaFormats
import NablaSpectral

/// An operation on one or more fields of the same element type, written once, generically: real fields
/// (`E == T`) and complex ones (`E == Complex<T>`, differenced part by part with real weights) go through
/// the library's lane functions (`laneGradient(of:lane:…)` …), which the public real and complex
/// operators call too.
///
/// ``FieldDispatch`` calls it with the element type of the file's data, so `Float` stays `Float`,
/// complex64 stays complex64 and integers are differentiated as `Double`, as numpy does.
package protocol FieldOperation {
    func apply<E: Sendable, T: FieldScalar>(_ fields: [NDArray<E>], lane: T.Type) throws(NablaError) -> [NDArray<E>]
}

/// Runs a ``FieldOperation`` on arrays read from files, choosing the element type from their dtypes.
package enum FieldDispatch {
    /// The element type an operation on these dtypes is computed in: a floating type is kept when all
    /// arrays share it; integers, and mixed types, are computed in float64. Booleans are refused.
    package static func run<Op: FieldOperation>(_ op: Op, on fields: [AnyNDArray], file: String) throws(PipelineError) -> [AnyNDArray] {
        try computing(fields, file: file) { precision throws in
            switch precision {
            case .float32: try op.apply(fields.compactMap { $0.array(of: Float.self) }, lane: Float.self).map(AnyNDArray.init)
            case .float16: try op.apply(fields.compactMap { $0.array(of: Float16.self) }, lane: Float16.self).map(AnyNDArray.init)
            case .float64: try op.apply(fields.map { $0.asDouble() }, lane: Double.self).map(AnyNDArray.init)
            case .complex64: try op.apply(fields.map { $0.asComplexFloat() }, lane: Float.self).map(AnyNDArray.init)
            case .complex128: try op.apply(fields.map { $0.asComplexDouble() }, lane: Double.self).map(AnyNDArray.init)
            }
        }
    }

    /// The precision an operation on `fields` is computed in.
    enum Precision { case float16, float32, float64, complex64, complex128 }

    /// Checks `fields`, picks their precision (a floating type is kept when all arrays share it; integers
    /// and mixed types are computed in float64) and runs `body`, naming `file` in any error.
    static func computing(_ fields: [AnyNDArray], file: String,
                          _ body: (Precision) throws -> [AnyNDArray]) throws(PipelineError) -> [AnyNDArray] {
        try checkDifferentiable(fields, file: file)
        let dtypes = Set(fields.map(\.dtype))
        // numpy's promotion: complex64 with float16/float32 stays complex64; with anything wider, complex128.
        let precision: Precision
        if dtypes.contains(where: \.isComplex) {
            precision = dtypes.isSubset(of: [.complex64, .float32, .float16]) ? .complex64 : .complex128
        } else {
            precision = dtypes == [.float32] ? .float32 : dtypes == [.float16] ? .float16 : .float64
        }
        do {
            return try body(precision)
        } catch {
            throw PipelineError.wrap(error, file: file)
        }
    }
}

extension FieldDispatch {
    /// The refusal of boolean data (numpy cannot subtract booleans either).
    static func booleanError(file: String) -> PipelineError {
        PipelineError("\(file): boolean arrays cannot be differentiated; convert the data to a number type")
    }

    /// Booleans (numpy cannot subtract them either) and 0-D arrays cannot be differentiated.
    static func checkDifferentiable(_ fields: [AnyNDArray], file: String) throws(PipelineError) {
        if fields.contains(where: { $0.dtype == .bool }) { throw booleanError(file: file) }
        if fields.contains(where: { $0.shape.isEmpty }) {
            throw PipelineError("\(file): the array is 0-D (a single number); a derivative needs at least one axis")
        }
    }
}

/// An operation on fields through the spectral path (`Double` or `Float`), written once, generically.
package protocol SpectralFieldOperation {
    func apply<T: SpectralScalar>(_ fields: [NDArray<T>]) throws -> [NDArray<T>]
    /// The same operation on complex fields (FFTW c2c).
    func applyComplex<T: SpectralScalar & Real>(_ fields: [NDArray<Complex<T>>]) throws -> [NDArray<Complex<T>>]
}

extension FieldDispatch {
    /// Runs a ``SpectralFieldOperation``: float32 stays float32, float16 is computed in float32 and
    /// rounded back (FFTW has no half precision), everything else is computed in float64.
    package static func run<Op: SpectralFieldOperation>(_ op: Op, on fields: [AnyNDArray], file: String) throws(PipelineError) -> [AnyNDArray] {
        try computing(fields, file: file) { precision throws in
            switch precision {
            case .float32: try op.apply(fields.compactMap { $0.array(of: Float.self) }).map(AnyNDArray.init)
            case .float16:
                try op.apply(fields.compactMap { $0.array(of: Float16.self)?.converted(to: Float.self) })
                    .map { AnyNDArray($0.converted(to: Float16.self)) }
            case .float64: try op.apply(fields.map { $0.asDouble() }).map(AnyNDArray.init)
            case .complex64: try op.applyComplex(fields.map { $0.asComplexFloat() }).map(AnyNDArray.init)
            case .complex128: try op.applyComplex(fields.map { $0.asComplexDouble() }).map(AnyNDArray.init)
            }
        }
    }
}

extension AnyNDArray {
    /// The elements as `Complex<Double>` (real numbers with imaginary part 0), as numpy's
    /// `astype(np.complex128)`.
    func asComplexDouble() -> NDArray<Complex<Double>> {
        switch self {
        case .complex128(let a): a
        case .complex64(let a): a.map { Complex(Double($0.real), Double($0.imaginary)) }
        default: asDouble().map { Complex($0, 0) }
        }
    }

    /// The elements as `Complex<Float>`, as numpy's `astype(np.complex64)`.
    func asComplexFloat() -> NDArray<Complex<Float>> {
        switch self {
        case .complex64(let a): a
        case .complex128(let a): a.map { Complex(Float($0.real), Float($0.imaginary)) }
        default: asFloat().map { Complex($0, 0) }
        }
    }
}

/// Where jobs send warnings: `nabla: warning: …` lines on standard error by default.
package enum PipelineWarnings {
    /// Prints `nabla: warning: <message>` on standard error.
    @Sendable package static func printToStandardError(_ message: String) {
        FileHandle.standardError.write(Data("nabla: warning: \(FileSystem.displayed(message))\n".utf8))
    }

    /// Prints `nabla: note: <message>` on standard error: information, nothing wrong.
    @Sendable package static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("nabla: note: \(FileSystem.displayed(message))\n".utf8))
    }
}
