import ArgumentParser
import Foundation
import Logging
import NightshiftCore
import NightshiftStore
import Synchronization

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

            Exit codes: 0 success, 1 the job failed, 2 bad usage or input. Commands that print a result take \
            --json; dates are --from/--to (YYYY-MM-DD, inclusive).

            Shell completions:
              nightshift --generate-completion-script bash > /etc/bash_completion.d/nightshift
              nightshift --generate-completion-script zsh > "${fpath[1]}/_nightshift"
              nightshift --generate-completion-script fish > ~/.config/fish/completions/nightshift.fish
            """,
        version: NightshiftVersion.text,
        subcommands: [
            Ingest.self, Search.self, Extract.self, Reindex.self, Stats.self, Report.self, CostsCommand.self, Migrate.self,
            Serve.self, Token.self, Status.self, ConfigCommand.self, Fixtures.self, Bench.self,
        ]
    )

    /// Runs the command; bad usage exits with 2 (ArgumentParser's default is 64), as documented. Errors thrown
    /// before a command's own handling (reading `--config`, say) get the same one-line form.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as NightshiftError {
            FileHandle.standardError.write(Data("error: \(ErrorReport.scrub(ErrorReport.line(for: error).0))\n".utf8))
            Foundation.exit(error.exitCode)
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

    /// The resolved configuration; its warnings (unknown names in the config file) go to stderr once a process.
    func loadConfiguration() throws -> Configuration {
        var configuration = try Configuration.load(configFile: config)
        configuration.set("NIGHTSHIFT_DB", db)
        if let url = configuration["DATABASE_URL"] { ErrorReport.configuredDatabaseURL.set(url) }
        if ConfigurationWarnings.shown.setOnce() {
            for warning in configuration.warnings { warn(warning) }
        }
        return configuration
    }
}

/// The version `--version` prints: the release and the schema this binary migrates to.
enum NightshiftVersion {
    static let release = "0.1.0"
    static let text = "nightshift \(release) (schema \(EmbeddedMigrations.postgres.last?.version ?? "none"))"
}

/// Whether the configuration's warnings were printed already (a command may load it twice).
enum ConfigurationWarnings {
    static let shown = LockedFlag()
}

/// A warning on stderr, never on stdout (which may be a report or JSON).
func warn(_ text: String) {
    FileHandle.standardError.write(Data("nightshift: warning: \(Redaction.message(text))\n".utf8))
}

/// A note on stderr (what a run did or did not find), unless --quiet.
func note(_ text: String, quiet: Bool = false) {
    guard !quiet else { return }
    FileHandle.standardError.write(Data("nightshift: \(Redaction.message(text))\n".utf8))
}

/// Runs a command body, turning errors into one line on stderr and the documented exit code.
///
/// Every line passes through `Redaction.message` with the configured DATABASE_URL's secrets, so that no
/// password reaches the terminal in any form, whatever part of the stack quoted it.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        let (line, code) = ErrorReport.line(for: error)
        FileHandle.standardError.write(Data("error: \(ErrorReport.scrub(line))\n".utf8))
        throw ExitCode(code)
    }
}

/// One clear line for any error a command can meet, and its exit code.
enum ErrorReport {
    static func line(for error: any Error) -> (String, Int32) {
        switch error {
        case let error as NightshiftError:
            var text = error.message
            let shown = error.shownContext
            if !shown.isEmpty {
                text += " (" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
            }
            if let cause = error.cause {
                let (causeLine, _) = line(for: cause)
                text += ": " + causeLine
            }
            return (text, error.exitCode)
        case let error as PGError:
            // An object of the schema is missing: the database was never migrated (or only partly).
            if error.sqlState == "42P01" || error.sqlState == "42883" || error.sqlState == "3F000" {
                return ("schema not migrated (\(error.message)): run `nightshift migrate`", 1)
            }
            if error.kind == .connection {
                let hint = error.message.contains("DATABASE_URL") ? "" : " (check DATABASE_URL)"
                return ("cannot connect to PostgreSQL: \(error.message)\(hint)", 1)
            }
            return (error.description, 1)
        case let error as CocoaError:
            return (fileProblem(error), 1)
        case let error as POSIXError:
            return (String(cString: strerror(error.code.rawValue)), 1)
        default:
            return (String(describing: error), 1)
        }
    }

    /// A Foundation file error as a person reads it: what, which file, why.
    static func fileProblem(_ error: CocoaError) -> String {
        let path = error.filePath ?? error.url?.path ?? "the file"
        switch error.code {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "\(path) does not exist"
        case .fileReadNoPermission: return "\(path) is not readable (permission denied)"
        case .fileWriteNoPermission: return "\(path) is not writable (permission denied)"
        case .fileWriteOutOfSpace: return "no space left to write \(path)"
        case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "\(path) is not valid UTF-8 text"
        default:
            if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
                underlying.domain == NSPOSIXErrorDomain
            {
                return "\(path): \(String(cString: strerror(Int32(underlying.code))))"
            }
            return "\(path): \(error.localizedDescription)"
        }
    }

    /// The line with every URL, key=value secret and literal password of the configured DATABASE_URL masked.
    static func scrub(_ line: String) -> String {
        let oneLine = line.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        var text = Redaction.message(oneLine, secretsOf: ProcessInfo.processInfo.environment["DATABASE_URL"])
        if let configured = configuredDatabaseURL.value { text = Redaction.message(text, secretsOf: configured) }
        return text
    }

    /// The DATABASE_URL of the loaded configuration (from the environment or the config file).
    static let configuredDatabaseURL = LockedValue<String>()
}

/// Opens the configured store, runs `body` with it and the configuration, and closes the store on every path
/// (what `body` returns, or throws, once the store is closed).
///
/// `requireCurrentSchema: false` opens a database whose migrations are pending (`migrate`, `status`);
/// `migrateEmbedded: false` leaves a new embedded file unmigrated (`migrate` applies and reports them itself).
func withStore<T>(
    _ options: StoreOptions, requireCurrentSchema: Bool = true, migrateEmbedded: Bool = true,
    _ body: (any Store, Configuration) async throws -> T
) async throws -> T {
    let configuration = try options.loadConfiguration()
    Log.bootstrap(configuration)
    let location = try StoreLocation.resolve(configuration)
    let pool = try configuration.int("NIGHTSHIFT_DB_POOL", default: 8)
    guard pool >= 1 else {
        throw NightshiftError(.configuration, "expected at least 1 connection", context: ["setting": "NIGHTSHIFT_DB_POOL"])
    }
    let store = try await StoreFactory.open(
        location, requireCurrentSchema: requireCurrentSchema, migrateEmbedded: migrateEmbedded, maxConnections: pool)
    let result: T
    do {
        result = try await body(store, configuration)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
    return result
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
    private let done = Atomic<Bool>(false)

    /// True the first time only.
    func setOnce() -> Bool {
        !done.exchange(true, ordering: .acquiringAndReleasing)
    }
}

/// A value set and read from any thread.
final class LockedValue<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)

    var value: Value? { stored.withLock { $0 } }

    func set(_ value: Value) {
        stored.withLock { $0 = value }
    }
}
