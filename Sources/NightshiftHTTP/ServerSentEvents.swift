/// One server-sent event (`text/event-stream`), as the WHATWG HTML standard defines it.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, `message` when the event named none.
    public var event: String
    /// The `data:` lines joined with line feeds.
    public var data: String
    /// The last `id:` seen on the stream, if any.
    public var id: String?
    /// The `retry:` field in milliseconds, if this event carried one.
    public var retry: Int?

    /// An event; `event` defaults to `message`.
    public init(event: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// Parses a `text/event-stream` byte stream fed in arbitrary chunks into events.
///
/// Lines end with CRLF, LF or CR, even when a chunk boundary splits the pair; a line starting with `:` is a
/// comment; a blank line dispatches the event. Unlike a browser, `finish()` also dispatches an event whose final
/// blank line is missing, since some OpenAI-compatible servers end the stream without it.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var atStart = true
    private var eventType = ""
    private var dataLines: [String] = []
    private var hasData = false
    private var lastID: String?
    private var retry: Int?

    /// A parser at the start of a stream.
    public init() {}

    /// Feeds bytes; returns the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                endLine(into: &events)
            case 0x0D:
                afterCR = true
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: a pending line and a pending event are processed.
    public mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if atStart {
            atStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            dispatch(into: &events)
            return
        }
        if bytes.first == UInt8(ascii: ":") { return }
        let field: String
        var valueText = ""
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var rest = bytes[bytes.index(after: colon)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            valueText = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: bytes, as: UTF8.self)
        }
        switch field {
        case "event": eventType = valueText
        case "data":
            dataLines.append(valueText)
            hasData = true
        case "id": if !valueText.contains("\0") { lastID = valueText }
        case "retry":
            if !valueText.isEmpty, valueText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { retry = Int(valueText) }
        default: break
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            eventType = ""
            dataLines.removeAll()
            hasData = false
            retry = nil
        }
        guard hasData else { return }
        events.append(
            ServerSentEvent(
                event: eventType.isEmpty ? "message" : eventType, data: dataLines.joined(separator: "\n"), id: lastID,
                retry: retry))
    }
}

/// The events of a byte stream, parsed as they arrive.
public struct ServerSentEventStream<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    /// Each element is one event.
    public typealias Element = ServerSentEvent
    private let base: Base

    /// Events parsed from `base`.
    public init(_ base: Base) { self.base = base }

    /// An iterator pulling from the byte stream.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator())
    }

    /// Pulls chunks from the byte stream until an event is complete.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var parser = ServerSentEventParser()
        private var pending: [ServerSentEvent] = []
        private var nextPending = 0
        private var finished = false

        init(base: Base.AsyncIterator) { self.base = base }

        /// The next event, or nil at the end of the stream.
        public mutating func next() async throws -> ServerSentEvent? {
            while true {
                if nextPending < pending.count {
                    defer { nextPending += 1 }
                    return pending[nextPending]
                }
                if finished { return nil }
                pending.removeAll(keepingCapacity: true)
                nextPending = 0
                if let chunk = try await base.next() {
                    pending = parser.feed(chunk)
                } else {
                    finished = true
                    pending = parser.finish()
                }
            }
        }
    }
}

extension ServerSentEventStream: Sendable where Base: Sendable {}
