import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

/// A deterministic generator for the varied texts below.
private struct SplitMix64 {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

/// Texts mixing what the splitter cuts at and what it must not cut inside: words, sentence ends, lines,
/// paragraphs, multi-byte scalars (2, 3 and 4 bytes), combining accents, ZWJ emoji, flags, CR LF, Indic
/// conjuncts, ideographic full stops, and runs without any separator (which fall to the character level).
private func variedTexts() -> [String] {
    let parts = [
        "word", " ", " ", " ", "the", "Überschrift", "naïve", "e\u{301}\u{302}", ". ", "! ", "? ", "\n", "\n", "\n\n",
        "\r\n", "👩‍💻", "🇫🇷🇩🇪", "🇯", "\u{3002}", "中文字", "한국어", "क्षत्रिय", "\u{200D}", "\t", "  ",
        String(repeating: "x", count: 37), String(repeating: "é", count: 23), "🧑🏽‍🚀", "a\u{0308}\u{0301}",
    ]
    var random = SplitMix64(state: 17)
    var texts: [String] = []
    for length in [0, 1, 3, 10, 40, 120, 400, 1500] {
        for _ in 0..<4 {
            var text = ""
            for _ in 0..<length { text += parts[random.next(parts.count)] }
            texts.append(text)
        }
    }
    // One long line of words, one of a single unbroken word, and lines of prose.
    texts.append((0..<3000).map { "w\($0 % 97)" }.joined(separator: " "))
    texts.append(String(repeating: "abcdefghij", count: 500) + "e\u{301}" + String(repeating: "🇫🇷", count: 50))
    texts.append((0..<300).map { "Line \($0) has a sentence. And another one!" }.joined(separator: "\n"))
    return texts
}

/// The reference splitter's ranges (every level held in arrays, each grapheme piece decoded whole).
private func referenceRanges(_ text: String, _ options: ChunkingOptions) -> [Range<Int>] {
    var text = text
    return text.withUTF8 { bytes in
        TokenEstimator.withRangeCounter(utf8: bytes) { tokens in
            var splitter = ReferenceSplitter(bytes: bytes, tokens: tokens, options: options)
            return splitter.run()
        }
    }
}

/// The streaming splitter's ranges with the given window.
private func streamingRanges(_ text: String, _ options: ChunkingOptions, window: Int) -> [Range<Int>] {
    var text = text
    return text.withUTF8 { bytes in
        TokenEstimator.withRangeCounter(utf8: bytes) { tokens in
            var splitter = RecursiveSplitter(bytes: bytes, tokens: tokens, options: options, windowBytes: window)
            return splitter.run()
        }
    }
}

@Suite("Streaming splitter")
struct StreamingSplitterTests {
    static let optionSets: [ChunkingOptions] = [
        .langChain(chunkSize: 1, chunkOverlap: 0), .langChain(chunkSize: 7, chunkOverlap: 2),
        .langChain(chunkSize: 40, chunkOverlap: 10), .langChain(chunkSize: 300, chunkOverlap: 60),
        ChunkingOptions(unit: .characters, size: 25, overlap: 5),
        ChunkingOptions(unit: .tokens, size: 4, overlap: 1), ChunkingOptions(unit: .tokens, size: 64, overlap: 16),
        ChunkingOptions(unit: .tokens, size: 512, overlap: 64),
    ]

    @Test(
        "pieces found and merged one at a time, clusters decoded in windows, give the reference splitter's chunks",
        arguments: [8, 9, 11, 13, 31, 64, 1 << 16, Int.max / 4])
    func equalsReference(window: Int) {
        for options in Self.optionSets {
            for text in variedTexts() {
                let expected = referenceRanges(text, options)
                let actual = streamingRanges(text, options, window: window)
                #expect(
                    actual == expected,
                    "window \(window), \(options.fingerprint), text \(text.debugDescription.prefix(80))")
            }
        }
    }

    @Test("windows ending inside a multi-byte scalar, a grapheme cluster, a word and a paragraph change nothing")
    func windowEdges() throws {
        // Each text is cut by windows of every width from 8 to 40 bytes, so some window ends inside each of them.
        let texts = [
            "€€€€€€€€€€𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞", "e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}e\u{301}abc",
            "👩‍💻👩‍💻👩‍💻🇫🇷🇩🇪🇫🇷🇩🇪🇫🇷", "\r\n\r\n\r\n\r\nxyz\r\n", "supercalifragilisticexpialidocious",
            "First paragraph here.\n\nSecond paragraph there.\n\nThird.",
            String(repeating: "a\u{0308}", count: 40) + String(repeating: "क्ष", count: 20),
        ]
        for text in texts {
            let chunker = try Chunker(.langChain(chunkSize: 3, chunkOverlap: 1))
            let whole = chunker.chunks(of: text, windowBytes: Int.max / 4)
            #expect(whole.map(\.text) == ReferenceSplitter.texts(text, .langChain(chunkSize: 3, chunkOverlap: 1)))
            for window in 8...40 {
                #expect(chunker.chunks(of: text, windowBytes: window) == whole, "window \(window): \(text)")
            }
        }
    }

    @Test("a long line of words is cut where the reference cuts it, with offsets and token counts")
    func longLine() throws {
        let text = (0..<20_000).map { "word\($0 % 1000)" }.joined(separator: " ")
        let chunker = try Chunker(ChunkingOptions(size: 64, overlap: 8))
        let chunks = chunker.chunks(of: text)
        #expect(chunks.map(\.text) == ReferenceSplitter.texts(text, chunker.options))
        for chunk in chunks.prefix(50) {
            #expect(scalarSlice(text, chunk.start, chunk.end) == chunk.text)
            #expect(chunk.tokenCount == TokenEstimator.count(chunk.text))
        }
    }
}

extension ReferenceSplitter {
    /// The chunk texts the reference splitter gives.
    static func texts(_ text: String, _ options: ChunkingOptions) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            TokenEstimator.withRangeCounter(utf8: bytes) { tokens in
                var splitter = ReferenceSplitter(bytes: bytes, tokens: tokens, options: options)
                return splitter.run().map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
            }
        }
    }
}
