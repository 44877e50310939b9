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
/// drive it with `app.test(.router)` and `.live`.
public func buildApplication(
    configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger = Logger(label: "nightshift.serve")
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(configuration: configuration, dependencies: dependencies),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nightshift"),
        logger: logger)
}

/// The routes: health, readiness, the design's `/v1/chat`, and OpenAI's `/v1/chat/completions`.
public func buildRouter(configuration: ServerConfiguration, dependencies: ServerDependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // CORS as in the design: any origin by default; the headers supabase-js sends.
    let origins = configuration.allowedOrigins
    router.add(
        middleware: CORSMiddleware(
            allowOrigin: origins.contains("*") || origins.isEmpty ? .all : .oneOf(origins[0]),
            allowHeaders: [
                .authorization, .contentType, .accept, HTTPField.Name("x-client-info")!, HTTPField.Name("apikey")!,
                HTTPField.Name(RequestAuthenticator.actingUserHeader)!,
            ],
            allowMethods: [.get, .post, .options]))
    let chat = ChatController(configuration: configuration, dependencies: dependencies)
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
