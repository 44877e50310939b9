import Foundation

/// Masks secrets in connection strings and in the messages that quote them.
///
/// One place for every form a database address or credential takes: a URL's userinfo
/// (`postgres://user:secret@host/db`), a secret query parameter (`?password=secret`, `&sslpassword=…`), and a
/// libpq key=value string (`host=db password='se cret'`). Malformed input is masked too, erring on the side of
/// hiding more: a URL that cannot be parsed has everything between `://` and its last `@` treated as userinfo.
public enum Redaction {
    /// What a masked value is replaced with.
    public static let mask = "***"

    /// Query-string and key=value names whose values are secrets (compared case-insensitively).
    public static let secretParameterNames: Set<String> = [
        "password", "sslpassword", "passwd", "pwd", "pass", "secret", "client_secret", "token", "access_token",
        "refresh_token", "id_token", "api_key", "apikey", "key", "sig", "signature", "auth", "authorization",
    ]

    /// `text` (a URL or a key=value connection string) with every password and secret parameter masked.
    public static func connectionString(_ text: String) -> String {
        if let schemeEnd = text.range(of: "://") {
            return maskURL(text, schemeEnd: schemeEnd)
        }
        if text.contains("=") { return maskKeyValues(text) }
        return text
    }

    /// A message (an error, a log line) with every URL and key=value secret in it masked, and any literal
    /// secret of `source` (a URL or connection string the message may quote in pieces) replaced.
    public static func message(_ text: String, secretsOf source: String? = nil) -> String {
        var text = text
        if let source {
            for secret in secrets(of: source).sorted(by: { $0.count > $1.count }) where secret.count >= 3 {
                text = text.replacingOccurrences(of: secret, with: mask)
            }
        }
        // Each URL-like token (up to white space or a quote) masked as a URL.
        var output = ""
        var rest = Substring(text)
        while let schemeEnd = rest.range(of: "://") {
            var start = schemeEnd.lowerBound
            while start > rest.startIndex {
                let before = rest.index(before: start)
                let character = rest[before]
                guard character.isLetter || character.isNumber || character == "+" || character == "-" || character == "." else {
                    break
                }
                start = before
            }
            let end = rest[schemeEnd.upperBound...].firstIndex { $0.isWhitespace || $0 == "\"" || $0 == "'" } ?? rest.endIndex
            output += rest[..<start]
            output += connectionString(String(rest[start..<end]))
            rest = rest[end...]
        }
        output += rest
        return maskKeyValues(output, strict: true)
    }

    /// The secret values a URL or connection string carries (raw and percent-decoded), to scrub from messages
    /// that quote parts of it.
    public static func secrets(of source: String) -> [String] {
        var found: [String] = []
        func add(_ value: Substring) {
            guard !value.isEmpty else { return }
            found.append(String(value))
            if let decoded = String(value).removingPercentEncoding, decoded != String(value) { found.append(decoded) }
        }
        if let schemeEnd = source.range(of: "://") {
            let rest = source[schemeEnd.upperBound...]
            if let at = userinfoEnd(rest) {
                let userinfo = rest[..<at]
                if let colon = userinfo.firstIndex(of: ":") { add(userinfo[userinfo.index(after: colon)...]) }
            }
            if let query = source.firstIndex(of: "?") {
                for pair in source[source.index(after: query)...].split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    if parts.count == 2, isSecretName(parts[0]) { add(parts[1]) }
                }
            }
        } else {
            for (key, value) in keyValuePairs(source) where isSecretName(key) {
                add(value.content)
            }
        }
        return found
    }

    /// Parts of a name that mark its value secret wherever they appear (`db_password`, `x-amz-security-token`).
    public static let secretNameParts = ["password", "passwd", "secret", "token", "credential", "signature", "apikey", "api_key"]

    /// Whether a parameter's value is secret. In free text (`strict`), short generic names such as `key` or
    /// `auth` are not taken for parameters: a message may say "expected KEY=value".
    static func isSecretName(_ name: Substring, strict: Bool = false) -> Bool {
        let plain = name.trimmingCharacters(in: .whitespaces)
        let decoded = (plain.removingPercentEncoding ?? plain).lowercased()
        if secretNameParts.contains(where: { decoded.contains($0) }) { return true }
        return strict ? ["pwd", "sslpassword"].contains(decoded) : secretParameterNames.contains(decoded)
    }

    /// Where the userinfo of a URL's remainder (after `://`) ends: the last `@` of the authority, or of the whole
    /// remainder when the authority has none (a password with an unencoded `/`, `?` or `#`).
    static func userinfoEnd(_ rest: Substring) -> Substring.Index? {
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") { return at }
        if let at = rest.lastIndex(of: "@"), rest[..<at].contains(":") { return at }
        return nil
    }

    static func maskURL(_ text: String, schemeEnd: Range<String.Index>) -> String {
        let rest = text[schemeEnd.upperBound...]
        var output = String(text[..<schemeEnd.upperBound])
        var tail = rest
        if let at = userinfoEnd(rest) {
            let userinfo = rest[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                output += String(userinfo[..<colon]) + ":" + mask
            } else {
                output += userinfo
            }
            tail = rest[at...]
        }
        guard let query = tail.firstIndex(of: "?") else { return output + tail }
        output += tail[...query]
        let queryText = tail[tail.index(after: query)...]
        let fragmentStart = queryText.firstIndex(of: "#") ?? queryText.endIndex
        let pairs = queryText[..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, isSecretName(parts[0]) { return String(parts[0]) + "=" + mask }
            return String(pair)
        }
        return output + pairs.joined(separator: "&") + queryText[fragmentStart...]
    }

    struct Value {
        var range: Range<String.Index>
        var content: Substring
    }

    /// The key=value pairs of a libpq-style string: values bare or in single quotes, backslash escapes.
    static func keyValuePairs(_ text: String) -> [(Substring, Value)] {
        var pairs: [(Substring, Value)] = []
        var index = text.startIndex
        while index < text.endIndex {
            // A key: letters, digits, `_`, `-`, `.` just before an `=` (spaces allowed around it).
            guard text[index].isLetter || text[index] == "_" else {
                index = text.index(after: index)
                continue
            }
            let keyStart = index
            while index < text.endIndex, text[index].isLetter || text[index].isNumber || "_-.".contains(text[index]) {
                index = text.index(after: index)
            }
            let key = text[keyStart..<index]
            var probe = index
            while probe < text.endIndex, text[probe] == " " { probe = text.index(after: probe) }
            guard probe < text.endIndex, text[probe] == "=" else { continue }
            probe = text.index(after: probe)
            while probe < text.endIndex, text[probe] == " " { probe = text.index(after: probe) }
            let valueStart = probe
            if probe < text.endIndex, text[probe] == "'" {
                probe = text.index(after: probe)
                while probe < text.endIndex, text[probe] != "'" {
                    if text[probe] == "\\" { probe = text.index(after: probe) }
                    if probe < text.endIndex { probe = text.index(after: probe) }
                }
                let contentStart = text.index(after: valueStart)
                let content = text[contentStart..<min(probe, text.endIndex)]
                if probe < text.endIndex { probe = text.index(after: probe) }
                pairs.append((key, Value(range: valueStart..<probe, content: content)))
            } else {
                while probe < text.endIndex, !text[probe].isWhitespace, text[probe] != "&", text[probe] != "\"" {
                    if text[probe] == "\\" { probe = text.index(after: probe) }
                    if probe < text.endIndex { probe = text.index(after: probe) }
                }
                pairs.append((key, Value(range: valueStart..<probe, content: text[valueStart..<probe])))
            }
            index = probe
        }
        return pairs
    }

    static func maskKeyValues(_ text: String, strict: Bool = false) -> String {
        var output = ""
        var copied = text.startIndex
        for (key, value) in keyValuePairs(text) where isSecretName(key, strict: strict) && value.content != Substring(mask) {
            output += text[copied..<value.range.lowerBound]
            output += mask
            copied = value.range.upperBound
        }
        return output + text[copied...]
    }
}
