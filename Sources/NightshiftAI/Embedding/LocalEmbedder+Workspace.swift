extension LocalEmbedder {
    /// The reusable buffers of one embedding thread: word counts, their bytes, stems and the vector being summed.
    ///
    /// Not thread-safe by design: one thread at a time uses it (the embedder lends each worker its own from a
    /// `ReusePool`, hence the unchecked `Sendable`). Buffers are raw memory owned by this object (freed in `deinit`)
    /// because the per-word loops are the embedder's whole cost and array copy-on-write checks there would double
    /// it; they only grow, to the largest text seen.
    final class Workspace: @unchecked Sendable {
        private var state: State

        /// A workspace for `dimensions`-component vectors.
        init(dimensions: Int) {
            state = State(dimensions: dimensions)
        }

        deinit { state.deallocate() }

        /// The embedding of UTF-8 text (see `LocalEmbedder` for the algorithm).
        func embed(_ text: UnsafeBufferPointer<UInt8>) -> [Float] {
            // Working on a local copy of the state (a few pointers and counters) keeps every access statically
            // checked; the class's own stored properties would pay a runtime exclusivity check per word.
            var local = state
            defer { state = local }
            return local.embed(text)
        }
    }

    /// The buffers and counters of a workspace, as a value whose methods the hot loops call.
    struct State {
        /// One distinct normalised word of the current text.
        struct Surface {
            var hash: UInt64
            var count: Int32
            var length: Int32
            var start: Int
            var slot: Int
            var stemHash: UInt64 = 0
            var rarity: UInt8 = 0
            var isStopword = false
        }

        /// Remembered classifications: a direct-mapped table on the word's hash, 768 kB (a run's common vocabulary
        /// fits; a slot taken by another word is overwritten).
        static let memoSlots = 32768

        /// A remembered classification of a word, valid across texts (it depends on the word alone).
        struct Memo {
            var hash: UInt64 = 0
            var stemHash: UInt64 = 0
            var rarity: UInt8 = 0
            var isStopword = false
            var isValid = false
        }

        let dimensions: Int
        private let lexicon = EnglishLexicon.shared
        private let fold: UnsafeMutableBufferPointer<(UInt8, UInt8)>
        private let sums: UnsafeMutablePointer<Double>
        private var surfaces: UnsafeMutablePointer<Surface>
        private var surfaceCount = 0
        private var surfaceCapacity = 512
        private var bytes: UnsafeMutablePointer<UInt8>
        private var byteCount = 0
        private var byteCapacity = 8192
        /// Open addressing from a word's hash to its index in `surfaces` (−1: empty).
        private var slots: UnsafeMutablePointer<Int32>
        private var slotMask = 2047
        /// Open addressing from a stem's hash to its total count in the text (key 0: empty).
        private var stemKeys: UnsafeMutablePointer<UInt64>
        private var stemTotals: UnsafeMutablePointer<Int32>
        private var stemSlotsUsed: UnsafeMutablePointer<Int>
        private var stemSlotsUsedCount = 0
        private let memo: UnsafeMutablePointer<Memo>
        private let memoMask: Int
        private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: WordScanner.scratchCapacity + 2)

        init(dimensions: Int) {
            self.dimensions = dimensions
            fold = .allocate(capacity: WordScanner.latin1Fold.count)
            _ = fold.initialize(from: WordScanner.latin1Fold)
            sums = .allocate(capacity: dimensions)
            sums.initialize(repeating: 0, count: dimensions)
            surfaces = .allocate(capacity: surfaceCapacity)
            bytes = .allocate(capacity: byteCapacity)
            slots = .allocate(capacity: slotMask + 1)
            slots.initialize(repeating: -1, count: slotMask + 1)
            stemKeys = .allocate(capacity: slotMask + 1)
            stemKeys.initialize(repeating: 0, count: slotMask + 1)
            stemTotals = .allocate(capacity: slotMask + 1)
            stemTotals.initialize(repeating: 0, count: slotMask + 1)
            stemSlotsUsed = .allocate(capacity: slotMask + 1)
            memoMask = State.memoSlots - 1
            memo = .allocate(capacity: memoMask + 1)
            memo.initialize(repeating: Memo(), count: memoMask + 1)
        }

        func deallocate() {
            fold.deallocate()
            sums.deallocate()
            surfaces.deallocate()
            bytes.deallocate()
            slots.deallocate()
            stemKeys.deallocate()
            stemTotals.deallocate()
            stemSlotsUsed.deallocate()
            memo.deallocate()
            scratch.deallocate()
        }

        /// The embedding of UTF-8 text; leaves the buffers empty for the next one.
        mutating func embed(_ text: UnsafeBufferPointer<UInt8>) -> [Float] {
            countWords(text)
            defer { reset() }
            guard surfaceCount > 0 else { return LocalEmbedder.emptyVector(dimensions: dimensions) }

            var contentWords = 0
            for index in 0..<surfaceCount {
                classify(&surfaces[index])
                if !surfaces[index].isStopword { contentWords += 1 }
            }
            // A text of stopwords alone ("to be or not to be") still deserves a vector of its own.
            let keepStopwords = contentWords == 0
            for index in 0..<surfaceCount where keepStopwords || !surfaces[index].isStopword {
                addStemCount(surfaces[index].stemHash, surfaces[index].count)
            }
            for index in 0..<surfaceCount where keepStopwords || !surfaces[index].isStopword {
                addFeatures(of: surfaces[index])
            }
            return normalised()
        }

        /// Pass 1: distinct words and their counts, bytes copied once per distinct word.
        private mutating func countWords(_ text: UnsafeBufferPointer<UInt8>) {
            WordScanner.forEachWord(in: text, scratch: scratch, fold: UnsafeBufferPointer(fold)) { word, hash in
                var slot = State.slot(hash) & slotMask
                while true {
                    let index = Int(slots[slot])
                    if index < 0 { break }
                    if surfaces[index].hash == hash {
                        surfaces[index].count += 1
                        return
                    }
                    slot = (slot + 1) & slotMask
                }
                if surfaceCount == surfaceCapacity { growSurfaces() }
                if byteCount + word.count > byteCapacity { growBytes(byteCount + word.count) }
                if let source = word.baseAddress { (bytes + byteCount).update(from: source, count: word.count) }
                slots[slot] = Int32(surfaceCount)
                surfaces[surfaceCount] = Surface(
                    hash: hash, count: 1, length: Int32(word.count), start: byteCount, slot: slot)
                surfaceCount += 1
                byteCount += word.count
                if surfaceCount * 2 > slotMask + 1 { growSlots() }
            }
        }

        /// Stopword flag, stem hash and rarity of a distinct word, remembered across texts.
        @inline(__always)
        private func classify(_ surface: inout Surface) {
            let cached = memo + (State.slot(surface.hash) & memoMask)
            if cached.pointee.isValid && cached.pointee.hash == surface.hash {
                surface.stemHash = cached.pointee.stemHash
                surface.rarity = cached.pointee.rarity
                surface.isStopword = cached.pointee.isStopword
                return
            }
            let word = UnsafeBufferPointer(start: bytes + surface.start, count: Int(surface.length))
            let stemLength = LightStemmer.stem(word, into: scratch)
            surface.stemHash = FeatureHashing.fnv1a(UnsafeBufferPointer(start: scratch, count: stemLength))
            surface.rarity = LocalEmbedder.rarity(of: word, stemHash: surface.stemHash, lexicon: lexicon)
            surface.isStopword = lexicon.isStopword(surfaceHash: surface.hash)
            cached.pointee = Memo(
                hash: surface.hash, stemHash: surface.stemHash, rarity: surface.rarity,
                isStopword: surface.isStopword, isValid: true)
        }

        private mutating func addStemCount(_ stemHash: UInt64, _ count: Int32) {
            let key = stemHash == 0 ? 1 : stemHash
            var slot = State.slot(key) & slotMask
            while stemKeys[slot] != 0 && stemKeys[slot] != key { slot = (slot + 1) & slotMask }
            if stemKeys[slot] == 0 {
                stemKeys[slot] = key
                stemSlotsUsed[stemSlotsUsedCount] = slot
                stemSlotsUsedCount += 1
            }
            stemTotals[slot] += count
        }

        private func stemCount(_ stemHash: UInt64) -> Int32 {
            let key = stemHash == 0 ? 1 : stemHash
            var slot = State.slot(key) & slotMask
            while stemKeys[slot] != key { slot = (slot + 1) & slotMask }
            return stemTotals[slot]
        }

        /// The word feature (keyed by stem) and, for informative words, the character n-grams of the surface form.
        @inline(__always)
        private func addFeatures(of surface: Surface) {
            let stemTotal = Int(stemCount(surface.stemHash))
            // Sublinear term frequency per stem, shared among the stem's spellings by their counts.
            let weight =
                LocalEmbedder.termFrequencyWeight(stemTotal) * LocalEmbedder.rarityWeight(surface.rarity)
                * Double(surface.count) / Double(stemTotal)
            add(FeatureHashing.mix(surface.stemHash ^ FeatureHashing.wordSeed), weight)
            guard surface.rarity >= LocalEmbedder.minimumGramRarity else { return }

            // "<word>" with boundary marks, so that prefixes and suffixes are features of their own. Every word here
            // has at least two bytes (one-character words are never this rare), so there are at least two 3-grams.
            let length = Int(surface.length) + 2
            scratch[0] = UInt8(ascii: "<")
            (scratch + 1).update(from: bytes + surface.start, count: Int(surface.length))
            scratch[length - 1] = UInt8(ascii: ">")
            let grams = max(0, length - 2) + max(0, length - 3) + max(0, length - 4)
            let gramWeight = weight * LocalEmbedder.gramShare / Double(grams).squareRoot()
            let negative = -gramWeight
            let dimensions = UInt64(dimensions)
            let seed = FeatureHashing.gramSeed
            for start in 0..<length {
                let available = length - start
                guard available >= 3 else { break }
                var packed = UInt64(scratch[start]) | UInt64(scratch[start + 1]) << 8 | UInt64(scratch[start + 2]) << 16
                var hash = FeatureHashing.mix((packed | 3 << 56) ^ seed)
                sums[Int(truncatingIfNeeded: ((hash & 0xffff_ffff) &* dimensions) >> 32)] +=
                    hash >> 63 == 1 ? gramWeight : negative
                guard available >= 4 else { continue }
                packed |= UInt64(scratch[start + 3]) << 24
                hash = FeatureHashing.mix((packed | 4 << 56) ^ seed)
                sums[Int(truncatingIfNeeded: ((hash & 0xffff_ffff) &* dimensions) >> 32)] +=
                    hash >> 63 == 1 ? gramWeight : negative
                guard available >= 5 else { continue }
                packed |= UInt64(scratch[start + 4]) << 32
                hash = FeatureHashing.mix((packed | 5 << 56) ^ seed)
                sums[Int(truncatingIfNeeded: ((hash & 0xffff_ffff) &* dimensions) >> 32)] +=
                    hash >> 63 == 1 ? gramWeight : negative
            }
        }

        /// Signed feature hashing: the low half of the hash picks the dimension, the top bit the sign.
        @inline(__always)
        private func add(_ hash: UInt64, _ weight: Double) {
            let dimension = Int(truncatingIfNeeded: ((hash & 0xffff_ffff) &* UInt64(dimensions)) >> 32)
            sums[dimension] += hash >> 63 == 1 ? weight : -weight
        }

        /// A table slot from an FNV-1a hash, folding its better-mixed high bits into the low ones.
        @inline(__always)
        private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash ^ (hash >> 29)) }

        private func normalised() -> [Float] {
            var squares = 0.0
            for index in 0..<dimensions { squares += sums[index] * sums[index] }
            guard squares > 0 else { return LocalEmbedder.emptyVector(dimensions: dimensions) }
            let scale = 1 / squares.squareRoot()
            return [Float](unsafeUninitializedCapacity: dimensions) { output, initialized in
                for index in 0..<dimensions { output[index] = Float(sums[index] * scale) }
                initialized = dimensions
            }
        }

        private mutating func reset() {
            for index in 0..<surfaceCount { slots[surfaces[index].slot] = -1 }
            for index in 0..<stemSlotsUsedCount {
                stemKeys[stemSlotsUsed[index]] = 0
                stemTotals[stemSlotsUsed[index]] = 0
            }
            sums.update(repeating: 0, count: dimensions)
            surfaceCount = 0
            byteCount = 0
            stemSlotsUsedCount = 0
        }

        private mutating func growSurfaces() {
            let grown = UnsafeMutablePointer<Surface>.allocate(capacity: surfaceCapacity * 2)
            grown.moveInitialize(from: surfaces, count: surfaceCount)
            surfaces.deallocate()
            surfaces = grown
            surfaceCapacity *= 2
        }

        private mutating func growBytes(_ needed: Int) {
            var capacity = byteCapacity * 2
            while capacity < needed { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: bytes, count: byteCount)
            bytes.deallocate()
            bytes = grown
            byteCapacity = capacity
        }

        /// Doubles the word and stem tables (called in pass 1, while the stem table is still empty).
        private mutating func growSlots() {
            let size = (slotMask + 1) * 2
            slots.deallocate()
            stemKeys.deallocate()
            stemTotals.deallocate()
            stemSlotsUsed.deallocate()
            slots = .allocate(capacity: size)
            slots.initialize(repeating: -1, count: size)
            stemKeys = .allocate(capacity: size)
            stemKeys.initialize(repeating: 0, count: size)
            stemTotals = .allocate(capacity: size)
            stemTotals.initialize(repeating: 0, count: size)
            stemSlotsUsed = .allocate(capacity: size)
            slotMask = size - 1
            for index in 0..<surfaceCount {
                var slot = State.slot(surfaces[index].hash) & slotMask
                while slots[slot] >= 0 { slot = (slot + 1) & slotMask }
                slots[slot] = Int32(index)
                surfaces[index].slot = slot
            }
        }
    }
}
