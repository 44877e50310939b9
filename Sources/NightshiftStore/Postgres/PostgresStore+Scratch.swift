import Foundation
import NightshiftCore

/// Databases made for one run (the benchmarks'), created and dropped on the server of another database's URL.
extension PostgresStore {
    /// A scratch database: its name and the URL that connects to it.
    public struct ScratchDatabase: Sendable {
        /// The database's name: the prefix given and the seconds since 1970 when it was made.
        public let name: String
        /// The URL of the database: the server URL with its database replaced.
        public let url: Secret
        /// The URL it was created from; dropping connects there.
        let serverURL: Secret
    }

    /// Creates an empty database named `prefix` followed by the seconds since 1970 on the server of `serverURL`
    /// (whose role needs CREATEDB). `prefix` is an SQL identifier's start: lowercase ASCII letters, digits and
    /// underscores, beginning with a letter.
    public static func createScratchDatabase(serverURL: Secret, prefix: String) async throws -> ScratchDatabase {
        guard let first = prefix.unicodeScalars.first, ("a"..."z").contains(first),
            prefix.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw NightshiftError.invalidInput(
                "a scratch database's name starts with a lowercase letter and has only a-z, 0-9 and _",
                context: ["prefix": prefix])
        }
        let name = prefix + String(Int(Date().timeIntervalSince1970))
        let admin = try await PGConnection.connect(url: serverURL)
        try await admin.simpleQuery("create database \(name)")
        return ScratchDatabase(name: name, url: Secret(databaseURL(serverURL.value, database: name)), serverURL: serverURL)
    }

    /// Drops a scratch database if it exists, disconnecting whoever is still connected to it.
    public static func dropScratchDatabase(_ scratch: ScratchDatabase) async throws {
        let admin = try await PGConnection.connect(url: scratch.serverURL)
        try await admin.simpleQuery("drop database if exists \(scratch.name) with (force)")
    }

    /// `url` with its database (the path) replaced by `database`; a string that is no URL is returned as is.
    public static func databaseURL(_ url: String, database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    /// Settles the database after a bulk load: vacuums and analyzes it, then asks for a checkpoint of the load's
    /// WAL, so that this work is not done later while something is measured. A checkpoint needs a privileged
    /// role; without one it is left to the server.
    public func settleAfterBulkLoad() async throws {
        try await pool.withConnection { try await $0.simpleQuery("vacuum (analyze)") }
        try? await pool.withConnection { try await $0.simpleQuery("checkpoint") }
    }
}
