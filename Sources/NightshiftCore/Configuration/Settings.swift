import Foundation

/// The settings Nightshift reads, with their defaults: the list behind `nightshift config` and behind the
/// warning for an unknown name in a config file.
public enum Settings {
    /// One known setting.
    public struct Definition: Sendable, Hashable {
        public var name: String
        /// The default as a person reads it; nil when unset by default.
        public var defaultValue: String?
        /// Whether the value is a secret (never printed).
        public var secret: Bool
        /// Whether the value is a connection URL whose password is masked when printed.
        public var connection: Bool

        public init(_ name: String, default defaultValue: String? = nil, secret: Bool = false, connection: Bool = false) {
            self.name = name
            self.defaultValue = defaultValue
            self.secret = secret
            self.connection = connection
        }
    }

    /// Every setting, in the order `nightshift config` prints them.
    public static let known: [Definition] = [
        Definition("DATABASE_URL", connection: true),
        Definition("NIGHTSHIFT_DB", default: "nightshift.sqlite"),
        Definition("NIGHTSHIFT_DB_POOL", default: "8"),
        Definition("NIGHTSHIFT_LOG_LEVEL", default: "info"),
        Definition("NIGHTSHIFT_CONFIG"),
        Definition("NIGHTSHIFT_EMBEDDER", default: "local"),
        Definition("NIGHTSHIFT_EMBEDDING_MODEL", default: "text-embedding-3-small"),
        Definition("NIGHTSHIFT_EMBEDDING_DIMENSIONS", default: "1536"),
        Definition("NIGHTSHIFT_EMBEDDING_CONCURRENCY", default: "4"),
        Definition("NIGHTSHIFT_INDEX_MEMORY_MB", default: "1024"),
        Definition("NIGHTSHIFT_MAX_DOCUMENT_MB", default: "16"),
        Definition("NIGHTSHIFT_MAX_ARCHIVE_MB", default: "8192"),
        Definition("OPENAI_API_KEY", secret: true),
        Definition("OPENAI_BASE_URL", default: "https://api.openai.com", connection: true),
        Definition("NIGHTSHIFT_OPENAI_MODEL", default: "gpt-4-turbo"),
        Definition("ANTHROPIC_API_KEY", secret: true),
        Definition("ANTHROPIC_BASE_URL", default: "https://api.anthropic.com", connection: true),
        Definition("NIGHTSHIFT_ANTHROPIC_MODEL", default: "claude-sonnet-4-5-20250929"),
        Definition("NIGHTSHIFT_PRICES"),
        Definition("SUPABASE_JWT_SECRET", secret: true),
        Definition("SUPABASE_JWKS_URL", connection: true),
        Definition("SUPABASE_SERVICE_ROLE_KEY", secret: true),
        Definition("NIGHTSHIFT_SERVICE_KEY", secret: true),
        Definition("NIGHTSHIFT_JWT_AUDIENCE", default: "authenticated"),
        Definition("NIGHTSHIFT_JWT_ISSUER"),
        Definition("NIGHTSHIFT_JWT_LEEWAY", default: "30"),
        Definition("NIGHTSHIFT_RATE_LIMIT", default: "5"),
        Definition("NIGHTSHIFT_RATE_BURST", default: "20"),
        Definition("NIGHTSHIFT_MAX_BODY_BYTES", default: "262144"),
        Definition("NIGHTSHIFT_CORS_ORIGINS", default: "*"),
        Definition("NIGHTSHIFT_REQUIRE_CHAT_FLAG", default: "false"),
        Definition("NIGHTSHIFT_CHAT_SEARCH", default: "hybrid"),
        Definition("NIGHTSHIFT_PORT", default: "8080"),
        Definition("NIGHTSHIFT_IDLE_TIMEOUT", default: "30"),
        Definition("NIGHTSHIFT_PROVISION_USERS", default: "false"),
        // Read by jobs/nightshift-nightly.sh from the same file.
        Definition("NIGHTSHIFT_BIN", default: "nightshift"),
        Definition("NIGHTSHIFT_SOURCES"),
        Definition("NIGHTSHIFT_SECRET_QUERY_PARAMS"),
        Definition("NIGHTSHIFT_REPORT_DIR"),
        Definition("NIGHTSHIFT_TIMEZONE", default: "UTC"),
        Definition("NIGHTSHIFT_CHECKSUM_DAY"),
    ]

    static let byName: [String: Definition] = Dictionary(known.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The definition of a setting, if Nightshift knows it.
    public static func definition(_ name: String) -> Definition? { byName[name] }

    /// Whether a value of `name` must be masked when shown: a known secret, or a name that says it holds one.
    public static func isSecret(_ name: String) -> Bool {
        if let definition = byName[name] { return definition.secret }
        let upper = name.uppercased()
        return ["SECRET", "PASSWORD", "TOKEN", "_KEY"].contains { upper.contains($0) }
    }

    /// A value as it may be shown: secrets replaced, passwords in URLs and connection strings masked.
    public static func display(_ name: String, _ value: String) -> String {
        if isSecret(name) { return value.isEmpty ? "" : "<redacted>" }
        // A value may hold several URLs (NIGHTSHIFT_SOURCES): each is masked where it stands.
        return Redaction.message(value)
    }

    /// A warning for a config-file line whose name Nightshift does not read, with the closest known name.
    static func unknownNameWarning(_ name: String, file: String, line: Int) -> String? {
        guard byName[name] == nil else { return nil }
        var text = "unknown setting \(name) in \(file) line \(line) (ignored)"
        if let suggestion = closest(to: name) { text += "; did you mean \(suggestion)?" }
        return text
    }

    /// The known name nearest to `name` by edit distance, when it is near enough to be a typo.
    public static func closest(to name: String) -> String? {
        let upper = name.uppercased()
        var best: (name: String, distance: Int)?
        for definition in known {
            let distance = editDistance(Array(upper.utf8), Array(definition.name.utf8))
            if distance < (best?.distance ?? Int.max) { best = (definition.name, distance) }
        }
        guard let best else { return nil }
        let limit = max(2, min(upper.count, best.name.count) / 4)
        return best.distance <= limit ? best.name : nil
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

extension Configuration {
    /// One line of `nightshift config`.
    public struct EffectiveSetting: Sendable, Hashable {
        public var name: String
        /// The value as it may be shown (secrets and passwords masked); nil when unset.
        public var value: String?
        /// `flag`, `environment`, `FILE:LINE` or `default` (nil when unset and without a default).
        public var origin: String?
    }

    /// Every known setting and every other one that was given, with its shown value and where it came from.
    public var effectiveSettings: [EffectiveSetting] {
        var lines: [EffectiveSetting] = []
        for definition in Settings.known {
            if let value = self[definition.name] {
                lines.append(EffectiveSetting(
                    name: definition.name, value: Settings.display(definition.name, value), origin: origins[definition.name]))
            } else {
                lines.append(EffectiveSetting(
                    name: definition.name, value: definition.defaultValue, origin: definition.defaultValue == nil ? nil : "default"))
            }
        }
        for name in origins.keys.sorted() where Settings.definition(name) == nil {
            guard let value = self[name] else { continue }
            lines.append(EffectiveSetting(name: name, value: Settings.display(name, value), origin: origins[name]))
        }
        return lines
    }
}
