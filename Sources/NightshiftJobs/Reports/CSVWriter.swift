/// RFC 4180 CSV: a header row, fields quoted when they hold the delimiter (a comma unless another is chosen, such
/// as `;` for spreadsheets set to a decimal comma), a quote, CR or LF, quotes doubled; UTF-8.
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
    public var delimiter: Character
    public private(set) var output = ""

    public init(crlf: Bool = false, delimiter: Character = ",") {
        lineEnding = crlf ? "\r\n" : "\n"
        self.delimiter = delimiter
    }

    /// Checks a delimiter given on the command line: one character, not a quote, CR or LF. Returns the problem.
    public static func delimiterProblem(_ text: String) -> String? {
        guard text.count == 1, let character = text.first else {
            return "--delimiter must be one character (got \(text.count))"
        }
        if character == "\"" || character == "\n" || character == "\r" || character == "\r\n" {
            return "--delimiter cannot be a quote or a line break"
        }
        if character.isLetter || character.isNumber {
            return "--delimiter cannot be a letter or a digit"
        }
        return nil
    }

    /// Appends a header row.
    public mutating func header(_ names: [String]) {
        row(names.map(Field.text))
    }

    /// Appends a row.
    public mutating func row(_ fields: [Field]) {
        output += fields.map { Self.encode($0, delimiter: delimiter) }.joined(separator: String(delimiter))
        output += lineEnding
    }

    static func encode(_ field: Field, delimiter: Character = ",") -> String {
        switch field {
        case .empty: return ""
        case .number(let text): return text.contains(delimiter) ? "\"" + text + "\"" : text
        case .text(var text):
            if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
                text = "'" + text
            }
            let needsQuotes = text.contains { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            guard needsQuotes else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
