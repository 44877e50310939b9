import NightshiftCore

/// Cuts extracted text into chunks for embedding: LangChain's recursive splitter, measured in estimated tokens or
/// in characters, with overlap, never inside a grapheme cluster, deterministic.
///
/// With `ChunkingOptions.langChain(chunkSize:chunkOverlap:)` the chunk texts equal those of LangChain's
/// `RecursiveCharacterTextSplitter(chunk_size=…, chunk_overlap=…)` (whose length is Python's `len`, in code
/// points), except where LangChain would cut inside a grapheme cluster (a combining accent, an emoji sequence, a
/// flag, CR LF): there the whole cluster stays in one chunk.
///
/// Each chunk's text is exactly `text.unicodeScalars[start..<end]`: merged pieces are contiguous in the text and the
/// whitespace LangChain strips from a chunk's ends is simply left outside the range.
public struct Chunker: Sendable {
    /// The settings in use.
    public let options: ChunkingOptions
    /// `options.fingerprint`, made once (a run compares it with every stored document's).
    public let fingerprint: String

    /// A chunker with the given settings; throws `NightshiftError(.configuration)` for unusable ones.
    public init(_ options: ChunkingOptions) throws {
        try options.validate()
        self.options = options
        self.fingerprint = options.fingerprint
    }

    /// A chunker with the default settings (512 estimated tokens, 64 of overlap).
    public init() {
        self.options = ChunkingOptions()
        self.fingerprint = options.fingerprint
    }

    /// The chunks of an extracted document, each with the heading path in effect where it starts.
    public func chunks(of extracted: ExtractedText) -> [TextChunk] {
        var chunks = chunks(of: extracted.text)
        guard !extracted.headings.isEmpty else { return chunks }
        var paths = HeadingPathCursor(headings: extracted.headings)
        for index in chunks.indices {
            chunks[index].headingPath = paths.path(at: chunks[index].start, in: extracted)
        }
        return chunks
    }

    /// The chunks of a plain string (no heading paths).
    public func chunks(of text: String) -> [TextChunk] {
        chunks(of: text, windowBytes: RecursiveSplitter.defaultWindowBytes)
    }

    /// The chunks of a plain string, finding grapheme clusters `windowBytes` at a time (the same chunks for any
    /// value: tests compare them).
    func chunks(of text: String, windowBytes: Int) -> [TextChunk] {
        var text = text
        return text.withUTF8 { bytes in
            TokenEstimator.withRangeCounter(utf8: bytes) { tokens in
                var splitter = RecursiveSplitter(
                    bytes: bytes, tokens: tokens, options: options, windowBytes: windowBytes)
                let ranges = splitter.run()
                let scalarOffsets = Self.scalarOffsets(of: ranges, in: bytes)
                var chunks: [TextChunk] = []
                chunks.reserveCapacity(ranges.count)
                for (index, range) in ranges.enumerated() {
                    let slice = UnsafeBufferPointer(rebasing: bytes[range])
                    chunks.append(
                        TextChunk(
                            index: index, text: String(decoding: slice, as: UTF8.self),
                            start: scalarOffsets[2 * index], end: scalarOffsets[2 * index + 1],
                            tokenCount: tokens.count(range)))
                }
                return chunks
            }
        }
    }

    /// The chunk texts alone, as LangChain's `split_text` returns them.
    public func split(_ text: String) -> [String] {
        chunks(of: text).map(\.text)
    }

    /// Scalar offsets of every range's bounds (start, end, start, end, …), in one pass over the bytes.
    private static func scalarOffsets(of ranges: [Range<Int>], in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        var bounds: [(byte: Int, slot: Int)] = []
        bounds.reserveCapacity(ranges.count * 2)
        for (index, range) in ranges.enumerated() {
            bounds.append((range.lowerBound, 2 * index))
            bounds.append((range.upperBound, 2 * index + 1))
        }
        // Starts and ends are almost always ascending already; sorting keeps the sweep linear regardless.
        bounds.sort { $0.byte < $1.byte }
        var offsets = [Int](repeating: 0, count: bounds.count)
        var position = 0
        var scalars = 0
        for bound in bounds {
            scalars += RecursiveSplitter.scalarCount(bytes, position..<bound.byte)
            position = bound.byte
            offsets[bound.slot] = scalars
        }
        return offsets
    }
}

/// Heading paths for ascending offsets in one sweep over the headings (same result as `headingPath(at:)`).
struct HeadingPathCursor {
    let headings: [HeadingMark]
    let sorted: Bool
    var next = 0
    var stack: [HeadingMark] = []
    var lastOffset = Int.min

    init(headings: [HeadingMark]) {
        self.headings = headings
        self.sorted = zip(headings, headings.dropFirst()).allSatisfy { $0.offset <= $1.offset }
    }

    mutating func path(at offset: Int, in extracted: ExtractedText) -> [String] {
        guard sorted, offset >= lastOffset else { return extracted.headingPath(at: offset) }
        lastOffset = offset
        while next < headings.count, headings[next].offset <= offset {
            let heading = headings[next]
            while let last = stack.last, last.level >= heading.level { stack.removeLast() }
            stack.append(heading)
            next += 1
        }
        return stack.map(\.title)
    }
}
