// The option groups of `nabla` and `nabla-mpi`: one declaration of each option, its help and its default,
// so that the two tools accept the same command lines and mean the same by them.

import ArgumentParser
import _NablaTool

/// Options shared by every finite-difference command: spacing, accuracy, edges, periodic axes.
package struct SchemeOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("spacing"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp(
                "Sample spacing: a number, or a 1-D .npy file of coordinates. Give it once (every axis) or once per differentiated axis, in axis order. Default: 1.",
                valueName: "V"))
    package var spacing: [String] = []

    @Option(name: .customLong("edge-order"),
            help: ArgumentHelp("Accuracy order at the edges of numpy's scheme (first derivative, accuracy 2): 1 or 2. Default: 1 (numpy's), or 2 when --accuracy is given.", valueName: "1|2"))
    package var edgeOrder: Int?

    @Option(name: .customLong("accuracy"),
            help: ArgumentHelp("Order of accuracy of the stencils, an even number (2 is numpy's; 4, 6, 8 …). Given, it holds everywhere: edges get one-sided stencils of the same order (--accuracy 2 alone is numpy's edge_order=2). Without it (and without --edge-order): numpy's default, first-order edges.", valueName: "P"))
    package var accuracy: Int?

    @Flag(name: .customLong("periodic"), help: "Treat every differentiated axis as periodic (samples cover one period, endpoint not repeated): stencils wrap around.")
    package var periodic = false

    @Option(name: .customLong("periodic-axis"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Treat this axis as periodic (repeatable; negative counts from the end).", valueName: "N"))
    package var periodicAxis: [Int] = []

    package func options(derivative: Int = 1, method: DerivativeMethod = .finiteDifference, memory: ByteSize? = nil) -> DifferenceOptions {
        DifferenceOptions(
            spacing: spacing.map(SpacingArgument.init(parsing:)),
            edgeOrder: edgeOrder, accuracy: accuracy, derivative: derivative,
            periodic: periodic ? .all : (periodicAxis.isEmpty ? .none : .axes(periodicAxis)),
            method: method, memory: memory?.bytes)
    }
}

extension DerivativeMethod: ExpressibleByArgument {}

/// `--method finite-difference|spectral`.
package struct MethodOption: ParsableArguments {
    package init() {}

    @Option(name: .customLong("method"),
            help: ArgumentHelp("finite-difference (default) or spectral: FFT derivatives (FFTW), exact for smooth periodic data; every differentiated axis is taken as periodic with period n·h.",
                               valueName: "METHOD"))
    package var method: DerivativeMethod = .finiteDifference
}

/// What to differentiate in the input: `--axis`, `--derivative`, `--key`, `--column` (gradient and batch).
package struct FieldSelection: ParsableArguments {
    package init() {}

    @Option(name: .customLong("axis"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("An axis to differentiate along (repeatable, in output order; negative counts from the end). Default: every axis.", valueName: "N"))
    package var axis: [Int] = []

    @Option(name: .customLong("derivative"), help: ArgumentHelp("The order of the derivative along each axis (1 = first derivative).", valueName: "M"))
    package var derivative: Int = 1

    @Option(name: .customLong("key"), help: ArgumentHelp("The array to read from a .npz input, or the dataset of an HDF5 input (default: its only array); FILE.h5:/group/dataset works too.", valueName: "NAME"))
    package var key: String?

    @Option(name: .customLong("column"), help: ArgumentHelp("For a CSV/TSV input with a header row: the column to differentiate (a 1-D field). Without it the whole table is a 2-D grid.", valueName: "NAME"))
    package var column: String?

    /// The selected axes, nil for every axis.
    package var axes: [Int]? { axis.isEmpty ? nil : axis }
}


/// `--memory SIZE`: the most memory the slab engine's buffers may hold.
package struct MemoryOption: ParsableArguments {
    package init() {}

    @Option(name: .customLong("memory"), parsing: .unconditional,
            help: ArgumentHelp("The most memory to use for data, e.g. 512M, 4G. A .npy/.npz input or HDF5 dataset larger than this is processed a slab of planes at a time; results are the same to the bit. Work done in memory (deflated .npz members, CSV, netCDF, complex data, the jacobian, .nc/.vti/.vtr/.csv outputs, score) that would need more is refused before anything is read, naming the size needed.", valueName: "SIZE"))
    package var memory: ByteSize = .defaultBudget
}

/// `--allow-external`: every command that reads files.
package struct ExternalDataOption: ParsableArguments {
    package init() {}

    @Flag(name: .customLong("allow-external"),
          help: "Read HDF5 data stored outside the input file: external storage, virtual datasets with other files' data, external links. Refused by default: a crafted file could otherwise read any local file into the output.")
    package var allowExternal = false
}

/// `--allow-external`, `--si` and `--overwrite`: how `nabla gradient`, `laplacian`, `divergence` and `curl`
/// read an HDF5 or openPMD input and write an HDF5 output.
package struct FileOptions: ParsableArguments {
    package init() {}

    @OptionGroup package var external: ExternalDataOption

    @Flag(name: .customLong("si"),
          help: "For an openPMD mesh input: multiply its gridSpacing and gridGlobalOffset by gridUnitSI, so that derivatives are per metre (the field's values keep the file's units; openPMD's unitSI is not applied). Other inputs are unaffected.")
    package var si = false

    @Flag(name: .customLong("overwrite"),
          help: "Replace datasets that already exist in an HDF5 output (other datasets of the file are always kept). .npy/.npz/.csv outputs are replaced whole regardless.")
    package var overwrite = false

    /// `job` with these options.
    package func applied(to job: FieldJob) -> FieldJob {
        var job = job
        job.allowExternal = external.allowExternal
        job.si = si
        job.overwrite = overwrite
        return job
    }
}

/// The scheme, the method and the memory of `gradient` and `laplacian` (`nabla` and `nabla-mpi`).
package struct DifferenceArguments: ParsableArguments {
    package init() {}

    @OptionGroup package var scheme: SchemeOptions

    @OptionGroup package var method: MethodOption

    @OptionGroup package var memory: MemoryOption

    /// These options, with the derivative order, as a job takes them.
    package func options(derivative: Int = 1) -> DifferenceOptions {
        scheme.options(derivative: derivative, method: method.method, memory: memory.memory)
    }
}

/// INPUT, what to differentiate in it, the scheme, the method and the memory: `gradient` of `nabla` and
/// `nabla-mpi`.
package struct GradientArguments: ParsableArguments {
    package init() {}

    @Argument(help: "The input array: a .npy file, or a .npz archive (see --key).")
    package var input: String

    @OptionGroup package var field: FieldSelection

    @OptionGroup package var difference: DifferenceArguments

    /// The options as a job takes them.
    package var options: DifferenceOptions { difference.options(derivative: field.derivative) }
}

/// INPUT, the scheme, the method and the memory: `laplacian` of `nabla` and `nabla-mpi`.
package struct LaplacianArguments: ParsableArguments {
    package init() {}

    @Argument(help: "The input array: a .npy file, or a .npz archive (see --key).")
    package var input: String

    @OptionGroup package var difference: DifferenceArguments
}

/// `--order 1,1,0`: one derivative order per axis.
package struct DerivativeOrders: ExpressibleByArgument {
    package var orders: [Int]

    package init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        orders = parts.compactMap { $0 }
    }
}

extension ByteSize: ExpressibleByArgument {
    /// `4G`, `512M`, `1.5GiB`, `64k` or a number of bytes.
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { "half the physical memory, here \(self)" }
}
