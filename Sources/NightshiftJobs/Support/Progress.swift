import Foundation
import Synchronization

/// What a progress line is drawn from: the counters, the time since the start, and the phase (a step without
/// counters, such as the index build) with its own time.
public struct ProgressSnapshot: Sendable, Equatable {
    public var job: String
    public var counters: ProgressReporter.Counters
    /// Seconds since the job started.
    public var elapsed: Double
    /// The step under way when it is not counted (`building vector index`), else nil.
    public var phase: String?
    /// Seconds since the phase started.
    public var phaseElapsed: Double

    public init(
        job: String, counters: ProgressReporter.Counters, elapsed: Double, phase: String? = nil, phaseElapsed: Double = 0
    ) {
        self.job = job
        self.counters = counters
        self.elapsed = elapsed
        self.phase = phase
        self.phaseElapsed = phaseElapsed
    }

    /// What the bar counts: files for ingest (an archive is one), documents for reindex; done and total.
    var progress: (done: Int, total: Int?, unit: String) {
        if counters.totalFiles != nil || counters.files > 0 {
            return (counters.files, counters.totalFiles, "files")
        }
        return (counters.documents, counters.totalDocuments, "docs")
    }

    /// The seconds left, from the part done so far; nil when the total is unknown or nothing is done yet.
    var remaining: Double? {
        let (done, total, _) = progress
        guard let total, total > 0, done > 0, elapsed > 0 else { return nil }
        let fraction = min(1, Double(done) / Double(total))
        return fraction >= 1 ? 0 : elapsed / fraction - elapsed
    }

    var megabytesPerSecond: Double {
        Double(counters.bytes) / 1_048_576 / max(elapsed, 0.001)
    }
}

/// Progress lines as pure functions of a snapshot (and the terminal's width), so that their look is tested.
public enum ProgressLine {
    /// ANSI "erase to the end of the line": drawn after every redraw, so a shorter line leaves nothing behind.
    public static let clearToEnd = "\u{1B}[K"
    /// The bar's width at most, and the narrowest bar worth drawing.
    static let barWidth = 24
    static let minimumBarWidth = 8

    /// A terminal redraw: `\r`, the line fitted into `width - 1` columns (a line reaching the last column wraps
    /// on some terminals, and `\r` then redraws only its second half), then `clearToEnd`.
    public static func terminal(_ snapshot: ProgressSnapshot, width: Int) -> String {
        "\r" + fitted(snapshot, columns: max(1, width - 1)) + clearToEnd
    }

    /// The text of the terminal line in at most `columns` characters. With a known total: a bar, done/total,
    /// then what fits of ETA, MB/s, skips, documents and chunks (dropped in the reverse of that order); without:
    /// the counts alone. During a phase: the phase and its seconds.
    public static func fitted(_ snapshot: ProgressSnapshot, columns: Int) -> String {
        if let phase = snapshot.phase {
            return clip("\(snapshot.job): \(phase)… \(Int(snapshot.phaseElapsed)) s", columns)
        }
        let counters = snapshot.counters
        let (done, total, unit) = snapshot.progress
        var parts: [(text: String, priority: Int)] = []
        if let total {
            parts.append(("\(done)/\(total) \(unit)", 0))
        } else {
            parts.append(("\(done) \(unit)", 0))
        }
        if unit == "files" { parts.append(("\(counters.documents) docs", 4)) }
        parts.append(("\(counters.chunks) chunks", 5))
        parts.append((rate(snapshot.megabytesPerSecond), 2))
        if let remaining = snapshot.remaining { parts.append(("ETA \(ProgressReporter.duration(remaining))", 1)) }
        if counters.skipped > 0 { parts.append(("\(counters.skipped) skipped", 3)) }
        let prefix = snapshot.job + " "
        var kept = parts
        while true {
            let text = kept.map { $0.text }.joined(separator: ", ")
            if let total, total > 0 {
                let room = columns - prefix.count - text.count - 3
                if room >= minimumBarWidth {
                    return prefix + bar(done: done, total: total, width: min(barWidth, room)) + " " + text
                }
            } else if prefix.count + text.count <= columns {
                return prefix + text
            }
            guard let drop = kept.indices.filter({ kept[$0].priority > 0 }).max(by: { kept[$0].priority < kept[$1].priority })
            else {
                return clip(prefix + text, columns)
            }
            kept.remove(at: drop)
        }
    }

    /// `8.3 MB/s`, or `312 kB/s` below 1 MB/s.
    static func rate(_ megabytesPerSecond: Double) -> String {
        megabytesPerSecond >= 1
            ? String(format: "%.1f MB/s", megabytesPerSecond) : String(format: "%.0f kB/s", megabytesPerSecond * 1024)
    }

    /// `[####----]`, `width` characters between the brackets.
    static func bar(done: Int, total: Int, width: Int) -> String {
        let fraction = min(1, max(0, Double(done) / Double(total)))
        let filled = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    static func clip(_ text: String, _ columns: Int) -> String {
        text.count <= columns ? text : String(text.prefix(max(0, columns - 1))) + "…"
    }

    /// A line for a log or cron's mail (stderr not a terminal): `key=value` pairs, no escape codes, a newline.
    public static func plain(_ snapshot: ProgressSnapshot) -> String {
        let counters = snapshot.counters
        if let phase = snapshot.phase {
            return "\(snapshot.job) phase=\"\(phase)\" phase_elapsed_s=\(Int(snapshot.phaseElapsed))\n"
        }
        var line = snapshot.job + " progress"
        if counters.totalFiles != nil || counters.files > 0 {
            line += " files=\(counters.files)"
            if let total = counters.totalFiles { line += " files_total=\(total)" }
        }
        line += " documents=\(counters.documents)"
        if let total = counters.totalDocuments { line += " documents_total=\(total)" }
        line += String(
            format: " chunks=%d skipped=%d mb=%.1f mb_per_s=%.2f elapsed_s=%.0f", counters.chunks, counters.skipped,
            Double(counters.bytes) / 1_048_576, snapshot.megabytesPerSecond, snapshot.elapsed)
        if let remaining = snapshot.remaining { line += String(format: " eta_s=%.0f", remaining) }
        return line + "\n"
    }
}

/// Progress of a long job: on a terminal a bar redrawn in place (files or documents done of the total when
/// known, MB/s, ETA) and a line for each phase that has no counters (the index build, with its seconds); plain
/// `key=value` lines every `lineInterval` seconds when stderr is a file or pipe (cron's mail, a log collector);
/// nothing when disabled (`--quiet`, `--json`).
///
/// Counters are updated from any task and cost a lock each; a ticker draws, every half second on a terminal, so
/// a phase's seconds go on counting while the job waits on the database.
public final class ProgressReporter: Sendable {
    public struct Counters: Sendable, Equatable {
        public var documents = 0
        public var totalDocuments: Int?
        /// Files (and URLs) done, an archive being one; with their total once it is counted.
        public var files = 0
        public var totalFiles: Int?
        public var chunks = 0
        public var bytes = 0
        public var skipped = 0

        public init() {}
    }

    private struct State {
        var counters = Counters()
        var phase: String?
        var phaseStarted = Date()
        var lastPlainLine = Date()
        /// Something is drawn on the terminal's current line (it must be ended before other output).
        var lineOpen = false
        /// The counters when the bar was last left on a line of its own (before a phase).
        var settled: Counters?
        var finished = false
    }

    private let job: String
    private let state = Mutex(State())
    private let started = Date()
    private let interactive: Bool
    private let lineInterval: TimeInterval
    private let enabled: Bool
    private let output: @Sendable (String) -> Void
    private let width: @Sendable () -> Int
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    /// A reporter for `job`; `enabled: false` (for `--json` or `--quiet`) prints nothing. `output` receives
    /// what would go to stderr, `width` gives the terminal's columns.
    public init(
        job: String, enabled: Bool = true, interactive: Bool = isatty(STDERR_FILENO) == 1,
        lineInterval: TimeInterval = 10,
        output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        width: @escaping @Sendable () -> Int = ProgressReporter.terminalWidth
    ) {
        self.job = job
        self.enabled = enabled
        self.interactive = interactive
        self.lineInterval = lineInterval
        self.output = output
        self.width = width
        guard enabled else { return }
        let interval = interactive ? 0.5 : min(lineInterval, 1)
        ticker.withLock {
            $0 = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    guard let self, !Task.isCancelled else { return }
                    self.tick()
                }
            }
        }
    }

    deinit {
        ticker.withLock { $0?.cancel() }
    }

    /// Whether anything is printed.
    public var isEnabled: Bool { enabled }

    /// Updates the counters (drawn by the next tick).
    public func update(_ change: (inout Counters) -> Void) {
        state.withLock { change(&$0.counters) }
    }

    /// The current counters.
    public var current: Counters { state.withLock { $0.counters } }

    /// Starts a phase (`building vector index`), shown with its running seconds until `endPhase`.
    public func phase(_ name: String) {
        guard enabled else { return }
        let now = Date()
        let text = state.withLock { state -> String in
            var text = ""
            if interactive, state.phase == nil {
                // The bar stays on its own line above the phase's.
                text = ProgressLine.terminal(snapshot(state, now), width: width()) + "\n"
                state.settled = state.counters
            }
            state.phase = name
            state.phaseStarted = now
            state.lastPlainLine = now
            state.lineOpen = interactive
            return text + render(state, now)
        }
        output(text)
    }

    /// Ends the phase: its line is left with its total seconds.
    public func endPhase() {
        guard enabled else { return }
        let now = Date()
        let text = state.withLock { state -> String in
            guard let phase = state.phase else { return "" }
            let seconds = Int(now.timeIntervalSince(state.phaseStarted))
            state.phase = nil
            state.lastPlainLine = now
            state.lineOpen = false
            if interactive {
                return "\r\(ProgressLine.clip("\(job): \(phase)… \(seconds) s, done", max(1, width() - 1)))\(ProgressLine.clearToEnd)\n"
            }
            return "\(job) phase=\"\(phase)\" done=true phase_elapsed_s=\(seconds)\n"
        }
        output(text)
    }

    /// Draws a last time and ends the bar's line; nothing more is drawn after.
    public func finish() {
        end(drawing: true)
    }

    /// Stops drawing (a failed run) and ends the bar's line so an error message starts on its own.
    public func stop() {
        end(drawing: false)
    }

    private func end(drawing: Bool) {
        guard enabled else { return }
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        let now = Date()
        let text = state.withLock { state -> String in
            guard !state.finished else { return "" }
            state.finished = true
            state.phase = nil
            var text = ""
            if drawing, state.settled != state.counters || !interactive {
                text = render(state, now)
                if interactive { text += "\n" }
            } else if interactive, state.lineOpen {
                text = "\n"
            }
            state.lineOpen = false
            return text
        }
        if !text.isEmpty { output(text) }
    }

    /// A ticker's turn: redraws the terminal line, or writes a plain line when `lineInterval` has passed.
    private func tick() {
        let now = Date()
        let text = state.withLock { state -> String? in
            guard !state.finished else { return nil }
            if interactive {
                state.lineOpen = true
                return render(state, now)
            }
            guard now.timeIntervalSince(state.lastPlainLine) >= lineInterval else { return nil }
            state.lastPlainLine = now
            return render(state, now)
        }
        if let text { output(text) }
    }

    private func snapshot(_ state: State, _ now: Date) -> ProgressSnapshot {
        ProgressSnapshot(
            job: job, counters: state.counters, elapsed: now.timeIntervalSince(started), phase: state.phase,
            phaseElapsed: now.timeIntervalSince(state.phaseStarted))
    }

    private func render(_ state: State, _ now: Date) -> String {
        let snapshot = snapshot(state, now)
        return interactive ? ProgressLine.terminal(snapshot, width: width()) : ProgressLine.plain(snapshot)
    }

    /// The columns of the terminal on stderr (`COLUMNS` when it cannot be asked, else 80).
    @Sendable public static func terminalWidth() -> Int {
        var size = winsize()
        let asked = withUnsafeMutablePointer(to: &size) { ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0) }
        if asked == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total / 60 % 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
