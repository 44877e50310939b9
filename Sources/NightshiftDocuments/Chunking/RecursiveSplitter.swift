#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import NightshiftCore

/// LangChain's recursive splitting and merging, on the UTF-8 bytes of one text; produces byte ranges.
///
/// Mirrors `RecursiveCharacterTextSplitter._split_text` and `TextSplitter._merge_splits` with `keep_separator=True`
/// and `strip_whitespace=True`, except that a cut never falls inside a grapheme cluster: an occurrence of a
/// separator that starts or ends inside one is not a cut, and the character level cuts between clusters (LangChain
/// cuts between code points). Every piece is measured once. Pieces are found and merged as they come, and grapheme
/// clusters decoded a window at a time, so what splitting holds beyond its output is bounded whatever the text's
/// length (see `split`).
struct RecursiveSplitter {
    /// A separator level compiled to bytes.
    struct Level {
        /// Each alternative as bytes, with the number of its bytes kept before the cut.
        var patterns: [(bytes: [UInt8], keepBefore: Int)]
        var isCharacter: Bool
        /// Which first bytes can start an occurrence.
        var firstBytes: [Bool]

        init(_ separator: ChunkSeparator) {
            isCharacter = separator.isCharacterLevel
            patterns = separator.patterns.map { pattern in
                let bytes = Array(pattern.text.utf8)
                let kept = pattern.text.unicodeScalars.prefix(pattern.keepBefore).reduce(0) {
                    $0 + UTF8.width($1)
                }
                return (bytes, kept)
            }
            var first = [Bool](repeating: false, count: 256)
            for pattern in patterns where !pattern.bytes.isEmpty { first[Int(pattern.bytes[0])] = true }
            firstBytes = first
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// Token counts of ranges of `bytes` (the whole text scanned once).
    let tokens: TokenEstimator.RangeCounter
    let levels: [Level]
    let unit: ChunkingUnit
    let size: Int
    let overlap: Int
    /// Bytes decoded at a time to find grapheme clusters (the character level); any value gives the same chunks.
    let windowBytes: Int
    /// The chunks found so far, as byte ranges of `bytes`, in order.
    private(set) var output: [Range<Int>] = []

    /// The default `windowBytes`.
    static let defaultWindowBytes = 64 * 1024

    init(
        bytes: UnsafeBufferPointer<UInt8>, tokens: TokenEstimator.RangeCounter, options: ChunkingOptions,
        windowBytes: Int = RecursiveSplitter.defaultWindowBytes
    ) {
        self.bytes = bytes
        self.windowBytes = windowBytes
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
        case .characters: return Self.scalarCount(bytes, range)
        case .tokens: return tokens.count(range)
        }
    }

    /// Unicode scalars in a byte range: the bytes that do not continue a sequence (eight at a time).
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var i = range.lowerBound
        let end = range.upperBound
        var continuations = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A continuation byte is 10xxxxxx: bit 7 set and bit 6 clear.
            continuations &+= (word & ~(word << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            i &+= 8
        }
        while i < end {
            if bytes[i] & 0xC0 == 0x80 { continuations &+= 1 }
            i &+= 1
        }
        return range.count - continuations
    }

    // MARK: Splitting

    /// What a range is cut into at the level chosen for it.
    private enum Cutting {
        /// At the occurrences of this level's separators.
        case separators(Int)
        /// Between grapheme clusters.
        case clusters
        /// Not at all: no level occurs in the range.
        case none
    }

    /// `_split_text`: picks the first level that occurs in the piece, cuts there, merges the small pieces and
    /// recurses into the large ones with the levels after it.
    ///
    /// Pieces are found one at a time and merged as they come (`Merger`), so the memory this takes is a chunk's
    /// worth of pieces per level, whatever the length of the range: a text of one 200 MB line cut at its spaces
    /// never holds its millions of words at once.
    private mutating func split(_ range: Range<Int>, from first: Int) {
        var cutting = Cutting.none
        var level = first
        while level < levels.count {
            if levels[level].isCharacter {
                cutting = .clusters
                break
            }
            var probe = CutScanner(position: range.lowerBound)
            if probe.next(in: bytes, level: levels[level], end: range.upperBound) != nil {
                cutting = .separators(level)
                break
            }
            level += 1
        }
        let next: Int
        if case .separators(let chosen) = cutting { next = chosen + 1 } else { next = levels.count }
        var pieces = PieceSource(range: range, cutting: cutting, windowBytes: windowBytes)
        var merger = Merger()
        while let piece = pieces.next(in: bytes, levels: levels) {
            let pieceLength = length(piece)
            if pieceLength < size {
                merger.add(piece, length: pieceLength, into: &self)
                continue
            }
            merger.finish(into: &self)
            if next >= levels.count {
                // LangChain keeps an unsplittable piece as it is, without stripping it.
                output.append(piece)
            } else {
                split(piece, from: next)
            }
        }
        merger.finish(into: &self)
    }

    /// The pieces of a range, left to right: between a level's cuts, between grapheme clusters, or the range whole.
    private struct PieceSource {
        let end: Int
        let cutting: Cutting
        let windowBytes: Int
        var lower: Int
        var scanner: CutScanner
        var clusters = ClusterScanner()
        var finished = false

        init(range: Range<Int>, cutting: Cutting, windowBytes: Int) {
            self.end = range.upperBound
            self.cutting = cutting
            self.windowBytes = windowBytes
            self.lower = range.lowerBound
            self.scanner = CutScanner(position: range.lowerBound)
        }

        mutating func next(in bytes: UnsafeBufferPointer<UInt8>, levels: [Level]) -> Range<Int>? {
            switch cutting {
            case .none:
                guard !finished else { return nil }
                finished = true
                return lower..<end
            case .clusters:
                return clusters.next(in: bytes, from: &lower, end: end, windowBytes: windowBytes)
            case .separators(let level):
                while let cut = scanner.next(in: bytes, level: levels[level], end: end) {
                    let piece = lower..<max(lower, cut)
                    lower = cut
                    if !piece.isEmpty { return piece }
                }
                guard !finished else { return nil }
                finished = true
                return end > lower ? lower..<end : nil
            }
        }
    }

    /// Finds a level's occurrences one at a time: leftmost first, non-overlapping, at grapheme boundaries.
    struct CutScanner {
        /// Where the search goes on.
        var position: Int

        /// The next cut offset before `end`, or nil when there is none.
        mutating func next(in bytes: UnsafeBufferPointer<UInt8>, level: Level, end: Int) -> Int? {
            let single = level.patterns.count == 1 ? level.patterns[0].bytes.first : nil
            while position < end {
                if let single {
                    // One pattern: jump to its first byte with memchr.
                    guard let base = bytes.baseAddress,
                        let found = memchr(base + position, Int32(single), end - position)
                    else {
                        position = end
                        break
                    }
                    position = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                } else if !level.firstBytes[Int(bytes[position])] {
                    position &+= 1
                    continue
                }
                for p in level.patterns.indices
                where Self.matches(level.patterns[p].bytes, in: bytes, at: position, before: end) {
                    let patternEnd = position + level.patterns[p].bytes.count
                    if GraphemeBoundary.isBoundary(bytes, at: position),
                        GraphemeBoundary.isBoundary(bytes, at: patternEnd)
                    {
                        let cut = position + level.patterns[p].keepBefore
                        position = patternEnd
                        return cut
                    }
                    break
                }
                position &+= 1
            }
            return nil
        }

        @inline(__always)
        private static func matches(
            _ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at i: Int, before end: Int
        ) -> Bool {
            if pattern.isEmpty || i + pattern.count > end { return false }
            for k in 0..<pattern.count where bytes[i + k] != pattern[k] { return false }
            return true
        }
    }

    /// The grapheme clusters of a range (Swift's `Character` segmentation), decoded a window of bytes at a time.
    ///
    /// A window ends at a scalar boundary, and its last cluster is left for the next window (the scalars after the
    /// window may extend it), which starts at that cluster: segmenting from a cluster boundary gives the clusters
    /// segmenting from further back would. A cluster longer than the window widens it until one fits.
    struct ClusterScanner {
        /// Clusters of the current window not handed out yet, as byte widths.
        private var widths: [Int] = []
        private var nextWidth = 0

        mutating func next(
            in bytes: UnsafeBufferPointer<UInt8>, from lower: inout Int, end: Int, windowBytes: Int
        ) -> Range<Int>? {
            if nextWidth == widths.count {
                guard lower < end else { return nil }
                fill(bytes, from: lower, end: end, windowBytes: windowBytes)
            }
            let piece = lower..<(lower + widths[nextWidth])
            nextWidth += 1
            lower = piece.upperBound
            return piece
        }

        private mutating func fill(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, windowBytes: Int) {
            widths.removeAll(keepingCapacity: true)
            nextWidth = 0
            var window = max(windowBytes, 8)
            while true {
                var stop = end - start > window ? start + window : end
                while stop > start, stop < end, bytes[stop] & 0xC0 == 0x80 { stop -= 1 }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
                for character in text { widths.append(character.utf8.count) }
                if stop == end { return }
                if widths.count > 1 {
                    widths.removeLast()
                    return
                }
                widths.removeAll(keepingCapacity: true)
                window *= 2
            }
        }
    }

    // MARK: Merging

    /// `_merge_splits` with an empty separator, fed one piece at a time: packs consecutive pieces up to `size`,
    /// starting each next chunk with as many trailing pieces of the previous one as fit in `overlap`. Holds only
    /// the pieces of the chunk being packed.
    private struct Merger {
        private var pieces: [Range<Int>] = []
        private var lengths: [Int] = []
        /// The first piece of the chunk being packed (those before it are emitted and out of the overlap).
        private var head = 0
        private var total = 0

        mutating func add(_ piece: Range<Int>, length: Int, into splitter: inout RecursiveSplitter) {
            if total + length > splitter.size, pieces.count > head {
                splitter.emit(pieces[head].lowerBound..<pieces[pieces.count - 1].upperBound)
                while head < pieces.count
                    && (total > splitter.overlap || (total + length > splitter.size && total > 0))
                {
                    total -= lengths[head]
                    head += 1
                }
                if head >= 1024 && head * 2 >= pieces.count {
                    pieces.removeFirst(head)
                    lengths.removeFirst(head)
                    head = 0
                }
            }
            pieces.append(piece)
            lengths.append(length)
            total += length
        }

        /// Emits the chunk being packed, if any, and starts afresh.
        mutating func finish(into splitter: inout RecursiveSplitter) {
            if pieces.count > head {
                splitter.emit(pieces[head].lowerBound..<pieces[pieces.count - 1].upperBound)
            }
            pieces.removeAll(keepingCapacity: true)
            lengths.removeAll(keepingCapacity: true)
            head = 0
            total = 0
        }
    }

    /// Appends a merged chunk with surrounding whitespace removed (Python's `str.strip()`), unless nothing is left.
    fileprivate mutating func emit(_ range: Range<Int>) {
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
