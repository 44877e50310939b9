import Foundation

/// A secret value (API key, password): its `description` never shows the value, so it cannot leak into logs.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value itself; read it only where it is sent (an HTTP header, a connection).
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// Settings, resolved once: flags > environment > config file > defaults.
///
/// The config file holds `KEY=value` lines with the same names as the environment (`DATABASE_URL`,
/// `NIGHTSHIFT_DB`, `OPENAI_API_KEY`, …); `#` starts a comment, values may be quoted. It is read from
/// `--config FILE`, else `$NIGHTSHIFT_CONFIG`, else `./nightshift.conf` when that file exists.
public struct Configuration: Sendable {
    /// Names whose values are secrets.
    public static let secretKeys: Set<String> = [
        "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SUPABASE_JWT_SECRET", "SUPABASE_SERVICE_ROLE_KEY",
        "NIGHTSHIFT_SERVICE_KEY",
    ]

    private var values: [String: String]
    /// Where each value came from (`environment`, `FILE:LINE` of the config file, `flag`), for `nightshift config`.
    public private(set) var origins: [String: String]
    /// Problems worth a warning that do not stop a run: unknown setting names in the config file, each naming
    /// the file and line (and the known name it is closest to).
    public private(set) var warnings: [String] = []
    /// The config file that was read, if any.
    public private(set) var configFile: String?

    public init(values: [String: String] = [:], origins: [String: String] = [:]) {
        self.values = values
        self.origins = origins
    }

    /// Loads the config file (if any) and overlays the environment.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, configFile: String? = nil
    ) throws -> Configuration {
        var config = Configuration()
        let explicit = configFile ?? environment["NIGHTSHIFT_CONFIG"]
        let path = explicit ?? "nightshift.conf"
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw NightshiftError(.configuration, "cannot read config file", context: ["file": path], cause: error)
            }
            config.configFile = path
            for (number, key, value) in try parseLines(text, path: path) {
                config.values[key] = value
                config.origins[key] = "\(path):\(number)"
                if let warning = Settings.unknownNameWarning(key, file: path, line: number) {
                    config.warnings.append(warning)
                }
            }
        } else if let explicit {
            throw NightshiftError(.configuration, "config file not found", context: ["file": explicit])
        }
        for (key, value) in environment where Configuration.isRelevant(key) {
            config.values[key] = value
            config.origins[key] = "environment"
        }
        return config
    }

    static func isRelevant(_ key: String) -> Bool {
        key == "DATABASE_URL" || key.hasPrefix("NIGHTSHIFT_") || key.hasPrefix("OPENAI_") || key.hasPrefix("ANTHROPIC_")
            || key.hasPrefix("SUPABASE_")
    }

    /// Parses `KEY=value` lines; a malformed line is an error naming the file and line.
    public static func parseFile(_ text: String, path: String) throws -> [(String, String)] {
        try parseLines(text, path: path).map { ($0.key, $0.value) }
    }

    /// Parses `KEY=value` lines with their 1-based line numbers.
    public static func parseLines(_ text: String, path: String) throws -> [(line: Int, key: String, value: String)] {
        var pairs: [(line: Int, key: String, value: String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw NightshiftError(
                    .configuration, "expected KEY=value", context: ["file": path, "line": String(number + 1)])
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw NightshiftError(
                    .configuration, "invalid key", context: ["file": path, "line": String(number + 1)])
            }
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            pairs.append((number + 1, key, value))
        }
        return pairs
    }

    /// A setting, or nil when unset or empty.
    public subscript(key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// A secret setting, wrapped so it cannot be printed.
    public func secret(_ key: String) -> Secret? {
        self[key].map(Secret.init)
    }

    /// Sets a value from a command-line flag (highest precedence).
    public mutating func set(_ key: String, _ value: String?, origin: String = "flag") {
        guard let value else { return }
        values[key] = value
        origins[key] = origin
    }

    /// An integer setting; a malformed value is an error naming the key.
    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let text = self[key] else { return fallback }
        guard let value = Int(text) else {
            throw NightshiftError(.configuration, "expected an integer", context: ["setting": key])
        }
        return value
    }

    /// A yes/no setting (`1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`); anything else is an error naming the key.
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = self[key]?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw NightshiftError(.configuration, "expected true or false", context: ["setting": key])
        }
    }

    /// A decimal setting; a malformed value is an error naming the key.
    public func double(_ key: String, default fallback: Double) throws -> Double {
        guard let text = self[key] else { return fallback }
        guard let value = Double(text), value.isFinite else {
            throw NightshiftError(.configuration, "expected a number", context: ["setting": key])
        }
        return value
    }
}

/// Which store every command uses: `DATABASE_URL` (a `postgres://` URL) selects PostgreSQL; otherwise the
/// embedded SQLite file at `NIGHTSHIFT_DB`, by default `./nightshift.sqlite`.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case postgres(url: Secret)
    case sqlite(path: String)

    /// Resolves the store from the configuration.
    public static func resolve(_ config: Configuration) throws -> StoreLocation {
        if let url = config["DATABASE_URL"] {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw NightshiftError(
                    .configuration, "DATABASE_URL must be a postgres:// or postgresql:// URL",
                    context: ["setting": "DATABASE_URL"])
            }
            return .postgres(url: Secret(url))
        }
        return .sqlite(path: config["NIGHTSHIFT_DB"] ?? "nightshift.sqlite")
    }

    public var description: String {
        switch self {
        case .postgres(let url): return "postgres \(StoreLocation.redact(url.value))"
        case .sqlite(let path): return "sqlite \(path)"
        }
    }

    /// A URL or connection string with its passwords and secret parameters masked, safe to print.
    public static func redact(_ url: String) -> String {
        Redaction.connectionString(url)
    }
}
