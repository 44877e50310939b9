/// How much memory a build of the vector index may take (PostgreSQL's `maintenance_work_mem` for that statement).
///
/// pgvector builds an HNSW index fast only while its whole graph fits in `maintenance_work_mem`; past that it goes
/// on inserting element by element into the on-disk index, many times slower (a 500,000-chunk build ran for over
/// ten minutes at 512 MB). The graph of `halfvec(1536)` vectors at pgvector's defaults (m = 16) measured about
/// 3.3 kB a chunk; the build asks for 4 kB a chunk plus 64 MB, never less than the server's own setting and never
/// more than a limit (`NIGHTSHIFT_INDEX_MEMORY_MB`, 1,024 by default): the statement's memory is the server's,
/// and a small server must not be pushed out of memory by a big load.
public enum SearchIndexMemory {
    /// The limit when none is configured: 1 GB.
    public static let defaultLimit = 1 << 30
    /// What the graph is counted at per chunk.
    public static let bytesPerChunk = 4 * 1024
    /// Room for everything besides the graph.
    public static let base = 64 << 20

    /// The memory a build over `chunks` rows needs to keep its graph in memory.
    public static func needed(chunks: Int) -> Int {
        base + max(0, chunks) * bytesPerChunk
    }

    /// The memory to give a build over `chunks` rows: what it needs, at least `serverSetting`, at most `limit`
    /// (unless the server's own setting is higher: a build never gets less than other statements do).
    public static func forBuild(chunks: Int, serverSetting: Int, limit: Int) -> Int {
        max(serverSetting, min(needed(chunks: chunks), limit))
    }
}
