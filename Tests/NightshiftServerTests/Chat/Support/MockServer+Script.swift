import Foundation
import NightshiftCore
import NightshiftTestSupport
import NightshiftHTTP

extension MockServer {
    /// Replaces the server's script (and forgets the requests and counts so far).
    func replaceScript(_ script: JSONValue) async throws {
        let client = HTTPClient(maxConcurrentTransfers: 1)
        let response = try await client.send(
            HTTPRequest(method: .post, url: url("/_control/script"), body: Data(script.jsonText.utf8)))
        guard response.status == 200 else {
            throw NightshiftError(
                .internal, "the mock server refused the script", context: ["status": "\(response.status)"])
        }
    }

    /// The settings that point Nightshift's provider chain at this server: OpenAI first, Anthropic second.
    var providerEnvironment: [String: String] {
        [
            "OPENAI_API_KEY": "sk-mock-openai", "OPENAI_BASE_URL": url("/v1").absoluteString,
            "ANTHROPIC_API_KEY": "sk-ant-mock", "ANTHROPIC_BASE_URL": baseURL.absoluteString,
        ]
    }
}
