import Foundation
import Nabla

/// VTK XML files for ParaView and VisIt: `.vti` (ImageData, a uniform grid) and `.vtr` (RectilinearGrid,
/// one coordinate array per axis), with every field as point data in raw appended binary.
///
/// Axes are given in numpy order (axis 0 first) and reversed for VTK, whose x varies fastest: a C-order
/// field of shape `(nz, ny, nx)` is a VTK grid of dimensions `(nx, ny, nz)`, and its spacing `(hz, hy, hx)`
/// becomes VTK's `Spacing="hx hy hz"`. 1-D and 2-D fields are padded with axes of length 1.
///
/// ```swift
/// try VTK.writeImageData([("phi", .float64(phi)), ("dphi_dx", .float64(dx))],
///                        origin: [0, 0, 0], spacing: [0.5, 0.25, 0.25], to: URL(filePath: "phi.vti"))
/// ```
/// Layout of the file (VTK XML format version 1.0, `header_type="UInt64"`):
/// ```
/// <VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">
///   <ImageData WholeExtent="0 nx-1 0 ny-1 0 nz-1" Origin="x0 y0 z0" Spacing="hx hy hz">
///     <Piece Extent="…"><PointData Scalars="phi">
///       <DataArray type="Float64" Name="phi" format="appended" offset="0"/> …
///   <AppendedData encoding="raw">_[UInt64 byte count][values][UInt64 byte count][values]…
/// ```
/// Each `offset` counts from the byte after `_`. Values are written in the machine's byte order, which
/// `byte_order` declares (little-endian on x86-64 and arm64). `float32`/`float64` are `Float32`/`Float64`,
/// integers their VTK integer type, `float16` is widened to `Float32` and `bool` written as `UInt8`.
public enum VTK {
    /// Writes a `.vti` file: fields on a uniform grid.
    ///
    /// - Parameters:
    ///   - fields: named arrays of one shape, rank 1 to 3, no axis of length 0; names unique and non-empty.
    ///   - origin: the position of the first sample along each axis, numpy order; zeros by default.
    ///   - spacing: the step along each axis, numpy order; ones by default. Finite and non-zero.
    ///   - url: the file to write (replaced atomically).
    /// - Throws: ``FormatError`` for fields that do not match, an origin or spacing of the wrong length or
    ///   not finite, or when the file cannot be written.
    public static func writeImageData(_ fields: [(name: String, array: AnyNDArray)], origin: [Double]? = nil,
                                      spacing: [Double]? = nil, to url: URL) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let shape = try checkedShape(fields, context: context)
        let origin = origin ?? Array(repeating: 0, count: shape.count)
        let spacing = spacing ?? Array(repeating: 1, count: shape.count)
        for (label, values) in [("origin", origin), ("spacing", spacing)] {
            guard values.count == shape.count else {
                throw context.error(.invalidShape, "\(label) has \(values.count) entries but the fields have \(shape.count) axes (shape \(shape))")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite || (label == "spacing" && $0 == 0) }) {
                throw context.error(.invalidShape, "\(label) of axis \(bad) is \(values[bad]); it must be finite\(label == "spacing" ? " and non-zero" : "")")
            }
        }
        let extent = wholeExtent(shape)
        let header = """
            <ImageData WholeExtent="\(extent)" Origin="\(vtkOrder(origin, pad: 0))" Spacing="\(vtkOrder(spacing, pad: 1))">
            """
        try write(type: "ImageData", open: header, close: "</ImageData>", extent: extent, fields: fields,
                  coordinates: nil, to: url, context: context)
    }

    /// Writes a `.vtr` file: fields on a rectilinear grid, with the coordinates of every axis.
    ///
    /// - Parameters:
    ///   - fields: named arrays of one shape, rank 1 to 3, no axis of length 0; names unique and non-empty.
    ///   - coordinates: the sample positions along each axis, numpy order, one per sample (written as
    ///     VTK's `x`, `y`, `z` arrays in reverse order; a padded axis gets `[0]`).
    ///   - url: the file to write (replaced atomically).
    /// - Throws: ``FormatError`` for fields that do not match, coordinates of the wrong count or length or
    ///   not finite, or when the file cannot be written.
    public static func writeRectilinearGrid(_ fields: [(name: String, array: AnyNDArray)], coordinates: [[Double]],
                                            to url: URL) throws(FormatError) {
        let context = ErrorContext(file: url.path)
        let shape = try checkedShape(fields, context: context)
        guard coordinates.count == shape.count else {
            throw context.error(.invalidShape, "\(coordinates.count) coordinate arrays for fields of \(shape.count) axes (shape \(shape))")
        }
        for (k, x) in coordinates.enumerated() {
            guard x.count == shape[k] else {
                throw context.error(.invalidShape, "axis \(k) has \(shape[k]) samples but \(x.count) coordinates")
            }
            if let bad = x.firstIndex(where: { !$0.isFinite }) {
                throw context.error(.invalidShape, "coordinate \(bad) of axis \(k) is \(x[bad]); coordinates must be finite")
            }
        }
        let padded = coordinates.reversed() + Array(repeating: [0.0], count: 3 - shape.count)
        let extent = wholeExtent(shape)
        try write(type: "RectilinearGrid", open: "<RectilinearGrid WholeExtent=\"\(extent)\">", close: "</RectilinearGrid>",
                  extent: extent, fields: fields, coordinates: Array(padded), to: url, context: context)
    }

    /// Writes `fields` sampled on `axes` (as read from a self-describing file): a `.vti` file when every
    /// axis is uniform by numpy's rule (see ``AxisInfo/uniformStep``), otherwise a `.vtr` file. The caller
    /// picks the extension; ``isImageData(_:)`` tells which format this writes.
    ///
    /// - Throws: ``FormatError`` as ``writeImageData(_:origin:spacing:to:)`` and
    ///   ``writeRectilinearGrid(_:coordinates:to:)``.
    public static func write(_ fields: [(name: String, array: AnyNDArray)], axes: [AxisInfo], to url: URL) throws(FormatError) {
        if isImageData(axes) {
            try writeImageData(fields, origin: axes.map(\.origin), spacing: axes.map { $0.uniformStep ?? 1 }, to: url)
        } else {
            let shape = fields.first?.array.shape ?? []
            let coordinates = axes.indices.map { k in
                axes[k].coordinates ?? (0..<(k < shape.count ? shape[k] : 0)).map(Double.init)
            }
            try writeRectilinearGrid(fields, coordinates: coordinates, to: url)
        }
    }

    /// Whether ``write(_:axes:to:)`` writes ImageData (`.vti`) for these axes: all of them uniform.
    public static func isImageData(_ axes: [AxisInfo]) -> Bool {
        axes.allSatisfy { $0.uniformStep != nil && $0.uniformStep != 0 }
    }

    // MARK: Implementation

    /// The VTK type name of the values as written, and the values converted where VTK lacks the type.
    static func vtkValues(_ array: AnyNDArray) -> (type: String, values: AnyNDArray) {
        switch array {
        case .float16: ("Float32", .float32(array.asFloat()))
        case .complex64, .complex128: preconditionFailure("complex fields are refused by checkedShape")
        case .float32: ("Float32", array)
        case .float64: ("Float64", array)
        case .int8: ("Int8", array)
        case .int16: ("Int16", array)
        case .int32: ("Int32", array)
        case .int64: ("Int64", array)
        case .uint8: ("UInt8", array)
        case .uint16: ("UInt16", array)
        case .uint32: ("UInt32", array)
        case .uint64: ("UInt64", array)
        case .bool(let a): ("UInt8", .uint8(a.map { $0 ? 1 : 0 }))
        }
    }

    /// The common shape of `fields`, checked: rank 1…3, no empty axis, names unique and non-empty.
    static func checkedShape(_ fields: [(name: String, array: AnyNDArray)], context: ErrorContext) throws(FormatError) -> [Int] {
        guard let first = fields.first else { throw context.error(.invalidShape, "nothing to write: no fields were given") }
        if let complex = fields.first(where: { $0.array.dtype.isComplex }) {
            throw context.error(.unsupportedDType, "field '\(complex.name)' is \(complex.array.dtype.name); VTK files hold real numbers: write .npy, .npz or .h5, or the real and imaginary parts as two fields")
        }
        let shape = first.array.shape
        guard (1...3).contains(shape.count) else {
            throw context.error(.invalidShape, "field '\(first.name)' has \(shape.count) axes (shape \(shape)); VTK grids have 1 to 3")
        }
        guard !shape.contains(0) else {
            throw context.error(.invalidShape, "field '\(first.name)' has an empty axis (shape \(shape)); VTK grids need at least one point per axis")
        }
        var names = Set<String>()
        for field in fields {
            guard !field.name.isEmpty, names.insert(field.name).inserted else {
                throw context.error(.invalidName, "field name '\(field.name)' is empty or repeated")
            }
            guard field.array.shape == shape else {
                throw context.error(.invalidShape, "field '\(field.name)' has shape \(field.array.shape) but '\(first.name)' has shape \(shape)")
            }
        }
        return shape
    }

    /// `"0 nx-1 0 ny-1 0 nz-1"` for a numpy shape (…, ny, nx), padded with length-1 axes.
    static func wholeExtent(_ shape: [Int]) -> String {
        let dimensions = shape.reversed() + Array(repeating: 1, count: 3 - shape.count)
        return dimensions.map { "0 \($0 - 1)" }.joined(separator: " ")
    }

    /// Three numbers in VTK order (x = the last numpy axis), padded with `pad`.
    static func vtkOrder(_ values: [Double], pad: Double) -> String {
        (values.reversed() + Array(repeating: pad, count: 3 - values.count)).map { "\($0)" }.joined(separator: " ")
    }

    /// Writes the XML header, the appended blocks (UInt64 byte count, then the values) and the trailer.
    private static func write(type: String, open: String, close: String, extent: String,
                              fields: [(name: String, array: AnyNDArray)], coordinates: [[Double]]?,
                              to url: URL, context: ErrorContext) throws(FormatError) {
        var blocks: [AnyNDArray] = []
        var offset: UInt64 = 0
        func dataArray(_ name: String, _ array: AnyNDArray) -> String {
            let (vtkType, values) = vtkValues(array)
            defer {
                blocks.append(values)
                offset += 8 + UInt64(values.count * values.dtype.itemSize)
            }
            return "<DataArray type=\"\(vtkType)\" Name=\"\(escaped(name))\" NumberOfComponents=\"1\" format=\"appended\" offset=\"\(offset)\"/>"
        }
        let byteOrder = ByteOrder.native == .little ? "LittleEndian" : "BigEndian"
        var xml = """
            <?xml version="1.0"?>
            <VTKFile type="\(type)" version="1.0" byte_order="\(byteOrder)" header_type="UInt64">
              \(open)
                <Piece Extent="\(extent)">
                  <PointData Scalars="\(escaped(fields[0].name))">

            """
        for field in fields { xml += "        \(dataArray(field.name, field.array))\n" }
        xml += "      </PointData>\n"
        if let coordinates {
            xml += "      <Coordinates>\n"
            for (name, x) in zip(["x", "y", "z"], coordinates) { xml += "        \(dataArray(name, .float64(NDArray(x))))\n" }
            xml += "      </Coordinates>\n"
        }
        xml += """
                </Piece>
              \(close)
              <AppendedData encoding="raw">
               _
            """
        let trailer = "\n  </AppendedData>\n</VTKFile>\n"
        try AtomicFile.write(to: url) { (writer: AtomicFile.Writer) throws(FormatError) in
            try writer.write(Array(xml.utf8))
            for block in blocks {
                // Each block: its byte count as a little-endian UInt64 (header_type="UInt64"), then the bytes.
                let size = UInt64(block.count * block.dtype.itemSize)
                try writer.write((0..<8).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }, followedBy: block)
            }
            try writer.write(Array(trailer.utf8))
        }
    }

    /// `text` with XML's five special characters escaped, for an attribute value.
    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
