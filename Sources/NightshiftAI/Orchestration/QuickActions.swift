import NightshiftCore

/// A quick action: an `@word` token in a chat message that forces an agent (`@book`, `@insights`, …).
///
/// The design's general agent tells users to "use the appropriate quick action (@book, @insights, etc.)"; the apps
/// offer them as chips. A token counts when it starts the message or follows whitespace or an opening bracket, and
/// ends at whitespace, punctuation or the end, so `me@book.com` and `@bookkeeping` are not actions. Case does not
/// matter.
public struct QuickAction: Sendable, Hashable, CustomStringConvertible {
    /// The token without its `@`, lower-case (`book`, `follow-up`).
    public var name: String
    /// The agent it forces.
    public var agent: AgentType

    /// A quick action.
    public init(name: String, agent: AgentType) {
        self.name = name
        self.agent = agent
    }

    /// Every token recognised: the design's (`@book`, `@session`, `@insights`, `@followup`, `@help`) first, then
    /// `@general` and the spellings people type anyway (`@booking`, `@insight`, `@follow-up`, …).
    public static let all: [QuickAction] = [
        QuickAction(name: "book", agent: .booking),
        QuickAction(name: "session", agent: .session),
        QuickAction(name: "insights", agent: .insights),
        QuickAction(name: "followup", agent: .followup),
        QuickAction(name: "help", agent: .general),
        QuickAction(name: "general", agent: .general),
        QuickAction(name: "booking", agent: .booking),
        QuickAction(name: "sessions", agent: .session),
        QuickAction(name: "insight", agent: .insights),
        QuickAction(name: "follow-up", agent: .followup),
        QuickAction(name: "follow_up", agent: .followup),
    ]

    private static let byName: [String: QuickAction] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The action a token names (`"@Book"`, `"book"`), or nil.
    public static func named(_ token: String) -> QuickAction? {
        var name = token.lowercased()
        if name.hasPrefix("@") { name.removeFirst() }
        return byName[name]
    }

    /// The first quick action in `message`, with the message stripped of every quick-action token; nil when
    /// there is none.
    ///
    /// Later tokens naming another agent do not change the choice (the first one wins, as a reader would
    /// expect) but are reported in `ignored`, and removed from the message too: they are commands, not content.
    public static func match(in message: String) -> QuickActionMatch? {
        let scalars = Array(message.unicodeScalars)
        var found: [(action: QuickAction, range: Range<Int>)] = []
        var index = 0
        while index < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "@", index == 0 || opensToken(scalars[index - 1]) else { continue }
            var end = index + 1
            while end < scalars.count, isNameScalar(scalars[end]) { end += 1 }
            // A trailing `-` or `_` is punctuation (`@book-`), not part of the name.
            while end > index + 1, scalars[end - 1] == "-" || scalars[end - 1] == "_" { end -= 1 }
            guard end > index + 1, closesToken(scalars, at: end) else { continue }
            let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
            guard let action = named(name) else { continue }
            found.append((action, index..<end))
            index = end - 1
        }
        guard let first = found.first else { return nil }

        var kept = String.UnicodeScalarView()
        var position = 0
        for item in found {
            kept.append(contentsOf: scalars[position..<item.range.lowerBound])
            position = item.range.upperBound
            // `@book: Friday` and `@book, Friday`: the separator belonged to the token.
            if position < scalars.count, scalars[position] == ":" || scalars[position] == "," { position += 1 }
            // `I need @book.`: the sentence's punctuation closes up to the word before.
            if position < scalars.count, ".!?;)".unicodeScalars.contains(scalars[position]) {
                while let last = kept.last, last.properties.isWhitespace { kept.removeLast() }
            }
        }
        kept.append(contentsOf: scalars[position...])
        let cleaned = String(kept).split(whereSeparator: \.isWhitespace).joined(separator: " ")

        var ignored: [QuickAction] = []
        for item in found.dropFirst() where item.action.agent != first.action.agent && !ignored.contains(item.action) {
            ignored.append(item.action)
        }
        return QuickActionMatch(action: first.action, message: cleaned, ignored: ignored)
    }

    /// `@book`.
    public var description: String { "@" + name }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || scalar == "-" || scalar == "_")
    }

    private static func opensToken(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "(" || scalar == "[" || scalar == "\"" || scalar == "'"
    }

    /// A token ends at the end of the text or at whitespace or punctuation, except a `.` or `@` that continues a
    /// word (`@book.com`, `@book@x`) and letters or digits of any script.
    private static func closesToken(_ scalars: [Unicode.Scalar], at end: Int) -> Bool {
        guard end < scalars.count else { return true }
        let next = scalars[end]
        if next.properties.isAlphabetic || next.properties.numericType != nil || next == "@" { return false }
        if next == "." || next == "-" || next == "_", end + 1 < scalars.count {
            let after = scalars[end + 1]
            return !(after.properties.isAlphabetic || after.properties.numericType != nil)
        }
        return true
    }
}

/// A quick action found in a message.
public struct QuickActionMatch: Sendable, Hashable {
    /// The action that decides the agent: the first in the message.
    public var action: QuickAction
    /// The message without its quick-action tokens, whitespace collapsed; may be empty (`"@book"` alone).
    public var message: String
    /// Later tokens that named other agents and were not followed.
    public var ignored: [QuickAction]
}
