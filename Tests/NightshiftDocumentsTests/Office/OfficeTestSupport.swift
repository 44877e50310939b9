import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

/// A committed fixture made by the real library for its format (see Resources/office/make_fixtures.py).
func officeFixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Resources/office/\(name)", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

/// The Unicode-scalar offset of `needle` in `text` (how `HeadingMark.offset` counts).
func scalarOffset(of needle: String, in text: String) -> Int? {
    guard let range = text.range(of: needle) else { return nil }
    return text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: range.lowerBound)
}

/// The offset of the first occurrence of `needle` in `haystack`.
func findBytes(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
    }
    return nil
}

/// The skip `body` throws, or nil when it returns or throws anything else.
func thrownSkip<T>(_ body: () throws -> T) -> DocumentSkip? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? DocumentSkip
    }
}

/// The headings as "level title", flagged when the offset does not point at the title in the text.
func checkHeadings(_ extracted: ExtractedText) -> [String] {
    let scalars = Array(extracted.text.unicodeScalars)
    var result: [String] = []
    for heading in extracted.headings {
        let end = min(heading.offset + heading.title.unicodeScalars.count, scalars.count)
        var atOffset = String.UnicodeScalarView()
        atOffset.append(contentsOf: scalars[min(heading.offset, end)..<end])
        let found = String(atOffset)
        let label = "\(heading.level) \(heading.title)"
        result.append(found == heading.title ? label : label + " (offset points at '\(found)')")
    }
    return result
}
