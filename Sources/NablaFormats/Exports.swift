// `FormatError` and `NDArray` live in the core module; a user of the formats needs them, so importing
// NablaFormats brings the core along.
@_exported import Nabla
