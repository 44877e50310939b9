import Foundation
import NightshiftCore

/// A complete HTTP response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    /// The HTTP status code of the final response.
    public var status: Int
    /// The final response's header fields (those of redirects are dropped).
    public var headers: HTTPHeaders
    /// The whole body, content-decoded (gzip, deflate, br).
    public var body: Data
    /// The URL that answered, after any redirects.
    public var url: URL

    /// A response; `url` is the final URL after redirects.
    public init(status: Int, headers: HTTPHeaders, body: Data, url: URL) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// The `Content-Type` header as sent (with parameters), or nil.
    public var contentType: String? { headers["Content-Type"] }

    /// The media type without parameters, lowercased (`text/html`), or nil.
    public var mediaType: String? { HTTPResponse.mediaType(of: contentType) }

    /// The `charset` parameter of the content type, lowercased, or nil.
    public var charset: String? { HTTPResponse.charset(of: contentType) }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as UTF-8, invalid bytes replaced.
    public var text: String { String(decoding: body, as: UTF8.self) }

    static func mediaType(of contentType: String?) -> String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? contentType
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    static func charset(of contentType: String?) -> String? {
        guard let contentType else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else {
                continue
            }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                .lowercased()
        }
        return nil
    }
}

/// A response whose head has arrived and whose body is still arriving.
///
/// Iterate `body` (or `events()` for `text/event-stream`) to receive it; dropping the stream, or cancelling the
/// task that iterates it, aborts the transfer.
public struct HTTPStreamingResponse: Sendable {
    /// The HTTP status code of the final response.
    public var status: Int
    /// The final response's header fields (those of redirects are dropped).
    public var headers: HTTPHeaders
    /// The URL that answered, after any redirects.
    public var url: URL
    /// The body in chunks as they arrive; ends with an error if the transfer fails midway.
    public var body: AsyncThrowingStream<[UInt8], any Error>

    /// A streaming response (built by `HTTPClient`; public for tests and adapters).
    public init(status: Int, headers: HTTPHeaders, url: URL, body: AsyncThrowingStream<[UInt8], any Error>) {
        self.status = status
        self.headers = headers
        self.url = url
        self.body = body
    }

    /// The `Content-Type` header as sent, or nil.
    public var contentType: String? { headers["Content-Type"] }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body parsed as server-sent events.
    public func events() -> ServerSentEventStream<AsyncThrowingStream<[UInt8], any Error>> {
        ServerSentEventStream(body)
    }

    /// Reads the rest of the body into a complete response.
    public func collect() async throws -> HTTPResponse {
        var data = Data()
        for try await chunk in body {
            data.append(contentsOf: chunk)
        }
        // A cancelled reader sees the stream end early; that is not a complete body.
        try Task.checkCancellation()
        return HTTPResponse(status: status, headers: headers, body: data, url: url)
    }
}
