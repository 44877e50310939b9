import Foundation
import NightshiftCore
import Testing

@Suite("Masking secrets in URLs and connection strings")
struct RedactionTests {
    @Test("a URL's userinfo password is masked, the user and the rest kept")
    func userinfo() {
        #expect(Redaction.connectionString("postgres://app:s3cret@db:5432/main?sslmode=require")
            == "postgres://app:***@db:5432/main?sslmode=require")
        #expect(Redaction.connectionString("postgresql://app@db/main") == "postgresql://app@db/main")
        #expect(Redaction.connectionString("postgres://db/main") == "postgres://db/main")
        // Percent-encoded and unencoded special characters in the password.
        #expect(Redaction.connectionString("postgres://app:p%40ss%2Fw@db/main") == "postgres://app:***@db/main")
        #expect(Redaction.connectionString("postgres://app:p@ss@db/main") == "postgres://app:***@db/main")
    }

    @Test("secret query parameters are masked, others kept")
    func queryParameters() {
        #expect(Redaction.connectionString("postgres://db/main?user=app&password=s3cret&sslmode=require")
            == "postgres://db/main?user=app&password=***&sslmode=require")
        #expect(Redaction.connectionString("postgres://db/main?PASSWORD=s3cret") == "postgres://db/main?PASSWORD=***")
        #expect(Redaction.connectionString("postgres://db/main?sslpassword=k3y#frag") == "postgres://db/main?sslpassword=***#frag")
        #expect(Redaction.connectionString("https://host/x?token=abc&page=2") == "https://host/x?token=***&page=2")
        #expect(Redaction.connectionString("postgres://u:pw@db/main?password=other")
            == "postgres://u:***@db/main?password=***")
        #expect(Redaction.connectionString("https://h/x?db_password=a&X-Amz-Security-Token=b&sslmode=require")
            == "https://h/x?db_password=***&X-Amz-Security-Token=***&sslmode=require")
    }

    @Test("key=value connection strings have their password masked, quoted or not")
    func keyValue() {
        #expect(Redaction.connectionString("host=db user=app password=s3cret dbname=main")
            == "host=db user=app password=*** dbname=main")
        #expect(Redaction.connectionString("host=db password = 'se cret \\' quote' dbname=main")
            == "host=db password = *** dbname=main")
        #expect(Redaction.connectionString("host=db sslmode=require") == "host=db sslmode=require")
    }

    @Test("malformed URLs are masked too, erring towards hiding more")
    func malformed() {
        let masked = Redaction.connectionString("postgres://app:pa/ss?w@db:notaport/main")
        #expect(!masked.contains("pa/ss"))
        #expect(!masked.contains("ss?w"))
        #expect(masked.hasPrefix("postgres://app:***@"))
        #expect(!Redaction.connectionString("postgres://app:s3cret@[::1/main").contains("s3cret"))
    }

    @Test("messages that quote a URL, a conninfo or pieces of one are scrubbed")
    func messages() {
        let url = "postgres://app:hunter22@db:99999/main?password=other-secret"
        let quoted = "invalid port number: \"99999\" in \"postgres://app:hunter22@db:99999/main?password=other-secret\""
        let scrubbed = Redaction.message(quoted, secretsOf: url)
        #expect(!scrubbed.contains("hunter22") && !scrubbed.contains("other-secret"))
        #expect(scrubbed.contains("99999"))
        // Only a piece of the password quoted, percent-decoded.
        let encoded = "postgres://app:p%40ssw0rd@db/main"
        #expect(Redaction.message("bad token \"p@ssw0rd\"", secretsOf: encoded) == "bad token \"***\"")
        #expect(Redaction.message("connect failed: host=db password=abc123 port=5") == "connect failed: host=db password=*** port=5")
        #expect(Redaction.message("no secrets here: 42 rows") == "no secrets here: 42 rows")
        #expect(Redaction.message("expected KEY=value (file=a.conf, line=2)") == "expected KEY=value (file=a.conf, line=2)")
        #expect(Redaction.message("retry with token=abc") == "retry with token=***")
        #expect(Redaction.secrets(of: "host=db password='a b c'") == ["a b c"])
    }

    @Test("StoreLocation prints with every form masked")
    func storeLocation() throws {
        for url in [
            "postgres://app:s3cret@db/main", "postgres://db/main?password=s3cret",
            "postgresql://app:s3cret@db/main?sslpassword=s3cret&sslmode=require",
        ] {
            let location = try StoreLocation.resolve(Configuration(values: ["DATABASE_URL": url]))
            #expect(!location.description.contains("s3cret"), "\(url)")
        }
    }
}

@Suite("Settings: unknown names, effective values")
struct SettingsTests {
    @Test("an unknown name in the config file warns with its file and line and the nearest known name")
    func unknownNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ns-settings-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("nightshift.conf").path
        try "# settings\nNIGHTSHIFT_DB=a.sqlite\nNIGHTSHIFT_RATELIMIT=9\nCOMPLETELY_DIFFERENT=1\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let config = try Configuration.load(environment: [:], configFile: file)
        #expect(config.warnings.count == 2)
        #expect(config.warnings[0] == "unknown setting NIGHTSHIFT_RATELIMIT in \(file) line 3 (ignored); did you mean NIGHTSHIFT_RATE_LIMIT?")
        #expect(config.warnings[1].hasPrefix("unknown setting COMPLETELY_DIFFERENT in \(file) line 4"))
        #expect(!config.warnings[1].contains("did you mean"))
        #expect(config.origins["NIGHTSHIFT_DB"] == "\(file):2")
        #expect(Settings.closest(to: "OPENAI_APIKEY") == "OPENAI_API_KEY")
    }

    @Test("effective settings show origins and defaults, and never a secret")
    func effective() throws {
        var config = try Configuration.load(
            environment: [
                "DATABASE_URL": "postgres://app:pw-secret@db/main?password=pw-secret", "OPENAI_API_KEY": "sk-live-secret",
                "NIGHTSHIFT_CUSTOM_TOKEN": "tok-secret",
            ],
            configFile: nil)
        config.set("NIGHTSHIFT_DB", "flag.sqlite")
        let settings = Dictionary(uniqueKeysWithValues: config.effectiveSettings.map { ($0.name, $0) })
        #expect(settings["DATABASE_URL"]?.value == "postgres://app:***@db/main?password=***")
        #expect(settings["DATABASE_URL"]?.origin == "environment")
        #expect(settings["OPENAI_API_KEY"]?.value == "<redacted>")
        #expect(settings["NIGHTSHIFT_CUSTOM_TOKEN"]?.value == "<redacted>")
        #expect(settings["NIGHTSHIFT_DB"]?.value == "flag.sqlite" && settings["NIGHTSHIFT_DB"]?.origin == "flag")
        #expect(settings["NIGHTSHIFT_RATE_LIMIT"]?.value == "5" && settings["NIGHTSHIFT_RATE_LIMIT"]?.origin == "default")
        #expect(settings["ANTHROPIC_API_KEY"]?.value == nil)
        #expect(!config.effectiveSettings.contains { ($0.value ?? "").contains("secret") })
    }

    @Test("a list of sources shows each URL without its password or token")
    func sourcesList() {
        let shown = Settings.display(
            "NIGHTSHIFT_SOURCES", "/srv/kb https://reader:pw-secret@wiki.example/doc?token=tok-secret&page=2 https://open.example/")
        #expect(!shown.contains("pw-secret") && !shown.contains("tok-secret"), "\(shown)")
        #expect(shown.hasPrefix("/srv/kb https://reader:"))
        #expect(shown.contains("page=2") && shown.hasSuffix(" https://open.example/"))
    }
}
