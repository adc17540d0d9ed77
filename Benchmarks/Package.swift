// swift-tools-version: 6.1
// Nabla's benchmarks: a separate package so that building and testing Nabla never builds the benchmark
// harness. Run from this folder: `swift package benchmark` (package-benchmark suite) or
// `python3 compare.py` (side-by-side table against numpy and a plain memory copy).
import PackageDescription

let package = Package(
    name: "NablaBenchmarks",
    dependencies: [
        .package(name: "Nabla", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MARK: package-benchmark suite
        .executableTarget(
            name: "GradientBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Nabla", package: "Nabla"),
            ],
            path: "Benchmarks/GradientBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // MARK: spectral timing tool used by spectral_compare.py
        .executableTarget(
            name: "SpectralBench",
            dependencies: [
                .product(name: "Nabla", package: "Nabla"),
                .product(name: "NablaSpectral", package: "Nabla"),
                "SpectralBenchFFTW",
            ],
            path: "Sources/SpectralBench/Main"
        ),
        .systemLibrary(name: "SpectralBenchFFTW", path: "Sources/SpectralBench/FFTW"),
        // MARK: timing tool used by compare.py
        .executableTarget(
            name: "NablaBench",
            dependencies: [.product(name: "Nabla", package: "Nabla"), .product(name: "NablaComplex", package: "Nabla")],
            path: "Sources/NablaBench"
        ),
    ]
)
