import Foundation
import Nabla
@testable import NablaFormats
import Testing

/// A written VTK XML file split into its XML header and its appended data (the bytes after `_`).
struct VTKFileParts {
    let xml: String
    let appended: [UInt8]

    init(_ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        let marker = Array("<AppendedData encoding=\"raw\">\n   _".utf8)
        let start = try #require((0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        xml = String(decoding: bytes[..<start], as: UTF8.self)
        appended = Array(bytes[(start + marker.count)...])
    }

    /// The value of `attribute` in the first element `<element …>` that has it.
    func attribute(_ attribute: String, of element: String, containing: String = "") -> String? {
        for line in xml.split(separator: "\n") where line.contains("<\(element) ") && (containing.isEmpty || line.contains(containing)) {
            guard let range = line.range(of: "\(attribute)=\"") else { continue }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
        return nil
    }

    /// The UInt64 byte count at `offset` and the bytes that follow it.
    func block(at offset: Int) -> (count: UInt64, bytes: [UInt8]) {
        let count = appended[offset..<(offset + 8)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return (count, Array(appended[(offset + 8)..<(offset + 8 + Int(count))]))
    }
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v.littleEndian >> (8 * $0)) } }
}

@Suite("VTK XML")
struct VTKTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("nabla-vtk-\(UUID().uuidString)-\(name)")
    }

    @Test(".vti of a (4, 3, 2) field: extent, origin and spacing reversed, appended offsets")
    func imageData() throws {
        let f = try NDArray<Double>(shape: [4, 3, 2], scalars: (0..<24).map { Double($0) * 0.5 })
        let g = f.map { Float($0) }
        let url = temporaryURL("f.vti")
        defer { try? FileManager.default.removeItem(at: url) }
        try VTK.writeImageData([("f", .float64(f)), ("g", .float32(g))], origin: [-1, 0, 2.5], spacing: [0.25, 0.5, 2], to: url)
        let parts = try VTKFileParts(url)
        #expect(parts.xml.hasPrefix("<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">"))
        #expect(parts.attribute("WholeExtent", of: "ImageData") == "0 1 0 2 0 3")  // (nx, ny, nz) = (2, 3, 4)
        #expect(parts.attribute("Extent", of: "Piece") == "0 1 0 2 0 3")
        #expect(parts.attribute("Origin", of: "ImageData") == "2.5 0.0 -1.0")
        #expect(parts.attribute("Spacing", of: "ImageData") == "2.0 0.5 0.25")
        #expect(parts.attribute("type", of: "DataArray", containing: "Name=\"f\"") == "Float64")
        #expect(parts.attribute("type", of: "DataArray", containing: "Name=\"g\"") == "Float32")
        #expect(parts.attribute("offset", of: "DataArray", containing: "Name=\"f\"") == "0")
        #expect(parts.attribute("offset", of: "DataArray", containing: "Name=\"g\"") == "200")  // 8 + 24·8
        #expect(parts.appended.count == 8 + 192 + 8 + 96 + "\n  </AppendedData>\n</VTKFile>\n".utf8.count)
        let (count0, bytes0) = parts.block(at: 0)
        #expect(count0 == 192)
        #expect(bytes0 == littleEndianBytes(f.scalars.map(\.bitPattern)))  // C order: x (last axis) fastest
        let (count1, bytes1) = parts.block(at: 200)
        #expect(count1 == 96)
        #expect(bytes1 == littleEndianBytes(g.scalars.map(\.bitPattern)))
    }

    @Test("1-D and 2-D fields are padded with length-1 axes", arguments: [([5], "0 4 0 0 0 0", "0.5 1.0 1.0"), ([3, 5], "0 4 0 2 0 0", "0.5 2.0 1.0")])
    func padding(shape: [Int], extent: String, spacing: String) throws {
        let f = try NDArray<Double>(repeating: 1, shape: shape)
        let url = temporaryURL("p.vti")
        defer { try? FileManager.default.removeItem(at: url) }
        try VTK.writeImageData([("f", .float64(f))], spacing: shape.count == 1 ? [0.5] : [2, 0.5], to: url)
        let parts = try VTKFileParts(url)
        #expect(parts.attribute("WholeExtent", of: "ImageData") == extent)
        #expect(parts.attribute("Spacing", of: "ImageData") == spacing)
        #expect(parts.attribute("Origin", of: "ImageData") == "0.0 0.0 0.0")
    }

    @Test(".vtr: coordinates per VTK axis after the point data")
    func rectilinear() throws {
        let f = try NDArray<Int32>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let url = temporaryURL("r.vtr")
        defer { try? FileManager.default.removeItem(at: url) }
        try VTK.writeRectilinearGrid([("n", .int32(f))], coordinates: [[0, 10], [0, 0.5, 2]], to: url)
        let parts = try VTKFileParts(url)
        #expect(parts.attribute("WholeExtent", of: "RectilinearGrid") == "0 2 0 1 0 0")
        #expect(parts.attribute("type", of: "DataArray", containing: "Name=\"n\"") == "Int32")
        let offsets = ["x", "y", "z"].map { parts.attribute("offset", of: "DataArray", containing: "Name=\"\($0)\"") }
        #expect(offsets == ["32", "64", "88"])  // 8 + 6·4, then 8 + 3·8, then 8 + 2·8
        #expect(parts.block(at: 32).bytes == littleEndianBytes([0, 0.5, 2.0].map(\.bitPattern)))
        #expect(parts.block(at: 64).bytes == littleEndianBytes([0, 10.0].map(\.bitPattern)))
        #expect(parts.block(at: 88).bytes == littleEndianBytes([0.0].map(\.bitPattern)))
    }

    @Test("axes from a file choose ImageData when all uniform, else RectilinearGrid")
    func fromAxes() {
        #expect(VTK.isImageData([AxisInfo(name: "y"), AxisInfo(name: "x", coordinates: [0, 0.5, 1])]))
        #expect(!VTK.isImageData([AxisInfo(name: "x", coordinates: [0, 0.5, 2])]))
    }

    @Test("mismatched input is refused before anything is written", arguments: [
        "rank 4", "empty axis", "shapes differ", "repeated name", "spacing length", "zero spacing", "coordinates length",
    ])
    func refused(_ situation: String) throws {
        let a = AnyNDArray.float64(NDArray([1, 2, 3]))
        let url = temporaryURL("bad.vti")
        let error = try #require(throws: FormatError.self) {
            switch situation {
            case "rank 4": try VTK.writeImageData([("a", .float64(try NDArray(repeating: 0, shape: [1, 1, 1, 2])))], to: url)
            case "empty axis": try VTK.writeImageData([("a", .float64(NDArray([Double]())))], to: url)
            case "shapes differ": try VTK.writeImageData([("a", a), ("b", .float64(NDArray([1, 2])))], to: url)
            case "repeated name": try VTK.writeImageData([("a", a), ("a", a)], to: url)
            case "spacing length": try VTK.writeImageData([("a", a)], spacing: [1, 2], to: url)
            case "zero spacing": try VTK.writeImageData([("a", a)], spacing: [0], to: url)
            default: try VTK.writeRectilinearGrid([("a", a)], coordinates: [[0, 1]], to: url)
            }
        }
        #expect(error.file == url.path)
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test("names are XML-escaped")
    func escaping() {
        #expect(VTK.escaped("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}

/// Writes sample `.vti`/`.vtr` files, their fields as `.npy` and a `manifest.json` into the folder named
/// by `NABLA_VTK_CHECK_DIR`, for `Fixtures/check_vtk.py` to read back with VTK's own readers. Runs only
/// when that variable is set (by hand: the Swift tests never need Python).
@Test("files for check_vtk.py", .enabled(if: ProcessInfo.processInfo.environment["NABLA_VTK_CHECK_DIR"] != nil))
func writeFilesForPythonCheck() throws {
    let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["NABLA_VTK_CHECK_DIR"]!)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let f = try NDArray<Double>(shape: [4, 3, 2]) { i in Double(i[0]) * 100 + Double(i[1]) * 10 + Double(i[2]) + 0.125 }
    let g = f.map { Float(-$0) }
    let n = try NDArray<Int16>(shape: [4, 3, 2]) { i in Int16(i[0] - i[1] * i[2]) }
    let p = try NDArray<Double>(shape: [3, 5]) { i in Double(i[0] * 5 + i[1]) }
    var manifest: [[String: Any]] = []
    func save(_ name: String, _ array: AnyNDArray) throws -> String {
        try NPY.write(array, to: folder.appendingPathComponent("\(name).npy"))
        return "\(name).npy"
    }
    try VTK.writeImageData([("f", .float64(f)), ("g", .float32(g)), ("n", .int16(n))],
                           origin: [-1, 0, 2.5], spacing: [0.25, 0.5, 2], to: folder.appendingPathComponent("image3d.vti"))
    manifest.append(["file": "image3d.vti", "origin": [-1, 0, 2.5], "spacing": [0.25, 0.5, 2],
                     "fields": ["f": try save("f", .float64(f)), "g": try save("g", .float32(g)), "n": try save("n", .int16(n))]])
    try VTK.writeImageData([("p", .float64(p))], spacing: [2, 0.5], to: folder.appendingPathComponent("image2d.vti"))
    manifest.append(["file": "image2d.vti", "origin": [0, 0], "spacing": [2, 0.5], "fields": ["p": try save("p", .float64(p))]])
    let coordinates: [[Double]] = [[0, 1, 3, 7], [-1, 0, 0.5], [10, 20]]
    try VTK.writeRectilinearGrid([("f", .float64(f))], coordinates: coordinates, to: folder.appendingPathComponent("rect3d.vtr"))
    manifest.append(["file": "rect3d.vtr", "coordinates": coordinates, "fields": ["f": "f.npy"]])
    let json = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
    try json.write(to: folder.appendingPathComponent("manifest.json"))
}
