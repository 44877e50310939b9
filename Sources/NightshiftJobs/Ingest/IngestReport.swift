import Foundation
import NightshiftCore

/// The outcome of an ingest or reindex run: what happened to each document, and what the embeddings cost.
public struct IngestReport: JobReport, Sendable {
    /// One skipped source and why.
    public struct Skip: Sendable, Hashable {
        public var uri: String
        public var kind: String
        public var reason: String

        public init(uri: String, kind: String, reason: String) {
            self.uri = uri
            self.kind = kind
            self.reason = reason
        }
    }

    /// A document stored with something repaired or left out (invalid UTF-8 replaced by U+FFFD, a part that
    /// could not be read), and what.
    public struct Warning: Sendable, Hashable {
        public var uri: String
        public var message: String

        public init(uri: String, message: String) {
            self.uri = uri
            self.message = message
        }
    }

    public var added = 0
    public var changed = 0
    public var unchanged = 0
    public var deleted = 0
    public var skipped: [Skip] = []
    /// Extraction warnings of the documents stored (they are also kept in each document's metadata).
    public var warnings: [Warning] = []
    /// Chunks of the added and changed documents.
    public var chunks = 0
    /// Estimated tokens of those chunks.
    public var tokens = 0
    /// Vectors kept or copied from the store instead of being computed again.
    public var embeddingsReused = 0
    /// Vectors computed (bought, for a paid provider).
    public var embeddingsComputed = 0
    /// Tokens sent to the embedding provider.
    public var embeddingTokens = 0
    /// Inputs longer than the model accepts, cut before embedding.
    public var truncated = 0
    public var embeddingModel = ""
    /// Dollars for the computed embeddings; nil when the model has no price.
    public var estimatedCost: Decimal?
    public var bytes = 0
    public var seconds = 0.0
    /// Seconds spent rebuilding the vector index after a bulk load (0 when it was kept).
    public var indexSeconds = 0.0
    /// With `strict`, any skip fails the run.
    public var strict = false

    public init() {}

    public var failed: Bool { strict && !skipped.isEmpty }

    public var counts: JSONValue {
        var skipReasons: [String: JSONValue] = [:]
        for skip in skipped { skipReasons[skip.kind] = .number((skipReasons[skip.kind]?.doubleValue ?? 0) + 1) }
        return [
            "added": .number(Double(added)), "changed": .number(Double(changed)),
            "unchanged": .number(Double(unchanged)), "deleted": .number(Double(deleted)),
            "skipped": .number(Double(skipped.count)), "skipped_by_kind": .object(skipReasons),
            "skips": .array(skipped.prefix(200).map { ["uri": .string($0.uri), "kind": .string($0.kind), "reason": .string($0.reason)] }),
            "warnings": .number(Double(warnings.count)),
            "warning_details": .array(warnings.prefix(200).map { ["uri": .string($0.uri), "message": .string($0.message)] }),
            "chunks": .number(Double(chunks)), "tokens": .number(Double(tokens)),
            "embeddings_reused": .number(Double(embeddingsReused)),
            "embeddings_computed": .number(Double(embeddingsComputed)),
            "embedding_tokens": .number(Double(embeddingTokens)), "truncated": .number(Double(truncated)),
            "embedding_model": .string(embeddingModel),
            "estimated_cost_usd": estimatedCost.map { .string("\($0)") } ?? .null,
            "megabytes": .number((Double(bytes) / 1_048_576 * 1000).rounded() / 1000),
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "index_seconds": .number((indexSeconds * 1000).rounded() / 1000),
        ]
    }

    /// The human summary printed at the end of a run.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            "documents: \(added) added, \(changed) changed, \(unchanged) unchanged, \(deleted) deleted, \(skipped.count) skipped")
        lines.append("chunks: \(chunks) (\(tokens) tokens)")
        var embeddings = "embeddings (\(embeddingModel)): \(embeddingsComputed) computed, \(embeddingsReused) reused"
        if truncated > 0 { embeddings += ", \(truncated) input(s) truncated" }
        if let estimatedCost {
            embeddings += ", estimated cost $\(CostFormatting.plain(estimatedCost))"
        } else {
            embeddings += ", cost unknown (no price for the model)"
        }
        lines.append(embeddings)
        lines.append(String(format: "read %.1f MB in %.2f s (%.1f MB/s)", Double(bytes) / 1_048_576, seconds,
                            seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0))
        if indexSeconds > 0 { lines.append(String(format: "search indexes (HNSW, BM25 postings) built in %.2f s", indexSeconds)) }
        if !warnings.isEmpty {
            lines.append("warnings:")
            for warning in warnings.prefix(50) { lines.append("  \(warning.uri): \(warning.message)") }
            if warnings.count > 50 { lines.append("  … and \(warnings.count - 50) more (see --json)") }
        }
        if !skipped.isEmpty {
            lines.append("skipped:")
            for skip in skipped.prefix(50) { lines.append("  \(skip.uri): \(skip.reason)") }
            if skipped.count > 50 { lines.append("  … and \(skipped.count - 50) more (see --json)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Plain decimal text for money.
enum CostFormatting {
    static func plain(_ value: Decimal) -> String {
        NSDecimalNumber(decimal: value).stringValue
    }
}
