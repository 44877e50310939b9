import ArgumentParser
import Foundation
import Logging
import NightshiftCore
import NightshiftStore

/// The `nightshift` command line: parse, build the context, call a job or the server, print the report.
@main
struct Nightshift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightshift",
        abstract: "Batch and serving core of an AI-agent platform on PostgreSQL (Supabase) or an embedded store.",
        discussion: """
            Every command uses the same store: DATABASE_URL (a postgres:// URL) selects PostgreSQL; otherwise the \
            embedded SQLite file at NIGHTSHIFT_DB (default ./nightshift.sqlite), created and migrated on first use.

            Settings come from flags, then the environment, then a config file (--config FILE, $NIGHTSHIFT_CONFIG \
            or ./nightshift.conf, KEY=value lines), then defaults. With no API keys everything runs offline.

            Exit codes: 0 success, 1 the job failed, 2 bad usage or input.
            """,
        subcommands: [
            Ingest.self, Search.self, Extract.self, Reindex.self, Stats.self, Report.self, CostsCommand.self, Migrate.self,
            Serve.self, Token.self, Status.self, Fixtures.self, Bench.self,
        ]
    )

    /// Runs the command; bad usage exits with 2 (ArgumentParser's default is 64), as documented.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options every store-using command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read settings from this KEY=value file.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The embedded store's file (overrides NIGHTSHIFT_DB).", valueName: "path"))
    var db: String?

    /// The resolved configuration.
    func loadConfiguration() throws -> Configuration {
        var configuration = try Configuration.load(configFile: config)
        configuration.set("NIGHTSHIFT_DB", db)
        return configuration
    }
}

/// Runs a command body, turning Nightshift's errors into a message on stderr and the documented exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as NightshiftError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(error.exitCode)
    } catch let error as PGError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// Opens the configured store.
func openStore(
    _ options: StoreOptions, requireCurrentSchema: Bool = true, migrateEmbedded: Bool = true
) async throws -> (any Store, Configuration) {
    let configuration = try options.loadConfiguration()
    Log.bootstrap(configuration)
    let location = try StoreLocation.resolve(configuration)
    let pool = try configuration.int("NIGHTSHIFT_DB_POOL", default: 8)
    guard pool >= 1 else {
        throw NightshiftError(.configuration, "expected at least 1 connection", context: ["setting": "NIGHTSHIFT_DB_POOL"])
    }
    let store = try await StoreFactory.open(
        location, requireCurrentSchema: requireCurrentSchema, migrateEmbedded: migrateEmbedded, maxConnections: pool)
    return (store, configuration)
}

/// Prints a JSON value on stdout.
func printJSON(_ value: JSONValue) {
    print(value.jsonText)
}

/// Logging to stderr, level from NIGHTSHIFT_LOG_LEVEL (default info).
enum Log {
    /// A logger for one job or component.
    static func logger(_ label: String) -> Logger {
        Logger(label: "nightshift.\(label)")
    }

    static func bootstrap(_ configuration: Configuration) {
        let level = configuration["NIGHTSHIFT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingBootstrap.run(level: level)
    }
}

/// Bootstraps swift-log exactly once per process.
enum LoggingBootstrap {
    private static let state = LockedFlag()

    static func run(level: Logger.Level) {
        guard state.setOnce() else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// A flag that flips once, thread-safely.
final class LockedFlag: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var done = false

    /// True the first time only.
    func setOnce() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
