import Foundation
@testable import Nabla
import Testing

@Suite("AtomicFile (core)")
struct AtomicFileCoreTests {
    func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("temporary names keep the first 100 bytes of the target's name and 8 hex digits")
    func temporaryNames() {
        let long = String(repeating: "é", count: 120)  // 240 bytes
        let name = AtomicFile.temporaryName(for: long)
        #expect(name.hasPrefix("." + String(repeating: "é", count: 50) + ".tmp-"))
        #expect(name.utf8.count == 1 + 100 + 5 + 8)
        #expect(name.suffix(8).allSatisfy { $0.isHexDigit })
        #expect(AtomicFile.temporaryName(for: "a.npy").hasPrefix(".a.npy.tmp-"))
    }

    @Test("produce: a C-style writer fills the temporary path, which is renamed over the target")
    func produce() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A 250-byte name still works: the temporary's name is shorter than the target's.
        let target = directory.appendingPathComponent(String(repeating: "n", count: 246) + ".bin")
        try "old".write(to: target, atomically: false, encoding: .utf8)
        try AtomicFile.produce(at: target) { path in
            #expect(URL(fileURLWithPath: path).deletingLastPathComponent().path == directory.path)
            try "new".write(toFile: path, atomically: false, encoding: .utf8)
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [target.lastPathComponent])
    }

    @Test("produce: a failing writer leaves the target untouched and no temporary behind")
    func produceFailure() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("wisdom")
        try "old".write(to: target, atomically: false, encoding: .utf8)
        struct Refused: Error {}
        #expect(throws: FormatError.self) {
            try AtomicFile.produce(at: target) { path in
                try "partial".write(toFile: path, atomically: false, encoding: .utf8)
                throw Refused()
            }
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["wisdom"])
    }
}
