import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

/// One case of `langchain_cases.json`: LangChain's own output for an input and settings.
struct LangChainCase: Decodable, Sendable, CustomStringConvertible {
    var name: String
    var text: String
    var chunkSize: Int
    var chunkOverlap: Int
    var chunks: [String]

    var description: String { "\(name) size=\(chunkSize) overlap=\(chunkOverlap)" }

    static func all() throws -> [LangChainCase] {
        struct File: Decodable { var cases: [LangChainCase] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: TextResource.url("langchain_cases.json")))
            .cases
    }
}

/// The text a chunk's offsets point at.
func scalarSlice(_ text: String, _ start: Int, _ end: Int) -> String {
    let scalars = Array(text.unicodeScalars)
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars[start..<end])
    return String(view)
}

@Suite("Chunker")
struct ChunkerTests {
    @Test("character mode equals LangChain's RecursiveCharacterTextSplitter on recorded outputs")
    func langChainParity() throws {
        let cases = try LangChainCase.all()
        #expect(cases.count >= 60)
        for item in cases {
            let chunker = try Chunker(.langChain(chunkSize: item.chunkSize, chunkOverlap: item.chunkOverlap))
            #expect(chunker.split(item.text) == item.chunks, "\(item)")
        }
    }

    @Test("LangChain's documented examples: the test text at 10/1 and the State of the Union at 100/20")
    func langChainDocumentedExamples() throws {
        let harrison = """
            Hi.\n\nI'm Harrison.\n\nHow? Are? You?\nOkay then f f f f.
            This is a weird text to write, but gotta test the splittingggg some how.\n\nBye!\n\n-H.
            """
        let expected = [
            "Hi.", "I'm", "Harrison.", "How? Are?", "You?", "Okay then", "f f f f.", "This is a", "weird", "text to",
            "write,", "but gotta", "test the", "splitting", "gggg", "some how.", "Bye!", "-H.",
        ]
        #expect(try Chunker(.langChain(chunkSize: 10, chunkOverlap: 1)).split(harrison) == expected)

        let speech =
            "Madam Speaker, Madam Vice President, our First Lady and Second Gentleman. Members of Congress and the "
            + "Cabinet. Justices of the Supreme Court. My fellow Americans.  \n\nLast year COVID-19 kept us apart."
        let chunks = try Chunker(.langChain(chunkSize: 100, chunkOverlap: 20)).split(speech)
        #expect(
            Array(chunks.prefix(2)) == [
                "Madam Speaker, Madam Vice President, our First Lady and Second Gentleman. Members of Congress and",
                "of Congress and the Cabinet. Justices of the Supreme Court. My fellow Americans.",
            ])
    }

    @Test("every chunk is exactly the text between its scalar offsets", arguments: [50, 200])
    func offsetsAreExact(size: Int) throws {
        var texts = try LangChainCase.all().map(\.text)
        texts.append(String(decoding: try TextResource.bytes("guide.md"), as: UTF8.self))
        texts.append(
            "Ünïcödé 👩‍💻 flags 🇫🇷🇩🇪 e\u{301}\u{302} and\r\nCRLF lines.\r\n\r\nNext paragraph. "
                + String(repeating: "x", count: 300))
        for unit in ChunkingUnit.allCases {
            let chunker = try Chunker(ChunkingOptions(unit: unit, size: unit == .tokens ? size / 4 : size, overlap: 5))
            for text in texts {
                var previousStart = -1
                for chunk in chunker.chunks(of: text) {
                    #expect(scalarSlice(text, chunk.start, chunk.end) == chunk.text)
                    #expect(chunk.start >= previousStart)
                    #expect(chunk.tokenCount == TokenEstimator.count(chunk.text))
                    previousStart = chunk.start
                }
            }
        }
    }

    @Test("a cut never falls inside a grapheme cluster (ZWJ emoji, flags, combining accents, CR LF)")
    func graphemeClusters() throws {
        let clusters = ["👩‍💻", "🇫🇷", "e\u{301}\u{323}", "👍🏽", "각", "\u{915}\u{94d}\u{937}"]
        for cluster in clusters {
            let text = String(repeating: cluster, count: 40)
            for size in [1, 2, 3, 5, 8] {
                let chunks = try Chunker(.langChain(chunkSize: size, chunkOverlap: 0)).chunks(of: text)
                #expect(!chunks.isEmpty)
                for chunk in chunks {
                    // Whole clusters only: the chunk's characters are all the cluster itself.
                    #expect(chunk.text.allSatisfy { String($0) == cluster }, "\(cluster.debugDescription) \(size)")
                }
            }
        }
        // CR LF is one cluster: the "\n" inside it is no cut (LangChain would give "ab\r" and "\ncd").
        let lines = try Chunker(ChunkingOptions(unit: .characters, size: 1, overlap: 0, separators: ["\n"]))
        #expect(lines.split("ab\r\ncd") == ["ab\r\ncd"])
        #expect(lines.split("ab\ncd") == ["ab", "\ncd"])
        // A space followed by a combining mark is one cluster: not a word boundary.
        let combining = "alpha \u{301}beta gamma"
        let pieces = try Chunker(.langChain(chunkSize: 8, chunkOverlap: 0)).split(combining)
        #expect(pieces.allSatisfy { !$0.unicodeScalars.starts(with: ["\u{301}"]) })
        #expect(pieces.joined().filter { !$0.isWhitespace }.count == combining.filter { !$0.isWhitespace }.count)
    }

    @Test("token mode keeps chunks within the size, overlaps them, and falls back to sentences")
    func tokenMode() throws {
        let sentence = "The nightly job reads every changed document and cuts it into pieces. "
        let paragraph = String(repeating: sentence, count: 40)
        let text = [paragraph, "Short paragraph.", paragraph].joined(separator: "\n\n")
        let chunker = try Chunker(ChunkingOptions(unit: .tokens, size: 100, overlap: 20))
        let chunks = chunker.chunks(of: text)
        #expect(chunks.count > 5)
        for chunk in chunks {
            #expect(chunk.tokenCount <= 100)
            #expect(chunk.tokenCount >= 40 || chunk.text == "Short paragraph." || chunk.index == chunks.count - 1)
            // Sentence cuts keep the full stop with its sentence.
            #expect(chunk.text.hasSuffix("."))
        }
        let overlaps = zip(chunks, chunks.dropFirst()).filter { $1.start < $0.end }
        #expect(!overlaps.isEmpty, "some chunks overlap")
        for (previous, next) in overlaps {
            let shared = scalarSlice(text, next.start, previous.end)
            #expect(previous.text.hasSuffix(shared) && next.text.hasPrefix(shared))
            #expect(TokenEstimator.count(shared) <= 20)
        }
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
    }

    @Test("the same input and options always give the same chunks")
    func deterministic() throws {
        let text = try LangChainCase.all().map(\.text).joined(separator: "\n\n")
        let first = Chunker().chunks(of: text)
        let second = Chunker().chunks(of: text)
        #expect(first == second)
        let small = try Chunker(ChunkingOptions(size: 20, overlap: 4))
        #expect(small.chunks(of: text) == small.chunks(of: text))
    }

    @Test("chunks of Markdown carry the heading path in effect where they start")
    func headingPaths() throws {
        let extracted = try MarkdownExtractor.extract(data: TextResource.bytes("guide.md"))
        let chunks = try Chunker(ChunkingOptions(unit: .characters, size: 60, overlap: 0)).chunks(of: extracted)
        #expect(chunks.count > 5)
        for chunk in chunks {
            #expect(chunk.headingPath == extracted.headingPath(at: chunk.start))
        }
        #expect(chunks.contains { $0.headingPath == ["Getting started", "Options"] })
        #expect(chunks.contains { $0.headingPath == ["Setext heading", "Second level", "Deep heading"] })
    }

    @Test("empty and blank texts give no chunks")
    func emptyText() {
        #expect(Chunker().chunks(of: "").isEmpty)
        #expect(Chunker().chunks(of: " \n\n\t ").isEmpty)
    }

    @Test("the fingerprint names every setting and changes with each")
    func fingerprint() throws {
        let base = ChunkingOptions()
        #expect(
            base.fingerprint
                == "chunker=v1;unit=tokens;size=512;overlap=64;estimator=\(TokenEstimator.version);"
                + #"separators=[\n\n,\n,. @1|! @1|? @1|\u{3002}@1|\u{ff01}@1|\u{ff1f}@1, ,]"#)
        var variants: [ChunkingOptions] = []
        var changed = base
        changed.size = 256
        variants.append(changed)
        changed = base
        changed.overlap = 0
        variants.append(changed)
        changed = base
        changed.unit = .characters
        variants.append(changed)
        changed = base
        changed.separators = ChunkingOptions.langChainSeparators
        variants.append(changed)
        let prints = Set(([base] + variants).map(\.fingerprint))
        #expect(prints.count == variants.count + 1)
        #expect(ChunkingOptions.langChain(chunkSize: 1000, chunkOverlap: 200).fingerprint.contains("unit=characters"))
    }

    @Test("unusable options are refused with a configuration error")
    func validation() {
        for options in [
            ChunkingOptions(size: 0), ChunkingOptions(size: 10, overlap: -1), ChunkingOptions(size: 10, overlap: 11),
            ChunkingOptions(separators: []),
        ] {
            #expect(throws: NightshiftError.self) { try Chunker(options) }
        }
    }
}
