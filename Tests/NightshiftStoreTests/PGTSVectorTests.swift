import Foundation
import NightshiftCore
import Testing

@testable import NightshiftStore

/// The binary tsvector Nightshift writes, against a plain reference: group the terms, sort them by bytes.
/// (`PostgresPostingsTests` compares it with PostgreSQL's own `to_tsvector('simple', …)` on real chunks.)
@Suite("tsvectors built from search terms")
struct PGTSVectorTests {
    /// What `to_tsvector('simple', terms)` holds: each distinct term with the positions of its occurrences,
    /// lexemes in byte order (a prefix before its extensions).
    static func reference(_ terms: [String]) -> [PGTSVector.Entry] {
        var positions: [[UInt8]: [UInt16]] = [:]
        for (index, term) in terms.filter({ !$0.isEmpty }).enumerated() {
            let capped = UInt16(min(index + 1, Int(PGTSVector.maxPosition)))
            var list = positions[Array(term.utf8), default: []]
            if list.count < PGTSVector.maxPositions && list.last != capped { list.append(capped) }
            positions[Array(term.utf8)] = list
        }
        return positions.keys.sorted { $0.lexicographicallyPrecedes($1) }.map {
            PGTSVector.Entry(lexeme: $0, positions: positions[$0] ?? [])
        }
    }

    @Test("lexemes sorted by bytes with their positions, for term lists short and long, with shared prefixes")
    func sortedLexemes() {
        // Stems sharing 8 or more bytes (ties on the number the sort compares first), prefixes of each other,
        // non-ASCII bytes (above 0x7f: unsigned order), and random ones.
        let stems = [
            "internationalization", "internationalize", "internation", "internat", "intern", "inter", "in",
            "representation", "representative", "represent", "abc", "abcdefgh", "abcdefghi", "abcdefgg", "zzz",
            "élan", "éla", "zoë", "ζωή", "жизнь", "a", "b", "0", "9lives", "covid19",
        ]
        var random = SeededRandom(seed: 23)
        var cases: [[String]] = [[], ["only"], ["b", "a"], stems, stems.reversed()]
        for size in [3, 15, 16, 17, 40, 200, 1000, 20000] {
            cases.append((0..<size).map { _ in
                if random.next() % 3 == 0 { return stems[Int(random.next() % UInt64(stems.count))] }
                let length = 1 + Int(random.next() % 12)
                return String((0..<length).map { _ in Character(UnicodeScalar(UInt8(97 + random.next() % 4))) })
            })
        }
        // Already sorted and all equal: the inputs that make a naive quicksort quadratic.
        cases.append((0..<500).map { String(format: "term%05d", $0) })
        cases.append(Array(repeating: "same", count: 300))
        for terms in cases {
            let vector = PGTSVector(terms: terms.joined(separator: " "))
            #expect(vector.entries == Self.reference(terms), "\(terms.count) terms: \(terms.prefix(6))")
        }
    }
}
