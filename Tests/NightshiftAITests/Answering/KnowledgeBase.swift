import Foundation
import NightshiftAI
import NightshiftCore

/// A small hand-written knowledge base (a coaching app's help centre) and a retrieval over it with the real local
/// embedder, so the answering tests run the path the chat endpoint runs offline: retrieve, build, answer.
enum KnowledgeBase {
    struct Entry {
        var title: String
        var uri: String
        var headings: [String]
        var content: String
    }

    static let entries: [Entry] = [
        Entry(
            title: "Cancellation policy", uri: "file:///kb/policies/cancellation.md",
            headings: ["Policies", "Cancellation"],
            content: """
                Bookings can be cancelled free of charge up to 24 hours before the session starts. If you cancel \
                later than that, half of the session price is charged. Sessions missed without notice are charged \
                in full. To cancel, open the booking in the app and tap Cancel booking.
                """),
        Entry(
            title: "Refunds", uri: "file:///kb/policies/refunds.md", headings: ["Policies", "Refunds"],
            content: """
                Refunds are issued to the original payment method within 5 to 7 business days. A refund for a \
                cancelled package covers only the sessions that have not been used. Coaches cannot issue refunds \
                themselves; contact support for any refund question.
                """),
        Entry(
            title: "Privacy", uri: "https://help.example.com/privacy", headings: ["Privacy and data"],
            content: """
                We store your session notes encrypted, and only you and your coach can read them. We never sell \
                personal data to advertisers or other third parties. You can export or delete all your data at any \
                time from Settings, then Privacy. Deleted accounts are removed from our backups within 30 days.
                """),
        Entry(
            title: "Payments", uri: "https://help.example.com/payments", headings: ["Billing", "Payments"],
            content: """
                We accept Visa, Mastercard and American Express cards, as well as Apple Pay and Google Pay. Payment \
                is taken when the session is booked, not when it takes place. Invoices are sent by email after each \
                payment and can also be downloaded from the Billing page. Prices include VAT where it applies.
                """),
        Entry(
            title: "Sessions", uri: "file:///kb/sessions.md", headings: ["Sessions"],
            content: """
                Sessions last 50 minutes and take place over video in the app. You can reschedule a session once \
                without charge if you do it at least 12 hours in advance. Your coach's availability is shown on \
                their profile, in your local time zone.
                """),
    ]

    /// The entries as search hits, with stable ids.
    static let matches: [ChunkMatch] = entries.enumerated().map { index, entry in
        ChunkMatch(
            chunkID: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", index + 1)) ?? UUID(),
            documentID: nil, sourceURI: entry.uri, title: entry.title, content: entry.content,
            headingPath: entry.headings, chunkIndex: 0, owner: .shared, score: 0)
    }

    /// The `limit` entries closest to `question` by cosine of local embeddings, best first, as a vector search
    /// over `agent_memory` would return them.
    static func retrieve(_ question: String, limit: Int = 3) -> [ChunkMatch] {
        let embedder = LocalEmbedder()
        let query = embedder.embed(question)
        let vectors = embedder.embed(matches.map { ($0.title ?? "") + "\n" + $0.content })
        var scored = zip(matches, vectors).map { match, vector -> ChunkMatch in
            var match = match
            match.score = Double(zip(query, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 })
            return match
        }
        scored.sort { $0.score > $1.score }
        return Array(scored.prefix(limit))
    }

    /// The prompt a turn about `question` gets with the top three entries.
    static func prompt(_ question: String, memory: [MemoryFact] = [], budget: Int = 3_000) -> BuiltPrompt {
        PromptBuilder(tokenBudget: budget).build(
            systemPrompt: "You are the help-centre assistant of a coaching app.", question: question,
            chunks: retrieve(question), memory: memory)
    }
}
