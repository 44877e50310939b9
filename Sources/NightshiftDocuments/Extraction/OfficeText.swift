import NightshiftCore

/// Lays out the blocks of a word-processing document as text: blocks separated by a blank line, list items and
/// table rows by a line break, with heading marks at Unicode-scalar offsets (as `ExtractedText` counts them).
struct OfficeTextBuilder {
    /// What a block is, which decides the separator before the next one.
    enum Block: Equatable {
        case paragraph
        case listItem
        case table
    }

    private(set) var text = ""
    private(set) var headings: [HeadingMark] = []
    private var scalarCount = 0
    private var lastBlock: Block?

    /// Appends a block (trimmed; an empty one is dropped), marking it as a heading when `headingLevel` is given;
    /// `prefix` (a list marker with its indentation) goes before the trimmed text.
    mutating func append(
        _ block: String, as kind: Block = .paragraph, headingLevel: Int? = nil, prefix: String = ""
    ) {
        let body = Self.trim(block)
        guard !body.isEmpty else { return }
        let trimmed = prefix + body
        if lastBlock != nil {
            let separator = kind == .listItem && lastBlock == .listItem ? "\n" : "\n\n"
            text += separator
            scalarCount += separator.unicodeScalars.count
        }
        if let level = headingLevel {
            headings.append(
                HeadingMark(level: min(max(level, 1), 6), title: Self.singleLine(trimmed), offset: scalarCount))
        }
        text += trimmed
        scalarCount += trimmed.unicodeScalars.count
        lastBlock = kind
    }

    /// Adds another document's text as further blocks (an EPUB chapter), keeping its headings.
    mutating func append(_ other: ExtractedText) {
        let trimmed = Self.trim(other.text)
        guard !trimmed.isEmpty else { return }
        let leading = other.text.unicodeScalars.prefix { $0.properties.isWhitespace }.count
        if lastBlock != nil {
            text += "\n\n"
            scalarCount += 2
        }
        let base = scalarCount - leading
        for heading in other.headings {
            headings.append(
                HeadingMark(level: heading.level, title: heading.title, offset: max(base + heading.offset, scalarCount))
            )
        }
        text += trimmed
        scalarCount += trimmed.unicodeScalars.count
        lastBlock = .paragraph
    }

    /// The text without leading and trailing whitespace lines and spaces.
    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Whitespace runs (newlines, tabs) collapsed to one space: a heading title on one line.
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// The list-number styles of DOCX and ODT, rendered as list prefixes.
enum OfficeListFormat: Equatable {
    case bullet
    case none
    case decimal
    case lowerLetter
    case upperLetter
    case lowerRoman
    case upperRoman

    /// The marker of item `number` at nesting `level` (0-based): `- `, `3. `, `c. `, `iv. `.
    func prefix(number: Int, level: Int) -> String {
        let indent = String(repeating: "  ", count: max(0, min(level, 8)))
        switch self {
        case .bullet: return indent + "- "
        case .none: return indent
        case .decimal: return indent + "\(number). "
        case .lowerLetter: return indent + Self.letters(number) + ". "
        case .upperLetter: return indent + Self.letters(number).uppercased() + ". "
        case .lowerRoman: return indent + Self.roman(number) + ". "
        case .upperRoman: return indent + Self.roman(number).uppercased() + ". "
        }
    }

    private static func letters(_ number: Int) -> String {
        var n = max(number, 1)
        var out = ""
        while n > 0 {
            n -= 1
            out = String(UnicodeScalar(UInt8(97 + n % 26))) + out
            n /= 26
        }
        return out
    }

    private static func roman(_ number: Int) -> String {
        guard number > 0, number < 4000 else { return "\(number)" }
        let table: [(Int, String)] = [
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
            (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        ]
        var n = number
        var out = ""
        for (value, symbol) in table {
            while n >= value {
                out += symbol
                n -= value
            }
        }
        return out
    }
}

/// The parts of a zip-based document (DOCX, ODT, EPUB) that an extractor asked for, read from memory with the
/// archive limits; a part that fails to read is left out with a warning.
struct OfficePackage {
    /// Part path → bytes.
    var parts: [String: [UInt8]] = [:]
    /// Every entry path, in archive order.
    var names: [String] = []
    /// Parts that could not be read, with libarchive's reason.
    var warnings: [String] = []
    /// Why each wanted part that failed to read failed (a limit, a damaged entry).
    var failures: [String: DocumentSkip] = [:]

    /// Reads the entries `wanted` selects from a zip in memory.
    ///
    /// - Throws: a `corrupt` skip when the zip cannot be opened or lists no entry at all.
    init(data: [UInt8], name: String, limits: ArchiveLimits, wanted: (String) -> Bool) throws {
        let reader = try ArchiveReader(bytes: data, name: name, limits: limits)
        while !reader.isFinished {
            var path: String?
            do {
                guard let entry = try reader.nextEntry() else { break }
                names.append(entry.path)
                if entry.kind == .file && wanted(entry.path) {
                    path = entry.path
                    parts[entry.path] = try reader.readData()
                }
            } catch let skip as DocumentSkip {
                if skip.kind == .limit && reader.isFinished { throw skip }
                if let path { failures[path] = skip }
                warnings.append(skip.reason)
            }
        }
        if names.isEmpty {
            throw DocumentSkip(.corrupt, warnings.first ?? "\(name): no entries")
        }
    }

    /// The reason a required part is missing: its own read failure (a limit keeps its kind), or `corrupt`.
    func missing(_ part: String, in description: String) -> DocumentSkip {
        if let failure = failures[part] {
            return DocumentSkip(failure.kind, "\(description): \(failure.reason)")
        }
        return DocumentSkip(.corrupt, "\(description) has no \(part)" + (warnings.first.map { " (\($0))" } ?? ""))
    }
}

/// Collects the text of simple metadata elements (`dc:title`, `meta:keyword`) from a metadata part.
final class OfficeMetadataHandler: OfficeXMLHandler {
    /// Local name → the first non-empty value seen, for the names asked for.
    private(set) var values: [String: String] = [:]
    private let names: Set<String>
    private var current: String?
    private var buffer: [UInt8] = []

    init(names: Set<String>) {
        self.names = names
    }

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        if names.contains(name.local) && values[name.local] == nil {
            current = name.local
            buffer = []
        }
    }

    func endElement(_ name: OfficeXMLName) {
        guard let key = current, key == name.local else { return }
        let value = OfficeTextBuilder.singleLine(String(decoding: buffer, as: UTF8.self))
        if !value.isEmpty { values[key] = value }
        current = nil
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        if current != nil { buffer.append(contentsOf: text) }
    }

    /// The values as document metadata (`author`, `language`, …), under the names ingestion reports; the first
    /// element named for a key wins.
    func metadata(_ mapping: [(element: String, key: String)]) -> [String: JSONValue] {
        var metadata: [String: JSONValue] = [:]
        for (local, key) in mapping {
            if let value = values[local], metadata[key] == nil { metadata[key] = .string(value) }
        }
        return metadata
    }
}
