import Foundation
import NightshiftCore
import NightshiftHTTP

/// URL building and error shapes shared by the network providers.
enum ProviderSupport {
    /// `base` + `path`, where `path` starts with `/v1/`; a base that already ends in `/v1` (as OpenAI SDK users
    /// often write `OPENAI_BASE_URL`) does not get a second one.
    static func endpoint(_ base: URL, _ path: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        var suffix = path
        if text.hasSuffix("/v1"), suffix.hasPrefix("/v1/") { suffix.removeFirst(3) }
        return URL(string: text + suffix) ?? base.appendingPathComponent(suffix)
    }

    /// A URL constant known to be valid.
    static func constantURL(_ text: StaticString) -> URL {
        guard let url = URL(string: "\(text)") else { preconditionFailure("invalid URL constant \(text)") }
        return url
    }

    /// A base URL from the configuration, or the default; a malformed one is a configuration error naming the key.
    static func baseURL(_ configuration: Configuration, key: String, default fallback: URL) throws -> URL {
        guard let text = configuration[key] else { return fallback }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw NightshiftError(.configuration, "expected an http(s) URL", context: ["setting": key])
        }
        return url
    }

    /// The error for a body that is not what the provider's protocol promises.
    static func malformed(_ detail: String, request: HTTPRequest, model: String? = nil) -> NightshiftError {
        var context = ["url": request.redactedURL]
        if let provider = request.provider { context["provider"] = provider }
        if let model { context["model"] = model }
        return NightshiftError(
            .provider, "malformed response from \(request.provider ?? "provider"): \(detail)",
            context: context, reason: HTTPFailure.malformedResponse.rawValue)
    }

    /// The error for an error event inside a stream (`{"type":"error",…}` or `{"error":{…}}`).
    static func streamError(_ message: String, request: HTTPRequest, model: String) -> NightshiftError {
        var context = ["url": request.redactedURL, "model": model]
        if let provider = request.provider { context["provider"] = provider }
        return NightshiftError(
            .provider, "\(request.provider ?? "provider") stream failed: \(message)",
            context: context, reason: "stream_error")
    }

    /// Encodes a request body; the payload types here always encode.
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes a provider's JSON, turning a failure into a malformed-response error.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, request: HTTPRequest, model: String? = nil)
        throws -> T
    {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw malformed("invalid JSON (\(short(error)))", request: request, model: model)
        }
    }

    /// A one-line, bounded description of a decoding error (never the body itself).
    static func short(_ error: any Error) -> String {
        let text: String
        switch error {
        case DecodingError.keyNotFound(let key, _): text = "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            text = "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: text = "not valid JSON"
        default: text = "undecodable"
        }
        return text
    }
}
