import Foundation

/// An HTTP method; any token is allowed, the common ones have names.
public struct HTTPMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The method token, upper-case.
    public var rawValue: String
    /// A method from its token (upper-cased).
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }

    /// `GET`.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `POST`.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`.
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `HEAD`: the response has no body.
    public static let head = HTTPMethod(rawValue: "HEAD")

    /// The method token.
    public var description: String { rawValue }
}

/// How long a transfer may take, per phase; nil switches a limit off.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Time to establish the connection (TCP and TLS).
    public var connect: Duration
    /// Time for the whole transfer, from start to the last byte.
    public var total: Duration?
    /// Longest stretch with no byte moving either way (a stalled peer), the wait for the first byte included; leave
    /// it nil where a server is silent until it is done (a non-streamed LLM answer).
    public var idle: Duration?

    /// Timeouts; the defaults suit an API call that answers within a minute.
    public init(connect: Duration = .seconds(10), total: Duration? = .seconds(60), idle: Duration? = .seconds(30)) {
        self.connect = connect
        self.total = total
        self.idle = idle
    }
}

/// Whether a client follows redirects, and how many.
public enum HTTPRedirectPolicy: Sendable, Hashable {
    /// A 3xx response is returned as it is.
    case none
    /// Follow up to `max` redirects (http and https only); one more is an error.
    case follow(max: Int)
}

/// One HTTP request: what to send, and the limits to receive the answer within.
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// Where to send it: http or https only.
    public var url: URL
    /// Header fields to send; curl adds Host, User-Agent, Accept-Encoding and Content-Length.
    public var headers: HTTPHeaders
    /// The body to send, or nil.
    public var body: Data?
    /// Connect, total and idle limits.
    public var timeouts: HTTPTimeouts
    /// The most body bytes accepted (after content decoding); more is a `tooLarge` error.
    public var maxResponseBytes: Int
    /// Whether to follow redirects, and how many.
    public var redirects: HTTPRedirectPolicy
    /// The provider this call is for (`openai`, `anthropic`), named in errors.
    public var provider: String?

    /// A request; defaults: no body, 60 s total, 64 MiB at most, up to 5 redirects followed.
    public init(
        method: HTTPMethod = .get, url: URL, headers: HTTPHeaders = [:], body: Data? = nil,
        timeouts: HTTPTimeouts = HTTPTimeouts(), maxResponseBytes: Int = 64 << 20,
        redirects: HTTPRedirectPolicy = .follow(max: 5), provider: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
        self.redirects = redirects
        self.provider = provider
    }

    /// A POST of a JSON body, with `Content-Type: application/json`.
    public static func postJSON(
        _ url: URL, body: Data, headers: HTTPHeaders = [:], timeouts: HTTPTimeouts = HTTPTimeouts(),
        provider: String? = nil
    ) -> HTTPRequest {
        var all = headers
        if !all.contains("Content-Type") { all.set("Content-Type", "application/json") }
        return HTTPRequest(method: .post, url: url, headers: all, body: body, timeouts: timeouts, provider: provider)
    }

    /// The URL as errors and logs show it: no user or password, secret-looking query values masked.
    public var redactedURL: String { HTTPRequest.redact(url) }

    /// Query names whose values are masked by `redact`: they usually carry credentials or signatures.
    static let secretQueryHints = [
        "key", "token", "secret", "sig", "password", "passwd", "auth", "credential", "session",
    ]

    /// `url` without credentials, with the values of secret-looking query items replaced by `***`.
    public static func redact(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        if parts.user != nil || parts.password != nil {
            parts.user = nil
            parts.password = nil
        }
        if let items = parts.queryItems, !items.isEmpty {
            parts.queryItems = items.map { item in
                let name = item.name.lowercased()
                guard item.value != nil, secretQueryHints.contains(where: { name.contains($0) }) else { return item }
                return URLQueryItem(name: item.name, value: "***")
            }
        }
        parts.fragment = nil
        return parts.string ?? "<url>"
    }

    /// `text` with every sensitive header value of this request replaced by `<redacted>`.
    func scrub(_ text: String) -> String {
        var out = text
        for secret in headers.secretValues.sorted(by: { $0.count > $1.count }) where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        if let user = url.user, !user.isEmpty, let password = url.password, !password.isEmpty {
            out = out.replacingOccurrences(of: password, with: "<redacted>")
        }
        return out
    }
}
