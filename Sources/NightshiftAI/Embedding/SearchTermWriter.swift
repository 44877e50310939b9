/// Writes texts' search terms, `LocalEmbedder.joinedTerms(_:)` exactly, remembering each word's verdict (stopword,
/// or its stem) across the texts it is given: the terms ingestion stores with every chunk.
///
/// A chunk's words are mostly words its document, and the chunks before it, already had: looking the normalised
/// word up by its hash replaces the stopword lookup and the stemmer for all but the first occurrence. The memo is
/// direct-mapped on the word's 64-bit hash (as the embedder's own memo is); a slot taken by another word is simply
/// overwritten.
///
/// Not thread-safe: give each thread its own (ingestion lends one to each worker from a pool kept for the run).
public final class SearchTermWriter {
    private struct Verdict {
        var hash: UInt64 = 0
        var offset: Int32 = 0
        var length: Int32 = 0
        /// 0 unknown, 1 stopword, 2 term (its stem at `offset` in the arena).
        var kind: UInt8 = 0
    }

    private let lexicon = EnglishLexicon.shared
    private let memo: UnsafeMutablePointer<Verdict>
    private let memoMask: Int
    private let arena: UnsafeMutablePointer<UInt8>
    private let arenaCapacity: Int
    private var arenaUsed = 0
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: WordScanner.scratchCapacity + 1)
    /// The bytes of the terms being written, kept from call to call (it grows to the longest text seen).
    private var output = Output(capacity: 4096)
    private let fold: UnsafeMutableBufferPointer<(UInt8, UInt8)>

    /// A writer whose memo has `memoSlots` entries (rounded up to a power of two) and keeps up to `arenaBytes` of
    /// stems before starting afresh.
    public init(memoSlots: Int = 32768, arenaBytes: Int = 1 << 18) {
        var slots = 1
        while slots < max(1, memoSlots) { slots <<= 1 }
        memoMask = slots - 1
        memo = .allocate(capacity: slots)
        memo.initialize(repeating: Verdict(), count: slots)
        arenaCapacity = max(arenaBytes, WordScanner.scratchCapacity + 1)
        arena = .allocate(capacity: arenaCapacity)
        fold = .allocate(capacity: WordScanner.latin1Fold.count)
        _ = fold.initialize(from: WordScanner.latin1Fold)
    }

    deinit {
        memo.deallocate()
        arena.deallocate()
        scratch.deallocate()
        fold.deallocate()
        output.storage.deallocate()
    }

    /// `LocalEmbedder.joinedTerms(text)` and its number of terms.
    public func joined(_ text: String) -> (terms: String, count: Int) {
        joined(headingPath: [], text: text)
    }

    /// The terms of a chunk as ingestion indexes it: `joined((headingPath + [text]).joined(separator: " "))`,
    /// without building that string.
    public func joined(headingPath: [String], text: String) -> (terms: String, count: Int) {
        // The writer's buffer, reused from call to call (moved out while in use: one exclusivity check per call).
        var output = self.output
        output.count = 0
        output.terms = 0
        defer { self.output = output }
        for heading in headingPath { write(heading, to: &output) }
        write(text, to: &output)
        let terms = String(unsafeUninitializedCapacity: output.count) { buffer in  // validated (and repaired) as UTF-8
            _ = buffer.initialize(fromContentsOf: UnsafeBufferPointer(start: output.storage, count: output.count))
            return output.count
        }
        return (terms, output.terms)
    }

    /// The terms being written: their bytes (space-separated) and how many.
    private struct Output {
        var storage: UnsafeMutablePointer<UInt8>
        var capacity: Int
        var count = 0
        var terms = 0

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            storage = .allocate(capacity: self.capacity)
        }

        @inline(__always)
        mutating func append(_ term: UnsafePointer<UInt8>, length: Int) {
            if count + length + 1 > capacity {
                let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + length + 1))
                grown.update(from: storage, count: count)
                storage.deallocate()
                storage = grown
                capacity = max(capacity * 2, count + length + 1)
            }
            if terms > 0 {
                storage[count] = UInt8(ascii: " ")
                count += 1
            }
            (storage + count).update(from: term, count: length)
            count += length
            terms += 1
        }
    }

    private func write(_ text: String, to output: inout Output) {
        var text = text
        text.withUTF8 { bytes in
            WordScanner.forEachWord(in: bytes, scratch: scratch, fold: UnsafeBufferPointer(fold)) { word, hash in
                let verdict = self.verdict(word, hash)
                guard verdict.kind == 2 else { return }
                output.append(arena + Int(verdict.offset), length: Int(verdict.length))
            }
        }
    }

    @inline(__always)
    private func verdict(_ word: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> Verdict {
        let slot = memo + (Int(truncatingIfNeeded: hash ^ (hash >> 31)) & memoMask)
        if slot.pointee.kind != 0 && slot.pointee.hash == hash { return slot.pointee }
        var verdict = Verdict(hash: hash)
        if lexicon.isStopword(surfaceHash: hash) {
            verdict.kind = 1
        } else {
            if arenaUsed + word.count + 1 > arenaCapacity {
                // Full: forget every stem (the memo's entries point into the arena) and start again.
                memo.update(repeating: Verdict(), count: memoMask + 1)
                arenaUsed = 0
            }
            let length = LightStemmer.stem(word, into: arena + arenaUsed)
            verdict = Verdict(hash: hash, offset: Int32(arenaUsed), length: Int32(length), kind: 2)
            arenaUsed += length
        }
        slot.pointee = verdict
        return verdict
    }
}
