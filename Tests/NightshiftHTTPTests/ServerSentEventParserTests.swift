import NightshiftHTTP
import Testing

@Suite("Server-sent events parser")
struct ServerSentEventParserTests {
    private func parse(_ chunks: [String]) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += parser.feed(Array(chunk.utf8)) }
        return events + parser.finish()
    }

    @Test("OpenAI's data lines and [DONE], split at every possible byte")
    func openAIStyleAnyChunking() {
        let text = "data: {\"a\":1}\n\ndata: {\"b\":\"é\"}\n\ndata: [DONE]\n\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...]) + parser.finish()
            #expect(events.map(\.data) == ["{\"a\":1}", "{\"b\":\"é\"}", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test("Anthropic's event and data pairs, with CRLF line ends split between chunks")
    func anthropicStyle() {
        let events = parse([
            "event: message_start\r", "\ndata: {\"type\":\"message_start\"}\r\n\r", "\nevent: ping\r\ndata: {}\r\n\r\n",
        ])
        #expect(
            events == [
                ServerSentEvent(event: "message_start", data: "{\"type\":\"message_start\"}"),
                ServerSentEvent(event: "ping", data: "{}"),
            ])
    }

    @Test("multi-line data is joined with line feeds; comments, unknown fields and empty events are skipped")
    func spec() {
        let events = parse([
            "\u{FEFF}: comment\n", "data: one\ndata:two\ndata\nfoo: bar\n\n", "event: nothing\n\n",
            "id: 7\nretry: 1500\ndata: x\n\n",
        ])
        #expect(
            events == [
                ServerSentEvent(data: "one\ntwo\n"),
                ServerSentEvent(data: "x", id: "7", retry: 1500),
            ])
    }

    @Test("a last event without its blank line is still delivered at the end of the stream")
    func missingFinalBlankLine() {
        #expect(parse(["data: [DONE]"]).map(\.data) == ["[DONE]"])
    }
}
