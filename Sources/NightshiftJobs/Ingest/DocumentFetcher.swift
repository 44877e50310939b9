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
    /// type checked. Any failure is a `DocumentSkip` (with `gone` true for 404 and 410).
    public static func fetch(_ input: String, maxBytes: Int = 32 << 20, client: HTTPClient = .shared) async throws
        -> (item: SourceItem, contentType: String?)
    {
        guard let url = URL(string: input), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw DocumentSkip(.unreadable, "not a valid http(s) URL", uri: input)
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
            throw DocumentSkip(.unreadable, "\(error)", uri: input)
        }
        guard response.isSuccess else {
            throw DocumentSkip(response.status == 404 || response.status == 410 ? .empty : .unreadable,
                               "HTTP \(response.status)", uri: input)
        }
        if let type = response.mediaType, !acceptedURLTypes.contains(where: { type.hasPrefix($0) }) {
            throw DocumentSkip(.unsupported, "unsupported content type \(type)", uri: input)
        }
        let last = response.url.lastPathComponent
        let filename = last.isEmpty || last == "/" ? (url.host ?? "index") : last
        let modified = response.headers["Last-Modified"].flatMap(HTTPDate.parse)
        return (SourceItem(uri: input, relativePath: filename, filename: filename, bytes: Array(response.body),
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
                throw NightshiftError(.format, skip.reason, context: ["url": input])
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
