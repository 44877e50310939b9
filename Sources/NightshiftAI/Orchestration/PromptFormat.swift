import Foundation
import NightshiftCore

/// The text of a prompt's context section, written and read back in one place so the two cannot drift apart.
///
/// ```
/// ## Context
/// Answer from the sources below when they are relevant, and cite … like [1] or [1][3]. …
///
/// ### Sources
/// [1] Cancellation policy
/// Source: file:///kb/policies.md
/// Section: Policies › Cancellation
/// > Bookings can be cancelled free of charge up to 24 hours before the session.
/// >
/// > Later cancellations are charged half the price.
///
/// ### About the user
/// Remembered preferences and facts, most certain first:
/// - preferred_session_time (preference, confidence 0.90): "mornings"
/// ```
///
/// Every line the section holds is one of: a fixed heading or instruction, a source header `[n] title`, its
/// `Source:` and `Section:` lines, a quoted content line (`> …` or `>`), a fact line (`- key (kind…): json`), or a
/// blank line. Retrieved text only ever appears quoted, so it cannot be mistaken for structure when read back.
enum PromptFormat {
    /// The line that opens the context section.
    static let contextHeading = "## Context"
    static let instructions = """
        Answer from the sources below when they are relevant, and cite each source you use by its number in \
        square brackets, like [1] or [1][3], right after the statement it supports. If the sources do not cover \
        the question, say so instead of making facts up.
        """
    static let sourcesHeading = "### Sources"
    static let noSources = "None: no knowledge-base passage is available for this question."
    static let factsHeading = "### About the user"
    static let factsIntroduction = "Remembered preferences and facts, most certain first:"
    static let sourcePrefix = "Source: "
    static let sectionPrefix = "Section: "
    static let headingSeparator = " › "

    // MARK: - Writing

    /// The system message: the agent's prompt, then the context section.
    static func systemMessage(prompt: String, sources: [PromptSource], facts: [PromptFact]) -> String {
        systemMessage(
            head: head(prompt: prompt), blocks: sources.map(block(for:)), factLines: facts.map(line(for:)))
    }

    /// The system message from its parts, which `PromptBuilder` renders and counts once each: the head, the source
    /// blocks and the fact lines. Every part ends with a line break and the next starts a line with `[`, `#` or
    /// `-`, so token estimates of the parts add up to the estimate of the whole (but for the last line break,
    /// which is dropped: it would cost a token and say nothing).
    static func systemMessage(head: String, blocks: [String], factLines: [String]) -> String {
        var text = head
        if blocks.isEmpty {
            text += emptySources
        } else {
            for block in blocks { text += block }
        }
        if !factLines.isEmpty {
            text += factsHead
            for line in factLines { text += line }
        }
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The agent's prompt, the context heading, the instructions and the sources heading.
    static func head(prompt: String) -> String {
        var text = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { text += "\n\n" }
        return text + contextHeading + "\n" + instructions + "\n\n" + sourcesHeading + "\n"
    }

    /// What stands in the sources' place when there are none.
    static let emptySources = noSources + "\n\n"

    /// The opening lines of the facts section.
    static let factsHead = factsHeading + "\n" + factsIntroduction + "\n"

    /// One source: its header lines, its text quoted line by line, then a blank line.
    static func block(for source: PromptSource) -> String {
        var text = "[\(source.number)]"
        if let title = source.title { text += " " + title }
        text += "\n"
        if let uri = source.sourceURI { text += sourcePrefix + uri + "\n" }
        if !source.headingPath.isEmpty {
            text += sectionPrefix + source.headingPath.joined(separator: headingSeparator) + "\n"
        }
        // Quoted on bytes: splitting a long text into `Character`s would dominate the cost of a prompt.
        let content = source.content.utf8
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.count + content.count / 32 + 8)
        for line in content.split(separator: 0x0A, omittingEmptySubsequences: false) {
            bytes.append(UInt8(ascii: ">"))
            if !line.isEmpty {
                bytes.append(0x20)
                bytes.append(contentsOf: line)
            }
            bytes.append(0x0A)
        }
        bytes.append(0x0A)
        return text + String(decoding: bytes, as: UTF8.self)
    }

    /// One fact's line, ending with a line break.
    static func line(for fact: PromptFact) -> String {
        factLine(fact) + "\n"
    }

    private static func factLine(_ fact: PromptFact) -> String {
        var qualifier = fact.kind.rawValue
        if let confidence = fact.confidence { qualifier += ", confidence " + formatConfidence(confidence) }
        return "- \(fact.key) (\(qualifier)): \(fact.value.jsonText)"
    }

    /// `0.90`: two decimals, computed without locale-dependent formatting.
    static func formatConfidence(_ value: Double) -> String {
        let hundredths = Int((min(max(value, 0), 1) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    // MARK: - Normalising the parts

    /// Text on one line: line breaks and tabs become spaces, runs of spaces one, ends trimmed.
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A heading on one line, without the separator the section line joins headings with.
    static func heading(_ text: String) -> String {
        singleLine(text).replacingOccurrences(of: headingSeparator, with: " > ")
    }

    /// A fact key on one line, without the parenthesis that ends it in a fact line.
    static func factKey(_ key: String) -> String {
        singleLine(key.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " "))
    }

    /// Chunk text with `\n` line breaks, trimmed of blank space at both ends.
    static func normalisedContent(_ text: String) -> String {
        var text = text
        if text.utf8.contains(0x0D) {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    // MARK: - Reading back

    /// The sources and facts of the last context section in `system`; empty when there is none.
    static func parse(_ system: String) -> (sources: [PromptSource], facts: [PromptFact]) {
        let lines = system.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.lastIndex(where: { $0 == contextHeading }) else { return ([], []) }

        enum Part { case preamble, sources, facts }
        var part = Part.preamble
        var sources: [PromptSource] = []
        var facts: [PromptFact] = []
        var contentLines: [Substring] = []
        // Source and Section lines belong to a header only until its first content line.
        var inHeader = false

        func finishSource() {
            guard !sources.isEmpty, !contentLines.isEmpty else { return }
            sources[sources.count - 1].content = contentLines.joined(separator: "\n")
            contentLines = []
        }

        for line in lines[(start + 1)...] {
            if line == sourcesHeading {
                part = .sources
                continue
            }
            if line == factsHeading {
                finishSource()
                part = .facts
                continue
            }
            switch part {
            case .preamble:
                continue
            case .sources:
                if let (number, title) = header(line), number == sources.count + 1 {
                    finishSource()
                    sources.append(PromptSource(number: number, content: "", title: title))
                    inHeader = true
                } else if line.hasPrefix(">"), !sources.isEmpty {
                    contentLines.append(line.dropFirst(line.hasPrefix("> ") ? 2 : 1))
                    inHeader = false
                } else if inHeader, line.hasPrefix(sourcePrefix) {
                    sources[sources.count - 1].sourceURI = String(line.dropFirst(sourcePrefix.count))
                } else if inHeader, line.hasPrefix(sectionPrefix) {
                    sources[sources.count - 1].headingPath = line.dropFirst(sectionPrefix.count)
                        .components(separatedBy: headingSeparator)
                }
            case .facts:
                if let fact = fact(line) { facts.append(fact) }
            }
        }
        finishSource()
        return (sources, facts)
    }

    /// `[12] Title` → (12, "Title"); `[3]` → (3, nil).
    private static func header(_ line: Substring) -> (Int, String?)? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        guard let number = Int(line[line.index(after: line.startIndex)..<close]), number > 0 else { return nil }
        let rest = line[line.index(after: close)...]
        if rest.isEmpty { return (number, nil) }
        guard rest.hasPrefix(" ") else { return nil }
        return (number, String(rest.dropFirst()))
    }

    /// `- key (kind, confidence 0.90): json` → a fact; nil for any other line.
    private static func fact(_ line: Substring) -> PromptFact? {
        guard line.hasPrefix("- ") else { return nil }
        let body = line.dropFirst(2)
        guard let open = body.range(of: " ("), let close = body.range(of: "): ", range: open.upperBound..<body.endIndex)
        else { return nil }
        let key = String(body[..<open.lowerBound])
        let qualifier = body[open.upperBound..<close.lowerBound].components(separatedBy: ", confidence ")
        guard let kind = qualifier.first.flatMap(MemoryFact.Kind.init(rawValue:)) else { return nil }
        let confidence = qualifier.count > 1 ? Double(qualifier[1]) : nil
        let json = String(body[close.upperBound...])
        let value = (try? JSONValue.parse(json)) ?? .string(json)
        return PromptFact(kind: kind, key: key, value: value, confidence: confidence)
    }
}
