/// Fixed hash functions and arithmetic for the local embedder, identical on every machine and every run.
///
/// Swift's `Hasher` is seeded per process, and `log`/`pow` come from the platform's maths library, whose last bits
/// may differ between macOS and Linux; a stored vector must never depend on either, so everything a vector is made
/// of goes through these functions (basic IEEE operations and `squareRoot()`, which are exactly rounded everywhere).
enum FeatureHashing {
    /// FNV-1a's 64-bit offset basis: the hash of no bytes.
    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a's 64-bit prime.
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// Mixed into a stem's hash, so that a stem and an n-gram with equal raw keys land apart.
    static let wordSeed: UInt64 = 0x9e37_79b9_7f4a_7c15
    /// Mixed into a packed n-gram (bytes plus length in the top byte).
    static let gramSeed: UInt64 = 0xc2b2_ae3d_27d4_eb4f

    /// FNV-1a of bytes: cheap enough to run inline while a token is scanned.
    @inline(__always)
    static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = fnvOffset
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        return hash
    }

    /// MurmurHash3's 64-bit finaliser: spreads every input bit over the output, so that low and high bits are both
    /// usable for the bucket and the sign.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// The natural logarithm of a positive finite `x`, from basic operations only (error below 1e-15).
    ///
    /// `x = m · 2^e` with `m` in [√½, √2], then `ln m = 2 atanh((m − 1)/(m + 1))` by its series.
    static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
        let bits = x.bitPattern
        var exponent = Int((bits >> 52) & 0x7ff) - 1023
        var mantissa = Double(bitPattern: (bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        if exponent == -1023 {
            // Subnormal: renormalise through an exact scaling by 2^64.
            return log(x * 18_446_744_073_709_551_616.0) - 64 * ln2
        }
        if mantissa > 1.414_213_562_373_095_1 {
            mantissa /= 2
            exponent += 1
        }
        let s = (mantissa - 1) / (mantissa + 1)
        let s2 = s * s
        var term = s
        var sum = s
        var k = 3.0
        while k <= 25 {
            term *= s2
            sum += term / k
            k += 2
        }
        return 2 * sum + Double(exponent) * ln2
    }

    /// ln 2 to double precision.
    static let ln2 = 0.693_147_180_559_945_3
}
