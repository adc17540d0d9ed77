#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Nabla
import NablaFormats
import Testing

// Runs the built `nabla` executable as a subprocess (this target's own copy of the helper: the CLI tests
// keep theirs), each test in a fresh temporary folder.

enum Nabla_ {
    /// `nabla` next to the test binary, `$NABLA_EXECUTABLE`, or `<package>/.build/debug/nabla`.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["NABLA_EXECUTABLE"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        if let argument0 = CommandLine.arguments.first {
            let binary = URL(fileURLWithPath: argument0).resolvingSymlinksInPath()
            candidates.append(binary.deletingLastPathComponent().appendingPathComponent("nabla"))
        }
        candidates.append(Bundle.main.bundleURL.resolvingSymlinksInPath().appendingPathComponent("nabla"))
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appendingPathComponent(".build/debug/nabla"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        Issue.record("cannot find the built `nabla`; searched \(candidates.map(\.path)); run `swift build --build-tests`")
        throw BatchTestError.noExecutable
    }
}

enum BatchTestError: Error { case noExecutable, timeout }

struct RunResult: CustomStringConvertible {
    var status: Int32
    var stderr: String
    var stdout: String
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("nabla: error: ") } }
    var description: String { "exit \(status)\n--- stderr ---\n\(stderr)--- stdout ---\n\(stdout)" }
}

/// A fresh folder per test; removed at the end.
final class Sandbox {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-batch-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    func path(_ path: String) -> String { url(path).path }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: self.path(path)) }

    /// Writes a float64 field as `.npy`, creating folders.
    @discardableResult
    func npy<T: NPYScalar>(_ name: String, _ array: NDArray<T>) throws -> NDArray<T> {
        try FileManager.default.createDirectory(at: url(name).deletingLastPathComponent(), withIntermediateDirectories: true)
        try NPY.write(array, to: url(name))
        return array
    }

    func bytes(_ name: String, _ bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(at: url(name).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url(name))
    }

    /// Every file under `folder`, relative paths, hidden ones included, sorted.
    func files(under folder: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: path(folder)) else { return [] }
        var list: [String] = []
        while let p = e.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path(folder + "/" + p), isDirectory: &isDirectory), !isDirectory.boolValue { list.append(p) }
        }
        return list.sorted()
    }

    /// The log's JSON objects, by input file name (last component).
    func log(_ name: String) throws -> [String: [String: Any]] {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        var result: [String: [String: Any]] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "log line \(line)")
            let input = try #require(object["input"] as? String)
            result[URL(fileURLWithPath: input).lastPathComponent] = object
        }
        return result
    }

    /// Starts `executable arguments…` in `root`, stdout/stderr to files; `wait` it or kill it.
    func start(_ executable: URL, _ arguments: [String]) throws -> (Process, URL, URL) {
        let id = UUID().uuidString
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-batch-out-\(id)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-batch-err-\(id)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    func wait(_ started: (Process, URL, URL), timeout: TimeInterval = 300) throws -> RunResult {
        let (process, out, err) = started
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { kill(process.processIdentifier, SIGKILL); throw BatchTestError.timeout }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return RunResult(status: process.terminationStatus,
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self),
                         stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self))
    }

    /// `nabla arguments…`, run in `root`.
    func nabla(_ arguments: [String]) throws -> RunResult {
        try wait(try start(try Nabla_.executable(), arguments))
    }

    /// `bash -c script` with `$NABLA` set to the executable, run in `root`.
    func shell(_ script: String) throws -> RunResult {
        let executable = try Nabla_.executable()
        return try wait(try start(URL(fileURLWithPath: "/bin/bash"), ["-c", "NABLA='\(executable.path)'; " + script]))
    }
}

/// A deterministic, non-polynomial field.
func field(_ shape: [Int], seed: Double = 0) throws -> NDArray<Double> {
    try NDArray(shape: shape) { index in
        var v = seed
        for (k, i) in index.enumerated() { v += sin(Double(i) * (0.7 + 0.3 * Double(k)) + Double(k) + seed) * Double(k + 1) }
        return v
    }
}

/// Expects `path` to hold exactly the library's gradient of `f` (every axis), bitwise.
func expectGradient<T: FieldScalar & NPYScalar>(_ sandbox: Sandbox, _ path: String, of f: NDArray<T>,
                                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let members = try NPZ.read(from: sandbox.url(path))
    let expected = try Nabla.gradient(of: f)
    #expect(members.map(\.name) == expected.indices.map { "axis\($0)" }, "\(path): names", sourceLocation: sourceLocation)
    for (member, reference) in zip(members, expected) {
        #expect(NPY.encode(member.array) == NPY.encode(AnyNDArray(reference)), "\(path): \(member.name) differs", sourceLocation: sourceLocation)
    }
}

/// The `.npy` bytes of a header dict text (version 1.0, padded as numpy pads), then `payload`.
func npyBytes(header: String, payload: [UInt8]) -> [UInt8] {
    var text = header
    text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
    let n = text.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(text.utf8) + payload
}
