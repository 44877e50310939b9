/// Bounds on what reading one archive may cost, so a hostile archive (a zip bomb, a header that lies about sizes,
/// millions of empty entries) is skipped with a reason instead of exhausting memory or time.
public struct ArchiveLimits: Sendable, Hashable {
    /// The most uncompressed bytes one entry may produce; a larger entry is skipped.
    public var maxEntryBytes: Int
    /// The most uncompressed bytes all entries of one archive may produce together; reading stops there.
    public var maxTotalBytes: Int
    /// The largest uncompressed/compressed ratio an entry may show once it is past `ratioFloorBytes`.
    public var maxCompressionRatio: Double
    /// Entries smaller than this are never judged by their ratio (a small file of zeros is not a bomb).
    public var ratioFloorBytes: Int
    /// The most entries (of any type) one archive may list.
    public var maxEntries: Int
    /// How many archives deep an archive inside an archive is opened (0: nested archives are skipped).
    public var maxNestingDepth: Int
    /// The setting that chose `maxEntryBytes`, named by the skip of an entry over it (nil: none named).
    public var entrySetting: String?
    /// The setting that chose `maxTotalBytes`, named by the skip of an archive over it.
    public var totalSetting: String?

    /// Limits with the given values; the defaults suit a knowledge base of text documents.
    public init(
        maxEntryBytes: Int = 256 << 20, maxTotalBytes: Int = 8 << 30, maxCompressionRatio: Double = 100,
        ratioFloorBytes: Int = 1 << 20, maxEntries: Int = 1_000_000, maxNestingDepth: Int = 1
    ) {
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioFloorBytes = ratioFloorBytes
        self.maxEntries = maxEntries
        self.maxNestingDepth = maxNestingDepth
    }

    /// The default limits: 256 MiB per entry, 8 GiB per archive, ratio 100 past 1 MiB, one level of nesting.
    public static let `default` = ArchiveLimits()
}

extension ArchiveLimits {
    /// ` (SETTING)` to end a skip's reason with, or nothing.
    static func naming(_ setting: String?) -> String {
        setting.map { " (\($0))" } ?? ""
    }
}

extension SourceOptions {
    /// The reason a file over `maxFileBytes` is skipped, naming the setting when known.
    var fileTooLargeReason: String {
        "file exceeds the \(ArchiveReader.format(bytes: maxFileBytes)) limit" + ArchiveLimits.naming(maxFileSetting)
    }
}
