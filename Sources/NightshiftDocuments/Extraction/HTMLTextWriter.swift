import NightshiftCore

/// Writes extracted text the way a browser lays it out for reading: runs of whitespace collapse to one space,
/// blocks are separated by a blank line, lines by a newline, and headings are recorded with their offsets.
///
/// Separators are kept pending and only written before the next visible character, so the text never starts or
/// ends with blank lines and empty elements leave no trace. Works on UTF-8 bytes for speed.
struct HTMLTextWriter {
    /// The UTF-8 text written so far.
    private(set) var bytes: [UInt8] = []
    /// Headings in document order, with offsets in Unicode scalars.
    private(set) var headings: [HeadingMark] = []

    private enum Pending: UInt8, Comparable {
        case none, space, cell, line, paragraph

        static func < (lhs: Pending, rhs: Pending) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var pending: Pending = .none
    /// Written after the next line or paragraph break, before the content (a list bullet, an indent).
    private var pendingPrefix: [UInt8] = []
    /// Spaces of preformatted text not written yet: they are written only when text follows on the same line.
    private var preformattedSpaces: [UInt8] = []
    /// Newlines of preformatted text not written yet.
    private var preformattedNewlines = 0
    /// The cell separator written between table cells.
    private let cellSeparator: [UInt8] = Array(" | ".utf8)
    private var scalarCount = 0
    private var countedBytes = 0
    private var heading: (level: Int, start: (byte: Int, scalar: Int)?)?

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The number of Unicode scalars written so far.
    mutating func scalarOffset() -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var index = countedBytes
            while index < buffer.count {
                if buffer[index] & 0xC0 != 0x80 { scalarCount += 1 }
                index += 1
            }
        }
        countedBytes = bytes.count
        return scalarCount
    }

    /// True when nothing visible has been written yet.
    var isEmpty: Bool { bytes.isEmpty }

    /// Ends the current paragraph: the next content starts after a blank line.
    mutating func paragraphBreak() {
        pending = max(pending, .paragraph)
    }

    /// Ends the current line: the next content starts on a new line.
    mutating func lineBreak() {
        pending = max(pending, .line)
    }

    /// Separates two table cells on the same row (unless a line break is already pending).
    mutating func cellBreak() {
        pending = max(pending, .cell)
    }

    /// Separates two inline runs with a space (unless a stronger separator is pending).
    mutating func space() {
        pending = max(pending, .space)
    }

    /// Sets what the next line starts with (a list bullet with its indent), replacing any earlier prefix.
    mutating func setLinePrefix(_ prefix: [UInt8]) {
        if !pendingPrefix.isEmpty {
            // The previous item has no text of its own yet (it starts with a nested list): keep its bullet on a
            // line of its own rather than lose its number.
            while let last = pendingPrefix.last, last == 32 { pendingPrefix.removeLast() }
            if !pendingPrefix.isEmpty {
                flush()
                pending = .line
            }
        }
        pendingPrefix = prefix
    }

    /// Forgets a line prefix that no content used (an empty list item must not lend its bullet to later text).
    mutating func clearLinePrefix() {
        pendingPrefix.removeAll(keepingCapacity: true)
    }

    /// Starts a heading: the text written until `endHeading()` is its title.
    mutating func beginHeading(level: Int) {
        paragraphBreak()
        heading = (level, nil)
    }

    /// Ends the heading started last and records it when it has a visible title.
    mutating func endHeading() {
        defer {
            heading = nil
            paragraphBreak()
        }
        guard let current = heading, let start = current.start, start.byte < bytes.count else { return }
        let titleBytes = bytes[start.byte...].map { $0 == 10 ? 32 : $0 }
        let title = String(decoding: titleBytes, as: UTF8.self)
        headings.append(HeadingMark(level: current.level, title: title, offset: start.scalar))
    }

    /// Writes the separators pending before visible content.
    private mutating func flush() {
        if bytes.isEmpty {
            pending = .none
        } else {
            switch pending {
            case .none: break
            case .space: bytes.append(32)
            case .cell: bytes.append(contentsOf: cellSeparator)
            case .line: bytes.append(10)
            case .paragraph:
                bytes.append(10)
                bytes.append(10)
            }
        }
        if !pendingPrefix.isEmpty {
            let atLineStart = bytes.isEmpty || bytes[bytes.count - 1] == 10
            if atLineStart { bytes.append(contentsOf: pendingPrefix) }
            pendingPrefix.removeAll(keepingCapacity: true)
        }
        pending = .none
        preformattedSpaces.removeAll(keepingCapacity: true)
        preformattedNewlines = 0
        if heading != nil, heading?.start == nil {
            let scalar = scalarOffset()
            heading?.start = (bytes.count, scalar)
        }
    }

    /// Writes flowing text: whitespace runs (including no-break spaces) become one space between words.
    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = text.count
        while index < count {
            let byte = text[index]
            if byte == 32 || byte == 10 || byte == 9 || byte == 13 || byte == 12 {
                if pending < .space { pending = .space }
                index += 1
                continue
            }
            if byte == 0xC2, index + 1 < count {
                if text[index + 1] == 0xA0 {
                    if pending < .space { pending = .space }
                    index += 2
                    continue
                }
                // A soft hyphen is invisible unless a line breaks at it: drop it, so words stay searchable.
                if text[index + 1] == 0xAD {
                    index += 2
                    continue
                }
            }
            if byte == 0xE2, index + 2 < count, text[index + 1] == 0x80, text[index + 2] == 0x8B {
                // A zero-width space only marks a possible line break.
                index += 3
                continue
            }
            if pending != .none || !pendingPrefix.isEmpty || (heading != nil && heading?.start == nil) {
                flush()
            }
            // Copy the run of visible bytes up to the next whitespace in one go.
            var end = index + 1
            while end < count {
                let next = text[end]
                if next == 32 || next == 10 || next == 9 || next == 13 || next == 12 || next == 0xC2 || next == 0xE2 {
                    break
                }
                end += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[index..<end]))
            index = end
        }
    }

    /// Writes flowing text from a Swift string.
    mutating func appendText(_ text: String) {
        var copy = text
        copy.withUTF8 { appendText($0) }
    }

    /// Writes preformatted text: spaces are kept, newlines become line breaks (two or more make a paragraph);
    /// spaces at the end of a line and lines of nothing but spaces are dropped. Text split over several calls
    /// (`<pre>` with highlighting spans) reads as one.
    mutating func appendPreformatted(_ text: UnsafeBufferPointer<UInt8>) {
        for byte in text {
            switch byte {
            case 10:
                preformattedNewlines += 1
                preformattedSpaces.removeAll(keepingCapacity: true)
            case 13:
                break
            case 32, 9:
                preformattedSpaces.append(byte)
            default:
                if preformattedNewlines > 0 {
                    pending = max(pending, preformattedNewlines >= 2 ? .paragraph : .line)
                }
                if pending != .none || !pendingPrefix.isEmpty || (heading != nil && heading?.start == nil) {
                    let spaces = preformattedSpaces
                    flush()
                    preformattedSpaces = spaces
                }
                preformattedNewlines = 0
                if !preformattedSpaces.isEmpty {
                    bytes.append(contentsOf: preformattedSpaces)
                    preformattedSpaces.removeAll(keepingCapacity: true)
                }
                bytes.append(byte)
            }
        }
    }

    /// The finished text.
    func makeString() -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
