import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore

/// `nightshift bench ingest`: a synthetic corpus (Markdown and HTML, deterministic prose) and the throughput of
/// each stage — extract, chunk, search terms, embed — then end-to-end ingestion into a store, and a nightly rerun after 1 % of
/// the documents changed.
public struct IngestBenchmark: Sendable {
    public var documents: Int
    public var documentKilobytes: Int
    public var seed: UInt64

    public init(documents: Int, documentKilobytes: Int, seed: UInt64 = 7) {
        self.documents = documents
        self.documentKilobytes = documentKilobytes
        self.seed = seed
    }

    /// English words and their cumulative frequencies: text drawn from them follows Zipf's law like real prose, so
    /// search terms match a realistic share of the chunks.
    static let vocabulary: (words: [String], cumulative: [Double]) = {
        var words: [String] = []
        var cumulative: [Double] = []
        var total = 0.0
        for entry in EnglishWordFrequencies.all() {
            total += entry.weight
            words.append(entry.word)
            cumulative.append(total)
        }
        return (words, cumulative)
    }()

    /// A word drawn by its frequency in English.
    static func word(_ random: inout SeededRandom) -> String {
        let (words, cumulative) = vocabulary
        guard let total = cumulative.last else { return "word" }
        let target = Double(random.next() >> 11) / Double(1 << 53) * total
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return words[low]
    }

    /// Writes the corpus into `folder`; returns its size in bytes. The files are dated an hour back, as a corpus
    /// that a nightly run finds is: files modified moments before a run are read again by the next one (see
    /// `IngestJob`'s stamps), which would count against the nightly figure.
    public func generate(into folder: URL) throws -> Int {
        var total = 0
        let anHourAgo = Date().addingTimeInterval(-3600)
        for index in 0..<documents {
            let (name, data) = document(index, revision: 0)
            let path = folder.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: path)
            total += data.count
        }
        return total
    }

    /// Document `index` (Markdown, every fifth HTML), ~documentKilobytes long; `revision` changes its last paragraph.
    public func document(_ index: Int, revision: Int) -> (String, Data) {
        var random = SeededRandom(seed: seed &+ UInt64(index) &* 1_000_003)
        var text = ""
        let html = index % 5 == 0
        let target = documentKilobytes * 1024
        var section = 0
        text += html ? "<html><head><title>Note \(index)</title></head><body><nav><a href='/'>Home</a></nav><main>" : "# Note \(index)\n\n"
        while text.utf8.count < target {
            section += 1
            text += html ? "<h2>Section \(section)</h2>" : "## Section \(section)\n\n"
            for _ in 0..<3 {
                var sentences: [String] = []
                for _ in 0..<(3 + Int(random.next() % 4)) {
                    var words: [String] = []
                    for _ in 0..<(8 + Int(random.next() % 20)) { words.append(Self.word(&random)) }
                    sentences.append(words.joined(separator: " ").capitalizedFirst + ".")
                }
                let paragraph = sentences.joined(separator: " ")
                text += html ? "<p>\(paragraph)</p>" : paragraph + "\n\n"
            }
        }
        if revision > 0 { text += html ? "<p>Revision \(revision) of note \(index).</p>" : "Revision \(revision) of note \(index).\n" }
        if html { text += "</main><footer>© clinic</footer></body></html>" }
        return (String(format: "note-%06d.%@", index, html ? "html" : "md"), Data(text.utf8))
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
