#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NightshiftCore

@testable import NightshiftDocuments

/// The splitter as one pass per level over whole ranges: every level's cuts, pieces and lengths held in arrays
/// and each grapheme piece decoded whole. Memory grows with the text; kept here as the reference the streaming
/// `RecursiveSplitter` must equal.
///
/// Mirrors `RecursiveCharacterTextSplitter._split_text` and `TextSplitter._merge_splits` with `keep_separator=True`
/// and `strip_whitespace=True`, except that a cut never falls inside a grapheme cluster: an occurrence of a
/// separator that starts or ends inside one is not a cut, and the character level cuts between clusters (LangChain
/// cuts between code points). Every piece is measured once.
struct ReferenceSplitter {
    typealias Level = RecursiveSplitter.Level

    let bytes: UnsafeBufferPointer<UInt8>
    /// Token counts of ranges of `bytes` (the whole text scanned once).
    let tokens: TokenEstimator.RangeCounter
    let levels: [Level]
    let unit: ChunkingUnit
    let size: Int
    let overlap: Int
    /// The chunks found so far, as byte ranges of `bytes`, in order.
    private(set) var output: [Range<Int>] = []

    init(bytes: UnsafeBufferPointer<UInt8>, tokens: TokenEstimator.RangeCounter, options: ChunkingOptions) {
        self.bytes = bytes
        self.tokens = tokens
        self.levels = options.separators.map(Level.init)
        self.unit = options.unit
        self.size = options.size
        self.overlap = options.overlap
    }

    /// Splits the whole text.
    mutating func run() -> [Range<Int>] {
        output = []
        if !bytes.isEmpty { split(0..<bytes.count, from: 0) }
        return output
    }

    // MARK: Measuring

    /// The length of a piece in the configured unit.
    func length(_ range: Range<Int>) -> Int {
        switch unit {
        case .characters: return RecursiveSplitter.scalarCount(bytes, range)
        case .tokens: return tokens.count(range)
        }
    }

    // MARK: Splitting

    /// `_split_text`: picks the first level that occurs in the piece, cuts there, merges the small pieces and
    /// recurses into the large ones with the levels after it.
    private mutating func split(_ range: Range<Int>, from first: Int) {
        var pieces: [Range<Int>] = []
        var next = levels.count
        var chosen = false
        var level = first
        while level < levels.count {
            if levels[level].isCharacter {
                pieces = graphemeClusters(range)
                chosen = true
                break
            }
            let cuts = self.cuts(in: range, level: levels[level])
            if !cuts.isEmpty {
                var lower = range.lowerBound
                for cut in cuts {
                    if cut > lower { pieces.append(lower..<cut) }
                    lower = cut
                }
                if range.upperBound > lower { pieces.append(lower..<range.upperBound) }
                next = level + 1
                chosen = true
                break
            }
            level += 1
        }
        if !chosen { pieces = [range] }

        var good: [Range<Int>] = []
        var goodLengths: [Int] = []
        for piece in pieces {
            let pieceLength = length(piece)
            if pieceLength < size {
                good.append(piece)
                goodLengths.append(pieceLength)
                continue
            }
            if !good.isEmpty {
                merge(good, goodLengths)
                good.removeAll(keepingCapacity: true)
                goodLengths.removeAll(keepingCapacity: true)
            }
            if next >= levels.count {
                // LangChain keeps an unsplittable piece as it is, without stripping it.
                output.append(piece)
            } else {
                split(piece, from: next)
            }
        }
        if !good.isEmpty { merge(good, goodLengths) }
    }

    /// Cut offsets of a level's occurrences in a piece: leftmost first, non-overlapping, at grapheme boundaries.
    private func cuts(in range: Range<Int>, level: Level) -> [Int] {
        var cuts: [Int] = []
        var i = range.lowerBound
        let end = range.upperBound
        let single = level.patterns.count == 1 ? level.patterns[0].bytes.first : nil
        while i < end {
            if let single {
                // One pattern: jump to its first byte with memchr.
                guard let base = bytes.baseAddress,
                    let found = memchr(base + i, Int32(single), end - i)
                else { break }
                i = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            } else if !level.firstBytes[Int(bytes[i])] {
                i &+= 1
                continue
            }
            var matched = false
            for p in level.patterns.indices where matches(level.patterns[p].bytes, at: i, before: end) {
                let patternEnd = i + level.patterns[p].bytes.count
                if GraphemeBoundary.isBoundary(bytes, at: i), GraphemeBoundary.isBoundary(bytes, at: patternEnd) {
                    cuts.append(i + level.patterns[p].keepBefore)
                    i = patternEnd
                    matched = true
                }
                break
            }
            if !matched { i &+= 1 }
        }
        return cuts
    }

    @inline(__always)
    private func matches(_ pattern: [UInt8], at i: Int, before end: Int) -> Bool {
        if pattern.isEmpty || i + pattern.count > end { return false }
        for k in 0..<pattern.count where bytes[i + k] != pattern[k] { return false }
        return true
    }

    /// The grapheme clusters of a piece, as byte ranges (Swift's `Character` segmentation).
    private func graphemeClusters(_ range: Range<Int>) -> [Range<Int>] {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        var clusters: [Range<Int>] = []
        clusters.reserveCapacity(range.count)
        var lower = range.lowerBound
        for character in text {
            let width = character.utf8.count
            clusters.append(lower..<(lower + width))
            lower += width
        }
        return clusters
    }

    // MARK: Merging

    /// `_merge_splits` with an empty separator: packs consecutive pieces up to `size`, starting each next chunk
    /// with as many trailing pieces of the previous one as fit in `overlap`.
    private mutating func merge(_ pieces: [Range<Int>], _ lengths: [Int]) {
        var windowStart = 0
        var windowEnd = 0
        var total = 0
        for index in pieces.indices {
            let pieceLength = lengths[index]
            if total + pieceLength > size {
                if windowEnd > windowStart {
                    emit(pieces[windowStart].lowerBound..<pieces[windowEnd - 1].upperBound)
                    while windowStart < windowEnd && (total > overlap || (total + pieceLength > size && total > 0)) {
                        total -= lengths[windowStart]
                        windowStart += 1
                    }
                }
            }
            windowEnd = index + 1
            total += pieceLength
        }
        if windowEnd > windowStart {
            emit(pieces[windowStart].lowerBound..<pieces[windowEnd - 1].upperBound)
        }
    }

    /// Appends a merged chunk with surrounding whitespace removed (Python's `str.strip()`), unless nothing is left.
    private mutating func emit(_ range: Range<Int>) {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper {
            let (scalar, width) = GraphemeBoundary.scalar(bytes, at: lower)
            guard GraphemeBoundary.isPythonWhitespace(scalar) else { break }
            lower += width
        }
        while upper > lower {
            let (scalar, width) = GraphemeBoundary.scalar(bytes, endingAt: upper)
            guard GraphemeBoundary.isPythonWhitespace(scalar) else { break }
            upper -= width
        }
        guard lower < upper else { return }
        // A space that a combining mark extends belongs to the mark's cluster: keep it.
        if lower > range.lowerBound && !GraphemeBoundary.isBoundary(bytes, at: lower) {
            lower -= GraphemeBoundary.scalar(bytes, endingAt: lower).width
        }
        output.append(lower..<upper)
    }
}
