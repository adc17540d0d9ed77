import Foundation

/// What happened to one file of a batch: one line of the `--log` file.
package struct BatchRecord: Sendable {
    /// `ok`: written; `failed`: an error (see ``error``); `skipped`: a complete output was kept by `--resume`.
    package enum Status: String, Sendable { case ok, failed, skipped }

    /// The input file's path.
    package var input: String
    /// The output file's path.
    package var output: String
    /// What happened.
    package var status: Status
    /// The input array's shape, when it was read.
    package var shape: [Int]?
    /// The input array's numpy dtype name, when it was read.
    package var dtype: String?
    /// Time spent on this file.
    package var seconds: Double
    /// The error message of a failed file.
    package var error: String?
    /// NaN and ±infinity elements in the input array, and in the results (a non-finite input value
    /// spreads to its neighbours' derivatives).
    package var nonFiniteInput: Int?
    /// NaN and ±infinity elements in the results.
    package var nonFiniteOutput: Int?
    /// The input's size on disk.
    package var bytes: Int
    /// Remarks: why a file was skipped, or that it ran alone because it needs more than the memory budget.
    package var note: String?

    /// One line of JSON (keys sorted, snake_case, absent values as `null`).
    package var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding a struct of strings and numbers cannot fail; a non-finite `seconds` is written as null.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension BatchRecord: Encodable {
    enum CodingKeys: String, CodingKey {
        case input, output, status, shape, dtype, seconds, bytes
        case nonFiniteInput = "nonfinite_input", nonFiniteOutput = "nonfinite_output", error, note
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(input, forKey: .input)
        try c.encode(output, forKey: .output)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(shape, forKey: .shape)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(seconds.isFinite ? seconds : nil, forKey: .seconds)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(nonFiniteInput, forKey: .nonFiniteInput)
        try c.encode(nonFiniteOutput, forKey: .nonFiniteOutput)
        try c.encode(error, forKey: .error)
        try c.encode(note, forKey: .note)
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
