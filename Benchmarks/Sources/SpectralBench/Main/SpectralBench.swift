// A timing tool for spectral_compare.py: NablaSpectral's gradient of a real field on all axes against
// FFTW's own execute time for the same transforms, in one process. Prints one JSON object.
//
//   SpectralBench [SHAPE=256x256x256] [REPEATS=5] [RIGOUR=default|estimate|measure|patient]
//
// Times in milliseconds; "best" is the minimum over REPEATS runs after the first.
//   nabla_first_ms        first call: planning (or wisdom lookup), scratch allocation, everything
//   nabla_ms              later calls, fresh output arrays each call (allocation + page faults included)
//   nabla_into_ms         later calls writing into the previous call's outputs (`into:`, no allocation)
//   fftw_axis_passes_ms   FFTW alone: the batched 1-D r2c + c2r along every axis that the gradient runs
//                         (same guru layouts, MEASURE plans, all cores), preallocated arrays
//   fftw_3d_roundtrip_ms  FFTW alone: one 3-D r2c + one 3-D c2r of the whole array (MEASURE)
//   fftw_3d_gradient_ms   FFTW alone: one N-D r2c + one N-D c2r per axis (the rfftn + 3 irfftn scheme)
//   fftw_lastaxis_scheme_ms  FFTW alone: the transforms NablaSpectral runs (r2c along the last axis, a
//                         complex round trip along each other axis, c2r per output), plus one copy
//   fftw_per_axis_ms / fftw_axis_passes_ms  FFTW alone: real r2c + c2r along each axis separately (the
//                         rejected scheme), per axis and summed; fftw_c2c_ms: each complex round trip
import Dispatch
import Foundation
import Nabla
import NablaSpectral
import SpectralBenchFFTW

@main
struct SpectralBench {
    static func main() throws {
        let args = CommandLine.arguments
        let shape = (args.count > 1 ? args[1] : "256x256x256").split(separator: "x").compactMap { Int($0) }
        let repeats = args.count > 2 ? Int(args[2]) ?? 5 : 5
        let rigour: PlanningRigour? = args.count > 3 ? PlanningRigour.allCases.first { "\($0)" == args[3] } : nil
        let count = shape.reduce(1, *)
        var state: UInt64 = 0x9E3779B97F4A7C15
        let values = (0..<count).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let f = try NDArray(shape: shape, scalars: values)
        let spacing: [Spacing] = shape.map { .uniform(2 * .pi / Double($0)) }

        var t0 = now()
        var g = try spectralGradient(of: f, spacing: spacing, rigour: rigour)
        let first = ms(since: t0)
        var times: [Double] = []
        for _ in 0..<repeats {
            g = []
            t0 = now()
            g = try spectralGradient(of: f, spacing: spacing, rigour: rigour)
            times.append(ms(since: t0))
        }
        var reuse: [NDArray<Double>] = []
        try spectralGradient(of: f, spacing: spacing, rigour: rigour, into: &reuse)
        var intoTimes: [Double] = []
        for _ in 0..<repeats {
            t0 = now()
            try spectralGradient(of: f, spacing: spacing, rigour: rigour, into: &reuse)
            intoTimes.append(ms(since: t0))
        }
        _ = g

        // FFTW alone, on the same machine and library, same layouts.
        fftw_init_threads()
        fftw_plan_with_nthreads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        let input = fftw_alloc_real(count)!
        values.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: count) }
        let output = fftw_alloc_real(count)!
        let maxComplex = shape.indices.map { count / shape[$0] * (shape[$0] / 2 + 1) }.max()!
        let spectrum = fftw_alloc_complex(maxComplex)!
        var axisPlans: [(OpaquePointer, OpaquePointer)] = []
        for axis in shape.indices {
            let n = shape[axis], nc = n / 2 + 1
            let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
            var dim = fftw_iodim64(n: n, is: inner, os: inner)
            var loops: [fftw_iodim64] = []
            if outer > 1 { loops.append(.init(n: outer, is: n * inner, os: nc * inner)) }
            if inner > 1 { loops.append(.init(n: inner, is: 1, os: 1)) }
            let back = loops.map { fftw_iodim64(n: $0.n, is: $0.os, os: $0.is) }
            let r2c = fftw_plan_guru64_dft_r2c(1, &dim, Int32(loops.count), loops, output, spectrum, FFTW_MEASURE)!
            let c2r = fftw_plan_guru64_dft_c2r(1, &dim, Int32(back.count), back, spectrum, output, FFTW_MEASURE)!
            axisPlans.append((r2c, c2r))
        }
        let axisPasses = best(repeats) {
            for (r2c, c2r) in axisPlans {
                fftw_execute_dft_r2c(r2c, input, spectrum)
                fftw_execute_dft_c2r(c2r, spectrum, output)
            }
        }
        let perAxis = axisPlans.map { plans in
            best(repeats) {
                fftw_execute_dft_r2c(plans.0, input, spectrum)
                fftw_execute_dft_c2r(plans.1, spectrum, output)
            }
        }
        // Complex transforms along the non-last axes of the last-axis half-spectrum.
        let last = shape.count - 1
        let cshape = shape.indices.map { $0 == last ? shape[$0] / 2 + 1 : shape[$0] }
        let ccount = cshape.reduce(1, *)
        let cA = fftw_alloc_complex(ccount)!, cB = fftw_alloc_complex(ccount)!
        let rz = fftw_plan_many_dft_r2c(1, [Int32(shape[last])], Int32(count / shape[last]), output, nil, 1, Int32(shape[last]), cA, nil, 1, Int32(cshape[last]), FFTW_MEASURE)!
        let cz = fftw_plan_many_dft_c2r(1, [Int32(shape[last])], Int32(count / shape[last]), cB, nil, 1, Int32(cshape[last]), output, nil, 1, Int32(shape[last]), FFTW_MEASURE)!
        var c2c: [(OpaquePointer, OpaquePointer)] = []
        for axis in 0..<last {
            let n = cshape[axis]
            let outer = cshape[..<axis].reduce(1, *), inner = cshape[(axis + 1)...].reduce(1, *)
            var dim = fftw_iodim64(n: n, is: inner, os: inner)
            var loops: [fftw_iodim64] = []
            if outer > 1 { loops.append(.init(n: outer, is: n * inner, os: n * inner)) }
            loops.append(.init(n: inner, is: 1, os: 1))
            let fwd = fftw_plan_guru64_dft(1, &dim, Int32(loops.count), loops, cA, cB, FFTW_FORWARD, FFTW_MEASURE)!
            let bwd = fftw_plan_guru64_dft(1, &dim, Int32(loops.count), loops, cB, cB, FFTW_BACKWARD, FFTW_MEASURE)!
            c2c.append((fwd, bwd))
        }
        fftw_execute_dft_r2c(rz, input, cA)
        let lastAxisScheme = best(repeats) {
            fftw_execute_dft_r2c(rz, input, cA)
            for (fwd, bwd) in c2c {
                fftw_execute_dft(fwd, cA, cB)
                fftw_execute_dft(bwd, cB, cB)
                fftw_execute_dft_c2r(cz, cB, output)
            }
            cB.update(from: cA, count: ccount)
            fftw_execute_dft_c2r(cz, cB, output)
        }
        let c2cTimes = c2c.map { p in best(repeats) { fftw_execute_dft(p.0, cA, cB); fftw_execute_dft(p.1, cB, cB) } }
        // N-D transforms (the numpy scheme).
        let dims = shape.map { Int32($0) }
        let ndComplex = count / shape.last! * (shape.last! / 2 + 1)
        let spectrumND = fftw_alloc_complex(ndComplex)!
        let scratchND = fftw_alloc_complex(ndComplex)!
        let forward = fftw_plan_dft_r2c(Int32(shape.count), dims, output, spectrumND, FFTW_MEASURE)!
        let inverse = fftw_plan_dft_c2r(Int32(shape.count), dims, scratchND, output, FFTW_MEASURE)!
        let roundTrip = best(repeats) {
            fftw_execute_dft_r2c(forward, input, spectrumND)
            scratchND.update(from: spectrumND, count: ndComplex)
            fftw_execute_dft_c2r(inverse, scratchND, output)
        }
        let ndGradient = best(repeats) {
            fftw_execute_dft_r2c(forward, input, spectrumND)
            for _ in shape {
                scratchND.update(from: spectrumND, count: ndComplex)
                fftw_execute_dft_c2r(inverse, scratchND, output)
            }
        }
        let report: [String: Any] = [
            "shape": shape, "threads": ProcessInfo.processInfo.activeProcessorCount,
            "rigour": "\(rigour ?? SpectralFFT.defaultRigour)",
            "nabla_first_ms": first, "nabla_ms": times.min()!, "nabla_runs_ms": times, "nabla_into_ms": intoTimes.min()!,
            "fftw_axis_passes_ms": axisPasses, "fftw_lastaxis_scheme_ms": lastAxisScheme, "fftw_c2c_ms": c2cTimes, "fftw_per_axis_ms": perAxis, "fftw_3d_roundtrip_ms": roundTrip, "fftw_3d_gradient_ms": ndGradient,
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func ms(since t: UInt64) -> Double { Double(now() - t) / 1e6 }
    static func best(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t = now()
            body()
            times.append(ms(since: t))
        }
        return times.min()!
    }
}
