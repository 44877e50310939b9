import Foundation
import NightshiftCore

/// One model's prices, in US dollars per 1 million tokens.
public struct ModelPrice: Sendable, Hashable {
    public var model: String
    public var provider: String
    public var inputPerMillion: Decimal?
    public var outputPerMillion: Decimal?
    /// Prompt tokens served from the provider's cache (OpenAI cached input, Anthropic cache read).
    public var cachedInputPerMillion: Decimal?
    public var embeddingPerMillion: Decimal?
    /// When the figure was last compared with the provider's price page (`YYYY-MM-DD`).
    public var checked: String?
    public var aliases: [String]

    public init(
        model: String, provider: String, inputPerMillion: Decimal? = nil, outputPerMillion: Decimal? = nil,
        cachedInputPerMillion: Decimal? = nil, embeddingPerMillion: Decimal? = nil, checked: String? = nil,
        aliases: [String] = []
    ) {
        self.model = model
        self.provider = provider
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.embeddingPerMillion = embeddingPerMillion
        self.checked = checked
        self.aliases = aliases
    }
}

/// Token counts of one call, as providers report them.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens that were cache hits (billed at the cached-input price); part of `promptTokens`.
    public var cachedPromptTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}

/// The price table: data in `data/prices.json` (compiled in), plus overrides from a file of the same format.
///
/// Names resolve exactly, never by substring: the agent-system design's `model.includes('gpt-4') ? 'gpt-4-turbo'`
/// priced gpt-4o-mini at gpt-4-turbo's rate (67 × too much) and every unknown model at gpt-3.5-turbo's. Here a
/// provider prefix (`openai/`, `anthropic/`, `azure/`, …) and a date or version suffix (`-2024-08-06`,
/// `-20250929`, `-0613`, `-latest`, `@20240620`) are removed, then the name or one of its aliases must match.
/// Anything else is unknown: no cost (nil), and the caller warns naming the model.
public struct PriceTable: Sendable {
    private var byName: [String: ModelPrice] = [:]
    /// Every model, by name.
    public private(set) var models: [ModelPrice] = []

    /// The compiled-in table.
    public static let builtIn: PriceTable = {
        do {
            return try PriceTable(json: EmbeddedPrices.json, source: "data/prices.json")
        } catch {
            // The build embeds the file and a test parses it, so this cannot happen in a tested binary.
            preconditionFailure("data/prices.json is malformed: \(error)")
        }
    }()

    /// An empty table.
    public init() {}

    /// Parses a price file; errors name the file and the entry.
    public init(json: String, source: String) throws {
        let root = try JSONValue.parse(json, what: "price file \(source)")
        guard let entries = root["models"]?.arrayValue else {
            throw NightshiftError(.invalidInput, "price file has no \"models\" array", context: ["file": source])
        }
        for (index, entry) in entries.enumerated() {
            let place = "models[\(index)]"
            guard let name = entry["model"]?.stringValue, !name.isEmpty else {
                throw NightshiftError(.invalidInput, "price entry without \"model\"", context: ["file": source, "at": place])
            }
            func price(_ key: String) throws -> Decimal? {
                guard let value = entry[key], value != .null else { return nil }
                let text = value.stringValue ?? value.doubleValue.map { String($0) }
                guard let text, let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
                    decimal >= 0
                else {
                    throw NightshiftError(
                        .invalidInput, "\(key) must be a non-negative number", context: ["file": source, "at": place])
                }
                return decimal
            }
            add(
                ModelPrice(
                    model: name, provider: entry["provider"]?.stringValue ?? "", inputPerMillion: try price("input_per_1m"),
                    outputPerMillion: try price("output_per_1m"), cachedInputPerMillion: try price("cached_input_per_1m"),
                    embeddingPerMillion: try price("embedding_per_1m"), checked: entry["checked"]?.stringValue,
                    aliases: entry["aliases"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
    }

    /// Loads the built-in table, overlaid by `overrideFile` when given (same format; its entries win).
    public static func load(overrideFile: String?) throws -> PriceTable {
        var table = PriceTable.builtIn
        guard let overrideFile else { return table }
        let text: String
        do {
            text = try String(contentsOfFile: overrideFile, encoding: .utf8)
        } catch {
            throw NightshiftError(.invalidInput, "cannot read price file", context: ["file": overrideFile], cause: error)
        }
        for price in try PriceTable(json: text, source: overrideFile).models {
            table.add(price)
        }
        return table
    }

    /// Adds or replaces a model (and its aliases).
    public mutating func add(_ price: ModelPrice) {
        let key = price.model.lowercased()
        if let old = byName[key] {
            for alias in old.aliases { byName.removeValue(forKey: alias.lowercased()) }
            models.removeAll { $0.model.lowercased() == key }
        }
        models.append(price)
        byName[key] = price
        for alias in price.aliases { byName[alias.lowercased()] = price }
    }

    /// The price of a model name as callers log it (`openai/gpt-4o-2024-08-06` → gpt-4o); nil when unknown.
    public func price(for model: String) -> ModelPrice? {
        var name = model.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !name.isEmpty else { return nil }
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        if let exact = byName[name] { return exact }
        let base = PriceTable.stripVersion(name)
        if base != name, let found = byName[base] { return found }
        return nil
    }

    /// Removes one trailing date or version marker.
    static func stripVersion(_ name: String) -> String {
        var name = name
        if let at = name.lastIndex(of: "@") { name = String(name[..<at]) }
        if name.hasSuffix("-latest") { return String(name.dropLast(7)) }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        func isDigits(_ part: Substring, _ count: Int) -> Bool { part.count == count && part.allSatisfy(\.isNumber) }
        // -YYYY-MM-DD
        if parts.count > 3, isDigits(parts[parts.count - 3], 4), isDigits(parts[parts.count - 2], 2),
            isDigits(parts[parts.count - 1], 2)
        {
            return parts.dropLast(3).joined(separator: "-")
        }
        // -YYYYMMDD (Anthropic) or -MMDD (OpenAI's older snapshots)
        if parts.count > 1, let last = parts.last, isDigits(last, 8) || isDigits(last, 4) {
            return parts.dropLast().joined(separator: "-")
        }
        return name
    }

    /// Dollars for a chat call, rounded to 6 decimals (the stores' precision); nil when the model is unknown or
    /// has no chat prices.
    public func cost(model: String, usage: TokenUsage) -> Decimal? {
        guard let price = price(for: model), let input = price.inputPerMillion, let output = price.outputPerMillion else {
            return nil
        }
        let cached = max(0, min(usage.cachedPromptTokens, usage.promptTokens))
        let uncached = usage.promptTokens - cached
        let cachedRate = price.cachedInputPerMillion ?? input
        let dollars =
            (Decimal(uncached) * input + Decimal(cached) * cachedRate + Decimal(usage.completionTokens) * output)
            / Decimal(1_000_000)
        return PriceTable.round(dollars)
    }

    /// Dollars for embedding `tokens` tokens; nil when the model is unknown or has no embedding price.
    public func embeddingCost(model: String, tokens: Int) -> Decimal? {
        guard let rate = price(for: model)?.embeddingPerMillion else { return nil }
        return PriceTable.round(Decimal(tokens) * rate / Decimal(1_000_000))
    }

    /// Rounds half away from zero to `places` decimals, as PostgreSQL's numeric does.
    public static func round(_ value: Decimal, places: Int = 6) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }
}
