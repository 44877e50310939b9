import Foundation
import NightshiftCore

/// One record of a JSON Lines file, ready to ingest as a document of its own.
public struct JSONLinesRecord: Sendable, Hashable {
    /// 1-based line number in the file.
    public var lineNumber: Int
    /// The identity field's value (a string, or a number written without a fraction), if asked for and present.
    public var id: String?
    /// The title field's value, if asked for and present.
    public var title: String?
    /// The text field's value, line endings normalised to `\n`.
    public var text: String

    /// A record from its parts.
    public init(lineNumber: Int, id: String?, title: String?, text: String) {
        self.lineNumber = lineNumber
        self.id = id
        self.title = title
        self.text = text
    }

    /// The record as extracted text (`application/jsonl`), with its id and line in the metadata.
    public var extractedText: ExtractedText {
        var metadata: [String: JSONValue] = ["line": .number(Double(lineNumber))]
        if let id { metadata["id"] = .string(id) }
        return ExtractedText(text: text, title: title, mediaType: JSONLinesExtractor.mediaType, metadata: metadata)
    }
}

/// A line that gave no record, and why.
public struct JSONLinesSkip: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var lineNumber: Int
    /// Why it was skipped (`not valid JSON`, `no string field "text"`, …).
    public var reason: String

    /// A skip from its parts.
    public init(lineNumber: Int, reason: String) {
        self.lineNumber = lineNumber
        self.reason = reason
    }

    /// `line 7: not valid JSON`.
    public var description: String { "line \(lineNumber): \(reason)" }
}

/// What a JSON Lines file gave: its records and the lines skipped.
public struct JSONLinesExtraction: Sendable, Hashable {
    /// Records in file order.
    public var records: [JSONLinesRecord]
    /// Lines that gave no record, in file order.
    public var skips: [JSONLinesSkip]
    /// Repairs made while decoding the file (see `TextExtractor.decode`).
    public var warnings: [String]

    /// All records as one document: one paragraph per record, each titled record starting with its title as a
    /// level-1 heading; skips and repairs become warnings.
    public var combined: ExtractedText {
        var text = ""
        var scalars = 0
        var headings: [HeadingMark] = []
        for record in records {
            if !text.isEmpty {
                text += "\n\n"
                scalars += 2
            }
            if let title = record.title, !title.isEmpty {
                headings.append(HeadingMark(level: 1, title: title, offset: scalars))
                text += title + "\n\n"
                scalars += title.unicodeScalars.count + 2
            }
            text += record.text
            scalars += record.text.unicodeScalars.count
        }
        return ExtractedText(
            text: text, mediaType: JSONLinesExtractor.mediaType, headings: headings,
            metadata: ["records": .number(Double(records.count))],
            warnings: warnings + skips.map(\.description))
    }
}

/// JSON Lines: one JSON object per line; each gives a record `(id, title, text)` from named fields.
///
/// Field names may be dotted paths into nested objects (`meta.title`) when no top-level key has the full name. A
/// line that is blank is ignored; a line that is not a JSON object, or lacks a non-empty string text field, is a
/// skip naming its line number, and the other lines continue. CR LF line endings are accepted.
public enum JSONLinesExtractor {
    /// The media type recorded on JSON Lines documents.
    public static let mediaType = "application/jsonl"

    /// Reads every line; throws only when the bytes are not text (see `TextExtractor.decode`).
    public static func extract(
        data: [UInt8], textField: String, titleField: String? = nil, idField: String? = nil
    ) throws -> JSONLinesExtraction {
        let decoded = try TextExtractor.decode(data)
        var records: [JSONLinesRecord] = []
        var skips: [JSONLinesSkip] = []
        var lineNumber = 0
        // Lines split on the byte (a line feed is always a character of its own).
        for line in TextExtractor.lines(decoded.text) {
            lineNumber += 1
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(String(line))
            } catch {
                skips.append(JSONLinesSkip(lineNumber: lineNumber, reason: "not valid JSON"))
                continue
            }
            guard case .object = value else {
                skips.append(JSONLinesSkip(lineNumber: lineNumber, reason: "not a JSON object"))
                continue
            }
            guard let text = field(textField, in: value)?.stringValue else {
                skips.append(JSONLinesSkip(lineNumber: lineNumber, reason: "no string field \"\(textField)\""))
                continue
            }
            guard text.contains(where: { !$0.isWhitespace }) else {
                skips.append(JSONLinesSkip(lineNumber: lineNumber, reason: "empty \"\(textField)\""))
                continue
            }
            let title = titleField.flatMap { field($0, in: value)?.stringValue }
            let id = idField.flatMap { identity(field($0, in: value)) }
            records.append(
                JSONLinesRecord(
                    lineNumber: lineNumber, id: id, title: title,
                    text: TextExtractor.normalizingLineEndings(text)))
        }
        return JSONLinesExtraction(records: records, skips: skips, warnings: decoded.warnings)
    }

    /// A top-level key, or else a dotted path through nested objects.
    static func field(_ name: String, in value: JSONValue) -> JSONValue? {
        if let direct = value[name] { return direct }
        guard name.contains(".") else { return nil }
        var current = value
        for part in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// A string id as it is; a whole number without its fraction (`12`, not `12.0`).
    static func identity(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let string): return string
        case .number(let number):
            if let whole = JSONValue.number(number).intValue { return String(whole) }
            return String(number)
        default: return nil
        }
    }
}
