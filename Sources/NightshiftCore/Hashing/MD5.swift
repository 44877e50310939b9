import Crypto

/// MD5 (RFC 1321), only because the designs' `is_feature_enabled` buckets users by `md5(user_id::text)`;
/// the Swift flag evaluator must give exactly the SQL function's answer. Not used for anything secret.
///
/// A thin wrapper over swift-crypto's `Insecure.MD5`; the test suite checks it against PostgreSQL's `md5()`.
public enum MD5 {
    /// The 16-byte digest of `message`.
    public static func digest<Bytes: Sequence>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = Insecure.MD5()
        if message.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) })
            == nil
        {
            hasher.update(data: Array(message))
        }
        return Array(hasher.finalize())
    }

    /// The hex digest of a string's UTF-8 bytes, as PostgreSQL's `md5(text)` prints it.
    public static func hex(_ string: String) -> String {
        digest(Array(string.utf8)).hexString
    }
}
