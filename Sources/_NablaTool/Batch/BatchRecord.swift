#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

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

    /// One line of JSON (keys sorted, snake_case, absent values as `null`). Paths and messages are shown
    /// as in messages (``FileSystem/displayed(_:)``): a byte of a name that is not UTF-8 as `\xFF`.
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
        try c.encode(FileSystem.displayed(input), forKey: .input)
        try c.encode(FileSystem.displayed(output), forKey: .output)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(shape, forKey: .shape)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(seconds.isFinite ? seconds : nil, forKey: .seconds)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(nonFiniteInput, forKey: .nonFiniteInput)
        try c.encode(nonFiniteOutput, forKey: .nonFiniteOutput)
        try c.encode(error.map(FileSystem.displayed), forKey: .error)
        try c.encode(note.map(FileSystem.displayed), forKey: .note)
    }
}

/// The `--log FILE.jsonl` of a batch: one ``BatchRecord`` per line, each written with one `write(2)` as
/// the file finishes, so the log of a killed batch holds a line for every file finished before the kill.
final class BatchLog: @unchecked Sendable {  // writes serialised by `lock`
    private let descriptor: Int32
    private let lock = NSLock()

    /// Opens (creating) `url`; `append` keeps earlier lines (used with `--resume`), otherwise it is emptied.
    init(url: URL, append: Bool) throws(BatchError) {
        descriptor = FileSystem.open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC), 0o666)
        guard descriptor >= 0 else {
            throw BatchError("\(url.path): cannot create the log file: \(String(cString: strerror(errno)))", kind: .environment)
        }
    }

    deinit { close(descriptor) }

    func append(_ record: BatchRecord) {
        let line = Array((record.jsonLine + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        var done = 0
        while done < line.count {
            let n = done == 0 ? write(descriptor, line, line.count) : write(descriptor, Array(line[done...]), line.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }
}
