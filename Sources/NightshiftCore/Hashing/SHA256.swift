import Crypto

/// SHA-256 (FIPS 180-4), used for migration checksums, source and content hashes of documents, and the
/// embedding-cache keys of chunks.
///
/// A thin streaming wrapper over swift-crypto's BoringSSL implementation (assembly, SHA extensions where the CPU
/// has them: about ten times the speed of the plain Swift version this replaced, which cost a tenth of an ingest's
/// CPU; every byte of a corpus is hashed about three times). The test suite checks it against the NIST vectors.
/// Feed bytes with `update`, read the digest with `finalize`.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// Feeds more bytes.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // Arrays, Data and buffers: straight from memory.
        if bytes.withContiguousStorageIfAvailable({ update(buffer: UnsafeRawBufferPointer($0)) }) != nil { return }
        var block: [UInt8] = []
        block.reserveCapacity(4096)
        for byte in bytes {
            block.append(byte)
            if block.count == 4096 {
                block.withUnsafeBytes { update(buffer: $0) }
                block.removeAll(keepingCapacity: true)
            }
        }
        block.withUnsafeBytes { update(buffer: $0) }
    }

    /// Feeds a buffer.
    public mutating func update(buffer bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// Feeds the UTF-8 bytes of a string.
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(buffer: UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// The hex digest of a string's UTF-8 bytes.
    public static func hex(_ string: String) -> String {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.finalize().hexString
    }

    /// The hex digest of bytes.
    public static func hex<Bytes: Sequence>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize().hexString
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
