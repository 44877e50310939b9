import NightshiftAI
import NightshiftCore
import Synchronization

/// A chat provider that plays a script: each call takes the next step (an answer, an error, or a long wait).
///
/// The classifier's own logic (prompt, parsing, fallback) is what these tests check; real HTTP providers are
/// tested against a loopback server in ProvidersTests.
final class ScriptedChatProvider: ChatProvider {
    enum Step: Sendable {
        case answer(String)
        case fail(NightshiftError)
        /// Waits (cancellably) far longer than any test's deadline.
        case hang
    }

    let name = "scripted"
    let defaultModel = "scripted-model"
    private let steps: Mutex<[Step]>
    private let received: Mutex<[ChatRequest]>

    init(_ steps: [Step]) {
        self.steps = Mutex(steps)
        self.received = Mutex([])
    }

    /// The requests received so far.
    var requests: [ChatRequest] { received.withLock { $0 } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        received.withLock { $0.append(request) }
        let step = steps.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch step {
        case .answer(let content)?:
            return ChatResponse(
                content: content, model: request.model ?? defaultModel,
                usage: ChatUsage(promptTokens: 120, completionTokens: 30), finishReason: .stop, provider: name)
        case .fail(let error)?:
            throw error
        case .hang?:
            try await Task.sleep(for: .seconds(600))
            throw NightshiftError(.internal, "scripted hang ended")
        case nil:
            throw NightshiftError(.internal, "script exhausted")
        }
    }
}
