import Foundation

/// What happened to one file of a batch: one line of the `--log` file.
public struct BatchRecord: Sendable {
    /// `ok`: written; `failed`: an error (see ``error``); `skipped`: a complete output was kept by `--resume`.
    public enum Status: String, Sendable { case ok, failed, skipped }

    /// The input file's path.
    public var input: String
    /// The output file's path.
    public var output: String
    /// What happened.
    public var status: Status
    /// The input array's shape, when it was read.
    public var shape: [Int]?
    /// The input array's numpy dtype name, when it was read.
    public var dtype: String?
    /// Time spent on this file.
    public var seconds: Double
    /// The error message of a failed file.
    public var error: String?
    /// NaN and ±infinity elements in the input array, and in the results (a non-finite input value
    /// spreads to its neighbours' derivatives).
    public var nonFiniteInput: Int?
    /// NaN and ±infinity elements in the results.
    public var nonFiniteOutput: Int?
    /// The input's size on disk.
    public var bytes: Int
    /// Remarks: why a file was skipped, or that it ran alone because it needs more than the memory budget.
    public var note: String?

    /// One line of JSON, keys in a fixed order, absent values as `null`.
    public var jsonLine: String {
        func string(_ s: String?) -> String { s.map(Self.quoted) ?? "null" }
        func int(_ n: Int?) -> String { n.map(String.init) ?? "null" }
        let fields: [(String, String)] = [
            ("input", string(input)),
            ("output", string(output)),
            ("status", string(status.rawValue)),
            ("shape", shape.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "null"),
            ("dtype", string(dtype)),
            ("seconds", String(format: "%.6f", seconds)),
            ("bytes", int(bytes)),
            ("nonfinite_input", int(nonFiniteInput)),
            ("nonfinite_output", int(nonFiniteOutput)),
            ("error", string(error)),
            ("note", string(note)),
        ]
        return "{" + fields.map { "\(Self.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The `--log FILE.jsonl` of a batch: one ``BatchRecord`` per line, each written with one `write(2)` as
/// the file finishes, so the log of a killed batch holds a line for every file finished before the kill.
final class BatchLog: @unchecked Sendable {  // writes serialised by `lock`
    private let handle: FileHandle
    private let lock = NSLock()

    /// Opens (creating) `url`; `append` keeps earlier lines (used with `--resume`), otherwise it is emptied.
    init(url: URL, append: Bool) throws(BatchError) {
        let fm = FileManager.default
        if !append || !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw BatchError("\(url.path): cannot create the log file", kind: .environment)
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw BatchError("\(url.path): cannot open the log file: \((error as NSError).localizedDescription)", kind: .environment)
        }
    }

    deinit { try? handle.close() }

    func append(_ record: BatchRecord) {
        let line = Data((record.jsonLine + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        try? handle.write(contentsOf: line)
    }
}
