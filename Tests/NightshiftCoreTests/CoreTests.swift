import Foundation
import NightshiftCore
import Testing

@Suite("Hashing")
struct HashingTests {
    @Test("SHA-256 matches the NIST vectors, whole or streamed")
    func sha256() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = String(repeating: "a", count: 1_000_000)
        #expect(SHA256.hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var streamed = SHA256()
        for piece in stride(from: 0, to: 1_000_000, by: 7919) {
            streamed.update(String(repeating: "a", count: min(7919, 1_000_000 - piece)))
        }
        #expect(streamed.finalize().hexString == SHA256.hex(million))
        // Contiguous bytes take the block path, other sequences the byte path: same digests.
        let bytes = Array(million.utf8)
        #expect(SHA256.hex(bytes: bytes) == SHA256.hex(million))
        #expect(SHA256.hex(bytes: AnySequence(bytes)) == SHA256.hex(million))
        #expect(SHA256.hex(bytes: AnySequence(Array("abc".utf8))) == SHA256.hex("abc"))
    }
}

@Suite("Time")
struct TimeTests {
    @Test("timestamps round-trip and PostgreSQL's text form parses, offsets included")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.125)
        #expect(Timestamp.iso8601(date) == "2026-11-18T11:06:40.125Z")
        #expect(Timestamp.parse(Timestamp.iso8601(date)) == date)
        #expect(Timestamp.parse("2026-11-18 11:06:40.125+00") == date)
        #expect(Timestamp.parse("2026-11-18 16:36:40.125+05:30") == date)
        #expect(Timestamp.parse("2026-11-18") == Date(timeIntervalSince1970: 1_795_000_000 - 40000))
        #expect(Timestamp.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        #expect(Timestamp.parse("not a date") == nil)
        #expect(Timestamp.parse("2026-13-01") == nil)
        let micros = Timestamp.iso8601Micros(Date(timeIntervalSince1970: 1.000001))
        #expect(micros == "1970-01-01T00:00:01.000001Z")
    }

    @Test("days parse strictly and step across months and leap years")
    func days() {
        #expect(Day("2024-02-29")?.adding(days: 1).description == "2024-03-01")
        #expect(Day("2023-02-29") == nil)
        #expect(Day("2026-1-01") == nil)
        #expect(Day(utc: Date(timeIntervalSince1970: 86_399)).description == "1970-01-01")
        #expect(Day(utc: Date(timeIntervalSince1970: -1)).description == "1969-12-31")
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the config file parses KEY=value lines and names the line of an error")
    func configFile() throws {
        let pairs = try Configuration.parseFile(
            "# comment\nexport DATABASE_URL=\"postgres://x\"\nNIGHTSHIFT_DB = a.sqlite # trailing\n\n", path: "n.conf")
        #expect(pairs.map(\.0) == ["DATABASE_URL", "NIGHTSHIFT_DB"])
        #expect(pairs.map(\.1) == ["postgres://x", "a.sqlite"])
        do {
            _ = try Configuration.parseFile("GOOD=1\nthis line is bad\n", path: "n.conf")
            Issue.record("expected an error")
        } catch let error as NightshiftError {
            #expect(error.context["line"] == "2")
            #expect(error.context["file"] == "n.conf")
        }
    }

    @Test("the environment overrides the file, flags override both, and secrets never print")
    func precedence() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ns-conf-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("nightshift.conf").path
        try "NIGHTSHIFT_DB=file.sqlite\nOPENAI_API_KEY=sk-from-file\nNIGHTSHIFT_LOG_LEVEL=debug\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        var config = try Configuration.load(environment: ["NIGHTSHIFT_DB": "env.sqlite", "HOME": "/x"], configFile: file)
        #expect(config["NIGHTSHIFT_DB"] == "env.sqlite")
        #expect(config["NIGHTSHIFT_LOG_LEVEL"] == "debug")
        #expect(config["HOME"] == nil)
        config.set("NIGHTSHIFT_DB", "flag.sqlite")
        #expect(try StoreLocation.resolve(config) == .sqlite(path: "flag.sqlite"))
        let key = try #require(config.secret("OPENAI_API_KEY"))
        #expect("\(key)" == "<redacted>")
        #expect(key.value == "sk-from-file")
        #expect(throws: NightshiftError.self) {
            try Configuration.load(environment: [:], configFile: folder.appendingPathComponent("missing.conf").path)
        }
    }

    @Test("yes/no settings accept the usual spellings and reject anything else, naming the setting")
    func booleans() throws {
        let config = Configuration(values: ["A": "true", "B": "0", "C": "ON", "D": "maybe"])
        #expect(try config.bool("A", default: false))
        #expect(try !config.bool("B", default: true))
        #expect(try config.bool("C", default: false))
        #expect(try config.bool("MISSING", default: true))
        #expect(throws: NightshiftError.self) { try config.bool("D", default: false) }
        do {
            _ = try config.bool("D", default: false)
        } catch let error as NightshiftError {
            #expect(error.context["setting"] == "D")
        }
    }

    @Test("a PostgreSQL URL selects PostgreSQL and prints without its password")
    func storeLocation() throws {
        let config = Configuration(values: ["DATABASE_URL": "postgres://app:s3cret@db:5432/main?sslmode=require"])
        let location = try StoreLocation.resolve(config)
        #expect("\(location)" == "postgres postgres://app:***@db:5432/main?sslmode=require")
        #expect(try StoreLocation.resolve(Configuration()) == .sqlite(path: "nightshift.sqlite"))
    }
}

@Suite("JSON")
struct JSONTests {
    @Test("JSON text is deterministic and escapes control characters")
    func deterministic() throws {
        let value: JSONValue = ["b": [1, 2.5, "x\n\"y\""], "a": nil, "c": true]
        #expect(value.jsonText == #"{"a":null,"b":[1,2.5,"x\n\"y\""],"c":true}"#)
        #expect(try JSONValue.parse(value.jsonText) == value)
        #expect(throws: NightshiftError.self) { try JSONValue.parse("{broken") }
    }

    @Test("the parser reads what Foundation's JSONDecoder reads, to the same values")
    func parserMatchesFoundation() throws {
        let valid = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, " \n\t[ 1 , 2 ]\r\n", "0", "-0", "-12.5e-3", "1E+2", "3.0",
            "123456789012345678", "1e-300", #""plain""#, #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\ude00""#,
            #""déjà vu 中文 😀""#, "[]", "{}", #"{"k":1,"k":2}"#, #"[[[[[]]]]]"#, #"{"":""}"#, "[-1.25e+10, 0.5, 7]",
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
            #"{"headings":[{"level":2,"title":"Section 1","offset":10}],"source_sha256":"ab","source_bytes":1024}"#,
        ]
        for text in valid {
            let ours = try JSONValue.parse(text)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == foundation, "\(text)")
        }
        let invalid = [
            "", " ", "{", "[1,]", "[,1]", #"{"a":1,}"#, #"{a:1}"#, "01", "1.", ".5", "+1", "1e", "-", "tru", "nul",
            #""unterminated"#, "\"tab\there\"", #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#,
            "1 2", "[1] x", "1e400", "1e-400", "NaN", "Infinity", "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
        ]
        for text in invalid {
            #expect(throws: NightshiftError.self, "\(text)") { try JSONValue.parse(text) }
        }
    }
}
