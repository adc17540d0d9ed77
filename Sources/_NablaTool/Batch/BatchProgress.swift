#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

/// Progress of a batch on stderr.
///
/// - ``Mode/bar``: (stderr is a terminal) one line redrawn 4 times a second:
///   `[########------------]  57/200 files  48.3 MiB/s  ETA 0:03  2 failed`.
/// - ``Mode/lines``: (stderr is a file or pipe) a plain line every 2 seconds while files remain.
/// - ``Mode/quiet``: no progress and no summary.
///
/// In every mode a failed file is reported at once as `nabla: error: <file>: <reason>`: a failure is never
/// silent. Rates count the bytes of files processed in this run (files skipped by `--resume` are not).
package final class BatchProgress: @unchecked Sendable {  // state guarded by `lock`
    /// `bar`, `lines` or `quiet`, as described above.
    package enum Mode: Sendable { case bar, lines, quiet }

    /// How progress is shown.
    package let mode: Mode
    private let lock = NSLock()
    private var total = 0, totalBytes = 0
    private var done = 0, failed = 0, skipped = 0, ok = 0
    private var bytesDone = 0, bytesSkipped = 0
    private var start = Date()
    private var stopped = false
    private var ticker: Thread?
    private var barShown = false

    /// `quiet`, or chosen by whether stderr is a terminal.
    package static func automatic(quiet: Bool) -> BatchProgress {
        BatchProgress(mode: quiet ? .quiet : (isatty(2) == 1 ? .bar : .lines))
    }

    /// Progress shown in `mode`.
    package init(mode: Mode) { self.mode = mode }

    func begin(files: Int, bytes: Int) {
        lock.lock()
        total = files
        totalBytes = bytes
        start = Date()
        lock.unlock()
        guard mode != .quiet else { return }
        let interval = mode == .bar ? 0.25 : 2.0
        let thread = Thread { [weak self] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self, self.tick() else { return }
            }
        }
        thread.start()
        ticker = thread
    }

    /// Draws once; false when stopped.
    private func tick() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return false }
        if mode == .bar { emit("\r\u{1B}[K" + statusText(bar: true)); barShown = true }
        else if done < total { emit("nabla batch: " + statusText(bar: false) + "\n") }
        return true
    }

    func finished(_ record: BatchRecord) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        switch record.status {
        case .ok: ok += 1; bytesDone += record.bytes
        case .failed:
            failed += 1; bytesDone += record.bytes
            let line = FileSystem.displayed((record.error ?? "failed").replacingOccurrences(of: "\n", with: " "))
            emit((barShown ? "\r\u{1B}[K" : "") + "nabla: error: \(line)\n")
            barShown = false
        case .skipped: skipped += 1; bytesSkipped += record.bytes
        }
    }

    /// Stops the display and, unless quiet, prints the summary line.
    func end() -> BatchSummary {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        let seconds = Date().timeIntervalSince(start)
        let summary = BatchSummary(ok: ok, failed: failed, skipped: skipped, bytes: bytesDone, seconds: seconds)
        if mode != .quiet {
            emit((barShown ? "\r\u{1B}[K" : "") + "nabla batch: \(summary)\n")
        }
        return summary
    }

    private func statusText(bar: Bool) -> String {
        let elapsed = max(Date().timeIntervalSince(start), 1e-3)
        let rate = Double(bytesDone) / elapsed
        let remaining = max(0, totalBytes - bytesDone - bytesSkipped)
        let eta = rate > 0 ? formatDuration(Double(remaining) / rate) : "--"
        let percent = total > 0 ? done * 100 / total : 100
        var text = "\(done)/\(total) files"
        if bar {
            let width = 20, filled = total > 0 ? done * width / total : width
            text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " + text
        } else {
            text += " (\(percent)%)"
        }
        text += bar ? "  " : ", "
        text += "\(ByteSize(bytes: max(1, Int(rate))))/s" + (bar ? "  ETA " : ", ETA ") + eta
        if failed > 0 { text += (bar ? "  " : ", ") + "\(failed) failed" }
        return text
    }

    private func emit(_ text: String) {
        // One write(2) per message, as before: atomic for the short lines the ticker and workers emit.
        _ = write(2, text, text.utf8.count)
    }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded(.up))
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}

/// The outcome of a batch.
package struct BatchSummary: Sendable, CustomStringConvertible {
    /// Files processed successfully.
    package var ok: Int
    /// Files that failed (each reported and logged).
    package var failed: Int
    /// Files whose complete output was kept by `--resume`.
    package var skipped: Int
    /// Input bytes processed (skipped files not counted).
    package var bytes: Int
    /// Wall-clock time of the batch.
    package var seconds: Double

    /// `12 ok, 1 failed, 3 skipped; 1.5 GiB in 4.2 s (365.7 MiB/s)`.
    package var description: String {
        let rate = seconds > 0 ? " (\(ByteSize(bytes: max(1, Int(Double(bytes) / seconds))))/s)" : ""
        return "\(ok) ok, \(failed) failed, \(skipped) skipped; \(ByteSize(bytes: bytes)) in \(String(format: "%.1f", seconds)) s\(rate)"
    }
}
