import Foundation
import NightshiftAI
import NightshiftCore
import Testing

@Suite("Price table")
struct PriceTableTests {
    let table = PriceTable.builtIn

    @Test("the designs' models and the current families are priced")
    func coverage() throws {
        for model in [
            "gpt-4-turbo", "gpt-4", "gpt-3.5-turbo", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
            "text-embedding-3-small", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o3", "claude-haiku-4-5",
            "claude-opus-4-1",
        ] {
            #expect(table.price(for: model) != nil, "\(model) has no price")
        }
        #expect(table.models.allSatisfy { $0.checked != nil })
    }

    @Test("dated and provider-prefixed names resolve to their base model")
    func aliases() {
        #expect(table.price(for: "openai/gpt-4o-2024-08-06")?.model == "gpt-4o")
        #expect(table.price(for: "gpt-4o-mini-2024-07-18")?.model == "gpt-4o-mini")
        #expect(table.price(for: "claude-sonnet-4-5-20250929")?.model == "claude-sonnet-4-5")
        #expect(table.price(for: "anthropic/claude-3-5-sonnet-latest")?.model == "claude-3-5-sonnet")
        #expect(table.price(for: "claude-3-5-sonnet@20240620")?.model == "claude-3-5-sonnet")
        #expect(table.price(for: "gpt-4-0613")?.model == "gpt-4")
        #expect(table.price(for: "gpt-4-1106-preview")?.model == "gpt-4-turbo")
        #expect(table.price(for: "GPT-4O")?.model == "gpt-4o")
        // No substring guessing: these are unknown, not gpt-4-turbo or gpt-3.5-turbo.
        #expect(table.price(for: "gpt-4o-audio-unknown") == nil)
        #expect(table.price(for: "mystery-model-9000") == nil)
        #expect(table.price(for: "") == nil)
    }

    @Test("costs use input, output and cached prices; the design's flat or substring pricing is wrong")
    func costs() throws {
        let usage = TokenUsage(promptTokens: 1_200, completionTokens: 300)
        // gpt-4o-mini: 1,200 × $0.15/M + 300 × $0.60/M = $0.00018 + $0.00018
        #expect(table.cost(model: "gpt-4o-mini", usage: usage) == Decimal(string: "0.00036"))
        // The agent-system design maps anything containing "gpt-4" to gpt-4-turbo: $0.012 + $0.009.
        let designGuess = (Decimal(1_200) * 10 + Decimal(300) * 30) / 1_000_000
        #expect(designGuess == Decimal(string: "0.021"))
        #expect(table.cost(model: "gpt-4o-mini", usage: usage) != designGuess)
        // The AI-schema design prices every token at $0.03/1K whatever the model: $0.045 here.
        let flat = Decimal(usage.totalTokens) / 1000 * Decimal(string: "0.03")!
        #expect(flat == Decimal(string: "0.045"))
        // claude-sonnet-4-5: 1,800 × $3/M + 200 × $15/M = $0.0054 + $0.003
        #expect(table.cost(model: "claude-sonnet-4-5-20250929", usage: TokenUsage(promptTokens: 1_800, completionTokens: 200))
            == Decimal(string: "0.0084"))
        // Cached prompt tokens at the cached rate: gpt-4o 1,000 prompt of which 800 cached, 100 out.
        // 200 × 2.50 + 800 × 1.25 + 100 × 10 = 500 + 1000 + 1000 → $0.0025
        #expect(table.cost(model: "gpt-4o", usage: TokenUsage(promptTokens: 1_000, completionTokens: 100, cachedPromptTokens: 800))
            == Decimal(string: "0.0025"))
        #expect(table.cost(model: "mystery-model-9000", usage: usage) == nil)
        #expect(table.embeddingCost(model: "text-embedding-3-small", tokens: 1_000_000) == Decimal(string: "0.02"))
        #expect(table.embeddingCost(model: "gpt-4o", tokens: 10) == nil)
        // Rounded to the stores' six decimals, half away from zero.
        #expect(PriceTable.round(Decimal(string: "0.0000005")!) == Decimal(string: "0.000001"))
    }

    @Test("an override file adds and changes models; a malformed one names the file")
    func overrides() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("prices.json").path
        try #"{"models": [{"model": "in-house-llm", "input_per_1m": "0.5", "output_per_1m": 1, "aliases": ["ihl"]},"#
            .appending(#" {"model": "gpt-4o", "input_per_1m": "2.00", "output_per_1m": "8.00"}]}"#)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let table = try PriceTable.load(overrideFile: file)
        #expect(table.cost(model: "ihl", usage: TokenUsage(promptTokens: 1_000_000, completionTokens: 1_000_000)) == 1.5)
        #expect(table.price(for: "gpt-4o")?.inputPerMillion == 2)
        #expect(table.price(for: "chatgpt-4o-latest") == nil || table.price(for: "chatgpt-4o-latest")?.inputPerMillion == 2)
        try #"{"models": [{"model": "bad", "input_per_1m": "-1"}]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try PriceTable.load(overrideFile: file)
            Issue.record("expected an error")
        } catch let error as NightshiftError {
            #expect(error.context["file"] == file)
            #expect(error.context["at"] == "models[0]")
        }
    }

    @Test("the compiled-in table is data/prices.json")
    func embedded() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        let file = try String(contentsOf: root.appendingPathComponent("data/prices.json"), encoding: .utf8)
        let fromFile = try PriceTable(json: file, source: "data/prices.json")
        #expect(fromFile.models.map(\.model) == table.models.map(\.model), "run scripts/embed-data.py")
        #expect(fromFile.models == table.models, "run scripts/embed-data.py")
    }
}
