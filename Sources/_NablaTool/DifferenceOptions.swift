import Nabla

/// Which axes are periodic (their samples are one period; stencils wrap around).
package enum PeriodicAxes: Sendable, Equatable {
    /// No axis is periodic.
    case none
    /// Every differentiated axis is periodic.
    case all
    /// These axes (negative counts from the end).
    case axes([Int])

    /// The periodic axes of a rank-`rank` field whose selected axes are `selected`.
    func indices(selected: [Int]?, rank: Int) -> [Int] {
        switch self {
        case .none: []
        case .all: selected ?? Array(0..<rank)
        case let .axes(list): list
        }
    }
}

/// How derivatives are computed.
package enum DerivativeMethod: String, Sendable, Equatable, CaseIterable {
    /// Finite differences (numpy's scheme by default; any accuracy with `accuracy`).
    case finiteDifference = "finite-difference"
    /// Spectral (FFT) derivatives: every differentiated axis is periodic with period `n · h`.
    case spectral
}

/// The scheme of a job: numpy's finite differences by default.
package struct DifferenceOptions: Sendable, Equatable {
    /// Spacing arguments, numpy's varargs (none, one for all, or one per axis).
    package var spacing: [SpacingArgument]
    /// Accuracy order at the edges of numpy's scheme (accuracy 2, first derivative): 1 or 2; `nil`: 1, or 2
    /// when `accuracy` is given (an explicit accuracy means that order everywhere, edges included).
    package var edgeOrder: Int?
    /// The order of accuracy: an even number; 2 is numpy's. `nil`: numpy's scheme with first-order edges.
    package var accuracy: Int?
    /// The derivative order along each differentiated axis.
    package var derivative: Int
    /// Periodic axes (finite differences; spectral derivatives treat every differentiated axis as periodic).
    package var periodic: PeriodicAxes
    /// Finite differences or spectral.
    package var method: DerivativeMethod
    /// The most bytes of buffers the slab engine holds (`--memory`); nil: ``ByteSize/defaultBudget``.
    package var memory: Int?

    /// The memory budget in force.
    var memoryBudget: Int { memory ?? ByteSize.defaultBudget.bytes }

    /// Options; the defaults are numpy.gradient's (step 1, edge order 1, second-order accuracy, first
    /// derivative, no periodic axis, finite differences).
    package init(spacing: [SpacingArgument] = [], edgeOrder: Int? = nil, accuracy: Int? = nil, derivative: Int = 1,
                periodic: PeriodicAxes = .none, method: DerivativeMethod = .finiteDifference, memory: Int? = nil) {
        self.spacing = spacing
        self.edgeOrder = edgeOrder
        self.accuracy = accuracy
        self.derivative = derivative
        self.periodic = periodic
        self.method = method
        self.memory = memory
    }

    /// The highest derivative order accepted. Finite-difference weights of order m scale like m!/h^m and
    /// cancel catastrophically; past order 32 no floating-point result is meaningful (and the stencil would
    /// need more than 32 points).
    package static let maximumDerivative = 32

    /// Checks that need no data, so that a bad call reads nothing.
    package func validate() throws(PipelineError) {
        if let edgeOrder, edgeOrder != 1 && edgeOrder != 2 {
            throw PipelineError("edge order \(edgeOrder) is not supported; use 1 or 2")
        }
        if let accuracy, accuracy < 2 || accuracy % 2 != 0 || accuracy > 16 {
            throw PipelineError("accuracy \(accuracy) is not supported; use an even number from 2 to 16")
        }
        guard derivative >= 1 else {
            throw PipelineError("derivative order \(derivative) is not supported; use 1 or more")
        }
        guard derivative <= Self.maximumDerivative else {
            throw PipelineError("derivative order \(derivative) is not supported; use at most \(Self.maximumDerivative): the weights of longer stencils lose every digit to rounding in floating point (they grow like m!/h^m)")
        }
    }

    /// The spacing arguments resolved (coordinate files read).
    func resolvedSpacing() throws(PipelineError) -> [Spacing] {
        try spacing.map { s throws(PipelineError) in try s.resolve() }
    }

    /// Checks that each coordinate file has the length of the axis it is given for, so that the error names
    /// the coordinate file rather than the field's file.
    func checkCoordinateFiles(_ spacing: [Spacing], shape: [Int], axes: [Int]?, input: String) throws(PipelineError) {
        let rank = shape.count
        // Bad axes are the library's to report.
        guard let selected = try? normalizedAxes(axes, rank: rank), spacing.count == selected.count, spacing.count == self.spacing.count else { return }
        for ((argument, resolved), axis) in zip(zip(self.spacing, spacing), selected) {
            guard case let .coordinates(url) = argument, axis >= 0, axis < rank else { continue }
            let count: Int
            switch resolved {
            case let .coordinates(x): count = x.count
            case let .floatCoordinates(x): count = x.count
            case .uniform: continue
            }
            guard count != shape[axis] else { continue }
            throw PipelineError("\(url.path): \(count) coordinates were given for axis \(axis) of \(input), which has length \(shape[axis]); coordinates must match the length of their axis")
        }
    }
}
