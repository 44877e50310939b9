#if canImport(Glibc)
    import Glibc
#endif

/// Makes glibc give blocks of 1 MiB and more back to the system when they are freed, for the rest of the process.
///
/// glibc serves a block above its mmap threshold with its own mapping, unmapped when freed; but the threshold
/// starts at 128 KiB and rises to the size of each such block freed, up to 32 MiB, after which a large document's
/// text, chunk arrays and vectors come from the heap, whose freed pages stay in the process between documents. A run
/// over documents of ~16 MB measured 300 MB of peak RSS with the rising threshold and 234 MB with it fixed at
/// 1 MiB (docs/ingestion-limits.md). Elsewhere (macOS, musl) this does nothing.
enum LargeAllocations {
    /// Fixes the threshold at 1 MiB; idempotent.
    static func returnToSystemWhenFreed() {
        #if canImport(Glibc)
            _ = once
        #endif
    }

    #if canImport(Glibc)
        /// `mallopt(M_MMAP_THRESHOLD, 1 MiB)`, found at run time (`<malloc.h>` is not in Swift's Glibc module).
        private static let once: Void = {
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
        }()
    #endif
}
