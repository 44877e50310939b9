import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore

/// The handlers of `/v1/chat` and `/v1/chat/completions`: authenticate, rate-limit, read a bounded body, call the
/// orchestrator, answer as JSON or as server-sent events.
struct ChatController: Sendable {
    let configuration: ServerConfiguration
    let dependencies: ServerDependencies
    let limiter: RateLimiter

    init(configuration: ServerConfiguration, dependencies: ServerDependencies) {
        self.configuration = configuration
        self.dependencies = dependencies
        limiter = RateLimiter(rate: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst)
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

    /// Authentication, rate limit and body: what both chat routes do first.
    func admit(_ request: Request) async throws -> (RequestIdentity, JSONValue) {
        let identity = try await dependencies.authenticator.identify(
            authorization: request.headers[.authorization],
            actingUser: request.headers[HTTPField.Name(RequestAuthenticator.actingUserHeader)!])
        if let wait = limiter.acquire(identity.userID) {
            throw RateLimited(retryAfter: Int(wait.rounded(FloatingPointRoundingRule.up)))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "request body is larger than \(configuration.maxBodyBytes) bytes")
        }
        // Malformed JSON is the client's mistake (400); `JSONValue.parse` throws `.format`, which would be a 500.
        guard let body = try? JSONValue.parse(String(buffer: buffer), what: "request body") else {
            throw NightshiftError.invalidInput("the request body is not valid JSON")
        }
        guard case .object = body else { throw NightshiftError.invalidInput("the request body must be a JSON object") }
        return (identity, body)
    }

    func failure(_ error: any Error, traceID: String) -> Response {
        if let limited = error as? RateLimited {
            return JSONResponse.make(
                ["error": ["message": "too many requests", "status": 429], "trace_id": .string(traceID)],
                status: .tooManyRequests, headers: [.retryAfter: String(max(1, limited.retryAfter))])
        }
        let status = ServerErrors.status(for: error)
        var headers: HTTPFields = [:]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\"" }
        if status == .internalServerError {
            dependencies.orchestrator.logger.error("request failed", metadata: ["trace": "\(traceID)", "error": "\(error)"])
        }
        return JSONResponse.make(ServerErrors.body(for: error, status: status, traceID: traceID), status: status, headers: headers)
    }

    // MARK: /v1/chat

    /// `{message, context, conversationId?}` → `{conversationId, agentType, response, toolCalls, confidence,
    /// reasoning, usage, cost}`; `?stream=true` or `Accept: text/event-stream` streams it as server-sent events.
    func chat(_ request: Request, context: BasicRequestContext) async -> Response {
        let traceID = UUID().uuidString.lowercased()
        do {
            let (identity, body) = try await admit(request)
            guard let message = body["message"]?.stringValue else {
                throw NightshiftError.invalidInput("message is required", context: ["field": "message"])
            }
            var conversationID: UUID?
            if let value = body["conversationId"], value != .null {
                guard let text = value.stringValue, let id = UUID(uuidString: text) else {
                    throw NightshiftError.invalidInput("conversationId must be a uuid", context: ["field": "conversationId"])
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
            "sources": .array(result.sources.map { source in
                [
                    "number": .number(Double(source.number)), "title": source.title.map(JSONValue.string) ?? .null,
                    "sourceUri": source.sourceURI.map(JSONValue.string) ?? .null,
                    "headingPath": .array(source.headingPath.map(JSONValue.string)),
                    "documentId": source.documentID.map { .string($0.canonical) } ?? .null,
                ]
            }),
            "provider": .string(result.provider), "model": .string(result.model),
            "executionId": .string(result.executionID.canonical),
        ]
    }

    /// A server-sent-events response: `event: token` with each delta, then the final event from `produce`, or
    /// `event: error`. The orchestrator runs in a child task; a client that goes away cancels it.
    func stream(
        traceID: String,
        _ produce: @escaping @Sendable (@escaping @Sendable (String) async -> Void) async throws -> (String, JSONValue),
        encodeDelta: @escaping @Sendable (String) -> String = { delta in
            "event: token\ndata: " + (["delta": .string(delta)] as JSONValue).jsonText + "\n\n"
        },
        encodeFinal: @escaping @Sendable (String, JSONValue) -> String = { event, value in
            "event: \(event)\ndata: \(value.jsonText)\n\n"
        }
    ) -> Response {
        let (events, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let controller = self
        let body = ResponseBody { writer in
            let task = Task {
                do {
                    let (event, value) = try await produce { delta in continuation.yield(encodeDelta(delta)) }
                    continuation.yield(encodeFinal(event, value))
                } catch {
                    let status = ServerErrors.status(for: error)
                    let payload = ServerErrors.body(for: error, status: status, traceID: traceID)
                    continuation.yield("event: error\ndata: \(payload.jsonText)\n\n")
                    _ = controller
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
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    // MARK: /v1/chat/completions

    /// OpenAI's chat-completions wire format, so any OpenAI client library can talk to Nightshift: the last user
    /// message goes through the orchestrator as a new conversation.
    func completions(_ request: Request, context: BasicRequestContext) async -> Response {
        let traceID = UUID().uuidString.lowercased()
        do {
            let (identity, body) = try await admit(request)
            guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
                throw NightshiftError.invalidInput("messages is required", context: ["field": "messages"])
            }
            guard let last = messages.last(where: { $0["role"]?.stringValue == "user" }) else {
                throw NightshiftError.invalidInput("no user message", context: ["field": "messages"])
            }
            let text: String
            if let content = last["content"]?.stringValue {
                text = content
            } else if let parts = last["content"]?.arrayValue {
                text = parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
            } else {
                throw NightshiftError.invalidInput("the user message has no text content", context: ["field": "messages"])
            }
            let turn = ChatTurnRequest(userID: identity.userID, message: text)
            let id = "chatcmpl-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let created = Int(Date().timeIntervalSince1970)
            let requestedModel = body["model"]?.stringValue ?? "nightshift"
            if body["stream"]?.boolValue == true {
                let includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
                @Sendable func chunk(_ delta: JSONValue, finish: String?) -> String {
                    let object: JSONValue = [
                        "id": .string(id), "object": "chat.completion.chunk", "created": .number(Double(created)),
                        "model": .string(requestedModel),
                        "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]],
                    ]
                    return "data: \(object.jsonText)\n\n"
                }
                let opening = chunk(["role": "assistant", "content": ""], finish: nil)
                try await dependencies.orchestrator.admit(turn)
                return stream(
                    traceID: traceID,
                    { onDelta in
                        await onDelta("")
                        let result = try await dependencies.orchestrator.respond(turn, onDelta: onDelta)
                        return ("done", Self.usageJSON(result))
                    },
                    encodeDelta: { delta in delta.isEmpty ? opening : chunk(["content": .string(delta)], finish: nil) },
                    encodeFinal: { _, usage in
                        var text = chunk([:], finish: "stop")
                        if includeUsage {
                            let object: JSONValue = [
                                "id": .string(id), "object": "chat.completion.chunk", "created": .number(Double(created)),
                                "model": .string(requestedModel), "choices": [], "usage": usage,
                            ]
                            text += "data: \(object.jsonText)\n\n"
                        }
                        return text + "data: [DONE]\n\n"
                    })
            }
            let result = try await dependencies.orchestrator.respond(turn)
            return JSONResponse.make([
                "id": .string(id), "object": "chat.completion", "created": .number(Double(created)),
                "model": .string(requestedModel),
                "choices": [[
                    "index": 0, "message": ["role": "assistant", "content": .string(result.response)],
                    "finish_reason": "stop", "logprobs": nil,
                ]],
                "usage": Self.usageJSON(result),
                "nightshift": [
                    "conversation_id": .string(result.conversationID.canonical), "agent_type": .string(result.agentType.rawValue),
                    "provider": .string(result.provider), "model": .string(result.model),
                ],
            ])
        } catch {
            return failure(error, traceID: traceID)
        }
    }

    static func usageJSON(_ result: ChatTurnResult) -> JSONValue {
        [
            "prompt_tokens": .number(Double(result.usage.promptTokens)),
            "completion_tokens": .number(Double(result.usage.completionTokens)),
            "total_tokens": .number(Double(result.usage.totalTokens)),
        ]
    }
}

/// A request over the user's rate limit.
struct RateLimited: Error {
    var retryAfter: Int
}
