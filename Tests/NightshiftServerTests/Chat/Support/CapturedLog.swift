import Logging
import Synchronization

/// A logger whose messages a test can read back.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private struct Handler: LogHandler {
        let sink: CapturedLog
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var fields = metadata.mapValues { "\($0)" }
            for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
            let entry = Entry(level: event.level, message: event.message.description, metadata: fields)
            sink.stored.withLock { $0.append(entry) }
        }
    }

    private let stored = Mutex<[Entry]>([])
    private let level: Logger.Level

    /// A log that keeps the messages of `level` and above.
    init(level: Logger.Level = .info) {
        self.level = level
    }

    var entries: [Entry] { stored.withLock { $0 } }

    var logger: Logger {
        Logger(label: "nightshift.serve.tests") { _ in Handler(sink: self, logLevel: self.level) }
    }
}
