import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore

/// `nightshift bench ingest`: a synthetic corpus (Markdown and HTML, deterministic prose) and the throughput of
/// each stage — extract, chunk, embed — then end-to-end ingestion into a store, and a nightly rerun after 1 % of
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

    static let words: [String] = """
        the patient therapist session booking appointment schedule cancel policy privacy data note record insurance \
        invoice payment clinic online video room anxiety depression sleep stress mood journal exercise breathing plan \
        goal progress report week month year treatment referral doctor licence training support account profile \
        settings language english hindi reminder notification calendar slot waiting list confirm reschedule fee \
        minutes hours days after before during with without about under over between through against because while \
        and or but if when where which who how what why a an of to in for on at by from is are was were be been has \
        have had will would can could should may might must it they we you he she this that these those there here
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    /// Writes the corpus into `folder`; returns its size in bytes.
    public func generate(into folder: URL) throws -> Int {
        var total = 0
        for index in 0..<documents {
            let (name, data) = document(index, revision: 0)
            try data.write(to: folder.appendingPathComponent(name))
            total += data.count
        }
        return total
    }

    /// Document `index` (Markdown, every fifth HTML), ~documentKilobytes long; `revision` changes its last paragraph.
    public func document(_ index: Int, revision: Int) -> (String, Data) {
        var random = BenchRandom(seed: seed &+ UInt64(index) &* 1_000_003)
        var text = ""
        let html = index % 5 == 0
        let target = documentKilobytes * 1024
        var section = 0
        text += html ? "<html><head><title>Note \(index)</title></head><body><nav><a href='/'>Home</a></nav><main>" : "# Note \(index)\n\n"
        while text.utf8.count < target {
            section += 1
            text += html ? "<h2>Section \(section)</h2>" : "## Section \(section)\n\n"
            for _ in 0..<3 {
                var sentence: [String] = []
                for _ in 0..<(40 + Int(random.next() % 40)) {
                    sentence.append(Self.words[Int(random.next() % UInt64(Self.words.count))])
                }
                let paragraph = sentence.joined(separator: " ").capitalizedFirst + "."
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
