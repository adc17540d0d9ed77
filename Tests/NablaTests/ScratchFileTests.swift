import Foundation
import Testing
@testable import Nabla

@Suite("ScratchFile")
struct ScratchFileTests {
    @Test("values written at offsets read back unchanged, and the folder never shows a file")
    func roundTripLeavesNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let scratch = try ScratchFile(folder: folder)
            var first = (0..<1000).map { Double($0) * 0.5 }, second = (0..<300).map { -Double($0) }
            try first.withSharedBuffer { try scratch.write($0, at: 0) }
            try second.withSharedBuffer { try scratch.write($0, at: 8000 + 64) }   // past the end: a hole between
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            var back = [Double](repeating: .nan, count: 1000), tail = [Double](repeating: .nan, count: 300)
            try back.withSharedBuffer { try scratch.read(at: 0, into: $0) }
            try tail.withSharedBuffer { try scratch.read(at: 8064, into: $0) }
            #expect(back == first && tail == second)
            // Reading beyond what was written is an error naming the byte, not garbage.
            var beyond = [Double](repeating: 0, count: 10)
            #expect(throws: FormatError.self) { try beyond.withSharedBuffer { try scratch.read(at: 8064 + 2400 - 8, into: $0) } }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("a folder that does not exist is refused, naming it")
    func missingFolder() {
        let folder = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        #expect { _ = try ScratchFile(folder: folder) } throws: { "\($0)".contains(folder.path) }
    }
}
