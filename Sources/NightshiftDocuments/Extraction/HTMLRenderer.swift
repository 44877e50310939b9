/// Lays out selected parts of an `HTMLTree` as text: blocks as paragraphs, list items as "- " lines, table rows
/// as lines with cells separated by " | ", preformatted text kept, headings recorded.
///
/// Iterative (the tree's preorder makes a subtree a contiguous range), so deeply nested markup cannot exhaust
/// the stack of a cooperative-pool thread.
struct HTMLRenderer {
    let tree: HTMLTree
    private(set) var writer: HTMLTextWriter

    private enum Exit {
        case block
        case line
        case heading
        case pre
        case list
        case listItem
        case table
        case row
        case cell
        case headingsOnly
        case nothing
    }

    private struct List {
        var ordered: Bool
        var counter: Int
    }

    private struct Table {
        var isData: Bool
        var firstCell = true
    }

    private var open: [(end: Int, exit: Exit)] = []
    private var preDepth = 0
    private var headingDepth = 0
    private var headingsOnlyDepth = 0
    private var dataCellDepth = 0
    private var lists: [List] = []
    private var tables: [Table] = []

    init(tree: HTMLTree, capacity: Int) {
        self.tree = tree
        writer = HTMLTextWriter(capacity: capacity)
    }

    /// Renders a subtree, skipping removed nodes. With `headingsOnly`, only the headings inside are written
    /// (a page `<header>` that holds the article title).
    mutating func render(_ root: Int, removed: [Bool], core: Int? = nil) {
        let nodes = tree.nodes
        var index = root
        let end = Int(nodes[root].end)
        while index < end {
            while let last = open.last, index >= last.end {
                open.removeLast()
                exit(last.exit)
            }
            if removed[index] {
                index = Int(nodes[index].end)
                continue
            }
            let node = nodes[index]
            if node.tag == .text {
                if headingsOnlyDepth == 0 || headingDepth > 0 {
                    tree.withText(of: index) { text in
                        if preDepth > 0 {
                            writer.appendPreformatted(text)
                        } else {
                            writer.appendText(text)
                        }
                    }
                }
                index += 1
                continue
            }
            let holdsCore = core.map { tree.contains(index, $0) } ?? false
            let exit = enter(index, holdsCore: holdsCore)
            let nodeEnd = Int(node.end)
            if nodeEnd > index + 1 {
                open.append((nodeEnd, exit))
            } else {
                self.exit(exit)
            }
            index += 1
        }
        while let last = open.popLast() { exit(last.exit) }
    }

    /// Ends a block: a paragraph break, but a line break inside a list (an item's paragraphs stay together)
    /// and a space inside a data-table cell (a row stays on one line).
    private mutating func blockBreak() {
        if dataCellDepth > 0 {
            writer.space()
        } else if !lists.isEmpty {
            writer.lineBreak()
        } else {
            writer.paragraphBreak()
        }
    }

    private mutating func lineBreak() {
        if dataCellDepth > 0 {
            writer.space()
        } else {
            writer.lineBreak()
        }
    }

    private mutating func enter(_ index: Int, holdsCore: Bool) -> Exit {
        let node = tree.nodes[index]
        let tag = node.tag
        if node.flags.contains(.header) && !holdsCore {
            headingsOnlyDepth += 1
            return .headingsOnly
        }
        if let level = tree.headingLevel(index) {
            headingDepth += 1
            guard headingDepth == 1, dataCellDepth == 0 else {
                blockBreak()
                return .heading
            }
            writer.beginHeading(level: level)
            return .heading
        }
        switch tag {
        case .br:
            lineBreak()
            return .nothing
        case .hr:
            blockBreak()
            return .nothing
        case .pre:
            blockBreak()
            preDepth += 1
            return .pre
        case .ul, .ol, .menu, .dir:
            if lists.isEmpty { blockBreak() } else { lineBreak() }
            lists.append(List(ordered: tag == .ol, counter: Int(node.listStart)))
            return .list
        case .li:
            lineBreak()
            if dataCellDepth == 0 {
                var prefix = [UInt8](repeating: 32, count: 2 * max(0, lists.count - 1))
                if var list = lists.last, list.ordered {
                    prefix.append(contentsOf: Array("\(list.counter). ".utf8))
                    list.counter += 1
                    lists[lists.count - 1] = list
                } else {
                    prefix.append(contentsOf: [45, 32])
                }
                writer.setLinePrefix(prefix)
            }
            return .listItem
        case .dt, .dd:
            lineBreak()
            return .line
        case .thead, .tbody, .tfoot:
            // Row groups: the rows inside make the breaks (a blank line here would split a data table).
            return .nothing
        case .table:
            blockBreak()
            tables.append(Table(isData: dataCellDepth == 0 && isDataTable(index)))
            return .table
        case .tr:
            if let table = tables.last, table.isData {
                lineBreak()
                tables[tables.count - 1].firstCell = true
            } else {
                blockBreak()
            }
            return .row
        case .td, .th:
            if let table = tables.last, table.isData {
                if !table.firstCell { writer.cellBreak() }
                tables[tables.count - 1].firstCell = false
                dataCellDepth += 1
                return .cell
            }
            blockBreak()
            return .block
        default:
            if tag.isBlock {
                blockBreak()
                return .block
            }
            return .nothing
        }
    }

    private mutating func exit(_ exit: Exit) {
        switch exit {
        case .nothing:
            break
        case .block:
            blockBreak()
        case .line:
            lineBreak()
        case .listItem:
            writer.clearLinePrefix()
            lineBreak()
        case .heading:
            headingDepth -= 1
            if headingDepth == 0 && dataCellDepth == 0 {
                writer.endHeading()
            } else {
                blockBreak()
            }
        case .pre:
            preDepth -= 1
            blockBreak()
        case .list:
            lists.removeLast()
            if lists.isEmpty { blockBreak() } else { lineBreak() }
        case .table:
            tables.removeLast()
            blockBreak()
        case .row:
            lineBreak()
        case .cell:
            dataCellDepth -= 1
        case .headingsOnly:
            headingsOnlyDepth -= 1
        }
    }

    /// A table of data (read as rows of cells) rather than page layout (read as blocks): no nested tables,
    /// more than one column, and no cell holding long or structured prose.
    private func isDataTable(_ index: Int) -> Bool {
        let nodes = tree.nodes
        let end = Int(nodes[index].end)
        var widest = 0
        var cellsInRow = 0
        var position = index + 1
        while position < end {
            let node = nodes[position]
            switch node.tag {
            case .table:
                return false
            case .tr:
                widest = max(widest, cellsInRow)
                cellsInRow = 0
            case .td, .th:
                cellsInRow += 1
                if node.chars > 400 { return false }
            case .p, .div, .ul, .ol, .h1, .h2, .h3, .h4, .h5, .h6, .blockquote, .pre, .section, .article:
                if node.chars > 200 { return false }
            default:
                break
            }
            position += 1
        }
        widest = max(widest, cellsInRow)
        return widest > 1
    }
}
