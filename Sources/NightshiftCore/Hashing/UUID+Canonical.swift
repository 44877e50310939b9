import Foundation

extension UUID {
    /// The lowercase form PostgreSQL prints (`uuid::text`), which `is_feature_enabled` hashes.
    public var canonical: String { uuidString.lowercased() }

    /// Parses a UUID in any case; nil when malformed.
    public init?(canonical text: String) {
        self.init(uuidString: text)
    }
}
