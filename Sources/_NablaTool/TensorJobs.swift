import Foundation
import Nabla
import NablaFormats
import NablaComplex

/// `nabla derivative`, `nabla hessian` and `nabla jacobian`: mixed partial derivatives and the tensors of
/// second and first derivatives (findiff's `FinDiff(0, h, 1, 1, h, 1)`, `np.gradient` applied twice),
/// from the library's ``partialDerivative(of:orders:spacing:accuracy:edgeOrder:periodicAxes:)``,
/// ``hessian(of:spacing:accuracy:periodicAxes:)`` and ``jacobian(of:spacing:edgeOrder:accuracy:periodicAxes:)``.
package struct TensorJob: Sendable {
    /// What is computed.
    package enum Operation: Sendable, Equatable {
        /// `∂^(Σm) f / ∂x_0^m0 ∂x_1^m1 …`, one order per axis: one array, `derivative`.
        case derivative(orders: [Int])
        /// Every `∂²f/∂x_i∂x_j` with `i ≤ j`: arrays `axis<i>_axis<j>`.
        case hessian
        /// Every `∂F_k/∂x_j` of a vector field (arrays `axis0`, `axis1`, …): arrays `d<k>_axis<j>`.
        case jacobian
    }

    package var operation: Operation
    /// The array file (a `.npz` of components `axis0`, `axis1`, … for the Jacobian).
    package var input: URL
    /// The `.npz` member or HDF5 dataset to read (not for the Jacobian).
    package var key: String?
    /// The scheme: spacing over every axis, accuracy, edge order, periodic axes.
    package var options: DifferenceOptions
    /// The file to write (`.npy` only when there is one result).
    package var output: URL

    package init(_ operation: Operation, input: URL, key: String? = nil, options: DifferenceOptions = .init(), output: URL) {
        self.operation = operation
        self.input = input
        self.key = key
        self.options = options
        self.output = output
    }

    /// Reads, computes and writes; the output appears only when complete.
    ///
    /// - Returns: the names of the arrays written.
    @discardableResult
    package func run() throws(PipelineError) -> [String] {
        let format = try FieldFiles.Format(of: output)
        try options.validate()
        if case let .derivative(orders) = operation, orders.contains(where: { $0 > DifferenceOptions.maximumDerivative }) {
            throw PipelineError("derivative order \(orders.max() ?? 0) is not supported; use at most \(DifferenceOptions.maximumDerivative) per axis")
        }
        try FileSafety.check(input: input, options: options, output: output)
        let fields: [AnyNDArray]
        if operation == .jacobian {
            if key != nil { throw PipelineError("\(input.path): --key does not apply to jacobian; the components are the arrays axis0, axis1, …") }
            fields = try readVectorField(input)
        } else {
            fields = [try FieldFiles.read(input, key: key)]
        }
        let rank = fields[0].shape.count
        try FieldDispatch.checkDifferentiable(fields, file: input.path)
        let names = Self.names(operation, rank: rank)
        if !format.holdsSeveralArrays && names.count != 1 {
            throw PipelineError("\(output.path): a .\(format.rawValue) output holds one array, but there are \(names.count) results (\(names.prefix(4).joined(separator: ", "))\(names.count > 4 ? ", …" : "")); write a .npz or .h5")
        }
        let results = try FieldDispatch.run(Op(operation: operation, options: options, spacing: options.resolvedSpacing(), rank: rank),
                                            on: fields, file: input.path)
        try FieldFiles.write(Array(zip(names, results)), to: output)
        return names
    }

    /// The names of the results for a rank-`rank` field.
    package static func names(_ operation: Operation, rank: Int) -> [String] {
        switch operation {
        case .derivative: ["derivative"]
        case .hessian: (0..<rank).flatMap { i in (i..<rank).map { j in "axis\(i)_axis\(j)" } }
        case .jacobian: (0..<rank).flatMap { k in (0..<rank).map { j in "d\(k)_axis\(j)" } }
        }
    }

    private struct Op: FieldOperation {
        let operation: Operation, options: DifferenceOptions, spacing: [Spacing], rank: Int

        func apply<T: FieldScalar>(_ fields: [NDArray<T>]) throws(NablaError) -> [NDArray<T>] {
            let periodic = options.periodic.indices(selected: nil, rank: rank)
            switch operation {
            case let .derivative(orders):
                return [try partialDerivative(of: fields[0], orders: orders, spacing: spacing, accuracy: options.accuracy,
                                              edgeOrder: options.edgeOrder, periodicAxes: periodic)]
            case .hessian:
                let h = try Nabla.hessian(of: fields[0], spacing: spacing, accuracy: options.accuracy ?? 2, periodicAxes: periodic)
                return (0..<rank).flatMap { i in (i..<rank).map { j in h[i][j] } }
            case .jacobian:
                return try Nabla.jacobian(of: fields, spacing: spacing, edgeOrder: options.edgeOrder, accuracy: options.accuracy,
                                          periodicAxes: periodic).flatMap { $0 }
            }
        }

        func applyComplex<T: ComplexFieldScalar>(_ fields: [NDArray<Complex<T>>]) throws(NablaError) -> [NDArray<Complex<T>>] {
            let periodic = options.periodic.indices(selected: nil, rank: rank)
            switch operation {
            case let .derivative(orders):
                return [try NablaComplex.partialDerivative(of: fields[0], orders: orders, spacing: spacing, accuracy: options.accuracy,
                                                           edgeOrder: options.edgeOrder, periodicAxes: periodic)]
            case .hessian:
                let h = try NablaComplex.hessian(of: fields[0], spacing: spacing, accuracy: options.accuracy ?? 2, periodicAxes: periodic)
                return (0..<rank).flatMap { i in (i..<rank).map { j in h[i][j] } }
            case .jacobian:
                return try NablaComplex.jacobian(of: fields, spacing: spacing, edgeOrder: options.edgeOrder, accuracy: options.accuracy,
                                                 periodicAxes: periodic).flatMap { $0 }
            }
        }
    }
}
