import Foundation

/// A heading found while extracting a document, with its position in the extracted text.
public struct HeadingMark: Sendable, Hashable, Codable {
    /// 1 for a top-level heading (`#`, `<h1>`, DOCX "Heading 1"), up to 6.
    public var level: Int
    public var title: String
    /// Offset of the heading's first character in `ExtractedText.text`, in Unicode scalars.
    public var offset: Int

    public init(level: Int, title: String, offset: Int) {
        self.level = level
        self.title = title
        self.offset = offset
    }
}

/// The text of one document as ingestion will chunk it, with its structure.
public struct ExtractedText: Sendable, Hashable {
    /// Plain text; paragraphs separated by a blank line ("\n\n"), lines by "\n".
    public var text: String
    public var title: String?
    /// The detected media type (`text/html`, `text/markdown`, `application/vnd.openxmlformats-…`, …).
    public var mediaType: String
    /// Headings in document order.
    public var headings: [HeadingMark]
    /// Format-specific facts (author, language, page count, …).
    public var metadata: [String: JSONValue]
    /// Problems that did not stop extraction (repaired UTF-8, skipped embedded parts), for the run report.
    public var warnings: [String]

    public init(
        text: String, title: String? = nil, mediaType: String, headings: [HeadingMark] = [],
        metadata: [String: JSONValue] = [:], warnings: [String] = []
    ) {
        self.text = text
        self.title = title
        self.mediaType = mediaType
        self.headings = headings
        self.metadata = metadata
        self.warnings = warnings
    }

    /// The heading path (outermost first) in effect at a Unicode-scalar offset.
    public func headingPath(at offset: Int) -> [String] {
        var stack: [HeadingMark] = []
        for heading in headings {
            if heading.offset > offset { break }
            while let last = stack.last, last.level >= heading.level { stack.removeLast() }
            stack.append(heading)
        }
        return stack.map(\.title)
    }
}
