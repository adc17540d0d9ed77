import ArgumentParser
import Foundation
import Nabla
import _NablaCommandLine
import _NablaTool

/// Input, key, scheme and output of `derivative`, `hessian` and `jacobian`.
struct TensorArguments: ParsableArguments {
    @Argument(help: "The input array: a .npy file, a .npz archive (see --key), CSV/TSV or FILE.h5:/dataset.")
    var input: String

    @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input, or the dataset of an HDF5 input (default: its only array).", valueName: "NAME"))
    var key: String?

    @OptionGroup var scheme: SchemeOptions

    @OptionGroup var memory: MemoryOption

    @Option(name: .customShort("o"), help: ArgumentHelp("The output file (.npy for one result; .npz or .h5 for several).", valueName: "OUTPUT"))
    var output: String

    func run(_ operation: FieldJob.Operation) throws {
        try runReportingErrors {
            try FieldJob(operation, input: FileSystem.fileURL(input), key: key, options: scheme.options(memory: memory.memory),
                         output: FileSystem.fileURL(output)).run()
        }
    }
}

extension NablaCommand {
    /// `nabla derivative`: a mixed partial derivative.
    struct Derivative: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A mixed partial derivative ∂^(m0+m1+…) f / ∂x0^m0 ∂x1^m1 … of an array file.",
            discussion: """
            --order gives one derivative order per axis, 0 to leave an axis alone: 1,1,0 on a 3-D field is \
            ∂²f/∂x0∂x1. The axes are differentiated one after another, each with a stencil of the chosen \
            accuracy (numpy's gradient for an order-1 axis at accuracy 2). Writes one array, 'derivative' \
            in a .npz. --spacing is given for every axis (once for all, or once per axis).

            Examples:
              nabla derivative f.npy --order 1,1,0 --spacing 0.1 -o d2f_dxdy.npy
              nabla derivative f.npy --order 0,0,2 --accuracy 6 --periodic -o d2f_dz2.npy
            """
        )

        @Option(name: .customLong("order"), help: ArgumentHelp("One derivative order per axis, comma-separated (e.g. 1,1,0).", valueName: "M0,M1,…"))
        var order: DerivativeOrders

        @OptionGroup var arguments: TensorArguments

        func run() throws { try arguments.run(.derivative(orders: order.orders)) }
    }

    /// `nabla hessian`: every second derivative.
    struct Hessian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Hessian of an array file: every ∂²f/∂xi∂xj, i ≤ j, as arrays axis<i>_axis<j>.",
            discussion: """
            Diagonal terms use true second-derivative stencils; mixed terms apply the first-derivative \
            stencil along one axis after the other (second-order edges at accuracy 2). The Hessian is \
            symmetric, so only the upper triangle is written: axis0_axis0, axis0_axis1, …

            Examples:
              nabla hessian V.npy --spacing 0.1 -o H.npz
              nabla hessian V.npy --accuracy 4 --periodic -o H.npz
            """
        )

        @OptionGroup var arguments: TensorArguments

        func run() throws { try arguments.run(.hessian) }
    }

    /// `nabla jacobian`: every first derivative of every component.
    struct Jacobian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Jacobian of a vector field stored as arrays axis0, axis1, … in a .npz: arrays d<k>_axis<j> = ∂F_k/∂x_j.",
            discussion: """
            Each component is differentiated along every axis exactly as nabla gradient does (numpy's \
            scheme by default), so d<k>_axis<j> of a gradient file is the Hessian entry (numpy's wide one).

            Examples:
              nabla jacobian E.npz --spacing 0.1 -o J.npz
              nabla gradient V.npy -o g.npz && nabla jacobian g.npz -o H.npz
            """
        )

        @OptionGroup var arguments: TensorArguments

        func run() throws { try arguments.run(.jacobian) }
    }
}
