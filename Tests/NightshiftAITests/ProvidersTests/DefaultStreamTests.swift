import NightshiftAI
import NightshiftCore
import Testing

@Suite("The default stream of a provider that only completes")
struct DefaultStreamTests {
    @Test("the whole answer of complete as one delta, then .done with the same response")
    func wholeAnswer() async throws {
        let provider = ScriptedChatProvider([.answer("hello there")])
        let (deltas, done) = try await ChatFixture.collect(provider.stream(ChatFixture.request))
        #expect(deltas == ["hello there"])
        #expect(done?.content == "hello there")
        #expect(done?.provider == "scripted")
        #expect(provider.requests.count == 1)
    }

    @Test("an empty answer: no delta, only .done")
    func emptyAnswer() async throws {
        let (deltas, done) = try await ChatFixture.collect(
            ScriptedChatProvider([.answer("")]).stream(ChatFixture.request))
        #expect(deltas.isEmpty)
        #expect(done?.content == "")
    }

    @Test("complete's error ends the stream with that error")
    func failure() async throws {
        let provider = ScriptedChatProvider([.fail(NightshiftError(.configuration, "no key"))])
        await #expect(throws: NightshiftError.self) {
            _ = try await ChatFixture.collect(provider.stream(ChatFixture.request))
        }
    }

    @Test("a chain passes over a provider whose default stream fails before its first delta")
    func chainFallsBack() async throws {
        let chain = ProviderChain([
            .init(ScriptedChatProvider([.fail(NightshiftError(.configuration, "no key"))])),
            .init(ScriptedChatProvider([.answer("second")])),
        ])
        let (deltas, done) = try await ChatFixture.collect(chain.stream(ChatFixture.request))
        #expect(deltas == ["second"])
        #expect(done?.failedAttempts.map(\.failure) == [.notConfigured])
    }
}
