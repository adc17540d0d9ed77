// DistributedPotential — E = −∇V on MPI ranks: each rank builds its slab of a smooth potential
// analytically, computes the gradient with halo exchange, and the error against the exact field is reduced
// over every rank (MPI_Allreduce, MAXLOC). Run it on one machine with
//
//     mpirun --oversubscribe -np 4 .build/release/DistributedPotential
//
// or without mpirun (one rank). The potential, periodic on [0, 2π)² along axes 0 and 1 and bounded on [0, 3]
// along axis 2:
//
//     V(x, y, z) = sin(x) · cos(y) · exp(−z/2)
//     E = −∇V = (−cos x cos y e^(−z/2),  sin x sin y e^(−z/2),  ½ sin x cos y e^(−z/2))
//
// sampled on N³ points for N = 24, 48, 96, differentiated at accuracy 2 and 4 (axes 0 and 1 periodic, one-sided
// stencils of the same order at the faces of axis 2; numpy's edge order 2 at accuracy 2). The maximum error is fitted to e ≈ C·hᵖ: the
// observed order p must be within ±0.3 of the accuracy, or the program exits with status 1 (on every rank).
import Foundation
import Nabla
import NablaMPI
import NablaSpectral

let world = try Communicator.world()
let isRoot = world.rank == 0
func say(_ text: String) { if isRoot { print(text) } }

let resolutions = [24, 48, 96]

// `DistributedPotential --time N0 N1 N2`: times the accuracy-2 gradient of an N0×N1×N2 field (the slowest
// rank's time, best of 3, halo exchange included) for scaling measurements, and exits.
if let at = CommandLine.arguments.firstIndex(of: "--time") {
    let shape = CommandLine.arguments[(at + 1)...].prefix(3).compactMap { Int($0) }
    let v = try DistributedField<Double>(shape: shape, communicator: world) { p in
        sin(Double(p[0]) * 0.01) * cos(Double(p[1]) * 0.02) + Double(p[2]) * 1e-3
    }
    let operation = SlabbedOperation(.gradient(axes: nil, derivative: 1), periodicAxes: [0])
    var best = Double.infinity
    for _ in 0..<3 {
        try world.barrier()
        let start = Date()
        _ = try operation.apply(to: [v])
        let slowest = try world.allReduce([Date().timeIntervalSince(start)], .max)[0]
        best = min(best, slowest)
    }
    say(String(format: "%d rank(s)  shape %@  gradient (3 components) %.3f s", world.size, "\(shape)", best))
    MPIRuntime.finalize()
    exit(0)
}

// `DistributedPotential --time-spectral N0 N1 N2`: the same for the spectral gradient (FFTW-MPI: one forward
// and three inverse distributed transforms), and exits.
if let at = CommandLine.arguments.firstIndex(of: "--time-spectral") {
    let shape = CommandLine.arguments[(at + 1)...].prefix(3).compactMap { Int($0) }
    let v = try DistributedField<Double>(shape: shape, communicator: world) { p in
        (0..<3).reduce(1.0) { f, a in f * exp(sin(2 * Double.pi * Double(p[a]) / Double(shape[a]) + Double(a))) }
    }
    var best = Double.infinity
    for _ in 0..<3 {
        try world.barrier()
        let start = Date()
        _ = try v.spectralGradient()
        let slowest = try world.allReduce([Date().timeIntervalSince(start)], .max)[0]
        best = min(best, slowest)
    }
    say(String(format: "%d rank(s)  shape %@  spectral gradient (3 components) %.3f s", world.size, "\(shape)", best))
    if world.size == 1 {
        // The one-process path on the same field, for comparison (its own plans: wisdom, else estimated).
        var serial = Double.infinity
        for _ in 0..<3 {
            let start = Date()
            _ = try spectralGradient(of: v.local)
            serial = min(serial, Date().timeIntervalSince(start))
        }
        say(String(format: "one process, NablaSpectral's spectralGradient (no MPI): %.3f s", serial))
    }
    MPIRuntime.finalize()
    exit(0)
}

/// The least-squares slope of log e against log h.
func observedOrder(_ errors: [(h: Double, e: Double)]) -> Double {
    let lx: [Double] = errors.map { log($0.h) }
    let ly: [Double] = errors.map { log($0.e) }
    let mx: Double = lx.reduce(0, +) / Double(lx.count)
    let my: Double = ly.reduce(0, +) / Double(ly.count)
    var sxy = 0.0, sxx = 0.0
    for (a, b) in zip(lx, ly) {
        sxy += (a - mx) * (b - my)
        sxx += (a - mx) * (a - mx)
    }
    return sxy / sxx
}
say("E = -grad V on \(world.size) rank\(world.size == 1 ? "" : "s"); slabs of axis 0: FFTW-MPI's block split")
var failed = false
for accuracy in [2, 4] {
    var errors: [(h: Double, e: Double)] = []
    for n in resolutions {
        let h = 2 * Double.pi / Double(n)
        let hz = 3.0 / Double(n - 1)
        let x = { (i: Int) in Double(i) * h }
        let y = { (j: Int) in Double(j) * h }
        let z = { (k: Int) in Double(k) * hz }
        let shape = [n, n, n]
        // Each rank evaluates only its own planes.
        let v = try DistributedField<Double>(shape: shape, communicator: world) { p in
            sin(x(p[0])) * cos(y(p[1])) * exp(-z(p[2]) / 2)
        }
        let operation = SlabbedOperation(.gradient(axes: nil, derivative: 1), spacing: [.uniform(h), .uniform(h), .uniform(hz)],
                                         edgeOrder: 2, accuracy: accuracy, periodicAxes: [0, 1])
        let start = Date()
        let gradient = try operation.apply(to: [v])
        let seconds = Date().timeIntervalSince(start)
        let exact: [([Int]) -> Double] = [
            { p in cos(x(p[0])) * cos(y(p[1])) * exp(-z(p[2]) / 2) },
            { p in -sin(x(p[0])) * sin(y(p[1])) * exp(-z(p[2]) / 2) },
            { p in -0.5 * sin(x(p[0])) * cos(y(p[1])) * exp(-z(p[2]) / 2) },
        ]
        var worst = 0.0
        var line = ""
        for (component, dV) in gradient.enumerated() {
            let summary = try dV.errors(against: exact[component])  // ∂V, so E = −∂V: the same errors
            worst = max(worst, summary.maxAbsError)
            line += String(format: "  E%d max %.3e at %@", component, summary.maxAbsError, "\(summary.argmax)")
        }
        errors.append((h, worst))
        say(String(format: "accuracy %d  N = %3d  h = %.4f  %.3f s", accuracy, n, h, seconds) + line)
    }
    // Least-squares slope of log e against log h.
    let slope = observedOrder(errors)
    let ok = abs(slope - Double(accuracy)) <= 0.3
    failed = failed || !ok
    say(String(format: "accuracy %d: observed order %.2f (expected %d) %@", accuracy, slope, accuracy, ok ? "ok" : "FAILED"))
}

// Spectral derivatives through FFTW-MPI along the periodic axes 0 and 1, where V is a trigonometric
// polynomial: exact to rounding. The field is split unlike FFTW-MPI (one plane moved from the first rank to
// the last), so the planes travel to FFTW's split and the results back.
do {
    let n = 40, h = 2 * Double.pi / Double(n), hz = 3.0 / Double(n - 1)
    var counts = SlabDecomposition.blockCounts(planeCount: n, parts: world.size)
    if world.size > 1 { counts[0] -= 1; counts[world.size - 1] += 1 }
    let v = try DistributedField<Double>(shape: [n, n, n], communicator: world, counts: counts) { p in
        sin(Double(p[0]) * h) * cos(Double(p[1]) * h) * exp(-Double(p[2]) * hz / 2)
    }
    let gradient = try v.spectralGradient(spacing: [.uniform(h)], axes: [0, 1])
    let exact: [([Int]) -> Double] = [
        { p in cos(Double(p[0]) * h) * cos(Double(p[1]) * h) * exp(-Double(p[2]) * hz / 2) },
        { p in -sin(Double(p[0]) * h) * sin(Double(p[1]) * h) * exp(-Double(p[2]) * hz / 2) },
    ]
    var worst = 0.0
    for (component, dV) in gradient.enumerated() {
        precondition(dV.counts == counts, "results are split as the input")
        worst = max(worst, try dV.errors(against: exact[component]).maxAbsError)
    }
    let ok = worst < 1e-12
    failed = failed || !ok
    say(String(format: "spectral (FFTW-MPI), N = %d, axes 0 and 1, split %@: max error %.2e %@", n, "\(counts)", worst,
               ok ? "ok (exact to rounding)" : "FAILED"))
}
MPIRuntime.finalize()
exit(failed ? 1 : 0)
