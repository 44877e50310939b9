import Foundation
import Testing

@testable import NightshiftDocuments

/// Reads every entry of an archive: each file's path and text, or the skip its reading gave.
private func readAll(_ reader: ArchiveReader) -> (files: [String: String], kinds: [String], skips: [DocumentSkip]) {
    var files: [String: String] = [:]
    var kinds: [String] = []
    var skips: [DocumentSkip] = []
    while !reader.isFinished {
        do {
            guard let entry = try reader.nextEntry() else { break }
            kinds.append("\(entry.kind.rawValue):\(entry.path)")
            if entry.kind == .file {
                do {
                    files[entry.path] = String(decoding: try reader.readData(), as: UTF8.self)
                } catch let skip as DocumentSkip {
                    skips.append(skip)
                }
            }
        } catch let skip as DocumentSkip {
            skips.append(skip)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
    return (files, kinds, skips)
}

private let expectedFiles = [
    "docs/a.md": "# Alpha\n\nThe first document.\n", "docs/sub/b.txt": "Bravo text.\n",
    "c.html": "<html><body><p>Charlie</p></body></html>",
]

@Suite("Archive reading through libarchive")
struct ArchiveReaderTests {
    static let kinds: [(file: String, make: String)] = [
        ("a.zip", "make_zip('a.zip')"), ("a.tar", "make_tar('a.tar', 'w')"),
        ("a.tar.gz", "make_tar('a.tar.gz', 'w:gz')"),
        ("a.tar.bz2", "make_tar('a.tar.bz2', 'w:bz2')"), ("a.tar.xz", "make_tar('a.tar.xz', 'w:xz')"),
    ]

    @Test("zip, tar, tar.gz, tar.bz2 and tar.xz stream their entries from a file and from memory", arguments: kinds)
    func readsEveryFormat(file: String, make: String) throws {
        let folder = try TemporaryFolder()
        try python(archiveScript + "\n" + make, in: folder)
        let fromFile = readAll(try ArchiveReader(path: folder.path(file)))
        #expect(fromFile.files == expectedFiles)
        #expect(fromFile.skips.isEmpty)
        #expect(fromFile.kinds.contains("directory:docs"))
        let fromMemory = readAll(try ArchiveReader(bytes: try folder.read(file), name: file))
        #expect(fromMemory.files == expectedFiles)
        #expect(fromMemory.kinds == fromFile.kinds)
    }

    @Test("entry headers carry the declared size, the kind and the modification time")
    func entryHeaders() throws {
        let folder = try TemporaryFolder()
        try python(archiveScript + "\nmake_tar('a.tar.gz', 'w:gz')", in: folder)
        let reader = try ArchiveReader(path: folder.path("a.tar.gz"))
        var entries: [ArchiveEntry] = []
        while let entry = try reader.nextEntry() { entries.append(entry) }
        let a = try #require(entries.first { $0.path == "docs/a.md" })
        #expect(a.size == 29)
        #expect(a.kind == .file)
        #expect(a.modificationDate == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(reader.filterNames == ["gzip"])
        #expect(reader.formatName?.contains("tar") == true)
    }

    @Test("a damaged zip entry is skipped with its path and libarchive's message, the others still read")
    func corruptZipEntry() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile, random
            random.seed(1)
            noise = bytes(random.getrandbits(8) for _ in range(20000))
            with zipfile.ZipFile('c.zip', 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('first.txt', 'first ' * 100)
                z.writestr('broken.bin', noise)
                z.writestr('last.txt', 'last ' * 100)
            data = bytearray(open('c.zip', 'rb').read())
            start = data.index(b'broken.bin') + len('broken.bin') + 200
            for i in range(start, start + 500):
                data[i] ^= 0x5A
            open('c.zip', 'wb').write(bytes(data))
            """, in: folder)
        let result = readAll(try ArchiveReader(path: folder.path("c.zip")))
        #expect(result.files["first.txt"] == String(repeating: "first ", count: 100))
        #expect(result.files["last.txt"] == String(repeating: "last ", count: 100))
        #expect(result.files["broken.bin"] == nil)
        let skip = try #require(result.skips.first)
        #expect(skip.kind == .corrupt)
        #expect(skip.reason.contains("broken.bin"))
        #expect(skip.reason.lowercased().contains("crc") || skip.reason.lowercased().contains("zip"))
    }

    @Test("a truncated tar.gz yields the entries before the cut, then one skip with libarchive's reason")
    func truncatedTarGz() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import io, tarfile, random
            random.seed(2)
            with tarfile.open('t.tar.gz', 'w:gz') as t:
                for i in range(4):
                    data = bytes(random.getrandbits(8) for _ in range(200000)) if i else b'good first file'
                    info = tarfile.TarInfo('f%d.bin' % i); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
            data = open('t.tar.gz', 'rb').read()
            open('t.tar.gz', 'wb').write(data[: len(data) * 55 // 100])
            """, in: folder)
        let reader = try ArchiveReader(path: folder.path("t.tar.gz"))
        let result = readAll(reader)
        #expect(result.files["f0.bin"] == "good first file")
        #expect(result.files.count >= 2)
        #expect(result.files["f3.bin"] == nil)
        #expect(result.skips.count == 1)
        #expect(result.skips.first?.kind == .corrupt)
        #expect(result.skips.first?.reason.lowercased().contains("truncated") == true)
        #expect(reader.isFinished)
        #expect(try reader.nextEntry() == nil)
    }

    @Test("a zip bomb entry stops at the compression-ratio limit and the files around it are read")
    func zipBomb() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
                z.writestr('before.txt', 'before')
                with z.open('zeros.txt', 'w') as f:
                    block = bytes(1 << 20)
                    for _ in range(200):
                        f.write(block)
                z.writestr('after.txt', 'after')
            """, in: folder)
        let size = try #require(
            try FileManager.default.attributesOfItem(atPath: folder.path("bomb.zip"))[.size] as? Int)
        #expect(size < 400_000)
        let result = readAll(try ArchiveReader(path: folder.path("bomb.zip")))
        #expect(result.files == ["before.txt": "before", "after.txt": "after"])
        let skip = try #require(result.skips.first)
        #expect(skip.kind == .limit)
        #expect(skip.reason.contains("zeros.txt"))
        #expect(skip.reason.contains("compression ratio"))
    }

    @Test("a tar.gz bomb stops the archive: entries before it stay good")
    func tarGzBomb() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import io, tarfile
            with tarfile.open('bomb.tar.gz', 'w:gz') as t:
                good = b'good'
                info = tarfile.TarInfo('good.txt'); info.size = len(good); t.addfile(info, io.BytesIO(good))
                info = tarfile.TarInfo('zeros.txt'); info.size = 100 << 20
                t.addfile(info, io.BytesIO(bytes(100 << 20)))
                info = tarfile.TarInfo('later.txt'); info.size = len(good); t.addfile(info, io.BytesIO(good))
            """, in: folder)
        let reader = try ArchiveReader(path: folder.path("bomb.tar.gz"))
        let result = readAll(reader)
        #expect(result.files == ["good.txt": "good"])
        #expect(result.skips.map(\.kind) == [.limit])
        #expect(reader.isFinished)
    }

    @Test("an entry over the size limit is skipped and the next one read; the total limit ends the archive")
    func sizeLimits() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            with zipfile.ZipFile('s.zip', 'w', zipfile.ZIP_STORED) as z:
                z.writestr('small1.txt', 'x' * 100)
                z.writestr('big.txt', 'y' * 5000)
                z.writestr('small2.txt', 'z' * 100)
                z.writestr('small3.txt', 'w' * 100)
            """, in: folder)
        let perEntry = readAll(
            try ArchiveReader(path: folder.path("s.zip"), limits: ArchiveLimits(maxEntryBytes: 1000)))
        #expect(perEntry.files.keys.sorted() == ["small1.txt", "small2.txt", "small3.txt"])
        #expect(perEntry.skips.count == 1)
        #expect(perEntry.skips.first?.reason.contains("big.txt") == true)
        #expect(perEntry.skips.first?.kind == .limit)

        let total = readAll(try ArchiveReader(path: folder.path("s.zip"), limits: ArchiveLimits(maxTotalBytes: 3000)))
        #expect(total.files.keys.sorted() == ["small1.txt"])
        #expect(total.skips.count == 1)
        #expect(total.skips.first?.reason.contains("expands beyond") == true)
    }

    @Test("a file that is not an archive, or not there, fails to open with a skip")
    func notAnArchive() throws {
        let folder = try TemporaryFolder()
        try folder.write("plain.txt", "just some words, not an archive at all")
        #expect {
            _ = try ArchiveReader(path: folder.path("plain.txt"))
        } throws: { ($0 as? DocumentSkip)?.kind == .corrupt }
        #expect {
            _ = try ArchiveReader(path: folder.path("missing.zip"))
        } throws: { ($0 as? DocumentSkip)?.kind == .unreadable }
        // A zip signature opens; the garbage after it fails at the first header, with a skip.
        let garbage = try ArchiveReader(bytes: Array("PK\u{3}\u{4}garbage".utf8), name: "mem.zip")
        #expect(throws: DocumentSkip.self) { _ = try garbage.nextEntry() }
        #expect(garbage.isFinished)
    }

    @Test("non-ASCII entry names come out as UTF-8; a compressed single file is one entry named after it")
    func namesAndSingleFiles() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile, gzip
            with zipfile.ZipFile('u.zip', 'w') as z:
                z.writestr('café/naïve résumé.md', 'ok')
            with gzip.open('notes.txt.gz', 'wb') as f:
                f.write(b'compressed notes')
            """, in: folder)
        #expect(readAll(try ArchiveReader(path: folder.path("u.zip"))).files == ["café/naïve résumé.md": "ok"])
        let single = readAll(try ArchiveReader(path: folder.path("notes.txt.gz"), singleFile: true))
        #expect(single.files == ["notes.txt": "compressed notes"])
    }
}
