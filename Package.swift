// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Nabla",
    products: [
        // MARK: Public API
        /// N-D arrays, grids, the stencil engine and numpy-exact gradients. No C dependencies.
        .library(name: "Nabla", targets: ["Nabla"]),
        /// Complex fields (`NDArray<Complex<Float>>`, `NDArray<Complex<Double>>`, swift-numerics' `Complex`)
        /// through every finite-difference operator, numpy-exact. No C dependencies.
        .library(name: "NablaComplex", targets: ["NablaComplex"]),
        /// .npy / .npz files (numpy's formats) and CSV/TSV tables for Nabla arrays (libdeflate, zlib).
        .library(name: "NablaFormats", targets: ["NablaFormats"]),
        /// HDF5 datasets through the system (serial) HDF5 library; a separate product so that .npy/.npz
        /// users never link HDF5.
        .library(name: "NablaHDF5", targets: ["NablaHDF5"]),
        /// Spectral (FFT) derivatives of periodic fields through FFTW; a separate product so that core
        /// users never link FFTW.
        .library(name: "NablaSpectral", targets: ["NablaSpectral"]),
        /// Verification: score fields against references, convergence studies, gradient checks.
        .library(name: "NablaVerification", targets: ["NablaVerification"]),
        /// Pictures: colour maps of field slices with arrows, convergence plots, as PNG, SVG or PDF (cairo).
        .library(name: "NablaPictures", targets: ["NablaPictures"]),
        /// netCDF files (classic and netCDF-4) read with their grid and written with CF attributes (libnetcdf).
        .library(name: "NablaNetCDF", targets: ["NablaNetCDF"]),
        /// Distributed fields over MPI (Open MPI): halo exchange, every finite-difference operation
        /// bit-identical to one process, spectral derivatives through FFTW-MPI, collective scoring, MPI-IO
        /// .npy/.npz; a separate product so that nobody else needs MPI headers.
        .library(name: "NablaMPI", targets: ["NablaMPI"]),
        /// The `nabla` command-line tool.
        .executable(name: "nabla", targets: ["NablaCLI"]),
        /// `mpirun -np N nabla-mpi gradient|laplacian|divergence|curl …`: `nabla`'s commands on MPI ranks.
        .executable(name: "nabla-mpi", targets: ["NablaMPICLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // Documentation only: `swift package generate-documentation` (Scripts/docs.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: Public API
        .target(
            name: "Nabla",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaComplex",
            dependencies: ["Nabla", .product(name: "ComplexModule", package: "swift-numerics"),
                           .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaFormats",
            dependencies: ["Nabla", "_CDeflate", .product(name: "ComplexModule", package: "swift-numerics"),
                           .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaHDF5",
            dependencies: ["Nabla", "NablaFormats", "_CHDF5", .product(name: "ComplexModule", package: "swift-numerics")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaSpectral",
            dependencies: ["Nabla", "_CFFTW", .product(name: "ComplexModule", package: "swift-numerics"),
                           .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaVerification",
            dependencies: ["Nabla", .product(name: "ComplexModule", package: "swift-numerics"),
                           .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaPictures",
            dependencies: ["Nabla", "_CCairo"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaNetCDF",
            dependencies: ["Nabla", "NablaFormats", "_CNetCDF"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "NablaMPI",
            dependencies: ["Nabla", "NablaFormats", "NablaSpectral", "_CMPI", "_CFFTWMPI", "_CDeflate"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // MARK: Implementation details (no stable API)
        .systemLibrary(
            name: "_CMPI",
            path: "Sources/_CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        // FFTW's MPI interface: no pkg-config file of its own; `fftw3-mpi.h` includes `<mpi.h>`, hence `ompi`.
        .systemLibrary(
            name: "_CFFTWMPI",
            path: "Sources/_CFFTWMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libfftw3-mpi-dev", "libopenmpi-dev"])]
        ),
        .systemLibrary(
            name: "_CNetCDF",
            path: "Sources/_CNetCDF",
            pkgConfig: "netcdf",
            providers: [.apt(["libnetcdf-dev"])]
        ),
        .systemLibrary(
            name: "_CFFTW",
            path: "Sources/_CFFTW",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "_CDeflate",
            path: "Sources/_CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev", "zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "_CHDF5",
            path: "Sources/_CHDF5",
            // Debian's serial HDF5 by name: installing the MPI build later silently switches `hdf5.pc`.
            pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]
        ),
        .systemLibrary(
            name: "_CCairo",
            path: "Sources/_CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        // MARK: Command-line tool
        // The tool's own machinery (one job per command, the batch scheduler, progress, the JSON-lines log,
        // the demo): `package` access, no stable API, no product.
        .target(
            name: "_NablaTool",
            dependencies: ["Nabla", "NablaFormats", "NablaHDF5", "NablaNetCDF", "NablaVerification", "NablaSpectral",
                           "NablaPictures", "NablaComplex"],
            path: "Sources/_NablaTool",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The option groups both tools share (argument parsing; no stable API).
        .target(
            name: "_NablaCommandLine",
            dependencies: ["_NablaTool", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/_NablaCommandLine",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Argument parsing only: each command's `run()` is a call into `_NablaTool`.
        .executableTarget(
            name: "NablaCLI",
            dependencies: [
                "Nabla", "NablaFormats", "NablaPictures", "_NablaTool", "_NablaCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // `nabla-mpi`: the finite-difference commands of `nabla`, on MPI ranks.
        .executableTarget(
            name: "NablaMPICLI",
            dependencies: [
                "Nabla", "NablaFormats", "NablaHDF5", "NablaMPI", "NablaSpectral", "_NablaTool", "_NablaCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // MARK: Samples
        .executableTarget(name: "DistributedPotential", dependencies: ["Nabla", "NablaMPI", "NablaSpectral"],
                          path: "samples/DistributedPotential", exclude: ["README.md"]),
        .executableTarget(name: "PointCharges", dependencies: ["Nabla", "NablaVerification"],
                          path: "samples/PointCharges", exclude: ["README.md"]),
        .executableTarget(name: "SpectralVsFiniteDifference", dependencies: ["Nabla", "NablaSpectral", "NablaVerification"],
                          path: "samples/SpectralVsFiniteDifference", exclude: ["README.md"]),
        .executableTarget(name: "GradientCheckNetwork", dependencies: ["Nabla", "NablaVerification"],
                          path: "samples/GradientCheckNetwork", exclude: ["README.md"]),
        .executableTarget(name: "GradientFolder", dependencies: ["Nabla", "NablaFormats"],
                          path: "samples/GradientFolder", exclude: ["README.md"]),
        // MARK: Tests
        .testTarget(
            name: "NablaTests",
            dependencies: ["Nabla"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaComplexTests",
            dependencies: ["Nabla", "NablaComplex"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "StencilEngineTests",
            dependencies: ["Nabla"]
        ),
        .testTarget(
            name: "NablaVerificationTests",
            dependencies: ["Nabla", "NablaVerification"]
        ),
        .testTarget(
            name: "NablaPicturesTests",
            dependencies: ["Nabla", "NablaPictures"]
        ),
        .testTarget(
            name: "NablaSpectralTests",
            dependencies: ["Nabla", "NablaSpectral", .product(name: "ComplexModule", package: "swift-numerics")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaFormatsTests",
            dependencies: ["Nabla", "NablaFormats"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaHDF5Tests",
            dependencies: ["Nabla", "NablaFormats", "NablaHDF5"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaNetCDFTests",
            dependencies: ["Nabla", "NablaFormats", "NablaNetCDF"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NablaBatchTests",
            dependencies: ["Nabla", "NablaFormats", "_NablaTool"]
        ),
        .testTarget(
            name: "NablaToolTests",
            dependencies: ["Nabla", "NablaFormats", "NablaHDF5", "_NablaTool"]
        ),
        .testTarget(
            name: "NablaMPITests",
            dependencies: ["Nabla", "NablaFormats", "NablaMPI", "NablaSpectral"]
        ),
        .testTarget(
            name: "NablaCLITests",
            dependencies: ["Nabla", "NablaFormats", "_NablaTool", "NablaVerification", "NablaNetCDF"]
        ),
    ]
)
