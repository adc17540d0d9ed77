import Foundation
import Nabla
import NablaFormats
import NablaSpectral

/// An operation on one or more fields of the same floating-point type, written once, generically.
///
/// ``FieldDispatch`` calls it with the element type of the file's data, so `Float` stays `Float` and
/// integers are differentiated as `Double`, as numpy does.
package protocol FieldOperation {
    func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>]
}

/// Runs a ``FieldOperation`` on arrays read from files, choosing the element type from their dtypes.
package enum FieldDispatch {
    /// The element type an operation on these dtypes is computed in: a floating type is kept when all
    /// arrays share it; integers, and mixed types, are computed in float64. Booleans are refused.
    package static func run<Op: FieldOperation>(_ op: Op, on fields: [AnyNDArray], file: String) throws(PipelineError) -> [AnyNDArray] {
        try computing(fields, file: file) { precision throws in
            switch precision {
            case .float32: try op.apply(fields.compactMap { $0.array(of: Float.self) }).map(AnyNDArray.init)
            case .float16: try op.apply(fields.compactMap { $0.array(of: Float16.self) }).map(AnyNDArray.init)
            case .float64: try op.apply(fields.map { $0.asDouble() }).map(AnyNDArray.init)
            }
        }
    }

    /// The precision an operation on `fields` is computed in.
    enum Precision { case float16, float32, float64 }

    /// Checks `fields`, picks their precision (a floating type is kept when all arrays share it; integers
    /// and mixed types are computed in float64) and runs `body`, naming `file` in any error.
    static func computing(_ fields: [AnyNDArray], file: String,
                          _ body: (Precision) throws -> [AnyNDArray]) throws(PipelineError) -> [AnyNDArray] {
        try checkDifferentiable(fields, file: file)
        let dtypes = Set(fields.map(\.dtype))
        let precision: Precision = dtypes == [.float32] ? .float32 : dtypes == [.float16] ? .float16 : .float64
        do {
            return try body(precision)
        } catch {
            throw PipelineError.wrap(error, file: file)
        }
    }
}

extension FieldDispatch {
    /// Booleans (numpy cannot subtract them either) and 0-D arrays cannot be differentiated.
    static func checkDifferentiable(_ fields: [AnyNDArray], file: String) throws(PipelineError) {
        if fields.contains(where: { $0.dtype == .bool }) {
            throw PipelineError("\(file): boolean arrays cannot be differentiated; convert the data to a number type")
        }
        if fields.contains(where: { $0.shape.isEmpty }) {
            throw PipelineError("\(file): the array is 0-D (a single number); a derivative needs at least one axis")
        }
    }
}

/// An operation on fields through the spectral path (`Double` or `Float`), written once, generically.
package protocol SpectralFieldOperation {
    func apply<T: SpectralScalar>(_ fields: [NDArray<T>]) throws -> [NDArray<T>]
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
            }
        }
    }
}

/// Where jobs send warnings: `nabla: warning: …` lines on standard error by default.
package enum PipelineWarnings {
    /// Prints `nabla: warning: <message>` on standard error.
    @Sendable package static func printToStandardError(_ message: String) {
        FileHandle.standardError.write(Data("nabla: warning: \(message)\n".utf8))
    }

    /// Prints `nabla: note: <message>` on standard error: information, nothing wrong.
    @Sendable package static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("nabla: note: \(message)\n".utf8))
    }
}
