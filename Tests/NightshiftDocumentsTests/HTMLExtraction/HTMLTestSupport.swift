import Foundation
import NightshiftCore
import Testing

/// Reads a test input file from `Resources/<folder>/<name>`.
func testResource(_ name: String, in folder: String) throws -> [UInt8] {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/\(folder)"),
        "missing test resource \(folder)/\(name)")
    return [UInt8](try Data(contentsOf: url))
}

/// The text at a Unicode-scalar offset, as many scalars as `length`.
func scalars(of text: String, at offset: Int, length: Int) -> String {
    let all = Array(text.unicodeScalars)
    guard offset >= 0, offset <= all.count else { return "" }
    var view = String.UnicodeScalarView()
    view.append(contentsOf: all[offset..<min(all.count, offset + length)])
    return String(view)
}

/// Checks that every heading's offset points at its title in the text.
func expectHeadingOffsetsMatch(_ extracted: ExtractedText, sourceLocation: SourceLocation = #_sourceLocation) {
    for heading in extracted.headings {
        let found = scalars(of: extracted.text, at: heading.offset, length: heading.title.unicodeScalars.count)
        #expect(found == heading.title, "heading \(heading.title) at \(heading.offset)", sourceLocation: sourceLocation)
    }
}

/// Paragraphs of extracted text (blocks separated by a blank line).
func paragraphs(_ text: String) -> [String] {
    text.components(separatedBy: "\n\n")
}
