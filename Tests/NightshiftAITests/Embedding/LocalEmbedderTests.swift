import Foundation
import NightshiftAI
import Testing

@Suite("LocalEmbedder")
struct LocalEmbedderTests {
    let embedder = LocalEmbedder()

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    static func norm(_ vector: [Float]) -> Float { dot(vector, vector).squareRoot() }

    /// FNV-1a over the components' bit patterns: equal only for bit-identical vectors.
    static func checksum(_ vector: [Float]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in vector {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xff)) &* 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
        return hash
    }

    @Test("vectors have 1536 components by default and the requested number otherwise")
    func dimensions() {
        #expect(embedder.dimensions == 1536)
        #expect(embedder.model == "local-hash-v1")
        #expect(embedder.embed("a short text about ingestion").count == 1536)
        let small = LocalEmbedder(dimensions: 256)
        #expect(small.model == "local-hash-v1-256")
        #expect(small.embed("a short text about ingestion").count == 256)
        #expect(small.embed(["one text", "", "another text"]).map(\.count) == [256, 256, 256])
    }

    @Test(
        "every vector is L2-normalised",
        arguments: [
            "Retrieval-augmented generation needs good chunk embeddings.",
            "x",
            "Ünïcödé wörds, 日本語のテキスト, русский текст, ελληνικά.",
            "to be or not to be",
            String(repeating: "The nightly job re-embeds only the chunks that changed. ", count: 500),
        ])
    func normalised(text: String) {
        let vector = embedder.embed(text)
        #expect(abs(Self.norm(vector) - 1) < 1e-5)
        #expect(vector.allSatisfy { $0.isFinite })
    }

    @Test("the same text gives the bit-identical vector, equal to the committed reference")
    func deterministic() {
        let text = "Nightshift embeds the CAFÉ's documents: cells increased p53 expression in 2019 — ΔNp63 isoforms."
        let vector = embedder.embed(text)
        #expect(Self.checksum(vector) == Self.checksum(embedder.embed(text)))
        #expect(Self.checksum(vector) == Self.checksum(LocalEmbedder().embed([text, "other"])[0]))
        // Pinned: any change to tokenising, stemming, weights or hashing changes this and must bump the version.
        #expect(Self.checksum(vector) == 13_206_801_261_097_426_699)
    }

    @Test("the vector matches an independent reference implementation of the algorithm")
    func matchesReference() throws {
        // Computed by a separate Python implementation of local-hash-v1 (tokeniser, stemmer, lexicon, FNV-1a and
        // MurmurHash3 finaliser, weights), so the Swift code is checked against the algorithm as specified rather
        // than against itself. Components not listed are zero.
        let text = "Nightshift embeds the CAFÉ's documents: cells increased p53 expression in 2019 — ΔNp63 isoforms."
        var expected = [Float](repeating: 0, count: 1536)
        for pair in Self.reference.split(separator: " ") {
            let fields = pair.split(separator: ":")
            let index = try #require(Int(fields[0]))
            expected[index] = try #require(Float(fields[1]))
        }
        let vector = embedder.embed(text)
        for index in vector.indices {
            #expect(abs(vector[index] - expected[index]) < 1e-6, "component \(index)")
        }
    }

    static let reference = """
        6:-0.0335900 11:0.0335900 18:0.0335900 40:0.0520877 44:-0.0324977 47:0.0328503 53:-0.0335900 \
        56:0.0324977 59:0.0324977 63:0.0698830 67:-0.0335900 68:0.0520877 94:0.0328503 97:-0.0783085 \
        105:0.0520877 110:0.0324977 114:-0.0328503 119:-0.0609549 138:0.0328503 150:-0.0324977 \
        155:-0.0328503 159:-0.0559179 161:0.0520877 169:-0.0454582 179:0.0328503 183:-0.0590619 \
        186:-0.2706557 194:0.0454582 210:-0.0324977 217:-0.0520877 220:-0.0328503 232:0.0520877 \
        243:-0.0335900 256:0.0335900 273:-0.0520877 276:0.0590619 281:-0.0590619 288:0.0324977 \
        293:-0.0335900 294:-0.0335900 298:0.0335900 313:-0.0520877 318:0.0324977 325:0.0590619 \
        334:-0.0324977 344:-0.0926519 377:0.0590619 379:0.0558813 385:-0.1745388 386:0.0698830 \
        387:-0.0559179 413:-0.1104947 431:-0.0590619 434:0.1504721 437:0.0324977 438:-0.0454582 \
        454:0.0454582 456:-0.0335900 485:-0.0590619 487:0.0324977 488:0.0335900 498:0.0520877 \
        510:0.0590619 518:0.0790482 522:0.1104947 524:0.0609549 536:0.0559179 543:-0.0698830 \
        546:-0.0698830 560:0.0335900 563:-0.0698830 568:-0.0328503 582:-0.0324977 597:0.0559179 \
        605:-0.0698830 613:-0.0590619 621:-0.0324977 634:0.0324977 638:0.0335900 645:-0.0454582 \
        646:0.0590619 647:-0.1592055 649:0.0328503 653:-0.0520877 661:-0.0328503 672:-0.0454582 \
        679:-0.0698830 695:0.0328503 699:-0.0335900 749:0.0520877 752:-0.0845854 758:0.0520877 \
        761:-0.0609549 763:-0.0520877 764:-0.0328503 784:0.0454582 796:0.2706557 802:0.0590619 \
        803:0.2706557 805:0.0559179 814:-0.1104947 819:-0.0559179 843:0.0335900 844:-0.0328503 \
        857:-0.0698830 897:-0.0698830 918:0.2706557 920:0.0328503 922:0.0324977 939:0.0328503 \
        940:-0.0609549 955:-0.0590619 956:0.1828646 973:0.0520877 976:-0.0590619 979:-0.0335900 \
        992:-0.0454582 994:0.0609549 996:-0.0324977 1009:-0.0324977 1030:-0.0559179 1064:-0.1574718 \
        1069:-0.0559179 1080:0.2165689 1092:-0.0559179 1096:-0.0324977 1114:-0.0454582 \
        1119:0.0590619 1124:0.0559179 1125:-0.1111496 1127:-0.0559179 1158:0.0609549 1166:-0.0328503 \
        1181:-0.1104947 1188:-0.0454582 1200:0.0559179 1207:-0.0520877 1209:0.0335900 \
        1214:-0.0520877 1218:0.0849380 1228:0.0520877 1229:0.0660877 1231:-0.0328503 1247:-0.0328503 \
        1250:-0.0328503 1257:0.0698830 1258:-0.0520877 1262:-0.0559179 1269:0.0590619 1284:0.0324977 \
        1293:-0.0559179 1298:0.0520877 1304:-0.0698830 1309:-0.0328503 1316:-0.0335900 \
        1324:0.0324977 1332:-0.0328503 1346:-0.0590619 1351:-0.0590619 1364:-0.0520877 \
        1372:-0.0273649 1376:-0.0520877 1388:0.0590619 1390:0.1609328 1394:0.0335900 1396:-0.0609549 \
        1401:-0.0698830 1403:-0.0328503 1411:0.0698830 1419:-0.0335900 1422:0.0590619 1430:0.0609549 \
        1442:-0.0559179 1448:0.0698830 1460:0.1104947 1464:0.0698830 1481:-0.0520877 1518:-0.0324977 \
        1519:-0.1104947 1524:-0.0335900 1535:-0.0324977
        """

    @Test("a batch gives the same vectors as one text at a time, in order, on several threads")
    func batchMatchesSingle() {
        // Over 64 kB in all, so that the batch is split between workers.
        let texts = (0..<300).map { index in
            "Document \(index): " + String(repeating: "chunk \(index * 7919 % 1000) of the knowledge base, ", count: 20)
        }
        let batch = embedder.embed(texts)
        #expect(batch.count == texts.count)
        for (index, text) in texts.enumerated() {
            #expect(Self.checksum(batch[index]) == Self.checksum(embedder.embed(text)), "text \(index)")
        }
        #expect(embedder.embed([String]()).isEmpty)
    }

    @Test("a paraphrased question ranks the document that answers it first")
    func paraphraseRanking() {
        let documents = [
            "To reset a forgotten password, open Settings, choose Account and follow the link we email to you.",
            "Invoices are issued on the first business day of every month and can be downloaded from the billing page.",
            "The office is closed on public holidays, but the support line stays open for urgent incidents.",
            "Releases are deployed by building the container image, pushing it to the registry and running the job.",
            "Our retention policy keeps backups for ninety days before they are deleted automatically.",
        ]
        let questions = [
            ("I forgot my password; how can I reset it?", 0),
            ("When am I billed, and where do I download my monthly invoice?", 1),
            ("Is anybody answering support calls during holidays?", 2),
            ("How do we deploy a new release?", 3),
            ("How long are backups retained?", 4),
        ]
        let vectors = embedder.embed(documents)
        for (question, answer) in questions {
            let query = embedder.embed(question)
            let scores = vectors.map { Self.dot(query, $0) }
            let best = scores.indices.max { scores[$0] < scores[$1] }
            #expect(best == answer, "\(question): \(scores)")
        }
    }

    @Test("spelling variants, inflections and accents still match")
    func variants() {
        let target = embedder.embed("retrieval of pluripotent stem cells")
        let typo = embedder.embed("retreival of pluripotency in stem-cell lines")
        let unrelated = embedder.embed("quarterly revenue of the retail division")
        #expect(Self.dot(target, typo) > 0.3)
        #expect(Self.dot(target, typo) > Self.dot(target, unrelated) + 0.2)
        #expect(Self.checksum(embedder.embed("CAFÉ CRÈME")) == Self.checksum(embedder.embed("cafe creme")))
    }

    @Test("a text without words embeds to the unit vector of the first axis")
    func emptyText() {
        for text in ["", "   \n\t", "... !!! — “” ¿?"] {
            let vector = embedder.embed(text)
            #expect(vector.count == 1536)
            #expect(vector[0] == 1)
            #expect(vector.dropFirst().allSatisfy { $0 == 0 })
        }
        #expect(LocalEmbedder(dimensions: 8).embed(" ") == [1, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("a text of stopwords alone still gets a vector of its own")
    func stopwordsOnly() {
        let hamlet = embedder.embed("To be, or not to be")
        #expect(hamlet != embedder.embed(""))
        #expect(abs(Self.norm(hamlet) - 1) < 1e-5)
        #expect(Self.dot(hamlet, embedder.embed("to be or not to be")) > 0.999)
        #expect(Self.dot(hamlet, embedder.embed("what is there")) < 0.5)
    }

    @Test("a very long text is embedded whole and stays close to its own content")
    func veryLongText() {
        let paragraph = "Ingestion streams archives through libarchive and chunks every document by headings. "
        var long = ""
        for index in 0..<60_000 { long += index % 100 == 0 ? "Section \(index) about pgvector indexes. " : paragraph }
        long += String(repeating: "x", count: 10_000)  // one enormous word, cut into pieces
        #expect(long.utf8.count > 5_000_000)
        let vector = embedder.embed(long)
        #expect(abs(Self.norm(vector) - 1) < 1e-5)
        #expect(Self.dot(vector, embedder.embed(paragraph)) > 0.4)
        #expect(Self.dot(vector, embedder.embed("a recipe for lemon cake")) < 0.1)
        // The last word, five megabytes in, still counts.
        #expect(Self.checksum(embedder.embed(long + " zanzibar")) != Self.checksum(vector))
    }

    @Test("tokenize gives the normalised terms the embedder uses")
    func tokenize() {
        let text = "The Cells were INCREASING rapidly, said the Café's owner; p53 — ΔNp63."
        #expect(
            LocalEmbedder.tokenize(text) == ["cell", "increas", "rapid", "said", "cafe", "s", "owner", "p53", "δnp63"])
        #expect(
            LocalEmbedder.tokenize(text, stemming: false)
                == ["cells", "increasing", "rapidly", "said", "cafe", "s", "owner", "p53", "δnp63"])
        #expect(LocalEmbedder.tokenize("To be or not", droppingStopwords: false) == ["to", "be", "or", "not"])
        #expect(LocalEmbedder.tokenize("").isEmpty)
    }

    @Test("joinedTerms is tokenize joined by spaces, on every fixture document")
    func joinedTerms() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../fixtures/docs")
        var texts = ["", "the of and", "The Cells were INCREASING rapidly, said the Café's owner; p53 — ΔNp63.",
                     "日本語のテキスト 😀 emoji, ΑΘΗΝΑ, Москва, straße", String(repeating: "x", count: 200)]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            texts.append(String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self))
        }
        #expect(texts.count > 10)
        for text in texts {
            #expect(LocalEmbedder.joinedTerms(text) == LocalEmbedder.tokenize(text).joined(separator: " "))
        }
    }
}
