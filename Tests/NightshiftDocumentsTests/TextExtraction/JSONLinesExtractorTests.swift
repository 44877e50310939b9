import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("JSON Lines extraction")
struct JSONLinesExtractorTests {
    @Test("each good line gives an (id, title, text) record; CRLF endings are accepted")
    func records() throws {
        let result = try JSONLinesExtractor.extract(
            data: TextResource.bytes("records.jsonl"), textField: "text", titleField: "title", idField: "_id")
        #expect(result.records.map(\.id) == ["4983", "5836", "18670"])
        #expect(result.records.map(\.lineNumber) == [1, 2, 8])
        #expect(result.records[0].title == "Microstructural development")
        #expect(result.records[0].text.hasPrefix("Alterations of the architecture"))
        #expect(result.records[2].text == "Line one\nLine two, café ☕")
        #expect(result.records.allSatisfy { !$0.text.contains("\r") })
    }

    @Test("a bad line is a skip naming its line number, and the other lines continue")
    func skips() throws {
        let result = try JSONLinesExtractor.extract(data: TextResource.bytes("records.jsonl"), textField: "text")
        #expect(
            result.skips == [
                JSONLinesSkip(lineNumber: 4, reason: "not valid JSON"),
                JSONLinesSkip(lineNumber: 5, reason: "not a JSON object"),
                JSONLinesSkip(lineNumber: 6, reason: "no string field \"text\""),
                JSONLinesSkip(lineNumber: 7, reason: "empty \"text\""),
            ])
        #expect(result.skips[0].description == "line 4: not valid JSON")
        #expect(result.records.count == 3)
    }

    @Test("dotted field names reach into nested objects; a record becomes extracted text with its id")
    func nestedFieldsAndRecordText() throws {
        let result = try JSONLinesExtractor.extract(
            data: TextResource.bytes("records.jsonl"), textField: "text", titleField: "meta.title", idField: "_id")
        #expect(result.records.map(\.title) == [nil, nil, "Nested title"])
        let extracted = result.records[2].extractedText
        #expect(extracted.title == "Nested title")
        #expect(extracted.metadata["id"] == .string("18670"))
        #expect(extracted.metadata["line"] == .number(8))
        #expect(extracted.mediaType == "application/jsonl")
    }

    @Test("the combined document has one paragraph per record, titles as headings, skips as warnings")
    func combined() throws {
        let result = try JSONLinesExtractor.extract(
            data: TextResource.bytes("records.jsonl"), textField: "text", titleField: "title")
        let combined = result.combined
        #expect(combined.headings.map(\.title) == ["Microstructural development", "Induction of myelodysplasia"])
        for heading in combined.headings {
            #expect(
                scalarSlice(combined.text, heading.offset, heading.offset + heading.title.unicodeScalars.count)
                    == heading.title)
        }
        #expect(combined.text.hasSuffix("Line one\nLine two, café ☕"))
        #expect(combined.warnings.count == 4)
    }

    @Test("invalid UTF-8 inside a line is repaired and reported; undecodable data throws")
    func encoding() throws {
        var data = Array("{\"text\": \"caf".utf8) + [0xE9] + Array("\"}\n".utf8)
        let result = try JSONLinesExtractor.extract(data: data, textField: "text")
        #expect(result.records.first?.text == "caf\u{FFFD}")
        #expect(result.warnings.count == 1)
        data = [UInt8](repeating: 0xFF, count: 64)
        #expect(throws: NightshiftError.self) { try JSONLinesExtractor.extract(data: data, textField: "text") }
    }
}
