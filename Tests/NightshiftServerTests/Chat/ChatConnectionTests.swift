import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Connections, origins and credentials at the edge of the server: idle connections are closed, CORS takes a
/// list of origins, the documented service key works.
@Suite("Chat endpoint: connections, origins and service keys")
struct ChatConnectionTests {
    /// Opens a TCP connection to 127.0.0.1:`port`, writes `send`, then reads until the server closes the
    /// connection; returns what was read, or nil when it was still open after `patience` seconds. Blocking calls
    /// run on a thread of their own, never on the cooperative pool the server needs.
    static func readUntilClosed(port: Int, send: String, patience: Int) async throws -> String? {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try readBlocking(port: port, send: send, patience: patience) })
            }.start()
        }
    }

    private static func readBlocking(port: Int, send: String, patience: Int) throws -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NightshiftError(.internal, "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: patience, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw NightshiftError(.internal, "connect failed") }
        if !send.isEmpty {
            _ = send.withCString { write(fd, $0, strlen($0)) }
        }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return String(decoding: received, as: UTF8.self) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
                if errno == ECONNRESET { return String(decoding: received, as: UTF8.self) }
                throw NightshiftError(.internal, "recv failed: errno \(errno)")
            }
            received += buffer[0..<count]
        }
    }

    @Test("a connection that sends nothing, or stops in the middle of its headers, is closed by the server")
    func idleConnectionsAreClosed() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let server = ServerConfiguration(port: 0, idleTimeout: 1)
            try await harness.app(server: server).test(.live) { client in
                let port = try #require(client.port)
                // Patience far beyond the timeout: the check is that the server closes, not how fast.
                let silent = try await Self.readUntilClosed(port: port, send: "", patience: 60)
                #expect(silent == "", "the idle connection was closed without an answer")
                let partial = try await Self.readUntilClosed(
                    port: port, send: "POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty", patience: 60)
                #expect(partial != nil, "a request head that stops arriving does not hold the connection")
                // A whole request is still answered (the test client's own connection has been idle too long).
                let answered = try await Self.readUntilClosed(
                    port: port, send: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    patience: 60)
                #expect(answered?.hasPrefix("HTTP/1.1 200") == true, "\(answered ?? "still open")")
            }
        }
    }

    @Test("NIGHTSHIFT_IDLE_TIMEOUT is read and bounded; NIGHTSHIFT_PROVISION_USERS is read")
    func idleTimeoutSetting() throws {
        let configured = try ServerConfiguration.from(
            Configuration(values: ["NIGHTSHIFT_IDLE_TIMEOUT": "5"]), host: "127.0.0.1", port: 0)
        #expect(configured.idleTimeout == 5)
        #expect(configured.provisionUsers == false)
        let provisioning = try ServerConfiguration.from(
            Configuration(values: ["NIGHTSHIFT_PROVISION_USERS": "true"]), host: "127.0.0.1", port: 0)
        #expect(provisioning.provisionUsers)
        #expect(try ServerConfiguration.from(Configuration(values: [:]), host: "127.0.0.1", port: 0).idleTimeout == 30)
        #expect(throws: NightshiftError.self) {
            try ServerConfiguration.from(Configuration(values: ["NIGHTSHIFT_IDLE_TIMEOUT": "0"]), host: "h", port: 0)
        }
    }

    static let origins = ["https://app.example", "https://admin.example", "http://localhost:3000"]

    @Test("NIGHTSHIFT_CORS_ORIGINS takes a list: each listed origin is echoed with Vary: Origin, others get nothing")
    func originList() async throws {
        let configuration = Configuration(values: ["NIGHTSHIFT_CORS_ORIGINS": Self.origins.joined(separator: ", ")])
        let server = try ServerConfiguration.from(configuration, host: "127.0.0.1", port: 0)
        #expect(server.allowedOrigins == Self.origins)
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app(server: server).test(.router) { client in
                for origin in Self.origins {
                    let preflight = try await client.execute(
                        uri: "/v1/chat/completions", method: .options,
                        headers: ChatCORSTests.preflight(origin: origin))
                    #expect(preflight.status.kind == .successful)
                    #expect(preflight.headers[.accessControlAllowOrigin] == origin)
                    #expect(preflight.headers[.vary] == "Origin")
                    let response = try await client.post(
                        "/v1/chat", json: ["message": "How late can I cancel?"], token: ChatTokens.user(ChatUsers.alice),
                        headers: [.origin: origin])
                    #expect(response.status == .ok)
                    #expect(response.headers[.accessControlAllowOrigin] == origin)
                    #expect(response.headers[.vary] == "Origin")
                }
                let other = try await client.execute(
                    uri: "/v1/chat", method: .options, headers: ChatCORSTests.preflight(origin: "https://evil.example"))
                #expect(other.headers[.accessControlAllowOrigin] == nil)
                #expect(other.headers[.vary] == "Origin")
            }
        }
    }

    static let serviceKey = "sb_secret_nightshift-service-key-for-tests-0123456789"

    @Test(
        "NIGHTSHIFT_SERVICE_KEY acts for the user named in X-Nightshift-User, as documented",
        arguments: TestEnvironment.storeKinds)
    func serviceKey(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app(environment: ["NIGHTSHIFT_SERVICE_KEY": Self.serviceKey]).test(.router) { client in
                let question = "How late can I cancel a therapy session?"
                let response = try await client.post(
                    "/v1/chat", json: ["message": .string(question)], token: Self.serviceKey,
                    headers: .actingUser(ChatUsers.bob))
                #expect(response.status == .ok, "\(response.text)")
                #expect(try await harness.conversations(of: ChatUsers.bob, startingWith: question).count == 1)
                // Without the header it acts for nobody.
                let nobody = try await client.post("/v1/chat", json: ["message": .string(question)], token: Self.serviceKey)
                #expect(nobody.status == .badRequest)
                #expect(try nobody.json()["error"]?["reason"] == "actingUserRequired")
                // A key that is not it is no credential.
                let wrong = try await client.post(
                    "/v1/chat", json: ["message": .string(question)], token: Self.serviceKey + "x",
                    headers: .actingUser(ChatUsers.bob))
                #expect(wrong.status == .unauthorized)
            }
        }
    }
}
