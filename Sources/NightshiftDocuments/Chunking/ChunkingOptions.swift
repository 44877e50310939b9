import NightshiftCore

/// How a chunk's size is measured.
public enum ChunkingUnit: String, Sendable, Hashable, Codable, CaseIterable {
    /// Estimated `cl100k_base` tokens (`TokenEstimator`).
    case tokens
    /// Unicode scalars, as Python's `len` counts a `str` (LangChain's default length function).
    case characters
}

/// One level of the recursive splitter: the strings whose occurrences cut a text, and where each cut falls.
///
/// A separator given as a string literal (`"\n\n"`) behaves as in LangChain with `keep_separator=True`: the cut
/// falls before the occurrence, so the separator starts the next piece. The empty string cuts between grapheme
/// clusters. Built-in levels: `.paragraph`, `.line`, `.sentence`, `.word`, `.character`.
public struct ChunkSeparator: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// One alternative: the text to find, and how many of its scalars stay with the piece before the cut.
    public struct Pattern: Sendable, Hashable {
        /// The text whose occurrence marks a cut.
        public var text: String
        /// Scalars of `text` kept at the end of the piece before the cut (0: the separator starts the next piece).
        public var keepBefore: Int

        /// A pattern cutting after its first `keepBefore` scalars.
        public init(_ text: String, keepBefore: Int = 0) {
            self.text = text
            self.keepBefore = max(0, min(keepBefore, text.unicodeScalars.count))
        }
    }

    /// The alternatives, tried in order at each position (leftmost occurrence wins, then the first listed).
    public var patterns: [Pattern]

    /// A level with several alternatives.
    public init(patterns: [Pattern]) {
        self.patterns = patterns
    }

    /// A LangChain-style literal separator; `""` cuts between grapheme clusters.
    public init(_ text: String) {
        self.patterns = [Pattern(text)]
    }

    /// A LangChain-style literal separator, from a string literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Whether this level cuts between grapheme clusters rather than at occurrences.
    public var isCharacterLevel: Bool {
        patterns.isEmpty || patterns.contains { $0.text.isEmpty }
    }

    /// Blank lines between paragraphs.
    public static let paragraph = ChunkSeparator("\n\n")
    /// Line breaks.
    public static let line = ChunkSeparator("\n")
    /// Sentence ends: `.`, `!`, `?` followed by a space (the mark stays with its sentence), and the ideographic
    /// full stop and full-width marks (cut after them).
    public static let sentence = ChunkSeparator(patterns: [
        Pattern(". ", keepBefore: 1), Pattern("! ", keepBefore: 1), Pattern("? ", keepBefore: 1),
        Pattern("\u{3002}", keepBefore: 1), Pattern("\u{FF01}", keepBefore: 1),
        Pattern("\u{FF1F}", keepBefore: 1),
    ])
    /// Spaces between words.
    public static let word = ChunkSeparator(" ")
    /// Grapheme cluster boundaries: the last resort.
    public static let character = ChunkSeparator("")

    /// A stable rendering used in fingerprints: each pattern escaped, with its cut position.
    public var description: String {
        patterns.map { pattern in
            var escaped = ""
            for scalar in pattern.text.unicodeScalars {
                switch scalar {
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                case "\t": escaped += "\\t"
                case "\\": escaped += "\\\\"
                case "|", ",", "[", "]", "@": escaped += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    if scalar.value < 0x20 || scalar.value > 0x7E {
                        escaped += "\\u{\(String(scalar.value, radix: 16))}"
                    } else {
                        escaped.unicodeScalars.append(scalar)
                    }
                }
            }
            return pattern.keepBefore == 0 ? escaped : "\(escaped)@\(pattern.keepBefore)"
        }.joined(separator: "|")
    }
}

/// Settings of the recursive splitter; part of a document's content hash through `fingerprint`.
public struct ChunkingOptions: Sendable, Hashable {
    /// How `size` and `overlap` are measured. Default: `.tokens`.
    public var unit: ChunkingUnit
    /// The largest chunk wanted, in `unit`s. Default: 512. A chunk is longer only when one grapheme cluster
    /// (or, with a separator list that does not end in `.character`, one unsplittable piece) is.
    public var size: Int
    /// How much of the end of one chunk the next one repeats, at most, in `unit`s. Default: 64.
    public var overlap: Int
    /// The levels tried in order. Default: paragraph, line, sentence, word, character.
    public var separators: [ChunkSeparator]

    /// The default separator levels.
    public static let defaultSeparators: [ChunkSeparator] = [.paragraph, .line, .sentence, .word, .character]
    /// LangChain's `RecursiveCharacterTextSplitter` default separators.
    public static let langChainSeparators: [ChunkSeparator] = ["\n\n", "\n", " ", ""]

    /// Options with Nightshift's defaults: 512 tokens, 64 of overlap, separators paragraph, line, sentence, word,
    /// character.
    public init(
        unit: ChunkingUnit = .tokens, size: Int = 512, overlap: Int = 64,
        separators: [ChunkSeparator] = ChunkingOptions.defaultSeparators
    ) {
        self.unit = unit
        self.size = size
        self.overlap = overlap
        self.separators = separators
    }

    /// The settings of LangChain's `RecursiveCharacterTextSplitter(chunk_size:chunk_overlap:)`.
    public static func langChain(chunkSize: Int, chunkOverlap: Int) -> ChunkingOptions {
        ChunkingOptions(unit: .characters, size: chunkSize, overlap: chunkOverlap, separators: langChainSeparators)
    }

    /// Version of the splitting algorithm; bumped whenever the same options would cut differently.
    public static let algorithmVersion = 1

    /// A stable string naming every setting that changes the chunks (and the token estimator's version in
    /// token mode): when it changes, documents must be re-chunked.
    public var fingerprint: String {
        var parts = [
            "chunker=v\(ChunkingOptions.algorithmVersion)", "unit=\(unit.rawValue)", "size=\(size)",
            "overlap=\(overlap)",
        ]
        if unit == .tokens { parts.append("estimator=\(TokenEstimator.version)") }
        parts.append("separators=[" + separators.map(\.description).joined(separator: ",") + "]")
        return parts.joined(separator: ";")
    }

    /// Throws when the options cannot chunk: a size below 1, a negative overlap, or an overlap above the size.
    public func validate() throws {
        if size < 1 {
            throw NightshiftError(.configuration, "chunk size must be at least 1", context: ["size": "\(size)"])
        }
        if overlap < 0 {
            throw NightshiftError(
                .configuration, "chunk overlap must not be negative", context: ["overlap": "\(overlap)"])
        }
        if separators.isEmpty {
            throw NightshiftError(.configuration, "chunking needs at least one separator level")
        }
        if overlap > size {
            throw NightshiftError(
                .configuration, "chunk overlap must not exceed the chunk size",
                context: ["size": "\(size)", "overlap": "\(overlap)"])
        }
    }
}
