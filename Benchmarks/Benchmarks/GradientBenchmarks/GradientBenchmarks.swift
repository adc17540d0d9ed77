// package-benchmark suite: `swift package benchmark` from Benchmarks/.
// Wall clock, throughput and malloc counts of Nabla's gradient on the shapes of the speed targets.
import Benchmark
import Nabla

func field<T: FieldScalar>(_ shape: [Int], _: T.Type) -> NDArray<T> {
    let n = shape.reduce(1, *)
    // Deterministic pseudo-random data (values do not matter for speed).
    return try! NDArray(shape: shape, scalars: (0..<n).map { T(Double(($0 &* 2654435761) % 1000) / 1000) })
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(3), maxIterations: 20)
    for (name, shape) in [("256^3", [256, 256, 256]), ("2048^2", [2048, 2048]), ("2^24", [1 << 24])] {
        for accuracy in [2, 4, 6] {
            Benchmark("gradient f64 \(name) acc\(accuracy) into") { benchmark in
                let f = field(shape, Double.self)
                var out: [NDArray<Double>] = []
                try gradient(of: f, spacing: [0.1], edgeOrder: 2, accuracy: accuracy, into: &out)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    try gradient(of: f, spacing: [0.1], edgeOrder: 2, accuracy: accuracy, into: &out)
                }
                blackHole(out)
            }
        }
        Benchmark("gradient f32 \(name) acc2 into") { benchmark in
            let f = field(shape, Float.self)
            var out: [NDArray<Float>] = []
            try gradient(of: f, spacing: [0.1], edgeOrder: 2, into: &out)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try gradient(of: f, spacing: [0.1], edgeOrder: 2, into: &out)
            }
            blackHole(out)
        }
    }
}
