import ArgumentParser
import NablaPipeline

/// Options shared by every finite-difference command: spacing, accuracy, edges, periodic axes.
struct SchemeOptions: ParsableArguments {
    @Option(name: .customLong("spacing"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp(
                "Sample spacing: a number, or a 1-D .npy file of coordinates. Give it once (every axis) or once per differentiated axis, in axis order. Default: 1.",
                valueName: "V"))
    var spacing: [String] = []

    @Option(name: .customLong("edge-order"),
            help: ArgumentHelp("Accuracy order at the edges of numpy's scheme (--accuracy 2, first derivative): 1 or 2.", valueName: "1|2"))
    var edgeOrder: Int = 1

    @Option(name: .customLong("accuracy"),
            help: ArgumentHelp("Order of accuracy of the stencils, an even number (2 is numpy's; 4, 6, 8 …). Edges get one-sided stencils of the same order.", valueName: "P"))
    var accuracy: Int = 2

    @Flag(name: .customLong("periodic"), help: "Treat every differentiated axis as periodic (samples cover one period, endpoint not repeated): stencils wrap around.")
    var periodic = false

    @Option(name: .customLong("periodic-axis"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Treat this axis as periodic (repeatable; negative counts from the end).", valueName: "N"))
    var periodicAxis: [Int] = []

    func options(derivative: Int = 1, method: DifferenceMethod = .finiteDifference) -> DifferenceOptions {
        DifferenceOptions(
            spacing: spacing.map(SpacingArgument.init(parsing:)),
            edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative,
            periodic: periodic ? .all : (periodicAxis.isEmpty ? .none : .axes(periodicAxis)),
            method: method)
    }
}

extension DifferenceMethod: ExpressibleByArgument {}

/// `--method finite-difference|spectral`.
struct MethodOption: ParsableArguments {
    @Option(name: .customLong("method"),
            help: ArgumentHelp("finite-difference (default) or spectral: FFT derivatives (FFTW), exact for smooth periodic data; every differentiated axis is taken as periodic with period n·h.",
                               valueName: "METHOD"))
    var method: DifferenceMethod = .finiteDifference
}
