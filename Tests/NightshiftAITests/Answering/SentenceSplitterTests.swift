import Testing

@testable import NightshiftAI

@Suite("Sentence splitter: where a chunk may be cut and what the answerer quotes")
struct SentenceSplitterTests {
    private func sentences(_ text: String) -> [String] {
        SentenceSplitter.ranges(in: text).map { String(text[$0]) }
    }

    @Test("abbreviations, initials and decimals do not end a sentence")
    func abbreviations() {
        let text = "Dr. Smith arrived at 3.5 p.m. on Monday. He left, e.g. at noon! Did J. R. Doe stay? Yes."
        #expect(
            sentences(text) == [
                "Dr. Smith arrived at 3.5 p.m. on Monday.", "He left, e.g. at noon!", "Did J. R. Doe stay?", "Yes.",
            ])
    }

    @Test("a soft-wrapped line stays in its sentence; the quoted form collapses the break")
    func softWraps() throws {
        let text = """
            Bookings can be cancelled free of charge up to 24 hours before
            the session starts. Later ones cost half.
            """
        #expect(sentences(text).count == 2)
        let first = try #require(SentenceSplitter.ranges(in: text).first)
        #expect(
            SentenceSplitter.displayText(text[first])
                == "Bookings can be cancelled free of charge up to 24 hours before the session starts.")
    }

    @Test("headings, list items and blank lines are boundaries; markers are dropped when quoting")
    func structure() throws {
        let text = "## Payment methods\nWe accept:\n- Visa cards\n- Apple Pay on iPhone\n\nInvoices follow by email"
        #expect(
            sentences(text) == [
                "## Payment methods", "We accept:", "- Visa cards", "- Apple Pay on iPhone", "Invoices follow by email",
            ])
        let ranges = SentenceSplitter.ranges(in: text)
        #expect(SentenceSplitter.isHeading(text[ranges[0]]))
        #expect(SentenceSplitter.displayText(text[ranges[3]]) == "Apple Pay on iPhone")
        #expect(SentenceSplitter.displayText("1. First step here") == "First step here")
    }

    @Test("closing quotes stay with their sentence; a lower-case continuation does not split")
    func quotesAndContinuations() {
        #expect(sentences("He said \"stop.\" Then he left.") == ["He said \"stop.\"", "Then he left."])
        #expect(sentences("Version 2.0 is out. see the notes.") == ["Version 2.0 is out. see the notes."])
        #expect(sentences("今日は晴れ。明日は雨。") == ["今日は晴れ。", "明日は雨。"])
        #expect(sentences("  \n ").isEmpty)
    }

    @Test("CR LF line breaks, non-ASCII terminators, closers and spaces")
    func unicode() {
        #expect(sentences("First line here.\r\nSecond line here.") == ["First line here.", "Second line here."])
        #expect(
            sentences("He waited… Then “it rained.” After that, sun.") == [
                "He waited…", "Then “it rained.”", "After that, sun.",
            ])
        #expect(sentences("Fin.\u{00A0}Über alles. Ça va.") == ["Fin.", "Über alles.", "Ça va."])
        #expect(SentenceSplitter.displayText("a\u{00A0}\u{2003}b  c\n d") == "a b c d")
    }
}
