import Dispatch
import Foundation
import NightshiftCore
import Synchronization

/// Nightshift's offline default embedder (`local`): deterministic hashed word and subword features, built for
/// retrieval, with no model files and no network.
///
/// The algorithm, per text:
///
/// 1. **Words.** The UTF-8 bytes are cut into words and normalised (lower case, Latin-1 accents folded; see
///    `WordScanner`). Stopwords are dropped unless the text has nothing else.
/// 2. **Terms and weights.** Each word is reduced by a light stemmer (`LightStemmer`). A stem's weight is a
///    sublinear term frequency, `1 + ln(count)`, times a static prior standing in for inverse document frequency:
///    `r^0.75`, where `r` is the word's rarity in general English (`EnglishLexicon`: `ln(total/count)` over Google
///    Books counts; about 3 for `the`, 8.5 for `cell`, 17.5 for a word the list does not have; bare numbers count 8
///    and one-character words 4).
/// 3. **Subwords.** Words at least as rare as `cell` also contribute the character 3-, 4- and 5-grams of
///    `<word>` (boundary marks included), sharing the word's weight spread over its n-grams (`1/√n` each, so their
///    total weight equals the word's). They connect spelling variants, inflections the stemmer leaves apart,
///    compounds and typos (`pluripotency` ~ `pluripotent`).
/// 4. **Vector.** Every feature is hashed (FNV-1a, then MurmurHash3's finaliser; stem and n-gram features in
///    separate namespaces) to one of `dimensions` axes with a hash-chosen sign, which makes collisions cancel in
///    expectation instead of piling up. The sum is L2-normalised, so cosine similarity is a dot product.
///
/// The same text gives the same vector, bit for bit, on every machine: fixed hashes, no `Hasher`, no platform
/// maths library (`FeatureHashing.log` is computed from basic operations). A text with no words (empty, blank or
/// punctuation only) embeds to the unit vector along the first axis: normalised like any other, equal for all such
/// texts, and nearly orthogonal to real texts, so no caller ever divides by a zero norm.
///
/// Why these choices: a stateless embedder cannot know corpus document frequencies (and a vector must not change
/// when other documents arrive), so general-English rarity stands in for IDF; the exponent 0.75 applies on both
/// sides of the dot product, so a shared term scores with rarity^1.5. Signed hashing keeps collision noise unbiased;
/// at 1,536 dimensions that noise costs about 0.03 nDCG@10 against exact sparse vectors, the price of the column.
///
/// Measured on BEIR SciFact (weights chosen on its 809 training queries only): nDCG@10 0.626 on the training and
/// 0.621 on the 300 test queries (BM25 0.660); fused with BM25 over `tokenize(_:)` terms, 0.68–0.69 on the test
/// queries. Speed, one core: about 100 MB/s on general prose, 50 MB/s on scientific abstracts (rare words bring
/// n-grams). See the SciFact evaluation and benchmark tests (`NIGHTSHIFT_SCIFACT`, `NIGHTSHIFT_BENCH=1`).
public struct LocalEmbedder: Sendable {
    /// The vector size used by Nightshift's `agent_memory.embedding vector(1536)` column.
    public static let defaultDimensions = 1536
    /// The algorithm's version; bumped whenever any vector could change.
    public static let algorithmVersion = 1

    /// The number of components of every vector this embedder returns.
    public let dimensions: Int

    /// Workspaces kept between calls (shared by copies of this value): their memo of word classifications stays
    /// warm across the batches of a run and the queries of a server, where a fresh one per batch missed on most of
    /// a batch's vocabulary.
    private let workspaces: ReusePool<Workspace>

    /// Creates an embedder of `dimensions` components (must be positive).
    public init(dimensions: Int = LocalEmbedder.defaultDimensions) {
        precondition(dimensions > 0, "LocalEmbedder needs a positive number of dimensions")
        self.dimensions = dimensions
        workspaces = ReusePool(capacity: LocalEmbedder.workerCount) { Workspace(dimensions: dimensions) }
    }

    /// The model name recorded with each vector: `local-hash-v1`, with `-<dimensions>` appended when not 1536.
    ///
    /// Vectors of different names are not comparable; a search never mixes them.
    public var model: String {
        let base = "local-hash-v\(LocalEmbedder.algorithmVersion)"
        return dimensions == LocalEmbedder.defaultDimensions ? base : "\(base)-\(dimensions)"
    }

    /// The L2-normalised embedding of `text`.
    public func embed(_ text: String) -> [Float] {
        workspaces.borrow { LocalEmbedder.embed(text, in: $0) }
    }

    /// The embeddings of `texts`, in order, computed on all available cores for large batches.
    public func embed(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var totalBytes = 0
        for text in texts { totalBytes += text.utf8.count }
        let workers = min(LocalEmbedder.workerCount, texts.count, max(1, totalBytes / LocalEmbedder.bytesPerWorker))
        var vectors = [[Float]](repeating: [], count: texts.count)
        if workers <= 1 {
            workspaces.borrow { workspace in
                for index in texts.indices { vectors[index] = LocalEmbedder.embed(texts[index], in: workspace) }
            }
            return vectors
        }
        let workspaces = workspaces
        let shared = Mutex(vectors)
        // Each worker owns every `workers`-th text (strided, so that a batch sorted by length still splits evenly)
        // and hands its vectors over in one locked step at the end.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [(index: Int, vector: [Float])] = []
            mine.reserveCapacity(texts.count / workers + 1)
            workspaces.borrow { workspace in
                for index in stride(from: worker, to: texts.count, by: workers) {
                    mine.append((index, LocalEmbedder.embed(texts[index], in: workspace)))
                }
            }
            shared.withLock { all in
                for item in mine { all[item.index] = item.vector }
            }
        }
        return shared.withLock { $0 }
    }

    /// The normalised terms of `text` in order, as the embedder sees them: lower-cased and accent-folded words,
    /// stemmed, stopwords dropped (each option can be turned off).
    ///
    /// Meant for a full-text index that should agree with the vectors (for hybrid search).
    public static func tokenize(_ text: String, stemming: Bool = true, droppingStopwords: Bool = true) -> [String] {
        var terms: [String] = []
        forEachTerm(in: text, stemming: stemming, droppingStopwords: droppingStopwords) {
            terms.append(String(decoding: $0, as: UTF8.self))
        }
        return terms
    }

    /// `tokenize(text).joined(separator: " ")`, built in one buffer (no string per term): the search terms
    /// ingestion stores with every chunk.
    public static func joinedTerms(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        forEachTerm(in: text, stemming: true, droppingStopwords: true) { term in
            if !out.isEmpty { out.append(UInt8(ascii: " ")) }
            out.append(contentsOf: term)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Calls `body` with each term's bytes (valid only during the call).
    static func forEachTerm(
        in text: String, stemming: Bool, droppingStopwords: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var text = text
        let lexicon = EnglishLexicon.shared
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: WordScanner.scratchCapacity + 1)
        let stemmed = UnsafeMutablePointer<UInt8>.allocate(capacity: WordScanner.scratchCapacity + 1)
        defer {
            scratch.deallocate()
            stemmed.deallocate()
        }
        text.withUTF8 { bytes in
            WordScanner.latin1Fold.withUnsafeBufferPointer { fold in
                WordScanner.forEachWord(in: bytes, scratch: scratch, fold: fold) { word, hash in
                    if droppingStopwords && lexicon.isStopword(surfaceHash: hash) { return }
                    if stemming {
                        body(UnsafeBufferPointer(start: stemmed, count: LightStemmer.stem(word, into: stemmed)))
                    } else {
                        body(word)
                    }
                }
            }
        }
    }

    /// The vector of a text without words: the unit vector along the first axis.
    static func emptyVector(dimensions: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        vector[0] = 1
        return vector
    }

    private static func embed(_ text: String, in workspace: Workspace) -> [Float] {
        var text = text
        return text.withUTF8 { workspace.embed($0) }
    }

    // MARK: - Tuning (chosen on SciFact's training queries only; changing any of these changes the model version)

    /// Character n-gram lengths.
    static let gramSizes = 3...5
    /// The n-grams' total weight relative to their word's.
    static let gramShare = 1.0
    /// Words more common than this rarity (`cell` is 68) get no n-grams: their variants matter less than the noise
    /// their many n-grams would add.
    static let minimumGramRarity: UInt8 = 68
    /// Texts smaller than this per worker are embedded on one thread (thread start-up would dominate).
    static let bytesPerWorker = 64 * 1024
    static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `(rarity / 8)^0.75` for every stored rarity, from square roots only (no platform `pow`).
    static let rarityWeights: [Double] = (0...255).map { rarity in
        let value = Double(rarity) / 8
        return value.squareRoot() * value.squareRoot().squareRoot()
    }

    @inline(__always)
    static func rarityWeight(_ rarity: UInt8) -> Double { rarityWeights[Int(rarity)] }

    /// `1 + ln(count)`, tabulated for the counts most texts have.
    private static let frequencyWeights: [Double] = (0..<256).map { $0 == 0 ? 0 : 1 + FeatureHashing.log(Double($0)) }

    @inline(__always)
    static func termFrequencyWeight(_ count: Int) -> Double {
        count < frequencyWeights.count ? frequencyWeights[count] : 1 + FeatureHashing.log(Double(count))
    }

    /// The rarity of a normalised word: a class of its own for one-character words and bare numbers, else the
    /// lexicon's rarity of its stem, else the rarity of an unlisted word.
    static func rarity(of word: UnsafeBufferPointer<UInt8>, stemHash: UInt64, lexicon: EnglishLexicon) -> UInt8 {
        if let first = word.first, word.count == 1 || (first >= 0xc0 && word.count == scalarLength(lead: first)) {
            return EnglishLexicon.singleCharacterRarity
        }
        if word.allSatisfy({ $0 &- 0x30 < 10 }) { return EnglishLexicon.numberRarity }
        return lexicon.rarity(stemHash: stemHash) ?? EnglishLexicon.unknownRarity
    }

    private static func scalarLength(lead: UInt8) -> Int {
        lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2
    }
}
