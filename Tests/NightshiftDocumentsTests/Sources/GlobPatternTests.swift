import Testing

@testable import NightshiftDocuments

@Suite("Glob patterns for --include and --exclude")
struct GlobPatternTests {
    @Test(
        "patterns match the paths they should and no others",
        arguments: [
            ("*.md", "a.md", true), ("*.md", "docs/deep/a.md", true), ("*.md", "a.mdx", false),
            ("*.md", "md", false), ("docs/*.md", "docs/a.md", true), ("docs/*.md", "docs/x/a.md", false),
            ("docs/*.md", "other/docs/a.md", false), ("docs/**/*.html", "docs/a.html", true),
            ("docs/**/*.html", "docs/x/y/a.html", true), ("docs/**/*.html", "src/docs/a.html", false),
            ("**/node_modules/**", "node_modules/x/y.js", true), ("**/node_modules/**", "a/node_modules/b.md", true),
            ("**/node_modules/**", "a/node_modules", true), ("**/node_modules/**", "a/node_modulesx/b.md", false),
            ("build/**", "build", true), ("build/**", "build/a/b.txt", true), ("build/**", "src/build/a", false),
            ("build", "src/build", true), ("/build", "src/build", false), ("/build", "build", true),
            ("?.txt", "a.txt", true), ("?.txt", "ab.txt", false), ("?.txt", "/.txt", false),
            ("[abc].md", "b.md", true), ("[abc].md", "d.md", false), ("[a-c]x", "cx", true),
            ("[!a-c]x", "cx", false), ("[!a-c]x", "dx", true), ("[^a-c]x", "dx", true),
            ("file[1-3].txt", "file2.txt", true), ("\\*.md", "*.md", true), ("\\*.md", "a.md", false),
            ("[unclosed", "[unclosed", true), ("*a*b*c", "xaybzc", true), ("*a*b*c", "xaybzcd", false),
            ("résumé*.md", "café/résumé-2024.md", true), ("docs/", "docs", true),
        ])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(path) == expected, "\(pattern) vs \(path)")
    }

    @Test("a filter keeps included files, drops excluded ones, and prunes excluded folders")
    func filter() {
        let filter = PathFilter(include: ["*.md", "docs/**/*.html"], exclude: ["**/node_modules/**", "drafts"])
        #expect(filter.keepsFile("a.md"))
        #expect(filter.keepsFile("docs/x/page.html"))
        #expect(!filter.keepsFile("page.html"))
        #expect(!filter.keepsFile("lib/node_modules/readme.md"))
        #expect(!filter.keepsFile("drafts"))
        #expect(!filter.entersFolder("lib/node_modules"))
        #expect(!filter.entersFolder("notes/drafts"))
        #expect(filter.entersFolder("notes"))
        #expect(PathFilter().keepsFile("anything.bin"))
    }
}
