import Foundation

/// The form of an http(s) URL that is stored, printed and logged: without its user and password and without the
/// query parameters that look like credentials, so that a URL given as `https://user:pass@host/doc?token=…` is
/// fetched with them but known everywhere else as `https://host/doc`.
///
/// A parameter is a credential when its name, compared without case, is one of `secretParameters`, or its last
/// word (the name split at `-`, `_` and `.`) is: `token`, `X-Amz-Signature`, `X-Amz-Security-Token`,
/// `private_token` and `client_secret` are, `keyword` and `monkey` are not. The same rule applies to a fragment
/// written as parameters (`#access_token=…`). Everything else is kept byte for byte, so the display form of a URL
/// without credentials is the URL itself.
public enum SourceURL {
    /// Parameter names (and last words of names) that are credentials.
    public static let defaultSecretParameters: Set<String> = [
        "token", "access_token", "refresh_token", "id_token", "auth", "authorization", "key", "apikey", "api_key",
        "sig", "signature", "password", "passwd", "pwd", "secret", "client_secret", "credential", "credentials",
        "session", "sessionid", "jwt",
    ]

    /// The names in a comma- or space-separated setting (`NIGHTSHIFT_SECRET_QUERY_PARAMS`), added to the defaults.
    public static func secretParameters(adding setting: String?) -> Set<String> {
        var names = defaultSecretParameters
        for name in (setting ?? "").split(whereSeparator: { $0 == "," || $0 == " " }) {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            if !trimmed.isEmpty { names.insert(trimmed) }
        }
        return names
    }

    /// `url` without user information and credential parameters; anything that is not `scheme://…` is returned
    /// unchanged.
    public static func display(_ url: String, secretParameters: Set<String> = defaultSecretParameters) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        var tail = String(rest[authorityEnd...])
        var fragment: String?
        if let hash = tail.firstIndex(of: "#") {
            fragment = String(tail[tail.index(after: hash)...])
            tail = String(tail[..<hash])
        }
        var path = tail
        var query: String?
        if let question = tail.firstIndex(of: "?") {
            query = String(tail[tail.index(after: question)...])
            path = String(tail[..<question])
        }
        var out = String(url[..<schemeEnd.upperBound]) + authority + path
        if let query, let kept = keptParameters(query, secretParameters) { out += "?" + kept }
        if let fragment {
            if !fragment.contains("=") {
                out += "#" + fragment
            } else if let kept = keptParameters(fragment, secretParameters) {
                out += "#" + kept
            }
        }
        return out
    }

    /// Whether `display` changes `url` (it carries credentials).
    public static func hasCredentials(_ url: String, secretParameters: Set<String> = defaultSecretParameters) -> Bool {
        display(url, secretParameters: secretParameters) != url
    }

    /// `text` (an error message, say) with `url` replaced by its display form and each of its credentials (user,
    /// password, credential parameter values, as written and percent-decoded) by `<redacted>`.
    public static func scrub(_ text: String, of url: String, secretParameters: Set<String> = defaultSecretParameters) -> String {
        var out = text.replacingOccurrences(of: url, with: display(url, secretParameters: secretParameters))
        for secret in credentials(in: url, secretParameters: secretParameters).sorted(by: { $0.count > $1.count }) {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return out
    }

    /// The credentials `display` removes from `url`: user, password and credential parameter values, as written
    /// and percent-decoded.
    static func credentials(in url: String, secretParameters: Set<String>) -> Set<String> {
        guard let schemeEnd = url.range(of: "://") else { return [] }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var found: [Substring] = []
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            found += authority[..<at].split(separator: ":", maxSplits: 1)
        }
        for part in rest[authorityEnd...].split(whereSeparator: { $0 == "?" || $0 == "&" || $0 == "#" }) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let name = (String(pair[0]).removingPercentEncoding ?? String(pair[0])).lowercased()
            if isSecret(name, secretParameters) { found.append(pair[1]) }
        }
        var values: Set<String> = []
        for value in found where !value.isEmpty {
            values.insert(String(value))
            if let decoded = String(value).removingPercentEncoding, !decoded.isEmpty { values.insert(decoded) }
        }
        return values
    }

    /// The `&`-separated parameters that are not credentials, or nil when none is left.
    private static func keptParameters(_ text: String, _ secrets: Set<String>) -> String? {
        let kept = text.split(separator: "&", omittingEmptySubsequences: false).filter { parameter in
            let rawName = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let name = (String(rawName).removingPercentEncoding ?? String(rawName)).lowercased()
            return !isSecret(name, secrets)
        }
        let joined = kept.joined(separator: "&")
        return joined.isEmpty ? nil : joined
    }

    static func isSecret(_ name: String, _ secrets: Set<String>) -> Bool {
        if secrets.contains(name) { return true }
        let words = name.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." })
        guard let last = words.last else { return false }
        if secrets.contains(String(last)) { return true }
        if words.count >= 2 { return secrets.contains(words.suffix(2).joined(separator: "_")) }
        return false
    }
}
