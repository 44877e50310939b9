import Foundation
import Testing

@testable import NightshiftDocuments

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks and sorts the events into documents (URI → text) in order, and skips.
private func walk(_ paths: [String], _ options: SourceOptions = SourceOptions()) -> (
    uris: [String], texts: [String: String], relative: [String], skips: [DocumentSkip]
) {
    var uris: [String] = []
    var texts: [String: String] = [:]
    var relative: [String] = []
    var skips: [DocumentSkip] = []
    for event in DocumentSources(paths: paths, options: options) {
        switch event {
        case .document(let item):
            uris.append(item.uri)
            relative.append(item.relativePath)
            texts[item.uri] = String(decoding: item.bytes, as: UTF8.self)
        case .skip(let skip):
            skips.append(skip)
        case .unchanged(let uri):
            uris.append(uri)
        case .containerRead:
            break
        }
    }
    return (uris, texts, relative, skips)
}

@Suite("Walking files, folders and archives")
struct DocumentSourcesTests {
    /// A small tree with hidden files, nested folders and names that sort differently by locale.
    private func makeTree() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("B.md", "# B")
        try folder.write("a.md", "# a")
        try folder.write("docs/guide.html", "<html><body>guide</body></html>")
        try folder.write("docs/sub/deep.md", "deep")
        try folder.write("docs/z.txt", "zed")
        try folder.write(".hidden.md", "hidden")
        try folder.write(".git/config", "[core]")
        try folder.write("node_modules/pkg/readme.md", "vendored")
        try folder.write("Zebra/x.md", "zebra")
        return folder
    }

    @Test("folders are walked recursively in byte order, the same on every run, hidden names left out")
    func deterministicOrder() throws {
        let folder = try makeTree()
        let first = walk([folder.path])
        #expect(
            first.relative == [
                "B.md", "Zebra/x.md", "a.md", "docs/guide.html", "docs/sub/deep.md", "docs/z.txt",
                "node_modules/pkg/readme.md",
            ])
        #expect(first.skips.isEmpty)
        #expect(first.uris.first == "file://" + folder.path("B.md"))
        #expect(first.texts["file://" + folder.path("docs/sub/deep.md")] == "deep")
        #expect(walk([folder.path]).uris == first.uris)
    }

    @Test("hidden files and folders are walked when asked")
    func hiddenIncluded() throws {
        let folder = try makeTree()
        let result = walk([folder.path], SourceOptions(includeHidden: true))
        #expect(result.relative.contains(".hidden.md"))
        #expect(result.relative.contains(".git/config"))
    }

    @Test("include and exclude globs select files and prune folders")
    func globs() throws {
        let folder = try makeTree()
        let mdOnly = walk(
            [folder.path], SourceOptions(filter: PathFilter(include: ["*.md"], exclude: ["**/node_modules/**"])))
        #expect(mdOnly.relative == ["B.md", "Zebra/x.md", "a.md", "docs/sub/deep.md"])
        let docsHTML = walk(
            [folder.path], SourceOptions(filter: PathFilter(include: ["docs/**/*.html", "docs/*.txt"])))
        #expect(docsHTML.relative == ["docs/guide.html", "docs/z.txt"])
        let noDocs = walk([folder.path], SourceOptions(filter: PathFilter(exclude: ["docs", "Zebra/**"])))
        #expect(noDocs.relative == ["B.md", "a.md", "node_modules/pkg/readme.md"])
    }

    @Test("a symlink loop terminates with a link skip, and a link inside the root is followed")
    func symlinkLoop() throws {
        let folder = try TemporaryFolder()
        try folder.write("top/a.md", "a")
        try folder.write("top/inner/b.md", "b")
        try FileManager.default.createSymbolicLink(atPath: folder.path("top/inner/back"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: folder.path("top/alias.md"), withDestinationPath: "a.md")
        let result = walk([folder.path("top")])
        #expect(result.relative == ["a.md", "alias.md", "inner/b.md"])
        #expect(result.skips.count == 1)
        #expect(result.skips.first?.kind == .link)
        #expect(result.skips.first?.reason == "symbolic link loop")
        #expect(result.skips.first?.uri == "file://" + folder.path("top/inner/back"))
    }

    @Test("a link leading outside the root is skipped unless allowed; a broken link is a skip")
    func linksOutside() throws {
        let folder = try TemporaryFolder()
        try folder.write("outside/secret.md", "outside")
        try folder.write("root/in.md", "in")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("root/out"), withDestinationPath: folder.path("outside"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("root/broken.md"), withDestinationPath: "nowhere")
        let strict = walk([folder.path("root")])
        #expect(strict.relative == ["in.md"])
        #expect(strict.skips.map(\.kind) == [.link, .link])
        #expect(strict.skips.contains { $0.reason.hasPrefix("broken symbolic link") })
        #expect(strict.skips.contains { $0.reason.hasPrefix("symbolic link leads outside the root") })
        let open = walk([folder.path("root")], SourceOptions(allowLinksOutsideRoot: true))
        #expect(open.relative == ["in.md", "out/secret.md"])
        let unfollowed = walk([folder.path("root")], SourceOptions(followSymlinks: false))
        #expect(unfollowed.relative == ["in.md"])
        #expect(unfollowed.skips.allSatisfy { $0.reason == "symbolic link not followed" })
    }

    @Test("an unreadable file or folder is a skip and the walk goes on", .enabled(if: geteuid() != 0))
    func unreadable() throws {
        let folder = try TemporaryFolder()
        try folder.write("ok.md", "fine")
        try folder.write("locked.md", "secret")
        try folder.write("closed/x.md", "x")
        chmod(folder.path("locked.md"), 0)
        chmod(folder.path("closed"), 0)
        let result = walk([folder.path])
        #expect(result.relative == ["ok.md"])
        #expect(result.skips.map(\.kind) == [.unreadable, .unreadable])
        #expect(result.skips.allSatisfy { $0.reason.contains("Permission denied") })
    }

    #if os(Linux)
        @Test("a file whose read fails (EIO, even for root) is an unreadable skip naming the error")
        func readError() throws {
            let folder = try TemporaryFolder()
            try folder.write("ok.md", "fine")
            // /proc/self/mem stats as a regular file but reading its first page fails with EIO.
            try FileManager.default.createSymbolicLink(
                atPath: folder.path("mem.txt"), withDestinationPath: "/proc/self/mem")
            let result = walk([folder.path], SourceOptions(allowLinksOutsideRoot: true))
            #expect(result.relative == ["ok.md"])
            #expect(result.skips.map(\.kind) == [.unreadable])
            #expect(result.skips.first?.reason == "cannot read: Input/output error")
            #expect(result.skips.first?.uri == "file://" + folder.path("mem.txt"))
        }
    #endif

    @Test("a FIFO is skipped without blocking; a file over the size limit is a limit skip")
    func specialFiles() throws {
        let folder = try TemporaryFolder()
        try folder.write("big.txt", String(repeating: "x", count: 5000))
        try folder.write("small.txt", "ok")
        #expect(mkfifo(folder.path("pipe"), 0o644) == 0)
        let result = walk([folder.path], SourceOptions(maxFileBytes: 1000))
        #expect(result.relative == ["small.txt"])
        #expect(result.skips.map(\.kind) == [.limit, .unsupported])
    }

    @Test("archives in a folder are opened: entry URIs name the archive and the path inside it")
    func archivesInFolders() throws {
        let folder = try TemporaryFolder()
        try python(
            archiveScript
                + "\nos.makedirs('kb', exist_ok=True)\nmake_zip('kb/bundle.zip')\nmake_tar('kb/more.tgz', 'w:gz')",
            in: folder)
        try folder.write("kb/readme.md", "# Readme")
        let result = walk([folder.path("kb")])
        let zipURI = "file://" + folder.path("kb/bundle.zip")
        #expect(
            result.uris == [
                zipURI + "#docs/a.md", zipURI + "#docs/sub/b.txt", zipURI + "#c.html",
                "file://" + folder.path("kb/more.tgz") + "#docs/a.md",
                "file://" + folder.path("kb/more.tgz") + "#docs/sub/b.txt",
                "file://" + folder.path("kb/more.tgz") + "#c.html", "file://" + folder.path("kb/readme.md"),
            ])
        #expect(result.texts[zipURI + "#docs/sub/b.txt"] == "Bravo text.\n")
        #expect(result.relative.first == "bundle.zip#docs/a.md")
        let onlyMarkdown = walk([folder.path("kb")], SourceOptions(filter: PathFilter(include: ["*.md"])))
        #expect(
            onlyMarkdown.uris == [
                zipURI + "#docs/a.md", "file://" + folder.path("kb/more.tgz") + "#docs/a.md",
                "file://" + folder.path("kb/readme.md"),
            ])
        let closed = walk([folder.path("kb")], SourceOptions(openArchives: false))
        #expect(closed.uris.count == 3)
    }

    @Test("an archive inside an archive is opened one level deep, and deeper ones are skipped")
    func nestedArchives() throws {
        let folder = try TemporaryFolder()
        try python(
            archiveScript + """

                make_tar('inner.tar.gz', 'w:gz', [('note.md', '# Inner note')])
                with zipfile.ZipFile('deepest.zip', 'w') as z:
                    z.writestr('x.md', 'too deep')
                make_tar('middle.tar', 'w', [('deep.md', 'middle')])
                with tarfile.open('middle.tar', 'a') as t:
                    t.add('deepest.zip')
                with zipfile.ZipFile('outer.zip', 'w') as z:
                    z.writestr('top.md', 'top')
                    z.write('inner.tar.gz', 'nested/inner.tar.gz')
                    z.write('middle.tar', 'middle.tar')
                """, in: folder)
        let outer = "file://" + folder.path("outer.zip")
        let result = walk([folder.path("outer.zip")])
        #expect(
            result.uris == [outer + "#top.md", outer + "#nested/inner.tar.gz#note.md", outer + "#middle.tar#deep.md"])
        #expect(result.texts[outer + "#nested/inner.tar.gz#note.md"] == "# Inner note")
        #expect(result.skips.map(\.uri) == [outer + "#middle.tar#deepest.zip"])
        #expect(result.skips.first?.kind == .limit)
        let flat = walk([folder.path("outer.zip")], SourceOptions(archiveLimits: ArchiveLimits(maxNestingDepth: 0)))
        #expect(flat.uris == [outer + "#top.md"])
        #expect(flat.skips.count == 2)
    }

    @Test("a truncated or corrupt archive gives skips, its readable entries still read; a zip bomb entry is skipped")
    func badArchives() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile, random
            with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('a.md', 'alpha')
                with z.open('zeros.txt', 'w') as f:
                    for _ in range(40):
                        f.write(bytes(1 << 20))
                z.writestr('b.md', 'bravo')
            open('cut.zip', 'wb').write(open('bomb.zip', 'rb').read()[:300])
            random.seed(3)
            open('garbage.zip', 'wb').write(b'PK\\x03\\x04' + bytes(random.getrandbits(8) for _ in range(2000)))
            open('notes.md', 'w').write('notes')
            """, in: folder)
        let result = walk([folder.path])
        let bomb = "file://" + folder.path("bomb.zip")
        let cut = "file://" + folder.path("cut.zip")
        #expect(result.uris == [bomb + "#a.md", bomb + "#b.md", cut + "#a.md", "file://" + folder.path("notes.md")])
        #expect(result.texts[cut + "#a.md"] == "alpha")
        #expect(
            result.skips.map(\.uri) == [
                bomb + "#zeros.txt", cut + "#zeros.txt", "file://" + folder.path("garbage.zip"),
            ])
        #expect(result.skips.map(\.kind) == [.limit, .corrupt, .corrupt])
        #expect(result.skips[1].reason.contains("zeros.txt"))
    }

    @Test("named files, missing paths and DOCX files are handled as themselves, not as archives")
    func rootsAndOffice() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            with zipfile.ZipFile('report.docx', 'w') as z:
                z.writestr('[Content_Types].xml', '<Types/>')
                z.writestr('word/document.xml', '<w:document/>')
            with zipfile.ZipFile('renamed.bin', 'w') as z:
                z.writestr('inside.md', 'inside')
            """, in: folder)
        try folder.write(".hidden-root.md", "named explicitly")
        let result = walk([
            folder.path("report.docx"), folder.path("missing.md"), folder.path(".hidden-root.md"),
            folder.path("renamed.bin"),
        ])
        #expect(
            result.uris == [
                "file://" + folder.path("report.docx"), "file://" + folder.path(".hidden-root.md"),
                "file://" + folder.path("renamed.bin") + "#inside.md",
            ])
        #expect(result.skips.map(\.kind) == [.unreadable])
        #expect(result.skips.first?.reason.contains("No such file") == true)
    }

    @Test("the asynchronous walk yields the same events as the synchronous one")
    func asyncWalk() async throws {
        let folder = try makeTree()
        let sources = DocumentSources(paths: [folder.path], options: SourceOptions(includeHidden: true))
        var asyncEvents: [SourceEvent] = []
        for await event in sources.events { asyncEvents.append(event) }
        #expect(asyncEvents == Array(sources))
        #expect(asyncEvents.count == 9)
    }

    @Test("source URIs percent-encode only what would be ambiguous and read back")
    func uris() {
        let uri = SourceURI.entry("dir/a #1?.md", in: SourceURI.file(path: "/srv/My Docs/x 100%.zip"))
        #expect(uri == "file:///srv/My%20Docs/x%20100%25.zip#dir/a%20%231%3F.md")
        #expect(SourceURI.components(of: uri)?.path == "/srv/My Docs/x 100%.zip")
        #expect(SourceURI.components(of: uri)?.entries == ["dir/a #1?.md"])
        #expect(SourceURI.file(path: "/a/./b/../café.md") == "file:///a/café.md")
    }
}
