#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Nabla
import Testing

/// The path codec (names that are not UTF-8 carried in `String`s) and the file-system calls built on it.
@Suite("FileSystem: names as bytes")
struct FileSystemTests {
    @Test("every byte sequence survives decode then encode, and decoding is one-to-one")
    func roundTrip() {
        for byte in UInt8(1)...255 {
            #expect(FileSystem.encode(FileSystem.decode([byte])) == [byte], "byte \(byte)")
        }
        // Random names drawn from pieces that stress the decoder: ASCII, high bytes, valid multi-byte
        // sequences, the UTF-8 of the reserved scalars, truncated sequences, overlongs, surrogates.
        let pieces: [[UInt8]] = [[0x61], [0x2E], [0x80], [0xBF], [0xC3], [0xC3, 0xA9], [0xE6, 0x97, 0xA5], [0xF0, 0x9F, 0x98, 0x80],
                                 [0xF4, 0x8F, 0xBB, 0xBF], [0xF4, 0x8F, 0xBA, 0x80], [0xF4, 0x8F], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
                                 [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBF, 0xBD], [0xFF], [0xFE], [0x5C], [0x78]]
        var random = SplitMix64(seed: 42)
        var seen: [String: [UInt8]] = [:]
        for _ in 0..<20_000 {
            var name: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) { name += pieces.randomElement(using: &random)! }
            let decoded = FileSystem.decode(name)
            #expect(FileSystem.encode(decoded) == name, "\(name)")
            #expect(FileSystem.decode(FileSystem.encode(decoded)).unicodeScalars.elementsEqual(decoded.unicodeScalars))
            // One-to-one: different names never decode to the same scalars.
            let key = decoded.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
            if let earlier = seen[key] { #expect(earlier == name, "\(earlier) and \(name) decode alike") }
            seen[key] = name
        }
    }

    @Test("valid UTF-8 decodes to itself; invalid bytes and the reserved scalars' bytes become escapes")
    func decoding() {
        for text in ["v.npy", "é.npy", "e\u{301}.npy", "日本.h5", "😀", "\u{FFFD}", "a b\\c"] {
            #expect(FileSystem.decode(Array(text.utf8)).unicodeScalars.elementsEqual(text.unicodeScalars), "\(text)")
            #expect(FileSystem.encode(text) == Array(text.utf8))
        }
        let latin1 = FileSystem.decode([0x6F, 0xE9, 0x2E, 0x6E, 0x70, 0x79])  // "o\xE9.npy"
        #expect(latin1.unicodeScalars.map(\.value) == [0x6F, 0x10FEE9, 0x2E, 0x6E, 0x70, 0x79])
        #expect(FileSystem.hasUndecodableBytes(latin1) && !FileSystem.hasUndecodableBytes("o.npy"))
        // A name that really holds U+10FEFF is 4 bytes, each escaped, so it cannot be confused with byte 0xFF.
        let reserved = FileSystem.decode(Array("\u{10FEFF}".utf8))
        #expect(reserved.unicodeScalars.count == 4 && reserved != FileSystem.decode([0xFF]))
        // Overlong, surrogate and beyond-U+10FFFF forms are not UTF-8.
        #expect(FileSystem.decode([0xC0, 0xAF]).unicodeScalars.count == 2)
        #expect(FileSystem.decode([0xED, 0xA0, 0x80]).unicodeScalars.count == 3)
        #expect(FileSystem.decode([0xF4, 0x90, 0x80, 0x80]).unicodeScalars.count == 4)
    }

    @Test("encoding commutes with concatenation: paths built from decoded pieces name the joined bytes")
    func concatenation() {
        let folder: [UInt8] = [0x64, 0xFC], stem: [UInt8] = [0x66, 0xC3], ext = Array(".npz".utf8)
        let path = FileSystem.decode(folder) + "/" + FileSystem.decode(stem) + FileSystem.decode(ext)
        #expect(FileSystem.encode(path) == folder + [0x2F] + stem + ext)
        #expect(FileSystem.cString(path).map { UInt8(bitPattern: $0) } == folder + [0x2F] + stem + ext + [0])
        #expect(FileSystem.cString("a\u{0}b") == [0], "a NUL never truncates a name into another one")
    }

    @Test("displayed: undecodable bytes and control characters as \\xHH, backslashes doubled only then")
    func displayed() {
        let name = FileSystem.decode(Array("in".utf8) + [0xFF] + Array(".npy".utf8))
        #expect(FileSystem.displayed("\(name): no such file") == "in\\xFF.npy: no such file")
        #expect(FileSystem.displayed("dir\\\(name)") == "dir\\\\in\\xFF.npy")
        #expect(FileSystem.displayed("plain\\name.npy: bad") == "plain\\name.npy: bad")
        #expect(FileSystem.displayed("a\\xFF.npy") == "a\\\\xFF.npy", "a literal \\xFF is not taken for a byte")
        #expect(FileSystem.displayed("c\u{1B}[31m.npy\tx") == "c\\x1B[31m.npy\\x09x")
        #expect(FileSystem.displayed("é and 日本 and \u{FFFD}") == "é and 日本 and \u{FFFD}")
    }

    @Test("listing, creating, resolving and copying with names that are not UTF-8")
    func calls() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-fs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rootBytes = Array(root.utf8)
        let names: [[UInt8]] = [[0x61, 0xFF], [0x62, 0xC3, 0xA9], [0xE9, 0x2E, 0x6E, 0x70, 0x79], Array("\u{10FEFF}".utf8)]
        for name in names {
            let fd = open((rootBytes + [0x2F] + name + [0]).map { CChar(bitPattern: $0) }, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            #expect(fd >= 0)
            close(fd)
        }
        let listed = try FileSystem.entries(ofFolder: root)
        #expect(Set(listed.map(FileSystem.encode)) == Set(names))
        for entry in listed { #expect(FileSystem.kind(root + "/" + entry) == .regularFile) }

        let folder = root + "/" + FileSystem.decode([0x64, 0xFC]) + "/" + FileSystem.decode([0x65, 0xFD])
        let created = try FileSystem.createFolder(folder)
        #expect(created.map { FileSystem.encode($0) } == [rootBytes + [0x2F, 0x64, 0xFC], rootBytes + [0x2F, 0x64, 0xFC, 0x2F, 0x65, 0xFD]])
        #expect(try FileSystem.createFolder(folder).isEmpty)
        var info = stat()
        #expect(stat((rootBytes + [0x2F, 0x64, 0xFC, 0x2F, 0x65, 0xFD, 0]).map { CChar(bitPattern: $0) }, &info) == 0)
        let aFile = root + "/" + FileSystem.decode(names[0])
        #expect(throws: FileSystem.Failure.self) { try FileSystem.createFolder(aFile + "/below") }

        // resolved: through a symbolic link, and for names that do not exist yet.
        let link = root + "/" + FileSystem.decode([0x6C, 0xFE])
        #expect(symlink(FileSystem.cString(folder), FileSystem.cString(link)) == 0)
        #expect(FileSystem.encode(FileSystem.resolved(link + "/x\u{10FEFF}")) == FileSystem.encode(FileSystem.resolved(folder) + "/x\u{10FEFF}"))
        #expect(FileSystem.resolved(link) == FileSystem.resolved(folder))
        #expect(FileSystem.isSymbolicLink(link) && !FileSystem.isSymbolicLink(folder))

        let copy = folder + "/" + FileSystem.decode([0x63, 0x80])
        try FileSystem.copyFile(aFile, to: copy, mode: 0o600)
        #expect(FileSystem.kind(copy) == .regularFile)
        #expect(throws: FileSystem.Failure.self) { try FileSystem.copyFile(aFile, to: copy, mode: 0o600) }
        try FileSystem.rename(copy, to: copy + "2")
        #expect(FileSystem.kind(copy) == .none && FileSystem.unlink(copy + "2"))
    }
}
