import Foundation
import Nabla
import NablaFormats
import Testing

/// Access to the numpy-written fixtures made by `Scripts/make_format_fixtures.py`, and the arrays they hold.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                     "missing fixture \(name); run Scripts/make_format_fixtures.py")
    }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    /// The (2, 3) array each per-dtype fixture holds (`VALUES` in the script).
    static func values(for dtype: DType) -> AnyNDArray {
        func make<T: NPYScalar>(_ v: [T]) -> AnyNDArray {
            // Shape (2, 3) always matches six values.
            AnyNDArray((try? NDArray(shape: [2, 3], scalars: v)) ?? NDArray(v))
        }
        switch dtype {
        case .float16: return make([0.5, -1.25, 3.0, 1024.0, -0.0, 65504.0] as [Float16])
        case .float32: return make([0.5, -1.25, 3.0, 1024.0, -0.0, Float.greatestFiniteMagnitude])
        case .float64: return make([0.5, -1.25, 3.0, 1024.0, -0.0, Double.greatestFiniteMagnitude])
        case .int8: return make([0, 1, -1, .min, .max, 42] as [Int8])
        case .int16: return make([0, 1, -1, .min, .max, 42] as [Int16])
        case .int32: return make([0, 1, -1, .min, .max, 42] as [Int32])
        case .int64: return make([0, 1, -1, .min, .max, 42] as [Int64])
        case .uint8: return make([0, 1, 2, .max, .max - 1, 42] as [UInt8])
        case .uint16: return make([0, 1, 2, .max, .max - 1, 42] as [UInt16])
        case .uint32: return make([0, 1, 2, .max, .max - 1, 42] as [UInt32])
        case .uint64: return make([0, 1, 2, .max, .max - 1, 42] as [UInt64])
        case .bool: return make([true, false, true, true, false, false])
        case .complex64:
            return make([Complex(0.5, 1), Complex(-1.25, -0.0), Complex(3, 2.5), Complex(1024, -1024), Complex(-0.0, 0),
                         Complex(Float.greatestFiniteMagnitude, -0.125)])
        case .complex128:
            return make([Complex(0.5, 1), Complex(-1.25, -0.0), Complex(3, 2.5), Complex(1024, -1024), Complex(-0.0, 0),
                         Complex(Double.greatestFiniteMagnitude, -0.125)])
        }
    }

    /// 0, 1, 2, … in C order (`ramp` in the script).
    static func ramp(_ shape: [Int]) throws -> NDArray<Double> {
        let n = try NDArray<Double>.elementCount(of: shape)
        return try NDArray(shape: shape, scalars: (0..<n).map(Double.init))
    }

    /// The file name of the per-dtype fixture in the given byte order.
    static func name(_ dtype: DType, _ order: ByteOrder) -> String {
        dtype.itemSize == 1 ? "\(dtype.name).npy" : "\(dtype.name)_\(order == .little ? "le" : "be").npy"
    }
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// A hand-made `.npy`: magic, version, length field, `header` padded to 64 bytes, then `payload`.
func rawNPY(header: String, payload: [UInt8] = [], major: UInt8 = 1, lengthOverride: Int? = nil) -> [UInt8] {
    let lengthSize = major == 1 ? 2 : 4
    var text = Array(header.utf8)
    let padding = 64 - (6 + 2 + lengthSize + text.count + 1) % 64
    text += [UInt8](repeating: 0x20, count: padding) + [0x0A]
    let length = lengthOverride ?? text.count
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
    for k in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
    return out + text + payload
}

/// Runs `body`, which must throw a `FormatError`, and returns it.
func formatError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> FormatError? {
    do {
        try body()
        Issue.record("expected a FormatError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        return error
    } catch {
        Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
