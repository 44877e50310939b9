/// What an element's `class` and `id` say about it: boilerplate (navigation, sharing, comments, …), likely
/// content, or hidden.
///
/// Names are split into words at punctuation and at lower-to-upper case changes (`relatedPosts` gives
/// `related`, `posts`), and each word is matched against short stems, so `comments-area`, `commentlist` and
/// `wp-block-social-links` are recognised without matching `shareholder`-like accidents in prose classes.
struct HTMLClassHints: Equatable {
    /// The element is boilerplate (share bar, cookie banner, related links, comments, …) and may be removed.
    var boilerplate = false
    /// The element's name suggests content (`article`, `entry-content`, `post-body`).
    var positive = false
    /// The element's name suggests something other than content (`banner`, `meta`, `tools`).
    var negative = false
    /// The element is hidden by a utility class (`hidden`, `sr-only`, `d-none`).
    var hidden = false

    /// The class weight of Readability's scoring: +25 for likely content, -25 for likely boilerplate.
    var weight: Int {
        var weight = 0
        if positive { weight += 25 }
        if negative || boilerplate { weight -= 25 }
        return weight
    }

    /// Words that mark boilerplate when a class or id word starts with them.
    private static let boilerplateStems: [[UInt8]] = [
        "share", "sharing", "social", "cookie", "consent", "gdpr", "newsletter", "subscribe", "breadcrumb",
        "related", "comment", "disqus", "sidebar", "footer", "navbar", "navigation", "menu", "pagination",
        "promo", "sponsor", "advert", "adsense", "adsbygoogle", "popup", "modal", "outbrain", "taboola",
        "tagcloud", "taglist", "signup", "toolbar", "masthead", "recommend", "newsticker", "trending", "donate",
        "caption", "credit", "copyright",
    ].map { Array($0.utf8) }

    /// Words that mark boilerplate only when they are the whole word (`nav` but not `navigate`).
    private static let boilerplateWords: Set<[UInt8]> = Set(
        [
            "nav", "ad", "ads", "tags", "respond", "skip", "pager", "login", "bio", "author", "byline",
            "meta", "postmeta", "tools", "share", "topbar",
        ].map { Array($0.utf8) })

    /// Words that lower an element's score without removing it.
    private static let negativeStems: [[UInt8]] = [
        "banner", "combx", "contact", "foot", "masthead", "media", "scroll", "shoutbox", "skyscraper",
        "shopping", "tool", "extra", "legend", "remark", "rss", "supplemental", "agegate", "header", "copyright",
        "widget",
    ].map { Array($0.utf8) }

    /// Words that raise an element's score.
    private static let positiveStems: [[UInt8]] = [
        "article", "content", "entry", "hentry", "main", "page", "post", "text", "blog", "story", "body",
        "prose", "rich",
    ].map { Array($0.utf8) }

    /// Words of utility classes that hide an element.
    private static let hiddenWords: Set<[UInt8]> = Set(
        [
            "hidden", "hide", "d-none", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
            "invisible", "element-invisible", "offscreen",
        ].map { Array($0.utf8) })

    /// Reads the hints from the raw bytes of `class` and `id` values (any case, any separators).
    init(classAndID bytes: UnsafeBufferPointer<UInt8>) {
        var word: [UInt8] = []
        word.reserveCapacity(32)
        var wholeToken: [UInt8] = []
        wholeToken.reserveCapacity(32)
        var previousLower = false
        for byte in bytes {
            let isUpper = byte >= 65 && byte <= 90
            let isLower = (byte >= 97 && byte <= 122)
            let isDigit = byte >= 48 && byte <= 57
            if byte == 32 || byte == 9 || byte == 10 || byte == 13 {
                finish(&word)
                finishToken(&wholeToken)
                previousLower = false
                continue
            }
            wholeToken.append(isUpper ? byte + 32 : byte)
            if isUpper || isLower || isDigit {
                if isUpper && previousLower { finish(&word) }
                word.append(isUpper ? byte + 32 : byte)
                previousLower = isLower || isDigit
            } else {
                finish(&word)
                previousLower = false
            }
        }
        finish(&word)
        finishToken(&wholeToken)
    }

    init() {}

    /// Classifies one word and clears it.
    private mutating func finish(_ word: inout [UInt8]) {
        defer { word.removeAll(keepingCapacity: true) }
        guard word.count >= 2 else { return }
        if Self.boilerplateWords.contains(word) || Self.hasStem(word, Self.boilerplateStems) {
            boilerplate = true
        }
        if Self.hasStem(word, Self.negativeStems) { negative = true }
        if Self.hasStem(word, Self.positiveStems) { positive = true }
    }

    /// Classifies one whole class name (`sr-only`) and clears it.
    private mutating func finishToken(_ token: inout [UInt8]) {
        defer { token.removeAll(keepingCapacity: true) }
        if Self.hiddenWords.contains(token) { hidden = true }
    }

    private static func hasStem(_ word: [UInt8], _ stems: [[UInt8]]) -> Bool {
        let first = word[0]
        for stem in stems where stem[0] == first && stem.count <= word.count {
            var matches = true
            for index in 1..<stem.count where stem[index] != word[index] {
                matches = false
                break
            }
            if matches { return true }
        }
        return false
    }
}
