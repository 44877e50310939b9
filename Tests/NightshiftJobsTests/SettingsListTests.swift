import Foundation
import NightshiftCore
import NightshiftTestSupport
import Testing

/// `Settings.known` backs `nightshift config` and the warning for an unknown name in a config file: a setting
/// the code reads but the list lacks would be reported as unknown. Every name the sources read must be listed.
@Suite("Settings list")
struct SettingsListTests {
    @Test("every NIGHTSHIFT_, SUPABASE_, OPENAI_ and ANTHROPIC_ name in Sources/ is a known setting")
    func everyReadNameIsKnown() throws {
        let sources = TestEnvironment.repositoryRoot.appendingPathComponent("Sources")
        let pattern = try NSRegularExpression(pattern: #""((?:NIGHTSHIFT|SUPABASE|OPENAI|ANTHROPIC)_[A-Z0-9_]+)""#)
        var unknown: [String: String] = [:]
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range(at: 1), in: text) else { continue }
                let name = String(text[range])
                if Settings.definition(name) == nil { unknown[name] = file.lastPathComponent }
            }
        }
        #expect(unknown.isEmpty, "read but not in Settings.known: \(unknown)")
    }
}
