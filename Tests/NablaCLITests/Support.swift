import Foundation
import Nabla
import NablaFormats
import Testing

// Runs the built `nabla` executable as a subprocess, in a fresh temporary directory per test.

/// Locates the `nabla` executable that `swift build --build-tests` put next to the test bundle.
enum NablaExecutable {
    /// The path of the executable, or a test failure naming every place that was searched.
    static func url() throws -> URL {
        if let found = located { return found }
        Issue.record("cannot find the built `nabla` executable; searched \(candidates.map(\.path)); run `swift build --build-tests` first or set NABLA_EXECUTABLE")
        throw CLITestError.noExecutable
    }

    private static let located: URL? = candidates.first { url in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }

    /// Where to look, best first.
    static let candidates: [URL] = {
        var result: [URL] = []
        if let override = ProcessInfo.processInfo.environment["NABLA_EXECUTABLE"], !override.isEmpty {
            result.append(URL(fileURLWithPath: override))
        }
        // The products directory is the folder holding the test binary / `.xctest` bundle.
        var directories: [URL] = []
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let binary = URL(fileURLWithPath: argument0).resolvingSymlinksInPath()
            directories.append(binary.deletingLastPathComponent())
            // macOS: …/debug/NablaPackageTests.xctest/Contents/MacOS/NablaPackageTests
            for ancestor in ancestors(of: binary) where ancestor.pathExtension == "xctest" {
                directories.append(ancestor.deletingLastPathComponent())
            }
        }
        let bundle = Bundle.main.bundleURL.resolvingSymlinksInPath()
        directories.append(bundle)
        directories.append(bundle.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        result += directories.map { $0.appendingPathComponent("nabla") }
        // Fallback: <package>/.build/debug/nabla, from this source file's location.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        result.append(package.appendingPathComponent(".build/debug/nabla"))
        return result
    }()

    private static func ancestors(of url: URL) -> [URL] {
        var list: [URL] = []
        var current = url
        while current.pathComponents.count > 1 {
            current = current.deletingLastPathComponent()
            list.append(current)
        }
        return list
    }
}

enum CLITestError: Error { case noExecutable, timeout }

/// The outcome of one run of `nabla`.
struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The non-empty lines of stderr.
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String { "exit \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)" }
}

/// A fresh temporary directory for one test: `work` holds inputs and outputs, and is the working directory
/// of the subprocess; captured output lives beside it so that listings of `work` see only what nabla made.
final class Sandbox {
    let root: URL
    let work: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("nabla-cli-tests-\(UUID().uuidString)", isDirectory: true)
        work = root.appendingPathComponent("work", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The path of a file in `work`.
    func path(_ name: String) -> String { work.appendingPathComponent(name).path }
    func url(_ name: String) -> URL { work.appendingPathComponent(name) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Every entry of `work`, hidden ones included.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() }

    // MARK: Inputs

    func write<T: NPYScalar>(_ array: NDArray<T>, _ name: String) throws {
        try NPY.write(array, to: url(name))
    }

    func write(_ array: AnyNDArray, _ name: String) throws {
        try NPY.write(array, to: url(name))
    }

    func writeNPZ(_ arrays: [(name: String, array: AnyNDArray)], _ name: String) throws {
        try NPZ.write(arrays, to: url(name))
    }

    func writeBytes(_ bytes: [UInt8], _ name: String) throws {
        try Data(bytes).write(to: url(name))
    }

    func bytes(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    // MARK: Outputs

    func readNPY(_ name: String) throws -> AnyNDArray { try NPY.read(from: url(name)) }

    func readNPZ(_ name: String) throws -> [(name: String, array: AnyNDArray)] { try NPZ.read(from: url(name)) }

    // MARK: Running

    /// Runs `nabla arguments…` (or another `executable`) with `work` as the working directory; stdout and
    /// stderr are captured in files.
    func run(_ arguments: [String], timeout: TimeInterval = 120, environment extra: [String: String] = [:],
             signal: (number: Int32, after: TimeInterval)? = nil, executable: URL? = nil) throws -> RunResult {
        let executable = try executable ?? NablaExecutable.url()
        let id = UUID().uuidString
        let outURL = root.appendingPathComponent("stdout-\(id)")
        let errURL = root.appendingPathComponent("stderr-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = work
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "200"
        environment.merge(extra) { $1 }
        process.environment = environment
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        let signalTime = signal.map { Date().addingTimeInterval($0.after) }
        var signalled = false
        while process.isRunning {
            if let signal, let signalTime, !signalled, Date() > signalTime {
                kill(process.processIdentifier, signal.number)
                signalled = true
            }
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                Issue.record("nabla \(arguments) did not finish within \(timeout) s")
                throw CLITestError.timeout
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        process.waitUntilExit()
        let stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return RunResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Runs `nabla` and expects success (status 0, nothing on stderr).
    @discardableResult
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let result = try run(arguments)
        #expect(result.status == 0, "nabla \(arguments.joined(separator: " ")) failed:\n\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "unexpected stderr from nabla \(arguments.joined(separator: " ")):\n\(result.stderr)",
                sourceLocation: sourceLocation)
        try #require(result.status == 0, sourceLocation: sourceLocation)
        return result
    }

    /// Runs `nabla`, expects the bad-input contract: status 1, exactly one stderr line `nabla: error: …` that
    /// contains every string of `mentions`, nothing on stdout, no file named in `absent`, and no temporary
    /// left in the directory. Returns the error line.
    @discardableResult
    func fail(_ arguments: [String], mentions: [String], absent: [String] = [], status: Int32 = 1,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let before = Set(try listing())
        let result = try run(arguments)
        let command = "nabla " + arguments.joined(separator: " ")
        #expect(result.status == status, "\(command): expected exit status \(status)\n\(result)", sourceLocation: sourceLocation)
        let lines = result.stderrLines
        #expect(lines.count == 1, "\(command): expected exactly one stderr line\n\(result)", sourceLocation: sourceLocation)
        let line = lines.first ?? ""
        #expect(line.hasPrefix("nabla: error: "), "\(command): stderr must start with 'nabla: error: '\n\(result)",
                sourceLocation: sourceLocation)
        for mention in mentions {
            #expect(line.contains(mention), "\(command): the error should mention '\(mention)': \(line)",
                    sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, "\(command): unexpected stdout: \(result.stdout)", sourceLocation: sourceLocation)
        for name in absent {
            #expect(!exists(name), "\(command): output \(name) must not exist after a failure", sourceLocation: sourceLocation)
        }
        let after = try listing()
        let created = after.filter { !before.contains($0) }
        #expect(created.isEmpty, "\(command): files left behind after a failure: \(created)", sourceLocation: sourceLocation)
        let temporaries = after.filter { $0.contains(".tmp") }
        #expect(temporaries.isEmpty, "\(command): temporary files left behind: \(temporaries)", sourceLocation: sourceLocation)
        return line
    }
}

// MARK: Arrays

/// Bitwise identity of two arrays: dtype, shape and every byte (NaN payloads and signed zeros included).
func expectIdentical(_ actual: AnyNDArray, _ expected: AnyNDArray, _ what: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.dtype == expected.dtype, "\(what): dtype \(actual.dtype) != \(expected.dtype)", sourceLocation: sourceLocation)
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) != \(expected.shape)", sourceLocation: sourceLocation)
    #expect(NPY.encode(actual) == NPY.encode(expected), "\(what): values differ\n  got      \(actual)\n  expected \(expected)",
            sourceLocation: sourceLocation)
}

/// The library's results, wrapped as the CLI writes them.
func wrap<T: NPYScalar>(_ arrays: [NDArray<T>]) -> [AnyNDArray] { arrays.map { AnyNDArray($0) } }

/// Expects an `.npz` to hold exactly these names, in this order, with bitwise these arrays.
func expectArchive(_ actual: [(name: String, array: AnyNDArray)], names: [String], arrays: [AnyNDArray],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.map(\.name) == names, "archive names", sourceLocation: sourceLocation)
    guard actual.count == arrays.count else { return }
    for (member, expected) in zip(actual, arrays) {
        expectIdentical(member.array, expected, member.name, sourceLocation: sourceLocation)
    }
}

/// Expects a float64 array to hold exactly these values (compared with `==`, numbers pasted from numpy).
func expectValues(_ actual: AnyNDArray, _ expected: [Double], shape: [Int]? = nil, _ what: String = "",
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.dtype == .float64, "\(what): dtype \(actual.dtype)", sourceLocation: sourceLocation)
    if let shape { #expect(actual.shape == shape, "\(what): shape", sourceLocation: sourceLocation) }
    #expect(actual.asDouble().scalars == expected, "\(what): values", sourceLocation: sourceLocation)
}

/// A deterministic, non-polynomial float64 field of the given shape.
func field(_ shape: [Int], seed: Double = 0) throws -> NDArray<Double> {
    try NDArray(shape: shape) { index in
        var v = seed
        for (k, i) in index.enumerated() { v += sin(Double(i) * (0.7 + 0.3 * Double(k)) + Double(k)) * Double(k + 1) }
        return v + Double(index.reduce(0, +)) * 0.125
    }
}

/// The `.npy` bytes of a header text, padded as numpy pads (version 1.0), followed by `payload`.
func npyBytes(header: String, payload: [UInt8]) -> [UInt8] {
    var text = header
    let unpadded = 10 + text.utf8.count + 1
    text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = text.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8) + payload
}

/// The little-endian bytes of float64 values.
func float64Bytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}
