/// Which parts of a page are its main content, and which parts inside them are still boilerplate.
struct HTMLContentSelection {
    /// The subtrees to read, in document order.
    var roots: [Int]
    /// Nodes left out inside those subtrees (with everything below them).
    var removed: [Bool]
    /// The node that holds the densest prose; never removed.
    var core: Int?
    /// A heading found just before the content (the article's title outside its body), read first.
    var leadingHeading: Int?
}

/// Finds the main content of a page: Readability's paragraph scoring (text length, commas, link density,
/// class/id hints) picks the densest container, landmarks (`<article>`, `<main>`, `itemprop=articleBody`)
/// widen it when they hold it, and boilerplate blocks inside it (share bars, related links, comments, lists of
/// links) are removed.
struct HTMLContentSelector {
    /// How much to trust class and id names.
    enum Pass {
        /// Named boilerplate is neither scored nor kept.
        case strict
        /// Names are ignored (for pages whose names mislead: forums built of "comment" blocks, articles in a
        /// "sidebar" column); only link density and forms decide what is boilerplate.
        case lenient
    }

    let tree: HTMLTree
    private(set) var scores: [Float]
    private(set) var scored: [Bool]
    private var pass = Pass.strict

    /// The least text a strict selection should keep before the lenient pass is tried.
    static let minimumContentChars = 250

    init(tree: HTMLTree) {
        self.tree = tree
        scores = Array(repeating: 0, count: tree.nodes.count)
        scored = Array(repeating: false, count: tree.nodes.count)
    }

    /// Selects the whole readable page: no boilerplate detection beyond dropped elements and forms (a form that
    /// holds most of the page is a page wrapper, and stays).
    static func wholePage(_ tree: HTMLTree) -> HTMLContentSelection {
        let roots = tree.nodes.isEmpty ? [] : [0]
        var removed = Array(repeating: false, count: tree.nodes.count)
        let pageChars = tree.nodes.first.map { Int($0.chars) } ?? 0
        for index in tree.nodes.indices where tree.nodes[index].flags.contains(.form) {
            if Int(tree.nodes[index].chars) * 2 < pageChars { removed[index] = true }
        }
        return HTMLContentSelection(roots: roots, removed: removed, core: nil, leadingHeading: nil)
    }

    /// Selects the page body with boilerplate and link lists removed (when no main content stands out).
    func selectWholeBody(core: Int? = nil) -> HTMLContentSelection {
        guard !tree.nodes.isEmpty else { return Self.wholePage(tree) }
        let body = tree.nodes.firstIndex { $0.tag == .body } ?? 0
        var selection = Self.wholePage(tree)
        selection.roots = [body]
        selection.core = core
        markBoilerplate(in: &selection)
        return selection
    }

    /// Selects the main content: a strict pass first, a lenient one when the strict pass keeps too little.
    mutating func select() -> HTMLContentSelection {
        guard !tree.nodes.isEmpty else { return Self.wholePage(tree) }
        let strict = select(pass: .strict)
        let strictChars = keptChars(strict)
        if strictChars >= Self.minimumContentChars { return strict }
        let lenient = select(pass: .lenient)
        return keptChars(lenient) > strictChars ? lenient : strict
    }

    /// The visible characters a selection keeps.
    func keptChars(_ selection: HTMLContentSelection) -> Int {
        keptCounts(selection).chars
    }

    /// The visible characters a selection keeps, and how many of them are link text.
    func keptCounts(_ selection: HTMLContentSelection) -> (chars: Int, linkChars: Int) {
        var kept = 0
        var links = 0
        for root in selection.roots {
            kept += Int(tree.nodes[root].chars)
            links += Int(tree.nodes[root].linkChars)
            var index = root
            let end = Int(tree.nodes[root].end)
            while index < end {
                if selection.removed[index] {
                    kept -= Int(tree.nodes[index].chars)
                    links -= Int(tree.nodes[index].linkChars)
                    index = Int(tree.nodes[index].end)
                } else {
                    index += 1
                }
            }
        }
        return (kept, links)
    }

    private mutating func select(pass: Pass) -> HTMLContentSelection {
        self.pass = pass
        let nodes = tree.nodes
        scores = Array(repeating: 0, count: nodes.count)
        scored = Array(repeating: false, count: nodes.count)
        let body = nodes.firstIndex { $0.tag == .body } ?? 0
        scoreParagraphs()
        guard let top = topCandidate() else { return selectWholeBody() }
        let candidate = refine(top, body: body)
        var roots = siblings(of: candidate, body: body)
        roots = widenToLandmark(roots, core: top, body: body)
        var selection = HTMLContentSelection(
            roots: roots, removed: Array(repeating: false, count: nodes.count), core: top, leadingHeading: nil)
        markBoilerplate(in: &selection)
        removeOrphanHeadings(in: &selection)
        selection.leadingHeading = leadingHeading(before: roots, body: body)
        return selection
    }

    // MARK: Scoring

    /// Readability's starting score for a container by tag.
    private func tagBonus(_ tag: HTMLTag) -> Float {
        switch tag {
        case .div, .article, .main, .section: return 5
        case .pre, .td, .blockquote: return 3
        case .address, .ol, .ul, .dl, .dd, .dt, .li, .form: return -3
        case .h1, .h2, .h3, .h4, .h5, .h6, .th: return -5
        default: return 0
        }
    }

    private mutating func touch(_ index: Int) {
        guard !scored[index] else { return }
        scored[index] = true
        let node = tree.nodes[index]
        scores[index] = tagBonus(node.tag) + (pass == .strict ? Float(node.classWeight) : 0)
    }

    /// Gives each paragraph's score to its ancestors, as Readability does.
    private mutating func scoreParagraphs() {
        let nodes = tree.nodes
        // Inside boilerplate (without a content hint as well) or a page header: not content. Unless it holds
        // most of the page: then it is a wrapper with an unlucky name, or markup the parser nested oddly.
        let pageChars = Int(nodes[0].chars)
        var excluded = Array(repeating: false, count: nodes.count)
        for index in nodes.indices {
            let node = nodes[index]
            let parentExcluded = node.parent >= 0 && excluded[Int(node.parent)]
            let share = Double(node.chars) / Double(max(pageChars, 1))
            let named = pass == .strict && node.flags.contains(.boilerplate) && node.classWeight < 0
            excluded[index] = parentExcluded || (named && share < 0.8) || (node.flags.contains(.header) && share < 0.5)
        }
        for index in nodes.indices {
            let node = nodes[index]
            guard node.tag != .text, node.ownChars >= 25, !excluded[index] else { continue }
            if tree.headingLevel(index) != nil { continue }
            let length = Float(node.ownChars)
            var score: Float = 1 + Float(node.ownCommas) + min((length / 100).rounded(.down), 3)
            // Links inside a paragraph make it less of a paragraph.
            if node.ownChars > 0 {
                score *= 1 - Float(node.ownLinkChars) / Float(node.ownChars)
            }
            // A block with block children holds its inline text as an implicit paragraph of its own.
            var ancestor = node.flags.contains(.hasBlockChild) ? index : Int(node.parent)
            var level = 0
            while ancestor >= 0 && level < 5 {
                touch(ancestor)
                let divider: Float = level == 0 ? 1 : (level == 1 ? 2 : Float(level * 3))
                scores[ancestor] += score / divider
                ancestor = Int(nodes[ancestor].parent)
                level += 1
            }
        }
        for index in nodes.indices where scored[index] {
            scores[index] *= Float(1 - tree.linkDensity(index))
        }
    }

    private func topCandidate() -> Int? {
        var best: Int?
        var bestScore: Float = 0
        for index in tree.nodes.indices where scored[index] {
            let tag = tree.nodes[index].tag
            if tag == .html || tag == .body { continue }
            if scores[index] > bestScore {
                bestScore = scores[index]
                best = index
            }
        }
        return best
    }

    /// Readability's refinements: a shared ancestor of several strong candidates, then climbing while the
    /// parent scores higher, then skipping wrappers with a single child.
    private func refine(_ top: Int, body: Int) -> Int {
        let nodes = tree.nodes
        var candidate = top
        let topScore = scores[top]
        // The five best candidates; if three of the close ones share an ancestor with the top, take it.
        var ranked: [Int] = []
        for index in nodes.indices where scored[index] && index != top {
            if nodes[index].tag == .html || nodes[index].tag == .body { continue }
            ranked.append(index)
        }
        ranked.sort { scores[$0] > scores[$1] }
        let alternatives = ranked.prefix(5).filter { scores[$0] >= topScore * 0.75 }
        if alternatives.count >= 3 {
            var parent = Int(nodes[top].parent)
            while parent >= 0 && parent != body {
                let holding = alternatives.filter { tree.contains(parent, $0) }.count
                if holding >= 3 {
                    candidate = parent
                    break
                }
                parent = Int(nodes[parent].parent)
            }
        }
        // Climb while a parent's score keeps up with the candidate's.
        var parent = Int(nodes[candidate].parent)
        var lastScore = scores[candidate]
        let threshold = lastScore / 3
        while parent >= 0 && parent != body {
            if !scored[parent] {
                parent = Int(nodes[parent].parent)
                continue
            }
            let parentScore = scores[parent]
            if parentScore < threshold { break }
            if parentScore > lastScore {
                candidate = parent
                break
            }
            lastScore = parentScore
            parent = Int(nodes[parent].parent)
        }
        // A wrapper whose only element child is the candidate adds nothing but may hold a heading.
        while true {
            let parent = Int(nodes[candidate].parent)
            guard parent >= 0, parent != body, nodes[parent].tag != .html else { break }
            let elementChildren = tree.children(of: parent).filter { child in
                nodes[child].tag != .text || nodes[child].chars > 0
            }
            guard elementChildren.count == 1 else { break }
            candidate = parent
        }
        return candidate
    }

    /// The candidate plus the siblings that look like more of the same content (Readability's sibling rule).
    private func siblings(of candidate: Int, body: Int) -> [Int] {
        let nodes = tree.nodes
        let parent = Int(nodes[candidate].parent)
        guard parent >= 0 else { return [candidate] }
        let candidateScore = scores[candidate]
        let threshold = max(10, candidateScore * 0.2)
        var roots: [Int] = []
        var skipped: [Int] = []
        for sibling in tree.children(of: parent) {
            if sibling == candidate {
                include(sibling, into: &roots, after: &skipped)
                continue
            }
            let node = nodes[sibling]
            if node.tag == .text || node.chars == 0 { continue }
            if pass == .strict && node.flags.contains(.boilerplate) && node.classWeight < 0 {
                skipped.removeAll()
                continue
            }
            if node.flags.contains(.header) || node.flags.contains(.form) {
                skipped.removeAll()
                continue
            }
            let density = tree.linkDensity(sibling)
            if scored[sibling] && scores[sibling] >= threshold {
                include(sibling, into: &roots, after: &skipped)
                continue
            }
            // A wrapper without a score of its own that holds a strong paragraph container.
            if !scored[sibling] && density < 0.25 && bestScore(within: sibling) >= threshold {
                include(sibling, into: &roots, after: &skipped)
                continue
            }
            if node.tag == .p || (node.tag.isBlock && !node.flags.contains(.hasBlockChild)) {
                if node.chars > 80 && density < 0.25 {
                    include(sibling, into: &roots, after: &skipped)
                    continue
                } else if node.chars > 0 && node.chars <= 80 && density == 0 && endsSentence(sibling) {
                    include(sibling, into: &roots, after: &skipped)
                    continue
                }
            }
            // Structure between two kept blocks (a table, a list, a short line) is part of the same text.
            if !roots.isEmpty && density < 0.3 && !node.flags.contains(.boilerplate) {
                skipped.append(sibling)
            } else {
                skipped.removeAll()
            }
        }
        // Tables, lists and code right after the text continue it.
        for sibling in skipped {
            guard Self.structureTags.contains(nodes[sibling].tag) else { break }
            roots.append(sibling)
        }
        return roots
    }

    /// The best final score of any node in a subtree.
    private func bestScore(within index: Int) -> Float {
        var best: Float = 0
        for position in index..<Int(tree.nodes[index].end) where scored[position] {
            best = max(best, scores[position])
        }
        return best
    }

    /// Blocks that carry content in their structure rather than in long prose.
    private static let structureTags: Set<HTMLTag> = [.table, .ul, .ol, .dl, .pre, .blockquote, .p]

    /// Adds a sibling to the roots, with the plain blocks skipped since the last root (they sit between two
    /// parts of the content).
    private func include(_ sibling: Int, into roots: inout [Int], after skipped: inout [Int]) {
        if !roots.isEmpty { roots.append(contentsOf: skipped) }
        skipped.removeAll()
        roots.append(sibling)
    }

    /// True when a node's text ends like a sentence (a full stop, question or exclamation mark).
    private func endsSentence(_ index: Int) -> Bool {
        var last = Int(tree.nodes[index].end) - 1
        while last >= index {
            let node = tree.nodes[last]
            if node.tag == .text && node.chars > 0 {
                return tree.withText(of: last) { text in
                    var position = text.count - 1
                    while position >= 0, text[position] <= 32 { position -= 1 }
                    guard position >= 0 else { return false }
                    let byte = text[position]
                    return byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
                }
            }
            last -= 1
        }
        return false
    }

    /// Uses the innermost `<article>`/`<main>`/`articleBody` holding the content when it is not mostly
    /// something else, so the article's title, lead and subheadings come along.
    private func widenToLandmark(_ roots: [Int], core: Int, body: Int) -> [Int] {
        let nodes = tree.nodes
        guard let first = roots.first else { return roots }
        let selectedChars = roots.reduce(0) { $0 + Int(nodes[$1].chars) }
        var ancestor = Int(nodes[first].parent)
        while ancestor >= 0 && ancestor != body {
            let node = nodes[ancestor]
            if node.flags.contains(.articleLandmark) || node.flags.contains(.mainLandmark) {
                if roots.allSatisfy({ tree.contains(ancestor, $0) }), Int(node.chars) <= selectedChars * 3 {
                    return [ancestor]
                }
                break
            }
            ancestor = Int(node.parent)
        }
        return roots
    }

    // MARK: Boilerplate inside the content

    /// Marks boilerplate subtrees inside the selected roots: named boilerplate, forms, page headers and blocks
    /// that are mostly links. Never the core or anything holding it.
    private func markBoilerplate(in selection: inout HTMLContentSelection) {
        let nodes = tree.nodes
        let coreChars = selection.core.map { Int(nodes[$0].chars) } ?? 0
        for root in selection.roots {
            var index = root + 1
            let end = Int(nodes[root].end)
            while index < end {
                let node = nodes[index]
                guard node.tag != .text else {
                    index += 1
                    continue
                }
                var holdsCore = false
                var insideCore = false
                if let core = selection.core {
                    holdsCore = tree.contains(index, core)
                    insideCore = tree.contains(core, index)
                }
                // Inside the core, a block with most of the core's text is the text, whatever its name.
                let bulk = insideCore && Int(node.chars) * 2 > coreChars
                if !holdsCore && !bulk && isBoilerplate(index) {
                    selection.removed[index] = true
                    index = Int(node.end)
                    continue
                }
                index += 1
            }
        }
    }

    private func isBoilerplate(_ index: Int) -> Bool {
        let node = tree.nodes[index]
        if node.flags.contains(.form) { return true }
        if pass == .strict && node.flags.contains(.boilerplate) { return true }
        guard node.tag.isBlock || node.tag.isList, node.chars > 0 else { return false }
        let density = tree.linkDensity(index)
        return density > 0.5
    }

    /// Removes headings left without text: the title of a related-links box or an author box that was removed
    /// has nothing under it until the next heading of the same or a higher level.
    private func removeOrphanHeadings(in selection: inout HTMLContentSelection) {
        let nodes = tree.nodes
        // Headings (index, level) and text runs (level 0) in reading order.
        var events: [(index: Int, level: Int)] = []
        for root in selection.roots {
            var index = root
            let end = Int(nodes[root].end)
            while index < end {
                let node = nodes[index]
                if selection.removed[index] {
                    index = Int(node.end)
                    continue
                }
                if let level = tree.headingLevel(index) {
                    if node.chars > 0 { events.append((index, level)) }
                    index = Int(node.end)
                    continue
                }
                if node.tag == .text && node.chars > 0, events.last?.level != 0 {
                    events.append((index, 0))
                }
                index += 1
            }
        }
        for (position, event) in events.enumerated() where event.level > 0 {
            var hasText = false
            for next in events[(position + 1)...] {
                if next.level == 0 {
                    hasText = true
                    break
                }
                if next.level <= event.level { break }
            }
            if !hasText { selection.removed[event.index] = true }
        }
    }

    // MARK: Title

    /// The nearest `<h1>` before the content when the content has none (titles often sit above the body).
    private func leadingHeading(before roots: [Int], body: Int) -> Int? {
        let nodes = tree.nodes
        guard let first = roots.first else { return nil }
        for root in roots {
            let end = Int(nodes[root].end)
            for index in root..<end where nodes[index].tag == .h1 { return nil }
        }
        var index = first - 1
        while index > body {
            if nodes[index].tag == .h1 && nodes[index].chars > 0 { return index }
            index -= 1
        }
        return nil
    }
}
