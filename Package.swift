// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Nabla",
    products: [
        // MARK: Public API
        /// N-D arrays, grids, the stencil engine and numpy-exact gradients. No C dependencies.
        .library(name: "Nabla", targets: ["Nabla"]),
        /// .npy / .npz files (numpy's formats) for Nabla arrays.
        .library(name: "NablaFormats", targets: ["NablaFormats"]),
        /// File-level jobs (differentiate a file into a file) that the `nabla` tool runs.
        .library(name: "NablaPipeline", targets: ["NablaPipeline"]),
        /// The `nabla` command-line tool.
        .executable(name: "nabla", targets: ["NablaCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: Public API
        .target(
            name: "Nabla",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaFormats",
            dependencies: ["Nabla", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaPipeline",
            dependencies: ["Nabla", "NablaFormats"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // MARK: Command-line tool
        .executableTarget(
            name: "NablaCLI",
            dependencies: [
                "Nabla", "NablaFormats", "NablaPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // MARK: Tests
        .testTarget(
            name: "NablaTests",
            dependencies: ["Nabla"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "StencilEngineTests",
            dependencies: ["Nabla"]
        ),
        .testTarget(
            name: "NablaFormatsTests",
            dependencies: ["Nabla", "NablaFormats"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaCLITests",
            dependencies: ["Nabla", "NablaFormats", "NablaPipeline"]
        ),
    ]
)
