import Foundation
import Testing

@testable import NightshiftAI

@Suite("Search terms written with a memo of stems")
struct SearchTermWriterTests {
    static let texts = [
        "", "   ", "The cells were increasingly regulated; regulation of the cell increases.",
        "Naïve café ÜBER Straße — résumé, façade & coöperation!", "ζωή καλή ζωή жизнь хорошая 2024 covid19 x 9 a",
        "to be or not to be", "CamelCaseWords and snake_case_words and kebab-case-words",
        String(repeating: "pluripotency pluripotent stem-cells ", count: 40),
        String(repeating: "x", count: 300) + " tail",
        "emoji 😀 inside wörds and 中文字符 with ponctuation: «guillemets» and ‘quotes’",
        String(decoding: [0x61, 0xFF, 0x62, 0x20, 0xC3, 0x28, 0x63], as: UTF8.self),
    ]

    @Test("the same terms and count as LocalEmbedder.joinedTerms, text after text")
    func sameAsJoinedTerms() {
        let writer = SearchTermWriter()
        for _ in 0..<2 {
            for text in Self.texts {
                let written = writer.joined(text)
                #expect(written.terms == LocalEmbedder.joinedTerms(text), "\(text)")
                #expect(written.count == LocalEmbedder.tokenize(text).count, "\(text)")
            }
        }
    }

    @Test("a memo of one slot and an arena that keeps refilling change nothing")
    func tinyMemoAndArena() throws {
        let corpus = Self.texts + [
            try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("SearchTermWriterTests.swift"), encoding: .utf8)
        ]
        for writer in [SearchTermWriter(memoSlots: 1, arenaBytes: 1), SearchTermWriter(memoSlots: 64, arenaBytes: 200)] {
            for text in corpus {
                #expect(writer.joined(text).terms == LocalEmbedder.joinedTerms(text), "\(text.prefix(40))")
            }
        }
    }

    @Test("a chunk's heading path and text give the terms of their joined string")
    func headingPathAndText() {
        let writer = SearchTermWriter()
        let paths: [[String]] = [[], ["Intro"], ["Café culture", "Naïve résumés"], ["", "  "], ["to be", "or not"], ["ζωή"]]
        for path in paths {
            for text in Self.texts {
                let joined = writer.joined(path.joined(separator: " ") + " " + text)
                let written = writer.joined(headingPath: path, text: text)
                #expect(written.terms == joined.terms, "\(path) \(text)")
                #expect(written.count == joined.count, "\(path) \(text)")
            }
        }
    }
}
