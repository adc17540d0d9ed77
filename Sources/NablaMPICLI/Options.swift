import ArgumentParser
import _NablaTool

// The option groups of `nabla` (Sources/NablaCLI/SchemeOptions.swift), duplicated with the same names,
// help and defaults: that target is an executable, so its declarations cannot be imported, and moving them
// would touch files others are editing. Keep the two in step.

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
}

/// `--method finite-difference|spectral`.
struct MethodOption: ParsableArguments {
    @Option(name: .customLong("method"),
            help: ArgumentHelp("finite-difference (default) or spectral. nabla-mpi computes finite differences only; --method spectral is refused (use nabla).",
                               valueName: "METHOD"))
    var method: String = "finite-difference"
}

/// What to differentiate in the input: `--axis`, `--derivative`, `--key`, `--column`.
struct FieldSelection: ParsableArguments {
    @Option(name: .customLong("axis"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("An axis to differentiate along (repeatable, in output order; negative counts from the end). Default: every axis.", valueName: "N"))
    var axis: [Int] = []

    @Option(name: .customLong("derivative"), help: ArgumentHelp("The order of the derivative along each axis (1 = first derivative).", valueName: "M"))
    var derivative: Int = 1

    @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input, or the dataset of an HDF5 input (default: its only array); FILE.h5:/group/dataset works too.", valueName: "NAME"))
    var key: String?

    @Option(name: .customLong("column"), help: ArgumentHelp("For a CSV/TSV input with a header row: the column to differentiate (a 1-D field). Without it the whole table is a 2-D grid.", valueName: "NAME"))
    var column: String?

    var axes: [Int]? { axis.isEmpty ? nil : axis }
}

/// `--memory SIZE`: accepted for compatibility with `nabla`; each rank holds its slab, its ghosts and
/// its results in memory.
struct MemoryOption: ParsableArguments {
    @Option(name: .customLong("memory"), parsing: .unconditional,
            help: ArgumentHelp("Accepted as by nabla (e.g. 512M, 4G); nabla-mpi holds each rank's slab in memory, so add ranks for larger fields.", valueName: "SIZE"))
    var memory: String?

    func validate() throws {
        if let memory, ByteSize(parsing: memory) == nil {
            throw ValidationError("--memory '\(memory)' is not a size; use e.g. 512M or 4G")
        }
    }
}
