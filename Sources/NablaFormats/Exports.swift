// `FormatError` and `NDArray` live in the core module; a user of the formats needs them, so importing
// NablaFormats brings the core along.
@_exported import Nabla

// Complex arrays (`AnyNDArray.complex64`, `.complex128`) hold swift-numerics' `Complex`; importing
// NablaFormats brings it (and the `Real` conformances it needs) along.
@_exported import ComplexModule
@_exported import RealModule
