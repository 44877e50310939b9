/// RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote, CR or LF, quotes doubled; UTF-8.
///
/// Text fields that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are
/// neutralised with a leading `'` (OWASP's advice against CSV injection). Numbers are written by the caller as
/// `.number` and never altered.
public struct CSVWriter: Sendable {
    /// A field's kind: text is guarded against formulas; numbers are written as given.
    public enum Field: Sendable, Hashable {
        case text(String)
        case number(String)
        case empty
    }

    public var lineEnding: String
    public private(set) var output = ""

    public init(crlf: Bool = false) {
        lineEnding = crlf ? "\r\n" : "\n"
    }

    /// Appends a header row.
    public mutating func header(_ names: [String]) {
        row(names.map(Field.text))
    }

    /// Appends a row.
    public mutating func row(_ fields: [Field]) {
        output += fields.map(Self.encode).joined(separator: ",")
        output += lineEnding
    }

    static func encode(_ field: Field) -> String {
        switch field {
        case .empty: return ""
        case .number(let text): return text
        case .text(var text):
            if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
                text = "'" + text
            }
            let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            guard needsQuotes else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
