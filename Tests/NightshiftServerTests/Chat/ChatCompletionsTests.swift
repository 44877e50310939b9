import Foundation
import HummingbirdTesting
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `/v1/chat/completions`: OpenAI's wire format on top of the same orchestrator, checked by hand and by the
/// official Python `openai` package.
@Suite("Chat endpoint: OpenAI-compatible chat completions")
struct ChatCompletionsTests {
    static let question = "How late can I cancel a therapy session?"

    /// An OpenAI request body whose last user message is `question`, after some earlier turns.
    static func request(stream: Bool = false, includeUsage: Bool = false) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": "nightshift",
            "messages": [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "How does box breathing work?"],
                ["role": "assistant", "content": "Breathe in for four counts, hold, out, hold."],
                ["role": "user", "content": [["type": "text", "text": .string(question)]]],
            ],
        ]
        if stream { body["stream"] = true }
        if includeUsage { body["stream_options"] = ["include_usage": true] }
        return .object(body)
    }

    @Test(
        "a completion has OpenAI's shape and answers the last user message as the token's user",
        arguments: TestEnvironment.storeKinds)
    func completion(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat/completions", json: Self.request(), token: ChatTokens.user(ChatUsers.alice))
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
                #expect(body["object"] == "chat.completion")
                #expect(body["created"]?.intValue != nil)
                // The model that answered (here the offline answerer), not the one asked for.
                #expect(body["model"] == "local-extractive")
                #expect(body["nightshift"]?["requested_model"] == "nightshift")
                let sources = try #require(body["nightshift"]?["sources"]?.arrayValue)
                #expect(sources.contains { $0["sourceUri"]?.stringValue?.hasSuffix(ChatDocuments.cancellation) == true })
                #expect(sources.first?["number"] == 1)
                let choice = try #require(body["choices"]?.arrayValue?.first)
                #expect(body["choices"]?.arrayValue?.count == 1)
                #expect(choice["index"] == 0)
                #expect(choice["message"]?["role"] == "assistant")
                let content = try #require(choice["message"]?["content"]?.stringValue)
                #expect(content.contains("24 hours"))
                #expect(choice["finish_reason"] == "stop")
                let usage = try #require(body["usage"])
                let prompt = try #require(usage["prompt_tokens"]?.intValue)
                let completion = try #require(usage["completion_tokens"]?.intValue)
                #expect(prompt > 0 && completion > 0 && usage["total_tokens"]?.intValue == prompt + completion)

                let id = try #require(
                    body["nightshift"]?["conversation_id"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let conversation = try #require(try await harness.store.conversation(id: id, userID: ChatUsers.alice))
                #expect(conversation.messages.map(\.content) == [Self.question, content])
            }
        }
    }

    @Test(
        "a streamed completion sends chunks, a stop chunk, usage when asked for, then data: [DONE]",
        arguments: [true, false])
    func streamedCompletion(includeUsage: Bool) async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.live) { client in
                let response = try await client.post(
                    "/v1/chat/completions", json: Self.request(stream: true, includeUsage: includeUsage),
                    token: ChatTokens.user(ChatUsers.alice))
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
                let events = ServerSentEvent.parse(response.text)
                #expect(events.allSatisfy { $0.event == nil })
                #expect(events.last?.data == "[DONE]")
                let chunks = try events.dropLast().map { try $0.json() }
                #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" })
                // Chunks name the requested model until the answer is known; the finish chunk names the one that
                // answered and carries the sources.
                let finish = try #require(chunks.last { $0["choices"]?.arrayValue?.first?["finish_reason"] == "stop" })
                #expect(finish["model"] == "local-extractive")
                #expect(chunks.first?["model"] == "nightshift")
                #expect(finish["nightshift"]?["sources"]?.arrayValue?.isEmpty == false)
                #expect(Set(chunks.compactMap { $0["id"]?.stringValue }).count == 1)

                let withChoices = chunks.filter { $0["choices"]?.arrayValue?.isEmpty == false }
                let deltas = withChoices.compactMap { $0["choices"]?.arrayValue?.first?["delta"] }
                #expect(deltas.first?["role"] == "assistant")
                let text = deltas.compactMap { $0["content"]?.stringValue }.joined()
                #expect(text.contains("24 hours"))
                #expect(deltas.filter { ($0["content"]?.stringValue ?? "").isEmpty == false }.count > 1)
                let finishes = withChoices.compactMap {
                    $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue
                }
                #expect(finishes == ["stop"])
                #expect(withChoices.last?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")

                let usageChunks = chunks.filter { $0["usage"] != nil }
                if includeUsage {
                    let usage = try #require(usageChunks.first)
                    #expect(usageChunks.count == 1)
                    #expect(usage["choices"] == [])
                    #expect(chunks.last == usage, "the usage chunk comes last, before [DONE]")
                    #expect((usage["usage"]?["total_tokens"]?.intValue ?? 0) > 0)
                } else {
                    #expect(usageChunks.isEmpty)
                }
                let stored = try await harness.conversations(of: ChatUsers.alice, startingWith: Self.question)
                #expect(stored.first?.messages.last?.content == text)
            }
        }
    }

    /// Uses the official client for a plain and a streamed completion, and one with a bad key.
    static let pythonClient = #"""
        import json, sys
        import openai
        from openai import OpenAI

        base_url, token, question = sys.argv[1], sys.argv[2], sys.argv[3]
        client = OpenAI(base_url=base_url, api_key=token, max_retries=0, timeout=60)
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}]

        full = client.chat.completions.create(model="nightshift", messages=messages)
        stream = client.chat.completions.create(
            model="nightshift", messages=messages, stream=True, stream_options={"include_usage": True})
        deltas, roles, finish, usage = [], [], None, None
        for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage.model_dump()
            for choice in chunk.choices:
                if choice.delta.role:
                    roles.append(choice.delta.role)
                if choice.delta.content:
                    deltas.append(choice.delta.content)
                if choice.finish_reason:
                    finish = choice.finish_reason

        models = [model.id for model in client.models.list()]
        booking = client.models.retrieve("nightshift-booking").id
        chosen = client.chat.completions.create(model="nightshift-booking", messages=messages)
        missing = None
        try:
            client.chat.completions.create(model="gpt-imaginary", messages=messages)
        except openai.NotFoundError as error:
            missing = {"status": error.status_code, "code": error.code, "param": error.param}

        refused = None
        try:
            OpenAI(base_url=base_url, api_key="not-a-token", max_retries=0).chat.completions.create(
                model="nightshift", messages=messages)
        except openai.AuthenticationError as error:
            refused = error.status_code

        print(json.dumps({
            "version": openai.__version__,
            "full": {
                "id": full.id, "object": full.object, "model": full.model, "role": full.choices[0].message.role,
                "content": full.choices[0].message.content, "finish_reason": full.choices[0].finish_reason,
                "usage": full.usage.model_dump() if full.usage else None,
                "nightshift": (full.model_extra or {}).get("nightshift"),
            },
            "models": models, "booking": booking,
            "chosen": {"model": chosen.model, "agent": (chosen.model_extra or {}).get("nightshift", {}).get("agent_type")},
            "missing": missing,
            "stream": {"deltas": deltas, "roles": roles, "finish_reason": finish, "usage": usage},
            "refused": refused,
        }))
        """#

    /// The virtual environment the official client is installed in (the system Python may refuse pip).
    static let venv = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-openai-venv")

    /// The Python of a virtual environment where `import openai` works, installing the package from PyPI into it
    /// when it is missing.
    static func ensureOpenAIPackage() async throws -> String {
        let python = venv.appendingPathComponent("bin/python").path
        let environment = ProcessInfo.processInfo.environment
        if FileManager.default.isExecutableFile(atPath: python),
            try await Subprocess.run([python, "-c", "import openai"], environment: environment).status == 0
        {
            return python
        }
        let made = try await Subprocess.run(["python3", "-m", "venv", venv.path], environment: environment)
        try #require(made.status == 0, "python3 -m venv failed: \(made.stderr)")
        let install = try await Subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "openai"],
            environment: environment)
        try #require(install.status == 0, "pip install openai failed: \(install.stderr)")
        return python
    }

    @Test("the official Python openai package talks to /v1/chat/completions, plain and streamed")
    func pythonOpenAIClient() async throws {
        let python = try await Self.ensureOpenAIPackage()
        let folder = try TestEnvironment.temporaryDirectory("openai-client")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("client.py")
        try Data(Self.pythonClient.utf8).write(to: script)

        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.live) { client in
                let port = try #require(client.port)
                let outcome = try await Subprocess.run(
                    [
                        python, script.path, "http://127.0.0.1:\(port)/v1", ChatTokens.user(ChatUsers.alice),
                        Self.question,
                    ],
                    environment: Subprocess.cleanEnvironment())
                try #require(outcome.status == 0, "client.py failed: \(outcome.stderr)")
                let result = try JSONValue.parse(outcome.stdout, what: "client.py output")

                let full = try #require(result["full"])
                #expect(full["object"] == "chat.completion")
                #expect(full["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
                #expect(full["model"] == "local-extractive")
                #expect(full["role"] == "assistant")
                #expect(full["finish_reason"] == "stop")
                let content = try #require(full["content"]?.stringValue)
                #expect(content.contains("24 hours"))
                #expect((full["usage"]?["total_tokens"]?.intValue ?? 0) > 0)

                let stream = try #require(result["stream"])
                #expect(stream["roles"] == ["assistant"])
                let deltas = try #require(stream["deltas"]?.arrayValue).compactMap(\.stringValue)
                #expect(deltas.count > 1)
                // Same question, same documents, same offline answerer: the same text either way.
                #expect(deltas.joined() == content)
                #expect(stream["finish_reason"] == "stop")
                #expect((stream["usage"]?["total_tokens"]?.intValue ?? 0) > 0)
                #expect(result["refused"] == 401)

                // models.list(), models.retrieve(), an agent chosen as the model, an unknown model.
                let models = try #require(result["models"]?.arrayValue).compactMap(\.stringValue)
                #expect(models.first == "nightshift")
                #expect(Set(models).isSuperset(of: ["nightshift-booking", "nightshift-general", "nightshift-insights"]))
                #expect(result["booking"] == "nightshift-booking")
                #expect(result["chosen"]?["agent"] == "booking")
                #expect(result["chosen"]?["model"] == "local-extractive")
                #expect(result["missing"]?["status"] == 404)
                #expect(result["missing"]?["code"] == "model_not_found")
                #expect(result["missing"]?["param"] == "model")
                // The sources behind [1], in the extension member.
                let sources = try #require(full["nightshift"]?["sources"]?.arrayValue)
                #expect(sources.contains { $0["sourceUri"]?.stringValue?.hasSuffix(ChatDocuments.cancellation) == true })

                // The three completions were turns of Alice's.
                #expect(try await harness.conversations(of: ChatUsers.alice, startingWith: Self.question).count == 3)
            }
        }
    }
}
