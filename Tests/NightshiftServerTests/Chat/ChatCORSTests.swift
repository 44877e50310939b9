import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import Testing

/// CORS as in the design: browsers on any origin (or the one configured) may call the chat routes with the
/// headers supabase-js sends.
@Suite("Chat endpoint: CORS")
struct ChatCORSTests {
    static let origin = "https://app.therapyflow.example"

    static func preflight(origin: String) -> HTTPFields {
        [
            .origin: origin, .accessControlRequestMethod: "POST",
            .accessControlRequestHeaders: "authorization, content-type",
        ]
    }

    /// The comma-separated values of a header, lower-cased.
    static func list(_ value: String?) -> Set<String> {
        Set((value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    @Test("a preflight with Origin gets Access-Control-Allow-Origin and allows authorization and content-type")
    func preflight() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                for path in ["/v1/chat", "/v1/chat/completions"] {
                    let response = try await client.execute(
                        uri: path, method: .options, headers: Self.preflight(origin: Self.origin))
                    #expect(response.status.kind == .successful)
                    #expect(response.headers[.accessControlAllowOrigin] == "*")
                    let headers = Self.list(response.headers[.accessControlAllowHeaders])
                    #expect(headers.isSuperset(of: ["authorization", "content-type", "x-client-info", "apikey"]))
                    #expect(Self.list(response.headers[.accessControlAllowMethods]).contains("post"))
                }
                // The actual request carries the header too.
                let response = try await client.post(
                    "/v1/chat", json: ["message": "How late can I cancel?"], token: ChatTokens.user(ChatUsers.alice),
                    headers: [.origin: Self.origin])
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test("with one allowed origin, that origin is echoed and others get no Access-Control-Allow-Origin")
    func oneOrigin() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let server = ServerConfiguration(port: 0, allowedOrigins: [Self.origin])
            try await harness.app(server: server).test(.router) { client in
                let allowed = try await client.execute(
                    uri: "/v1/chat", method: .options, headers: Self.preflight(origin: Self.origin))
                #expect(allowed.headers[.accessControlAllowOrigin] == Self.origin)
                let other = try await client.execute(
                    uri: "/v1/chat", method: .options, headers: Self.preflight(origin: "https://evil.example"))
                #expect(other.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }
}
