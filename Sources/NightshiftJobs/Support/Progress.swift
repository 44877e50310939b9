import Foundation
import Synchronization

/// Progress of a long job: a bar on a terminal (documents, chunks, MB/s, ETA), structured lines otherwise.
///
/// Counters are updated from any task; a ticker redraws at most every half second on a terminal and writes a
/// line every `lineInterval` seconds when stderr is a file or pipe (cron's mail, a log collector).
public final class ProgressReporter: Sendable {
    public struct Counters: Sendable {
        public var documents = 0
        public var totalDocuments: Int?
        public var chunks = 0
        public var bytes = 0
        public var skipped = 0
    }

    private let job: String
    private let counters = Mutex(Counters())
    private let started = Date()
    private let lastDrawn = Mutex<Date>(Date())
    private let interactive: Bool
    private let lineInterval: TimeInterval
    private let enabled: Bool

    /// A reporter for `job`; `enabled: false` (for `--json` or `--quiet`) prints nothing.
    public init(job: String, enabled: Bool = true, interactive: Bool = isatty(STDERR_FILENO) == 1, lineInterval: TimeInterval = 10) {
        self.job = job
        self.enabled = enabled
        self.interactive = interactive
        self.lineInterval = lineInterval
    }

    /// Updates the counters, and draws if it is time.
    public func update(_ change: (inout Counters) -> Void) {
        let snapshot = counters.withLock { counters -> Counters in
            change(&counters)
            return counters
        }
        draw(snapshot, force: false)
    }

    /// The current counters.
    public var current: Counters { counters.withLock { $0 } }

    /// Draws a last time and ends the bar's line.
    public func finish() {
        guard enabled else { return }
        draw(current, force: true)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(_ counters: Counters, force: Bool) {
        guard enabled else { return }
        let now = Date()
        let due = lastDrawn.withLock { last -> Bool in
            let interval = interactive ? 0.5 : lineInterval
            guard force || now.timeIntervalSince(last) >= interval else { return false }
            last = now
            return true
        }
        guard due else { return }
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let megabytesPerSecond = Double(counters.bytes) / 1_048_576 / elapsed
        if interactive {
            var line = "\r\(job) "
            if let total = counters.totalDocuments, total > 0 {
                let fraction = min(1, Double(counters.documents) / Double(total))
                let filled = Int(fraction * 24)
                line += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled) + "] "
                line += "\(counters.documents)/\(total) docs"
                if counters.documents > 0, fraction < 1 {
                    let remaining = elapsed / fraction - elapsed
                    line += ", ETA \(Self.duration(remaining))"
                }
            } else {
                line += "\(counters.documents) docs"
            }
            line += String(format: ", %d chunks, %.1f MB/s, %d skipped   ", counters.chunks, megabytesPerSecond, counters.skipped)
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            let line = String(
                format: "%@ progress documents=%d chunks=%d skipped=%d mb=%.1f mb_per_s=%.2f elapsed_s=%.0f\n",
                job, counters.documents, counters.chunks, counters.skipped, Double(counters.bytes) / 1_048_576,
                megabytesPerSecond, elapsed)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total / 60 % 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
