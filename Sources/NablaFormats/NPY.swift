import Foundation
import Nabla

/// Reading and writing numpy's `.npy` format (versions 1.0, 2.0 and 3.0).
///
/// A `.npy` file is a 6-byte magic string `\x93NUMPY`, a version, a little-endian header length, a
/// header that is the text of a Python dict, then the raw elements:
/// ```
/// \x93NUMPY \x01 \x00  <uint16 hlen>  {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }    \n  <data>
/// ```
/// (version 2.0 and 3.0 use a `uint32` length; 3.0 encodes the header in UTF-8 instead of latin-1).
///
/// Reading accepts every dtype in ``DType``, both byte orders (converted to native), C and Fortran order
/// (Fortran data is transposed into C order), and 0-D to 64-D shapes. The header is parsed, never
/// evaluated, and the data must be exactly `product(shape) × itemsize` bytes: a header that claims more
/// data than the file holds is refused before anything is allocated. The common case (native byte order,
/// C order) is read with `pread(2)` straight into the array's storage, with no intermediate copy.
///
/// Writing produces exactly the bytes `np.save` writes for the same array: version 1.0 (2.0 if the
/// header needs it), native byte order, C order, header padded with spaces to a multiple of 64 bytes and
/// ending in `\n`. Files are written atomically (see ``AtomicFile``).
public enum NPY {
    // MARK: Reading

    /// Reads an array of any supported dtype from a `.npy` file, in native byte order and C order.
    ///
    /// - Throws: ``FormatError``: ``FormatError/Kind/badMagic`` (not a `.npy` file),
    ///   ``FormatError/Kind/unsupportedVersion``, ``FormatError/Kind/malformedHeader``,
    ///   ``FormatError/Kind/unsupportedDType``, ``FormatError/Kind/invalidShape``,
    ///   ``FormatError/Kind/sizeMismatch`` (data shorter or longer than the header declares, checked before
    ///   anything is allocated) or ``FormatError/Kind/io``.
    public static func read(from url: URL) throws(FormatError) -> AnyNDArray {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        return try decode(source, context: context)
    }

    /// Reads a `.npy` file whose dtype must be exactly `T` (no conversion).
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/unsupportedDType`` if the file holds another dtype;
    ///   use `NPY.read(from:).asDouble()` to convert instead.
    public static func read<T: NPYScalar>(_ type: T.Type, from url: URL) throws(FormatError) -> NDArray<T> {
        let any = try read(from: url)
        guard let array = T.unwrap(any) else {
            throw FormatError(.unsupportedDType, file: url.path,
                "holds \(any.dtype.name) elements, expected \(T.dtype.name); read it as any dtype and convert it to \(T.dtype.name) instead")
        }
        return array
    }

    /// Reads a `.npy` image held in memory. `name` labels error messages.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` does (never ``FormatError/Kind/io``).
    public static func read(data: Data, name: String = "<data>") throws(FormatError) -> AnyNDArray {
        try decode(DataSource(data: data), context: ErrorContext(file: name))
    }

    /// Reads and checks only the header of a `.npy` file: the dtype, shape and order of its array, and that
    /// the file holds exactly the data the header declares. Reads only the header's bytes.
    ///
    /// - Throws: ``FormatError`` as ``read(from:)`` does.
    public static func readHeader(from url: URL) throws(FormatError) -> NPYHeader {
        let context = ErrorContext(file: url.path)
        let source = try FileSource(url: url, context: context)
        let header = try NPYFormat.readHeader(totalSize: source.size, context: context) { (n) throws(FormatError) in
            try source.bytes(at: 0, count: n)
        }
        try NPYFormat.checkPayload(header, available: source.size - header.dataOffset, context: context)
        return header
    }

    // MARK: Writing

    /// The bytes of a `.npy` file holding `array`, exactly as `np.save` writes them.
    public static func encode(_ array: AnyNDArray) -> Data {
        let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
        var data = Data(capacity: header.count + array.count * array.dtype.itemSize)
        data.append(contentsOf: header)
        array.appendBytes(to: &data)
        return data
    }

    /// The bytes of a `.npy` file holding `array`.
    public static func encode<T: NPYScalar>(_ array: NDArray<T>) -> Data { encode(T.wrap(array)) }

    /// Writes `array` to a `.npy` file atomically (the bytes `np.save` would write), with one `writev(2)`
    /// straight from the array's storage.
    ///
    /// - Throws: ``FormatError`` of kind ``FormatError/Kind/io``; nothing is left at `url` then (an existing
    ///   file stays as it was).
    public static func write(_ array: AnyNDArray, to url: URL) throws(FormatError) {
        let header = NPYFormat.headerBytes(dtype: array.dtype, shape: array.shape)
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            // One writev(2) of header and data, straight from the array's storage.
            writer.preallocate(header.count + array.count * array.dtype.itemSize)
            try writer.write(header, followedBy: array)
        }
    }

    /// Writes `array` to a `.npy` file atomically; see the `AnyNDArray` form for errors.
    public static func write<T: NPYScalar>(_ array: NDArray<T>, to url: URL) throws(FormatError) {
        try write(T.wrap(array), to: url)
    }

    // MARK: Decoding

    static func decode(_ source: some ByteSource, context: ErrorContext) throws(FormatError) -> AnyNDArray {
        let header = try NPYFormat.readHeader(totalSize: source.size, context: context) { (n) throws(FormatError) in
            try source.bytes(at: 0, count: n)
        }
        try NPYFormat.checkPayload(header, available: source.size - header.dataOffset, context: context)
        return try materialize(header, context: context) { (raw) throws(FormatError) in
            try source.read(at: header.dataOffset, into: raw)
        }
    }
}
