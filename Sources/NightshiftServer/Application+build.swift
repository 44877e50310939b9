import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore

/// What the routes need: the same store, orchestrator and authentication the rest of Nightshift uses.
public struct ServerDependencies: Sendable {
    public var store: any Store
    public var orchestrator: ChatOrchestrator
    public var authenticator: RequestAuthenticator

    public init(store: any Store, orchestrator: ChatOrchestrator, authenticator: RequestAuthenticator) {
        self.store = store
        self.orchestrator = orchestrator
        self.authenticator = authenticator
    }
}

/// The chat endpoint's application, as Hummingbird's template builds one: `nightshift serve` runs it, the tests
/// drive it with `app.test(.router)` and `.live`. `onServerRunning` is called with the bound port once the
/// address is bound.
///
/// A connection idle for `configuration.idleTimeout` (no request, or a request head or body that stops arriving)
/// is closed, so idle connections cannot pile up; a response being written is never cut.
public func buildApplication(
    configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger = Logger(label: "nightshift.serve"),
    onServerRunning: @escaping @Sendable (_ port: Int?) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let idleMilliseconds = Int64((configuration.idleTimeout * 1000).rounded())
    return Application(
        router: buildRouter(configuration: configuration, dependencies: dependencies, logger: logger),
        server: .http1(configuration: .init(idleTimeout: .milliseconds(idleMilliseconds))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nightshift"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) },
        logger: logger)
}

/// The routes: health, readiness, the design's `/v1/chat`, and OpenAI's `/v1/chat/completions` and `/v1/models`.
public func buildRouter(
    configuration: ServerConfiguration, dependencies: ServerDependencies,
    logger: Logger = Logger(label: "nightshift.serve")
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // CORS as in the design: any origin by default, or the configured list; the headers supabase-js sends.
    router.add(
        middleware: CORSPolicy(
            origins: configuration.allowedOrigins,
            allowHeaders: [
                .authorization, .contentType, .accept, HTTPField.Name("x-client-info")!, HTTPField.Name("apikey")!,
                HTTPField.Name(RequestAuthenticator.actingUserHeader)!,
            ],
            allowMethods: [.get, .post, .options]))
    let chat = ChatController(configuration: configuration, dependencies: dependencies, logger: logger)
    router.get("/healthz") { _, _ in
        JSONResponse.make(["status": "ok"])
    }
    router.get("/readyz") { _, _ in
        await chat.readiness()
    }
    router.post("/v1/chat") { request, context in
        await chat.chat(request, context: context)
    }
    router.post("/v1/chat/completions") { request, context in
        await chat.completions(request, context: context)
    }
    router.get("/v1/models") { request, context in
        await chat.models(request, context: context, id: nil)
    }
    router.get("/v1/models/{id}") { request, context in
        await chat.models(request, context: context, id: context.parameters.get("id") ?? "")
    }
    return router
}

/// JSON responses.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}
