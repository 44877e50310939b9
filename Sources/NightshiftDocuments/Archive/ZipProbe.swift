/// What a zip holds, as far as format detection needs: its entry names and its `mimetype` entry (EPUB, ODF).
struct ZipProbe {
    /// Entry names, in archive order (at most `maxNames`).
    var names: [String] = []
    /// The content of the `mimetype` entry, when there is one.
    var mimetype: String?
    /// Whether libarchive could list the archive.
    var isReadable = true

    static let maxNames = 10_000

    /// Probes a zip held in memory.
    init(bytes: [UInt8]) {
        if let first = Self.storedFirstEntry(bytes), first.name == "mimetype" {
            mimetype = first.content
            if mimetype == "application/epub+zip" || mimetype?.hasPrefix("application/vnd.oasis.") == true {
                names = ["mimetype"]
                return
            }
        }
        list { try ArchiveReader(bytes: bytes, name: "zip", limits: Self.limits) }
    }

    /// Probes a zip file by streaming its entry list.
    init(path: String) {
        list { try ArchiveReader(path: path, limits: Self.limits) }
    }

    private static let limits = ArchiveLimits(maxEntryBytes: 4096, maxEntries: maxNames)

    private mutating func list(_ open: () throws -> ArchiveReader) {
        do {
            let reader = try open()
            while names.count < Self.maxNames, let entry = try reader.nextEntry() {
                names.append(entry.path)
                if entry.path == "mimetype", mimetype == nil, entry.kind == .file {
                    mimetype = String(decoding: try reader.readData(), as: UTF8.self)
                }
            }
        } catch {
            isReadable = !names.isEmpty
        }
    }

    /// The name and content of the first local entry when it is stored uncompressed (the EPUB/ODF layout).
    static func storedFirstEntry(_ bytes: [UInt8]) -> (name: String, content: String)? {
        guard bytes.count >= 30, bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return nil }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let method = u16(8)
        let size = u32(18)
        let nameLength = u16(26)
        let extraLength = u16(28)
        let nameStart = 30
        let dataStart = nameStart + nameLength + extraLength
        guard method == 0, size <= 256, dataStart + size <= bytes.count else { return nil }
        let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
        let content = String(decoding: bytes[dataStart..<(dataStart + size)], as: UTF8.self)
        return (name, content)
    }
}
