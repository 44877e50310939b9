import ArgumentParser
import Foundation
import NightshiftCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective settings, where each came from, secrets masked.",
        discussion: """
            Every setting Nightshift reads, with its value and origin: flag, environment, FILE:LINE of the config \
            file, or default. API keys and JWT secrets show as <redacted>; passwords in URLs and connection \
            strings as ***. A name in the config file that Nightshift does not read is listed with a warning on \
            stderr (and the known name it is closest to).

            Examples:
              nightshift config
              nightshift config --config /etc/nightshift.conf --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.store.loadConfiguration()
            let settings = configuration.effectiveSettings
            if json {
                printJSON([
                    "config_file": configuration.configFile.map(JSONValue.string) ?? .null,
                    "settings": .array(settings.map { setting in
                        [
                            "name": .string(setting.name), "value": setting.value.map(JSONValue.string) ?? .null,
                            "origin": setting.origin.map(JSONValue.string) ?? .null,
                            "known": .bool(Settings.definition(setting.name) != nil),
                        ]
                    }),
                    "warnings": .array(configuration.warnings.map(JSONValue.string)),
                ])
                return
            }
            print("config file: \(configuration.configFile ?? "none (--config FILE, $NIGHTSHIFT_CONFIG or ./nightshift.conf)")")
            let width = settings.map(\.name.count).max() ?? 0
            for setting in settings {
                let name = setting.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let value = setting.value ?? "(unset)"
                let origin = setting.origin.map { "  [\($0)]" } ?? ""
                print("\(name)  \(value)\(origin)")
            }
        }
    }
}
