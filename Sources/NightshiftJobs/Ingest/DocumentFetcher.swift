import Foundation
import NightshiftCore
import NightshiftDocuments
import NightshiftHTTP

/// Reads one document from a URL or a file, as ingestion does.
public enum DocumentFetcher {
    /// Content types a URL may have to be ingested.
    static let acceptedURLTypes = [
        "text/", "application/xhtml+xml", "application/xml", "application/json", "application/x-ndjson",
        "application/vnd.openxmlformats-officedocument.wordprocessingml", "application/vnd.oasis.opendocument.text",
        "application/epub+zip", "application/octet-stream",
    ]

    /// Fetches a URL through libcurl: redirects followed (5 at most), size and time limits, status and content
    /// type checked. A URL that is not an http(s) URL, or that answers 404 or 410, is bad input (a
    /// `NightshiftError` of code `invalidInput` naming it): there is nothing to ingest there. Any other failure
    /// (timeouts, other statuses, content types) is a `DocumentSkip`.
    ///
    /// The request goes to `input` as given, credentials included; the item's URI, the skip's URI and reason
    /// name the URL in its display form (`SourceURL.display`), so no credential reaches what is stored or printed.
    public static func fetch(
        _ input: String, maxBytes: Int = 32 << 20,
        secretParameters: Set<String> = SourceURL.defaultSecretParameters, client: HTTPClient = .shared
    ) async throws -> (item: SourceItem, contentType: String?) {
        let shown = SourceURL.display(input, secretParameters: secretParameters)
        guard let url = URL(string: input), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw NightshiftError.invalidInput("not a valid http(s) URL", context: ["url": shown])
        }
        let response: HTTPResponse
        do {
            response = try await client.send(
                HTTPRequest(
                    url: url,
                    headers: ["Accept": "text/html, text/*;q=0.9, application/xhtml+xml, application/xml;q=0.8, */*;q=0.5"],
                    timeouts: HTTPTimeouts(connect: .seconds(10), total: .seconds(60), idle: .seconds(20)),
                    maxResponseBytes: maxBytes, redirects: .follow(max: 5)))
        } catch {
            throw DocumentSkip(
                .unreadable, SourceURL.scrub("\(error)", of: input, secretParameters: secretParameters), uri: shown)
        }
        if response.status == 404 || response.status == 410 {
            throw NightshiftError.invalidInput(
                "no such page (HTTP \(response.status))", context: ["url": shown], httpStatus: response.status)
        }
        guard response.isSuccess else {
            throw DocumentSkip(.unreadable, "HTTP \(response.status)", uri: shown)
        }
        if let type = response.mediaType, !acceptedURLTypes.contains(where: { type.hasPrefix($0) }) {
            throw DocumentSkip(.unsupported, "unsupported content type \(type)", uri: shown)
        }
        let last = response.url.lastPathComponent
        let filename = last.isEmpty || last == "/" ? (url.host ?? "index") : last
        let modified = response.headers["Last-Modified"].flatMap(HTTPDate.parse)
        return (SourceItem(uri: shown, relativePath: filename, filename: filename, bytes: Array(response.body),
                           modificationDate: modified), response.contentType)
    }

    /// The extracted text of a file or URL (for `nightshift extract`).
    public static func extract(_ input: String, options: ExtractionOptions = ExtractionOptions()) async throws -> ExtractedText {
        let lower = input.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            do {
                let (item, type) = try await fetch(input)
                return try DocumentExtractor.extract(data: item.bytes, filename: item.filename, declaredType: type, options: options)
            } catch let skip as DocumentSkip {
                throw NightshiftError(.format, skip.reason, context: ["url": SourceURL.display(input)])
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw NightshiftError(.io, "cannot read the file", context: ["file": input], cause: error)
        }
        do {
            return try DocumentExtractor.extract(
                data: Array(data), filename: (input as NSString).lastPathComponent, declaredType: nil, options: options)
        } catch let skip as DocumentSkip {
            throw NightshiftError(.format, skip.reason, context: ["file": input])
        }
    }
}

/// HTTP dates (`Last-Modified`): RFC 1123, which is what servers send.
enum HTTPDate {
    static func parse(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
