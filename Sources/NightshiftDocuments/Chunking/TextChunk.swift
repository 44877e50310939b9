/// One piece of a document's extracted text, ready to embed.
public struct TextChunk: Sendable, Hashable {
    /// Position in the document, from 0.
    public var index: Int
    /// The chunk's text: exactly `extracted.text.unicodeScalars[start..<end]`.
    public var text: String
    /// Offset of the first scalar in the extracted text, in Unicode scalars.
    public var start: Int
    /// Offset just past the last scalar, in Unicode scalars.
    public var end: Int
    /// Headings in effect at `start`, outermost first (`ExtractedText.headingPath(at:)`).
    public var headingPath: [String]
    /// `TokenEstimator.count(text)`.
    public var tokenCount: Int

    /// A chunk from its parts.
    public init(index: Int, text: String, start: Int, end: Int, headingPath: [String] = [], tokenCount: Int) {
        self.index = index
        self.text = text
        self.start = start
        self.end = end
        self.headingPath = headingPath
        self.tokenCount = tokenCount
    }
}
