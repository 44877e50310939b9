import Foundation
import Testing

@testable import NightshiftDocuments

/// A tar made by Python's tarfile with a regular file and every kind of entry that is not read as a document.
private let droppedEntriesScript = """
    import io, tarfile
    def add(t, name, kind, data=b"", link=""):
        info = tarfile.TarInfo(name); info.type = kind; info.linkname = link; info.mtime = 1700000000
        if kind == tarfile.REGTYPE:
            info.size = len(data); t.addfile(info, io.BytesIO(data))
        else:
            if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE): info.devmajor = 1; info.devminor = 3
            t.addfile(info)
    with tarfile.open("dropped.tar", "w", format=tarfile.PAX_FORMAT) as t:
        add(t, "docs", tarfile.DIRTYPE)
        add(t, "docs/a.md", tarfile.REGTYPE, b"# Alpha\\n\\nThe first document.\\n")
        add(t, "docs/link.md", tarfile.SYMTYPE, link="/etc/passwd")
        add(t, "docs/hard.md", tarfile.LNKTYPE, link="docs/a.md")
        add(t, "docs/pipe", tarfile.FIFOTYPE)
        add(t, "docs/null", tarfile.CHRTYPE)
        add(t, "docs/disk", tarfile.BLKTYPE)
        add(t, "../evil.md", tarfile.REGTYPE, b"outside\\n")
        add(t, "docs/../../evil2.md", tarfile.REGTYPE, b"outside too\\n")
        add(t, "docs/bad\\x1b[31m\\u202etxt.md", tarfile.SYMTYPE, link="x\\u202e\\x07y")
        add(t, ".git/hidden-link", tarfile.SYMTYPE, link="/etc/shadow")
    """

private func skipsAndDocuments(_ paths: [String], _ options: SourceOptions = SourceOptions()) -> (
    documents: [String], skips: [DocumentSkip]
) {
    var documents: [String] = []
    var skips: [DocumentSkip] = []
    for event in DocumentSources(paths: paths, options: options) {
        switch event {
        case .document(let item): documents.append(item.uri)
        case .skip(let skip): skips.append(skip)
        case .unchanged, .containerRead: break
        }
    }
    return (documents, skips)
}

@Suite("Archive entries that are not documents")
struct ArchiveDroppedEntryTests {
    @Test("links, devices, FIFOs and '..' paths in a tar are each a skip with its reason; files are still read")
    func droppedEntriesAreReported() throws {
        let folder = try TemporaryFolder()
        try python(droppedEntriesScript, in: folder)
        let archive = folder.path("dropped.tar")
        let uri = SourceURI.file(path: archive)
        let walked = skipsAndDocuments([archive])
        #expect(walked.documents == [uri + "#docs/a.md"])
        let byURI = Dictionary(walked.skips.map { ($0.uri ?? "", $0) }, uniquingKeysWith: { first, _ in first })

        let symlink = try #require(byURI[uri + "#docs/link.md"])
        #expect(symlink.kind == .link)
        #expect(symlink.reason.contains("symbolic link to /etc/passwd"))
        let hardlink = try #require(byURI[uri + "#docs/hard.md"])
        #expect(hardlink.kind == .link)
        #expect(hardlink.reason.contains("hard link to docs/a.md"))
        #expect(byURI[uri + "#docs/pipe"]?.reason.contains("FIFO") == true)
        #expect(byURI[uri + "#docs/null"]?.reason.contains("character device") == true)
        #expect(byURI[uri + "#docs/disk"]?.reason.contains("block device") == true)
        #expect(byURI[uri + "#../evil.md"]?.reason.contains("'..'") == true)
        #expect(byURI[uri + "#docs/../../evil2.md"]?.reason.contains("'..'") == true)

        // Control and bidi characters of a header are escaped in the skip's name and reason.
        let hostile = try #require(walked.skips.first { $0.uri?.contains("bad") == true })
        #expect(hostile.uri == uri + "#docs/bad\\u{1b}[31m\\u{202e}txt.md")
        #expect(hostile.reason.contains("to x\\u{202e}\\u{7}y"))
        for skip in walked.skips {
            #expect(!skip.description.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
        }
        // A hidden entry is passed over as before (not walked, so not reported), and nothing else was skipped.
        #expect(!walked.skips.contains { $0.uri?.contains(".git") == true })
        #expect(walked.skips.count == 8)
    }

    @Test("a dropped entry the include patterns do not select is not reported; '..' paths always are")
    func filteredEntriesAreNotReported() throws {
        let folder = try TemporaryFolder()
        try python(droppedEntriesScript, in: folder)
        let archive = folder.path("dropped.tar")
        let walked = skipsAndDocuments([archive], SourceOptions(filter: PathFilter(include: ["**/a.md"])))
        #expect(walked.documents == [SourceURI.file(path: archive) + "#docs/a.md"])
        #expect(walked.skips.count == 2)
        #expect(walked.skips.allSatisfy { $0.reason.contains("'..'") })
    }

    @Test("header names are sanitised for reports")
    func sanitisedNames() {
        #expect(ArchiveEntry.sanitized("plain/café.md") == "plain/café.md")
        #expect(ArchiveEntry.sanitized("a\u{1B}[2Jb\u{202E}c\u{200B}d\n") == "a\\u{1b}[2Jb\\u{202e}c\\u{200b}d\\u{a}")
        #expect(ArchiveEntry.sanitized(String(repeating: "x", count: 300)) == String(repeating: "x", count: 200) + "…")
    }
}
