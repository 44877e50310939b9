/// Scalar decoding and grapheme-boundary tests on UTF-8 bytes, for the splitter's cut points.
enum GraphemeBoundary {
    /// The scalar starting at byte `i` and its width; a malformed byte reads as U+FFFD of width 1.
    @inline(__always)
    static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, width: Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        let n = bytes.count
        if b0 >= 0xC2 && b0 < 0xE0, i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 {
            return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
        }
        if b0 >= 0xE0 && b0 < 0xF0, i + 2 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80 {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        if b0 >= 0xF0 && b0 < 0xF5, i + 3 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80,
            bytes[i + 3] & 0xC0 == 0x80
        {
            let high = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
            return (high | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
        }
        return (0xFFFD, 1)
    }

    /// The scalar ending just before byte `end` and its width.
    @inline(__always)
    static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> (value: UInt32, width: Int) {
        var start = end - 1
        while start > 0 && end - start < 4 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        let decoded = scalar(bytes, at: start)
        if start + decoded.width == end { return decoded }
        return (0xFFFD, 1)
    }

    /// Whether a grapheme cluster may end at byte `i`.
    ///
    /// Exact when one side of `i` is a separator's edge (neither a regional indicator, a zero-width joiner nor an
    /// emoji), which is how the splitter uses it: the rules then depend on the two scalars around `i` only, and
    /// those are tested with Swift's own segmentation when either is beyond the always-breaking range.
    static func isBoundary(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        if i <= 0 || i >= bytes.count { return true }
        let before = scalar(bytes, endingAt: i).value
        let after = scalar(bytes, at: i).value
        if before == 0x0D && after == 0x0A { return false }
        // Below U+0300 nothing extends, joins or prepends.
        if before < 0x300 && after < 0x300 { return true }
        guard let first = Unicode.Scalar(before), let second = Unicode.Scalar(after) else { return true }
        var pair = String.UnicodeScalarView()
        pair.append(first)
        pair.append(second)
        return String(pair).count == 2
    }

    /// Python's `str.isspace()`, which `str.strip()` removes.
    @inline(__always)
    static func isPythonWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
