import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import Synchronization

/// The handlers of `/v1/chat`, `/v1/chat/completions` and `/v1/models`: authenticate, rate-limit, make sure the
/// user exists, read and check a bounded body, call the orchestrator, answer as JSON or as server-sent events.
///
/// Everything that can refuse a request is checked before a stream's response head is sent, so a refused
/// streaming request gets its real status, never a 200 followed by an error event.
struct ChatController: Sendable {
    /// How errors are written: the Nightshift routes' body, or OpenAI's.
    enum ErrorFormat: Sendable {
        case nightshift, openAI
    }

    let configuration: ServerConfiguration
    let dependencies: ServerDependencies
    let limiter: RateLimiter
    let users: KnownUsers
    let logger: Logger

    init(configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger) {
        self.configuration = configuration
        self.dependencies = dependencies
        self.logger = logger
        limiter = RateLimiter(rate: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst)
        users = KnownUsers()
    }

    /// Whether unknown users are added on first sight: always on the embedded store, whose tokens are the
    /// authority on its users; on PostgreSQL with `NIGHTSHIFT_PROVISION_USERS=true`.
    var provisionsUsers: Bool {
        configuration.provisionUsers || dependencies.store.kind == .sqlite
    }

    func readiness() async -> Response {
        do {
            let status = try await dependencies.store.migrationStatus()
            let pending = status.filter { $0.state != .applied }
            if pending.isEmpty { return JSONResponse.make(["status": "ready"]) }
            return JSONResponse.make(
                ["status": "migrations pending", "pending": .array(pending.map { .string("\($0.version)_\($0.name)") })],
                status: .serviceUnavailable)
        } catch {
            return JSONResponse.make(["status": "database unreachable"], status: .serviceUnavailable)
        }
    }

    /// Authentication, rate limit and the user's row: what every authenticated route does first.
    func identify(_ request: Request) async throws -> RequestIdentity {
        let identity = try await dependencies.authenticator.identify(
            authorization: request.headers[.authorization],
            actingUser: request.headers[HTTPField.Name(RequestAuthenticator.actingUserHeader)!])
        if let wait = limiter.acquire(identity.userID) {
            throw RateLimited(retryAfter: Int(wait.rounded(FloatingPointRoundingRule.up)))
        }
        try await ensureUser(identity)
        return identity
    }

    /// Authentication, rate limit, the user's row and the body: what both chat routes do first.
    func admit(_ request: Request) async throws -> (RequestIdentity, JSONValue) {
        let identity = try await identify(request)
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "request body is larger than \(configuration.maxBodyBytes) bytes")
        }
        // Malformed JSON is the client's mistake (400); `JSONValue.parse` throws `.format`, which would be a 500.
        // The parser refuses lone surrogates, so the only text PostgreSQL cannot store that gets past it is NUL.
        guard let body = try? JSONValue.parse(String(buffer: buffer), what: "request body") else {
            throw NightshiftError.invalidInput("the request body is not valid JSON")
        }
        guard case .object = body else { throw NightshiftError.invalidInput("the request body must be a JSON object") }
        if let field = Self.fieldWithNUL(body, path: "") {
            throw NightshiftError.invalidInput(
                "\(field) contains the NUL character (U+0000), which cannot be stored", field: field)
        }
        return (identity, body)
    }

    /// The user a request acts for must be a row of `auth.users` (every table of a turn references it): added
    /// when `provisionsUsers`, otherwise a 403 naming the user. Users seen once are remembered.
    func ensureUser(_ identity: RequestIdentity) async throws {
        let id = identity.userID
        if users.contains(id) { return }
        if try await dependencies.store.user(id: id) == nil {
            guard provisionsUsers else {
                throw NightshiftError(
                    .forbidden,
                    "user \(id.canonical) is not in auth.users: create the user in Supabase Auth, or set "
                        + "NIGHTSHIFT_PROVISION_USERS=true to add users of verified tokens on first sight",
                    context: ["user_id": id.canonical], reason: "unknown_user")
            }
            let email = identity.claims?.email
            do {
                try await dependencies.store.createUser(User(id: id, email: email))
            } catch let error where email != nil && StoreFailure.of(error)?.category == .conflict {
                // Supabase keeps e-mail addresses unique: another account holds this one, so the user comes
                // without it.
                try await dependencies.store.createUser(User(id: id, email: nil))
            }
            logger.info("added a user on first sight", metadata: ["user": "\(id.canonical)"])
        }
        users.insert(id)
    }

    /// The path of the first string (or member name) in `value` that holds U+0000, or nil.
    static func fieldWithNUL(_ value: JSONValue, path: String) -> String? {
        switch value {
        case .string(let text):
            return text.unicodeScalars.contains("\u{0}") ? (path.isEmpty ? "body" : path) : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = fieldWithNUL(item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                let memberPath = path.isEmpty ? name : "\(path).\(name)"
                if name.unicodeScalars.contains("\u{0}") { return path.isEmpty ? "body" : path }
                if let found = fieldWithNUL(member, path: memberPath) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// The client's view of `error`; server faults are logged with the trace id, the detail staying in the log.
    /// A database error's DETAIL (it holds key values of rows) is logged at debug level only.
    func clientFailure(_ error: any Error, traceID: String) -> ClientFailure {
        if error is RateLimited {
            return ClientFailure(status: .tooManyRequests, message: "too many requests", reason: "rate_limited")
        }
        let failure = ServerErrors.failure(for: error)
        if failure.isServerFault {
            logger.error(
                "request failed",
                metadata: ["trace": "\(traceID)", "status": "\(failure.status.code)", "error": "\(error)"])
        }
        if let database = StoreFailure.databaseError(in: error), let detail = database.detail {
            logger.debug(
                "database error detail",
                metadata: [
                    "trace": "\(traceID)", "status": "\(failure.status.code)",
                    "sqlstate": "\(database.sqlState ?? "")", "detail": "\(detail)",
                ])
        }
        return failure
    }

    func failure(_ error: any Error, traceID: String, format: ErrorFormat = .nightshift) -> Response {
        let failure = clientFailure(error, traceID: traceID)
        var headers: HTTPFields = [HTTPField.Name("X-Request-Id")!: traceID]
        if let limited = error as? RateLimited { headers[.retryAfter] = String(max(1, limited.retryAfter)) }
        if failure.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\"" }
        let body = format == .openAI
            ? ServerErrors.openAIBody(for: failure) : ServerErrors.body(for: failure, traceID: traceID)
        return JSONResponse.make(body, status: failure.status, headers: headers)
    }

    // MARK: /v1/chat

    /// `{message, context, conversationId?}` → `{conversationId, agentType, response, toolCalls, confidence,
    /// reasoning, usage, cost}`; `?stream=true` or `Accept: text/event-stream` streams it as server-sent events.
    func chat(_ request: Request, context: BasicRequestContext) async -> Response {
        let traceID = UUID().uuidString.lowercased()
        do {
            let (identity, body) = try await admit(request)
            guard let message = body["message"]?.stringValue else {
                throw NightshiftError.invalidInput("message is required", field: "message")
            }
            var conversationID: UUID?
            if let value = body["conversationId"], value != .null {
                guard let text = value.stringValue, let id = UUID(uuidString: text) else {
                    throw NightshiftError.invalidInput("conversationId must be a uuid", field: "conversationId")
                }
                conversationID = id
            }
            // The user comes from the token; a `context.userId` in the body is ignored (the design trusted it).
            var clientContext = body["context"] ?? [:]
            if case .object(var members) = clientContext {
                members.removeValue(forKey: "userId")
                clientContext = .object(members)
            } else {
                clientContext = [:]
            }
            let turn = ChatTurnRequest(
                userID: identity.userID, message: message, context: clientContext, conversationID: conversationID)
            let wantsStream = request.uri.queryParameters.get("stream") == "true"
                || (request.headers[.accept]?.contains("text/event-stream") ?? false)
            if wantsStream {
                // Errors known before the first byte get their real status, not an error event inside a 200 stream.
                try await dependencies.orchestrator.admit(turn)
                return stream(traceID: traceID) { onDelta in
                    let result = try await dependencies.orchestrator.respond(turn, onDelta: onDelta)
                    return ("done", Self.chatJSON(result))
                }
            }
            let result = try await dependencies.orchestrator.respond(turn)
            return JSONResponse.make(Self.chatJSON(result))
        } catch {
            return failure(error, traceID: traceID)
        }
    }

    static func chatJSON(_ result: ChatTurnResult) -> JSONValue {
        [
            "conversationId": .string(result.conversationID.canonical), "agentType": .string(result.agentType.rawValue),
            "response": .string(result.response), "toolCalls": result.toolCalls,
            "confidence": .number(Double(result.confidence)), "reasoning": .array(result.reasoning.map(JSONValue.string)),
            "usage": [
                "promptTokens": .number(Double(result.usage.promptTokens)),
                "completionTokens": .number(Double(result.usage.completionTokens)),
                "totalTokens": .number(Double(result.usage.totalTokens)),
            ],
            "cost": result.cost.map { .number(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null,
            "sources": sourcesJSON(result.sources),
            "provider": .string(result.provider), "model": .string(result.model),
            "executionId": .string(result.executionID.canonical),
        ]
    }

    /// The sources an answer's `[1]`, `[2]`… cite, in the `/v1/chat` route's shape.
    static func sourcesJSON(_ sources: [PromptSource]) -> JSONValue {
        .array(sources.map { source in
            [
                "number": .number(Double(source.number)), "title": source.title.map(JSONValue.string) ?? .null,
                "sourceUri": source.sourceURI.map(JSONValue.string) ?? .null,
                "headingPath": .array(source.headingPath.map(JSONValue.string)),
                "documentId": source.documentID.map { .string($0.canonical) } ?? .null,
            ]
        })
    }

    /// A server-sent-events response: `event: token` with each delta, then the final event from `produce`, or
    /// `encodeError`'s event. The orchestrator runs in a child task; a client that goes away cancels it.
    func stream(
        traceID: String,
        _ produce: @escaping @Sendable (@escaping @Sendable (String) async -> Void) async throws -> (String, JSONValue),
        encodeDelta: @escaping @Sendable (String) -> String = { delta in
            "event: token\ndata: " + (["delta": .string(delta)] as JSONValue).jsonText + "\n\n"
        },
        encodeFinal: @escaping @Sendable (String, JSONValue) -> String = { event, value in
            "event: \(event)\ndata: \(value.jsonText)\n\n"
        },
        encodeError: (@Sendable (ClientFailure) -> String)? = nil
    ) -> Response {
        let (events, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let controller = self
        let body = ResponseBody { writer in
            let task = Task {
                do {
                    let (event, value) = try await produce { delta in continuation.yield(encodeDelta(delta)) }
                    continuation.yield(encodeFinal(event, value))
                } catch {
                    let failure = controller.clientFailure(error, traceID: traceID)
                    if let encodeError {
                        continuation.yield(encodeError(failure))
                    } else {
                        let payload = ServerErrors.body(for: failure, traceID: traceID)
                        continuation.yield("event: error\ndata: \(payload.jsonText)\n\n")
                    }
                }
                continuation.finish()
            }
            do {
                for await text in events {
                    try await writer.write(ByteBuffer(string: text))
                }
                try await writer.finish(nil)
            } catch {
                task.cancel()
                throw error
            }
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                HTTPField.Name("X-Accel-Buffering")!: "no", HTTPField.Name("X-Request-Id")!: traceID,
            ],
            body: body)
    }

    // MARK: /v1/models

    /// The model id that lets the intent classifier choose the agent.
    static let automaticModel = "nightshift"

    /// The model id of an agent: `nightshift-booking`, ….
    static func modelID(_ agent: AgentType) -> String { "\(automaticModel)-\(agent.rawValue)" }

    /// The agent a completion's `model` names: nil for `nightshift` (the classifier chooses); `.notFound` with
    /// OpenAI's `model_not_found` for a name that is not one of `/v1/models`.
    static func agent(forModel name: String) throws -> AgentType? {
        let model = name.trimmingCharacters(in: .whitespaces).lowercased()
        if model == automaticModel { return nil }
        if let agent = AgentType.allCases.first(where: { modelID($0) == model }) { return agent }
        throw NightshiftError(
            .notFound, "the model '\(String(name.prefix(100)))' does not exist; GET /v1/models lists the models",
            reason: "model_not_found", field: "model")
    }

    /// The models of the OpenAI wire format: `nightshift` (the intent classifier picks the agent) and one per
    /// active agent (`nightshift-booking`…), which answers every message itself.
    func modelList() async throws -> [JSONValue] {
        let registry = AgentRegistry.standard.merged(with: try await dependencies.store.agents(activeOnly: false))
        let created = 1_735_689_600.0  // 2025-01-01: a fixed date, so the list is the same on every call.
        func model(_ id: String, _ description: String) -> JSONValue {
            ["id": .string(id), "object": "model", "created": .number(created), "owned_by": "nightshift",
             "description": .string(description)]
        }
        var models = [model(Self.automaticModel, "the agent is chosen by the intent of each message")]
        for agent in AgentType.allCases {
            let definition = registry.agent(for: agent)
            guard definition.isActive || agent == .general else { continue }
            models.append(model(Self.modelID(agent), "\(definition.name): \(definition.description)"))
        }
        return models
    }

    /// `GET /v1/models` (a list) and `GET /v1/models/{id}` (one model, or 404), authenticated like the chat.
    func models(_ request: Request, context: BasicRequestContext, id: String?) async -> Response {
        let traceID = UUID().uuidString.lowercased()
        do {
            _ = try await identify(request)
            let models = try await modelList()
            guard let id else { return JSONResponse.make(["object": "list", "data": .array(models)]) }
            guard let found = models.first(where: { $0["id"]?.stringValue == id.lowercased() }) else {
                _ = try Self.agent(forModel: id)
                throw NightshiftError(
                    .notFound, "the model '\(String(id.prefix(100)))' is not active",
                    reason: "model_not_found", field: "model")
            }
            return JSONResponse.make(found)
        } catch {
            return failure(error, traceID: traceID, format: .openAI)
        }
    }

    // MARK: /v1/chat/completions

    /// OpenAI's chat-completions wire format, so any OpenAI client library can talk to Nightshift: the last user
    /// message goes through the orchestrator as a new conversation, with the agent the `model` names.
    func completions(_ request: Request, context: BasicRequestContext) async -> Response {
        let traceID = UUID().uuidString.lowercased()
        do {
            let (identity, body) = try await admit(request)
            let requestedModel = body["model"]?.stringValue ?? Self.automaticModel
            let agent = try Self.agent(forModel: requestedModel)
            guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
                throw NightshiftError.invalidInput("messages is required", field: "messages")
            }
            guard let last = messages.last(where: { $0["role"]?.stringValue == "user" }) else {
                throw NightshiftError.invalidInput("no user message", field: "messages")
            }
            let text: String
            if let content = last["content"]?.stringValue {
                text = content
            } else if let parts = last["content"]?.arrayValue {
                text = parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
            } else {
                throw NightshiftError.invalidInput("the user message has no text content", field: "messages")
            }
            let turn = ChatTurnRequest(userID: identity.userID, message: text, agent: agent)
            let id = "chatcmpl-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let created = Int(Date().timeIntervalSince1970)
            if body["stream"]?.boolValue == true {
                try await dependencies.orchestrator.admit(turn)
                return streamCompletion(
                    turn, id: id, created: created, requestedModel: requestedModel, traceID: traceID,
                    includeUsage: body["stream_options"]?["include_usage"]?.boolValue == true)
            }
            let result = try await dependencies.orchestrator.respond(turn)
            return JSONResponse.make([
                "id": .string(id), "object": "chat.completion", "created": .number(Double(created)),
                "model": .string(result.model),
                "choices": [[
                    "index": 0, "message": ["role": "assistant", "content": .string(result.response)],
                    "finish_reason": "stop", "logprobs": nil,
                ]],
                "usage": Self.usageJSON(result),
                "nightshift": Self.extensionJSON(result, requestedModel: requestedModel),
            ])
        } catch {
            return failure(error, traceID: traceID, format: .openAI)
        }
    }

    /// A streamed completion: chunks name the requested model until the answer is known; the final chunk names
    /// the model that answered and carries the `nightshift` extension (sources, agent, ids).
    func streamCompletion(
        _ turn: ChatTurnRequest, id: String, created: Int, requestedModel: String, traceID: String, includeUsage: Bool
    ) -> Response {
        @Sendable func chunk(_ delta: JSONValue, finish: String?, model: String, extra: [String: JSONValue] = [:]) -> String {
            var object: [String: JSONValue] = [
                "id": .string(id), "object": "chat.completion.chunk", "created": .number(Double(created)),
                "model": .string(model),
                "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]],
            ]
            for (key, value) in extra { object[key] = value }
            return "data: \(JSONValue.object(object).jsonText)\n\n"
        }
        let opening = chunk(["role": "assistant", "content": ""], finish: nil, model: requestedModel)
        let orchestrator = dependencies.orchestrator
        return stream(
            traceID: traceID,
            { onDelta in
                await onDelta("")
                let result = try await orchestrator.respond(turn, onDelta: onDelta)
                return (
                    result.model,
                    ["usage": Self.usageJSON(result), "nightshift": Self.extensionJSON(result, requestedModel: requestedModel)]
                )
            },
            encodeDelta: { delta in
                delta.isEmpty ? opening : chunk(["content": .string(delta)], finish: nil, model: requestedModel)
            },
            encodeFinal: { model, final in
                var text = chunk([:], finish: "stop", model: model, extra: ["nightshift": final["nightshift"] ?? .null])
                if includeUsage {
                    let object: JSONValue = [
                        "id": .string(id), "object": "chat.completion.chunk", "created": .number(Double(created)),
                        "model": .string(model), "choices": [], "usage": final["usage"] ?? .null,
                    ]
                    text += "data: \(object.jsonText)\n\n"
                }
                return text + "data: [DONE]\n\n"
            },
            encodeError: { failure in "data: \(ServerErrors.openAIBody(for: failure).jsonText)\n\n" })
    }

    static func usageJSON(_ result: ChatTurnResult) -> JSONValue {
        [
            "prompt_tokens": .number(Double(result.usage.promptTokens)),
            "completion_tokens": .number(Double(result.usage.completionTokens)),
            "total_tokens": .number(Double(result.usage.totalTokens)),
        ]
    }

    /// The `nightshift` member of a completion: what OpenAI's format has no place for.
    static func extensionJSON(_ result: ChatTurnResult, requestedModel: String) -> JSONValue {
        [
            "conversation_id": .string(result.conversationID.canonical), "agent_type": .string(result.agentType.rawValue),
            "requested_model": .string(requestedModel), "provider": .string(result.provider),
            "model": .string(result.model), "execution_id": .string(result.executionID.canonical),
            "sources": sourcesJSON(result.sources),
        ]
    }
}

/// A request over the user's rate limit.
struct RateLimited: Error {
    var retryAfter: Int
}

/// Users known to be rows of `auth.users`, so a request costs no lookup once its user has been seen. Bounded:
/// when full it starts over, which costs one lookup per user again.
final class KnownUsers: Sendable {
    private let ids = Mutex<Set<UUID>>([])
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func contains(_ id: UUID) -> Bool {
        ids.withLock { $0.contains(id) }
    }

    func insert(_ id: UUID) {
        ids.withLock { ids in
            if ids.count >= capacity { ids.removeAll(keepingCapacity: true) }
            ids.insert(id)
        }
    }
}
