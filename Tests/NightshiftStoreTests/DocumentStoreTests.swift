import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Documents and chunks on both stores: replace, reuse, delete, scoped similarity search.
@Suite("Document store")
struct DocumentStoreTests {
    let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a")!
    let bob = UUID(uuidString: "b0000000-0000-4000-8000-00000000000b")!

    /// A unit vector pointing mostly along axis `axis`, with a little of `other`.
    static func vector(_ axis: Int, _ other: Int = 0, mix: Float = 0) -> [Float] {
        var values = [Float](repeating: 0, count: 1536)
        values[axis] = 1
        values[other] += mix
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    /// Search terms as a tokenizer would make them here: lower-case words, a few stop words dropped, a crude stem.
    static func terms(_ text: String) -> [String] {
        let stop: Set<String> = ["the", "a", "an", "and", "or", "of", "at", "by", "are", "is", "be", "made", "each", "in", "his", "before"]
        return text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            .filter { !stop.contains($0) }
            .map { word in
                for suffix in ["ations", "ation", "ling", "led", "ing", "s"] where word.hasSuffix(suffix) && word.count > suffix.count + 3 {
                    return String(word.dropLast(suffix.count))
                }
                return word
            }
    }

    static func chunk(_ index: Int, _ text: String, axis: Int, model: String = "local-test") -> StoredChunk {
        StoredChunk(
            index: index, content: text, contentHash: StoredChunk.hash(content: text, model: model),
            embedding: vector(axis), embeddingModel: model, tokenCount: text.count / 4, headingPath: ["Guide", "Part \(index)"],
            charStart: index * 100, charEnd: index * 100 + text.count, searchText: terms(text).joined(separator: " "))
    }

    static func document(_ uri: String, owner: Owner = .shared, model: String = "local-test") -> Document {
        Document(sourceURI: uri, owner: owner, title: "Title of \(uri)", mediaType: "text/markdown", contentHash: "h-\(uri)",
                 metadata: ["chunker": "tokens:512/64"], embeddingModel: model, byteSize: 1234)
    }

    @Test("replacing a document keeps unchanged chunks' rows and vectors", arguments: TestEnvironment.storeKinds)
    func replaceKeepsUnchanged(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let first = [Self.chunk(0, "alpha text", axis: 1), Self.chunk(1, "beta text", axis: 2), Self.chunk(2, "gamma", axis: 3)]
            let stored = try await store.replaceDocument(Self.document("file:///kb/guide.md"), chunks: first)
            #expect(stored.chunkCount == 3)
            #expect(stored.metadata["chunker"]?.stringValue == "tokens:512/64")
            let before = try await store.chunks(documentID: stored.id)
            #expect(before.map(\.content) == ["alpha text", "beta text", "gamma"])
            #expect(before[1].headingPath == ["Guide", "Part 1"])
            #expect(abs(before[0].embedding[1] - 1) < 1e-6)

            // A new chunk at the top shifts the others; "beta text" and "gamma" keep their rows.
            var changed = Self.document("file:///kb/guide.md")
            changed.contentHash = "h2"
            let second = [
                Self.chunk(0, "new intro", axis: 4), Self.chunk(1, "beta text", axis: 2), Self.chunk(2, "gamma", axis: 3),
            ]
            let restored = try await store.replaceDocument(changed, chunks: second)
            #expect(restored.id == stored.id)
            #expect(restored.contentHash == "h2")
            let after = try await store.chunks(documentID: stored.id)
            #expect(after.map(\.content) == ["new intro", "beta text", "gamma"])
            #expect(after[1].id == before[1].id)
            #expect(after[2].id == before[2].id)
            #expect(after[0].id != before[0].id)
            #expect(after.map(\.index) == [0, 1, 2])
            #expect(try await store.documents(sourcePrefix: "file:///kb/", owner: nil).count == 1)

            let reusable = try await store.embeddings(contentHashes: [StoredChunk.hash(content: "gamma", model: "local-test"), "nope"])
            #expect(reusable.count == 1)
            #expect(abs((reusable.values.first?[3] ?? 0) - 1) < 1e-6)

            #expect(try await store.deleteDocument(id: stored.id))
            #expect(try await store.chunks(documentID: stored.id).isEmpty)
            #expect(try await store.deleteDocument(id: stored.id) == false)
        }
    }

    @Test("the same source may exist once per owner", arguments: TestEnvironment.storeKinds)
    func sourcePerOwner(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            let shared = try await store.replaceDocument(Self.document("https://example.com/a"), chunks: [])
            let mine = try await store.replaceDocument(Self.document("https://example.com/a", owner: .user(alice)), chunks: [])
            let sharedAgain = try await store.replaceDocument(Self.document("https://example.com/a"), chunks: [])
            #expect(shared.id != mine.id)
            #expect(shared.id == sharedAgain.id)
            #expect(try await store.document(sourceURI: "https://example.com/a", owner: .user(alice))?.id == mine.id)
            #expect(try await store.document(sourceURI: "https://example.com/a", owner: .shared)?.id == shared.id)
            #expect(try await store.documents(sourcePrefix: "https://example.com/", owner: .shared).count == 1)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 2)
            // LIKE wildcards in a prefix are literal.
            #expect(try await store.documents(sourcePrefix: "https://example%", owner: nil).isEmpty)
        }
    }

    @Test("search returns the nearest chunks a scope may see, of one model only", arguments: TestEnvironment.storeKinds)
    func scopedSearch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            try await store.createUser(User(id: bob))
            try await store.replaceDocument(
                Self.document("kb://shared"),
                chunks: [Self.chunk(0, "shared near", axis: 10), Self.chunk(1, "shared far", axis: 20)])
            try await store.replaceDocument(
                Self.document("kb://alice", owner: .user(alice)), chunks: [Self.chunk(0, "alice private", axis: 10)])
            try await store.replaceDocument(
                Self.document("kb://bob", owner: .user(bob)), chunks: [Self.chunk(0, "bob private", axis: 10)])
            try await store.replaceDocument(
                Self.document("kb://other-model", model: "other"),
                chunks: [Self.chunk(0, "other model", axis: 10, model: "other")])

            let query = Self.vector(10, 20, mix: 0.1)
            let forAlice = try await store.search(
                embedding: query, model: "local-test", scope: SearchScope(userID: alice), limit: 10)
            #expect(Set(forAlice.map(\.content)) == ["shared near", "alice private", "shared far"])
            #expect(forAlice.last?.content == "shared far")
            #expect(forAlice.first.map { $0.score > 0.99 } == true)
            #expect(forAlice.first(where: { $0.content == "alice private" })?.owner == .user(alice))
            #expect(forAlice.first(where: { $0.content == "shared near" })?.sourceURI == "kb://shared")
            #expect(forAlice.first(where: { $0.content == "shared near" })?.headingPath == ["Guide", "Part 0"])

            let sharedOnly = try await store.search(embedding: query, model: "local-test", scope: .shared, limit: 10)
            #expect(sharedOnly.map(\.content) == ["shared near", "shared far"])

            let privateOnly = try await store.search(
                embedding: query, model: "local-test", scope: SearchScope(userID: bob, includeShared: false), limit: 10)
            #expect(privateOnly.map(\.content) == ["bob private"])

            let otherModel = try await store.search(embedding: query, model: "other", scope: .shared, limit: 10)
            #expect(otherModel.map(\.content) == ["other model"])

            let limited = try await store.search(embedding: query, model: "local-test", scope: SearchScope(userID: alice), limit: 1)
            #expect(limited.count == 1)

            // After a change the next search sees it (the embedded store reloads its in-memory copy).
            _ = try await store.deleteDocument(id: try #require(try await store.document(sourceURI: "kb://shared", owner: .shared)).id)
            let afterDelete = try await store.search(embedding: query, model: "local-test", scope: .shared, limit: 10)
            #expect(afterDelete.isEmpty)
        }
    }

    @Test("a failed replacement leaves the previous chunks in place", arguments: TestEnvironment.storeKinds)
    func failedReplacementRollsBack(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let stored = try await store.replaceDocument(
                Self.document("kb://atomic"), chunks: [Self.chunk(0, "one", axis: 1), Self.chunk(1, "two", axis: 2)])
            // A vector of the wrong size fails the insert after the old rows were deleted in the transaction.
            var bad = Self.chunk(0, "broken", axis: 5)
            bad.embedding = [1, 2, 3]
            await #expect(throws: (any Error).self) {
                try await store.replaceDocument(Self.document("kb://atomic"), chunks: [bad])
            }
            let chunks = try await store.chunks(documentID: stored.id)
            #expect(chunks.map(\.content) == ["one", "two"])
            #expect(try await store.document(id: stored.id)?.chunkCount == 2)
        }
    }

    @Test("full-text and hybrid search find stemmed words within the scope", arguments: TestEnvironment.storeKinds)
    func textAndHybridSearch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            try await store.createUser(User(id: bob))
            try await store.replaceDocument(
                Self.document("kb://policies"),
                chunks: [
                    Self.chunk(0, "Cancellations must be made 24 hours before the appointment.", axis: 30),
                    Self.chunk(1, "Therapists are matched by specialty and location.", axis: 31),
                    Self.chunk(2, "Invoices are emailed at the end of each month.", axis: 32),
                ])
            try await store.replaceDocument(
                Self.document("kb://bob-notes", owner: .user(bob)),
                chunks: [Self.chunk(0, "Bob cancelled his appointments in March.", axis: 30)])
            // The query's terms are made by the same tokenizer as the chunks' ("cancelling" and "Cancellations"
            // both become "cancel").
            let text = try await store.searchText(
                terms: Self.terms("cancelling appointments?"), model: "local-test", scope: SearchScope(userID: alice), limit: 5)
            #expect(text.first?.content.hasPrefix("Cancellations") == true)
            #expect(!text.contains { $0.content.hasPrefix("Bob") })
            #expect(text.allSatisfy { $0.score > 0 })
            let bobs = try await store.searchText(
                terms: Self.terms("cancelling appointments"), model: "local-test", scope: SearchScope(userID: bob), limit: 5)
            #expect(Set(bobs.map(\.content)).count == 2)
            // BM25: a rarer term weighs more. "invoices" occurs once, "appointment" twice.
            let rare = try await store.searchText(
                terms: Self.terms("invoices appointment"), model: "local-test", scope: SearchScope(userID: bob), limit: 5)
            #expect(rare.first?.content.hasPrefix("Invoices") == true)
            // Terms are literals, never query syntax.
            #expect(try await store.searchText(terms: ["\"AND", "OR", "NOT*("], model: "local-test", scope: .shared, limit: 5).isEmpty)
            #expect(try await store.searchText(terms: [], model: "local-test", scope: .shared, limit: 5).isEmpty)

            // Hybrid: the vector points at the invoices chunk, the words at the therapists one; both come first.
            let hybrid = try await store.hybridSearch(
                terms: Self.terms("therapist specialty"), embedding: Self.vector(32), model: "local-test", scope: .shared, limit: 3,
                fusion: .standard)
            #expect(Set(hybrid.prefix(2).map(\.content)) == [
                "Therapists are matched by specialty and location.", "Invoices are emailed at the end of each month.",
            ])
            #expect(hybrid.first.map { $0.score > 0 } == true)
            #expect(hybrid.first?.sourceURI == "kb://policies")
        }
    }

    @Test("a batch replaces many documents at once and reports their chunk hashes", arguments: TestEnvironment.storeKinds)
    func batchReplace(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let batch = (0..<5).map { number in
                (document: Self.document("kb://batch/\(number)"),
                 chunks: [Self.chunk(0, "doc \(number) part a", axis: number), Self.chunk(1, "doc \(number) part b", axis: number + 10)])
            }
            let stored = try await store.replaceDocuments(batch)
            #expect(stored.map(\.sourceURI) == batch.map(\.document.sourceURI))
            let hashes = try await store.chunkHashes(documentIDs: stored.map(\.id))
            #expect(hashes.count == 5)
            #expect(Set(hashes[stored[2].id] ?? []) == [
                StoredChunk.hash(content: "doc 2 part a", model: "local-test"),
                StoredChunk.hash(content: "doc 2 part b", model: "local-test"),
            ])
            // Replacing again with one chunk changed keeps the other's row.
            let before = try await store.chunks(documentID: stored[0].id)
            let again = try await store.replaceDocuments([
                (Self.document("kb://batch/0"), [Self.chunk(0, "doc 0 part a", axis: 0), Self.chunk(1, "changed", axis: 40)]),
            ])
            let after = try await store.chunks(documentID: again[0].id)
            #expect(again[0].id == stored[0].id)
            #expect(after[0].id == before[0].id)
            #expect(after[1].content == "changed")
            #expect(try await store.documents(sourcePrefix: "kb://batch/", owner: .shared).count == 5)
            // The extracted text is kept for reindexing; a write without it keeps the stored one.
            var withText = Self.document("kb://batch/1")
            withText.content = "doc 1 part a\n\ndoc 1 part b"
            try await store.replaceDocument(withText, chunks: batch[1].chunks)
            #expect(try await store.documentContent(id: stored[1].id) == "doc 1 part a\n\ndoc 1 part b")
            try await store.replaceDocument(Self.document("kb://batch/1"), chunks: batch[1].chunks)
            #expect(try await store.documentContent(id: stored[1].id) == "doc 1 part a\n\ndoc 1 part b")
        }
    }
}
