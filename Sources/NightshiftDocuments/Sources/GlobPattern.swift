/// A path pattern for `--include` and `--exclude`: `*`, `?`, `**`, character classes, matched against paths
/// relative to the walked root with `/` between folders.
///
/// - `*` matches any run of characters within one path segment, `?` one character (never `/`).
/// - `**` as a whole segment matches zero or more segments: `docs/**/*.html`, `**/node_modules/**`; a trailing
///   `/**` also matches the folder itself, so `build/**` excludes `build` without walking it.
/// - `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) match one character of (not of) the class; `\` escapes.
/// - A pattern without `/` matches the last segment at any depth (`*.md` matches `a/b/c.md`), as in .gitignore;
///   a pattern with a `/` is anchored at the root (a leading `/` is allowed and dropped).
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let segments: [Segment]

    private enum Segment: Sendable, Hashable {
        case anyDepth
        case name([Token])
    }

    private enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case any
        case star
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)
    }

    /// Compiles a pattern; an unclosed `[` is taken literally.
    public init(_ pattern: String) {
        self.pattern = pattern
        var text = pattern
        while text.hasPrefix("./") { text.removeFirst(2) }
        let anchored = text.dropLast().contains("/")
        if text.hasPrefix("/") { text.removeFirst() }
        if text.hasSuffix("/") && text.count > 1 { text.removeLast() }
        var segments: [Segment] = text.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part == "**" ? .anyDepth : .name(Self.tokens(of: Substring(part)))
        }
        if !anchored && segments.first != .anyDepth {
            segments.insert(.anyDepth, at: 0)
        }
        self.segments = segments
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether `path` (relative, `/`-separated, no leading `/`) matches.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Array($0.unicodeScalars) }
        return match(segmentIndex: 0, parts: parts, partIndex: 0)
    }

    private func match(segmentIndex: Int, parts: [[Unicode.Scalar]], partIndex: Int) -> Bool {
        if segmentIndex == segments.count { return partIndex == parts.count }
        switch segments[segmentIndex] {
        case .anyDepth:
            // Try every number of swallowed segments, fewest first.
            for next in partIndex...parts.count
            where match(segmentIndex: segmentIndex + 1, parts: parts, partIndex: next) {
                return true
            }
            return false
        case .name(let tokens):
            guard partIndex < parts.count, Self.match(tokens, parts[partIndex]) else { return false }
            return match(segmentIndex: segmentIndex + 1, parts: parts, partIndex: partIndex + 1)
        }
    }

    /// Wildcard match of one segment, with the classic single-star backtracking (linear in practice).
    private static func match(_ tokens: [Token], _ name: [Unicode.Scalar]) -> Bool {
        var t = 0
        var n = 0
        var starToken = -1
        var starName = 0
        while n < name.count {
            if t < tokens.count {
                switch tokens[t] {
                case .star:
                    starToken = t
                    starName = n
                    t += 1
                    continue
                case .any:
                    t += 1
                    n += 1
                    continue
                case .literal(let scalar) where scalar == name[n]:
                    t += 1
                    n += 1
                    continue
                case .set(let ranges, let negated) where ranges.contains { $0.contains(name[n].value) } != negated:
                    t += 1
                    n += 1
                    continue
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            t = starToken + 1
            starName += 1
            n = starName
        }
        while t < tokens.count, tokens[t] == .star { t += 1 }
        return t == tokens.count
    }

    private static func tokens(of part: Substring) -> [Token] {
        let scalars = Array(part.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            switch c {
            case "*":
                if tokens.last != .star { tokens.append(.star) }
                i += 1
            case "?":
                tokens.append(.any)
                i += 1
            case "\\" where i + 1 < scalars.count:
                tokens.append(.literal(scalars[i + 1]))
                i += 2
            case "[":
                if let (token, next) = set(scalars, from: i) {
                    tokens.append(token)
                    i = next
                } else {
                    tokens.append(.literal(c))
                    i += 1
                }
            default:
                tokens.append(.literal(c))
                i += 1
            }
        }
        return tokens
    }

    /// Parses `[...]` starting at `start`; nil when it is not closed.
    private static func set(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var i = start + 1
        var negated = false
        if i < scalars.count, scalars[i] == "!" || scalars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while i < scalars.count {
            var c = scalars[i]
            if c == "]" && !first {
                return (.set(ranges: ranges, negated: negated), i + 1)
            }
            first = false
            if c == "\\", i + 1 < scalars.count {
                i += 1
                c = scalars[i]
            }
            if i + 2 < scalars.count, scalars[i + 1] == "-", scalars[i + 2] != "]" {
                let low = c.value
                let high = scalars[i + 2].value
                ranges.append(min(low, high)...max(low, high))
                i += 3
            } else {
                ranges.append(c.value...c.value)
                i += 1
            }
        }
        return nil
    }
}

/// Which files a walk keeps: a file is kept when it matches some include pattern (or there are none) and no
/// exclude pattern; a folder is not entered when an exclude pattern matches it.
public struct PathFilter: Sendable, Hashable {
    /// Patterns a file must match one of; empty keeps every file.
    public var include: [GlobPattern]
    /// Patterns that drop a file or a whole folder.
    public var exclude: [GlobPattern]

    /// A filter from pattern strings (as given to `--include` / `--exclude`).
    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include.map(GlobPattern.init)
        self.exclude = exclude.map(GlobPattern.init)
    }

    /// Whether a file at this relative path is kept.
    public func keepsFile(_ relativePath: String) -> Bool {
        if exclude.contains(where: { $0.matches(relativePath) }) { return false }
        return include.isEmpty || include.contains { $0.matches(relativePath) }
    }

    /// Whether a folder (or an archive, which is walked like one) at this relative path is entered.
    public func entersFolder(_ relativePath: String) -> Bool {
        !exclude.contains { $0.matches(relativePath) }
    }
}
