import NightshiftCore

/// Finds objects that name a member twice in JSON text that has already parsed.
///
/// RFC 7515 §5.2 lets a JWS reader either refuse duplicate header names or take the last one; the JSON reader
/// here keeps the first. A token whose header or payload names `sub`, `role` or `alg` twice would then mean one
/// thing here and another to a reader that keeps the last, so the verifier refuses such tokens outright.
/// Names are compared after unescaping (`"sub"` and `"\u0073ub"` are one name), at every level of nesting.
enum JSONDuplicateMembers {
    /// Whether any object in `bytes` (valid JSON text) names a member more than once.
    static func present(in bytes: [UInt8]) -> Bool {
        // One entry per open container: the names seen so far for an object, nil for an array.
        var open: [Set<String>?] = []
        var expectingName = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                open.append([])
                expectingName = true
            case UInt8(ascii: "["):
                open.append(nil)
                expectingName = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !open.isEmpty { open.removeLast() }
                expectingName = false
            case UInt8(ascii: ","):
                if let last = open.last { expectingName = last != nil }
            case UInt8(ascii: ":"):
                expectingName = false
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
                let end = min(index, bytes.count - 1)
                if expectingName, let last = open.last, var names = last {
                    let token = String(decoding: bytes[start...end], as: UTF8.self)
                    let name = (try? JSONValue.parse(token))?.stringValue ?? token
                    if names.contains(name) { return true }
                    names.insert(name)
                    open[open.count - 1] = names
                    expectingName = false
                }
            default:
                break
            }
            index += 1
        }
        return false
    }
}
