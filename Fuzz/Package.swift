// swift-tools-version: 6.1
// libFuzzer targets for Nabla's file readers, kept out of the main package so that its normal builds and
// tests never compile them. Build and run one with `Fuzz/run.sh TARGET SECONDS` (see Fuzz/README.md).
import PackageDescription

let formats: Target.Dependency = .product(name: "NablaFormats", package: "Nabla")

let package = Package(
    name: "NablaFuzz",
    dependencies: [
        .package(name: "Nabla", path: ".."),
    ],
    targets: [
        /// `NPY.read(data:)` on arbitrary bytes (header parser, shape/size checks, byte order, Fortran order).
        .executableTarget(name: "FuzzNPYHeader", dependencies: [formats], swiftSettings: [.swiftLanguageMode(.v6)]),
        /// `CSV.read(data:)` as a grid, a column, comma or tab; parsed grids must survive a write/read round trip.
        .executableTarget(name: "FuzzCSV", dependencies: [formats], swiftSettings: [.swiftLanguageMode(.v6)]),
        /// `NPZ.read(data:)` on arbitrary bytes (ZIP structures, ZIP64, deflate, CRC, member names).
        .executableTarget(name: "FuzzNPZ", dependencies: [formats], swiftSettings: [.swiftLanguageMode(.v6)]),
        /// `CSV.read(data:column:)` with the column name from the input: header detection and column lookup.
        .executableTarget(name: "FuzzCSVColumn", dependencies: [formats], swiftSettings: [.swiftLanguageMode(.v6)]),
        /// The batch planner's probes on a file: `NPY.readHeader`, `NPZ.headers`, `NPZ.verify` (agreeing with reads).
        .executableTarget(name: "FuzzBatchProbe", dependencies: [formats], swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
