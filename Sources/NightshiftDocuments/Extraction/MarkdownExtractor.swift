import NightshiftCore

/// Markdown to readable, Markdown-ish plain text with its heading structure.
///
/// - Headings (ATX `#`…`######` and Setext `===`/`---` underlines) become a line of their own holding the heading
///   text, and a `HeadingMark` at that line's offset. A `#` inside a fenced code block is not a heading.
/// - Front matter (`---` YAML or `+++` TOML at the very start) is removed; its `title` becomes the title and its
///   other one-line `key: value` pairs the metadata. Otherwise the title is the first level-1 heading.
/// - Fenced code blocks (```` ``` ```` or `~~~`) are kept verbatim, fences included.
/// - Links and images are reduced to their text (`[text](url)` → `text`, `![alt](src)` → `alt`, `<https://…>` →
///   the URL), reference definitions (`[id]: url`) and HTML comments are dropped; everything else (lists, quotes,
///   tables, emphasis, inline code) is kept as written.
/// - Line endings become `\n`; runs of blank lines collapse to one.
public enum MarkdownExtractor {
    /// The media type recorded on Markdown documents.
    public static let mediaType = "text/markdown"

    /// Extracts Markdown bytes (decoded as `TextExtractor.decode` does, repairs reported as warnings).
    public static func extract(data: [UInt8]) throws -> ExtractedText {
        let decoded = try TextExtractor.decode(data)
        var extracted = extract(text: decoded.text)
        extracted.warnings.insert(contentsOf: decoded.warnings, at: 0)
        return extracted
    }

    /// Extracts Markdown text.
    public static func extract(text source: String) -> ExtractedText {
        var writer = Writer()
        // Split on the byte: a line feed is always a character of its own, and splitting by characters costs
        // a grapheme break check per character.
        var lines = TextExtractor.lines(TextExtractor.normalizingLineEndings(source))
        var metadata: [String: JSONValue] = [:]
        var title: String?
        if let frontMatter = FrontMatter.parse(lines) {
            lines.removeFirst(frontMatter.lineCount)
            metadata = frontMatter.values.mapValues { JSONValue.string($0) }
            title = frontMatter.values["title"]
            metadata["title"] = nil
        }

        var fence: (marker: Character, length: Int)?
        var inComment = false
        var paragraph: [Substring] = []
        var index = 0

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            writer.block(paragraph.map { Inline.reduce($0) })
            paragraph.removeAll()
        }

        while index < lines.count {
            let line = lines[index]
            index += 1

            if let open = fence {
                writer.verbatim(line)
                if Self.closesFence(line, marker: open.marker, length: open.length) {
                    fence = nil
                    writer.endBlock()
                }
                continue
            }
            if inComment {
                if line.contains("-->") { inComment = false }
                continue
            }
            // Leading spaces, counted as bytes (not by counting the characters of the whole line twice).
            let indent = line.utf8.prefix { $0 == UInt8(ascii: " ") }.count
            let trimmed = line.dropFirst(indent)
            if indent < 4, let opened = Self.opensFence(trimmed) {
                flushParagraph()
                fence = opened
                writer.startVerbatim()
                writer.verbatim(line)
                continue
            }
            if indent < 4, trimmed.hasPrefix("<!--") {
                if !trimmed.contains("-->") { inComment = true }
                continue
            }
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flushParagraph()
                continue
            }
            if indent < 4, let heading = Self.atxHeading(trimmed) {
                flushParagraph()
                writer.heading(level: heading.level, title: Inline.reduce(heading.text))
                continue
            }
            if indent < 4, !paragraph.isEmpty, let level = Self.setextLevel(trimmed) {
                let text = paragraph.map { Inline.reduce($0).trimmingMarkdownSpaces() }.joined(separator: " ")
                paragraph.removeAll()
                writer.heading(level: level, title: text)
                continue
            }
            if indent < 4, Self.isReferenceDefinition(trimmed) {
                continue
            }
            paragraph.append(line)
        }
        flushParagraph()

        let headings = writer.headings
        if title == nil { title = headings.first { $0.level == 1 }?.title }
        return ExtractedText(
            text: writer.finish(), title: title, mediaType: mediaType, headings: headings, metadata: metadata)
    }

    // MARK: Block syntax

    /// `#`…`######` then a space or the end: the level and the text without the closing sequence.
    static func atxHeading(_ line: Substring) -> (level: Int, text: Substring)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        var rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        while let last = rest.last, last == " " || last == "\t" { rest = rest.dropLast() }
        // A closing run of `#` counts only after a space (or when it is all there is).
        let closing = rest.reversed().prefix { $0 == "#" }.count
        if closing > 0 {
            let before = rest.dropLast(closing)
            if before.isEmpty || before.last == " " || before.last == "\t" {
                rest = before
                while let last = rest.last, last == " " || last == "\t" { rest = rest.dropLast() }
            }
        }
        return (hashes, rest)
    }

    /// `===` (level 1) or `---` (level 2) under a paragraph line.
    static func setextLevel(_ line: Substring) -> Int? {
        var body = line
        while let last = body.last, last == " " || last == "\t" { body = body.dropLast() }
        guard let first = body.first, first == "=" || first == "-", body.allSatisfy({ $0 == first }) else {
            return nil
        }
        return first == "=" ? 1 : 2
    }

    /// Three or more backticks or tildes open a fence.
    static func opensFence(_ line: Substring) -> (marker: Character, length: Int)? {
        guard let marker = line.first, marker == "`" || marker == "~" else { return nil }
        let length = line.prefix { $0 == marker }.count
        guard length >= 3 else { return nil }
        // A backtick fence's info string may not contain a backtick.
        if marker == "`" && line.dropFirst(length).contains("`") { return nil }
        return (marker, length)
    }

    /// A line of at least as many of the same marker, and nothing else, closes the fence.
    static func closesFence(_ line: Substring, marker: Character, length: Int) -> Bool {
        let trimmed = line.drop { $0 == " " }
        guard line.count - trimmed.count < 4 else { return false }
        let run = trimmed.prefix { $0 == marker }.count
        return run >= length && trimmed.dropFirst(run).allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// `[label]: destination` on a line of its own.
    static func isReferenceDefinition(_ line: Substring) -> Bool {
        guard line.first == "[", let close = line.firstIndex(of: "]") else { return false }
        let after = line[line.index(after: close)...]
        guard after.first == ":", line.index(after: line.startIndex) < close else { return false }
        return !after.dropFirst().trimmingMarkdownSpaces().isEmpty
    }

    // MARK: Output

    /// Builds the text block by block, counting Unicode scalars for heading offsets.
    struct Writer {
        private var text = ""
        private var scalars = 0
        private var needsBlankLine = false
        private var inVerbatim = false
        private(set) var headings: [HeadingMark] = []

        private mutating func append(_ string: some StringProtocol) {
            text += string
            scalars += string.unicodeScalars.count
        }

        private mutating func separate() {
            if needsBlankLine {
                append("\n\n")
                needsBlankLine = false
            }
        }

        mutating func heading(level: Int, title: String) {
            // Emphasis and code markers say nothing in a heading path: `## *Deep* `code`` reads `Deep code`.
            let title = title.filter { $0 != "*" && $0 != "`" }.trimmingMarkdownSpaces()
            guard !title.isEmpty else { return }
            separate()
            headings.append(HeadingMark(level: level, title: title, offset: scalars))
            append(title)
            needsBlankLine = true
        }

        mutating func block(_ lines: [String]) {
            separate()
            for (index, line) in lines.enumerated() {
                if index > 0 { append("\n") }
                append(line)
            }
            needsBlankLine = true
        }

        mutating func startVerbatim() {
            separate()
            inVerbatim = false
        }

        mutating func verbatim(_ line: Substring) {
            if inVerbatim { append("\n") }
            append(line)
            inVerbatim = true
        }

        mutating func endBlock() {
            inVerbatim = false
            needsBlankLine = true
        }

        func finish() -> String { text }
    }

    /// Inline syntax: links and images reduced to their text, autolinks to their URL, code spans untouched.
    enum Inline {
        static func reduce(_ line: Substring) -> String {
            // Most lines have no inline markup: `\`, backticks, `<` and `[` (an image's `!` needs a `[`) start all of it.
            if !line.utf8.contains(where: { $0 == 0x5C || $0 == 0x60 || $0 == 0x3C || $0 == 0x5B }) { return String(line) }
            let chars = Array(line)
            var out = ""
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == "\\", i + 1 < chars.count, "[]()!<>`\\".contains(chars[i + 1]) {
                    out.append(chars[i])
                    out.append(chars[i + 1])
                    i += 2
                    continue
                }
                if c == "`" {
                    let run = countRun(chars, from: i, of: "`")
                    if let close = findCodeSpanEnd(chars, from: i + run, run: run) {
                        out += String(chars[i..<(close + run)])
                        i = close + run
                        continue
                    }
                    out += String(chars[i..<(i + run)])
                    i += run
                    continue
                }
                if c == "<", let end = autolinkEnd(chars, from: i) {
                    out += String(chars[(i + 1)..<end])
                    i = end + 1
                    continue
                }
                let image = c == "!" && i + 1 < chars.count && chars[i + 1] == "["
                if c == "[" || image {
                    let open = image ? i + 1 : i
                    if let close = matching(chars, from: open, open: "[", close: "]") {
                        let label = String(chars[(open + 1)..<close])
                        if close + 1 < chars.count, chars[close + 1] == "(",
                            let end = matching(chars, from: close + 1, open: "(", close: ")")
                        {
                            out += reduce(Substring(label))
                            i = end + 1
                            continue
                        }
                        if close + 1 < chars.count, chars[close + 1] == "[",
                            let end = matching(chars, from: close + 1, open: "[", close: "]"), !label.isEmpty
                        {
                            out += reduce(Substring(label))
                            i = end + 1
                            continue
                        }
                    }
                }
                out.append(c)
                i += 1
            }
            return out
        }

        private static func countRun(_ chars: [Character], from start: Int, of c: Character) -> Int {
            var i = start
            while i < chars.count && chars[i] == c { i += 1 }
            return i - start
        }

        private static func findCodeSpanEnd(_ chars: [Character], from start: Int, run: Int) -> Int? {
            var i = start
            while i < chars.count {
                if chars[i] == "`" {
                    let length = countRun(chars, from: i, of: "`")
                    if length == run { return i }
                    i += length
                } else {
                    i += 1
                }
            }
            return nil
        }

        /// `<scheme:…>` or `<user@host>` without spaces: the index of `>`.
        private static func autolinkEnd(_ chars: [Character], from start: Int) -> Int? {
            var i = start + 1
            var sawColonOrAt = false
            while i < chars.count {
                let c = chars[i]
                if c == ">" { return sawColonOrAt && i > start + 1 ? i : nil }
                if c == " " || c == "<" || c == "\t" { return nil }
                if c == ":" || c == "@" { sawColonOrAt = true }
                i += 1
            }
            return nil
        }

        /// The index of the bracket matching the one at `start`, honouring nesting and backslash escapes.
        private static func matching(_ chars: [Character], from start: Int, open: Character, close: Character) -> Int? {
            var depth = 0
            var i = start
            while i < chars.count {
                let c = chars[i]
                if c == "\\" {
                    i += 2
                    continue
                }
                if c == open { depth += 1 }
                if c == close {
                    depth -= 1
                    if depth == 0 { return i }
                }
                i += 1
            }
            return nil
        }
    }
}

/// Front matter at the very start of a Markdown file.
private struct FrontMatter {
    var lineCount: Int
    var values: [String: String]

    /// `---` … `---` (YAML, or `...` as the end) or `+++` … `+++` (TOML): one-line scalar values only.
    static func parse(_ lines: [Substring]) -> FrontMatter? {
        guard let first = lines.first?.trimmingMarkdownSpaces(), first == "---" || first == "+++" else { return nil }
        let separator: Character = first == "+++" ? "=" : ":"
        var values: [String: String] = [:]
        for index in 1..<min(lines.count, 200) {
            let line = lines[index].trimmingMarkdownSpaces()
            if line == first || (first == "---" && line == "...") {
                return FrontMatter(lineCount: index + 1, values: values)
            }
            guard let split = line.firstIndex(of: separator) else { continue }
            let key = line[..<split].trimmingMarkdownSpaces()
            var value = line[line.index(after: split)...].trimmingMarkdownSpaces()
            guard !key.isEmpty, !key.contains(" "), !value.isEmpty else { continue }
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingMarkdownSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
