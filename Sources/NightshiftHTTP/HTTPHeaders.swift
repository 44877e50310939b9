import Foundation

/// HTTP header fields in their received order, looked up by name without regard to case.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The fields as (name, value) pairs, in order; a name may repeat.
    public private(set) var fields: [(name: String, value: String)]

    /// Names whose values are credentials: never shown by `description`, scrubbed from error texts.
    public static let sensitiveNames: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie", "x-goog-api-key",
    ]

    /// Headers from (name, value) pairs.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Headers from a dictionary literal, in the literal's order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    /// Whether a field `name` is present (case-insensitive).
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any existing one of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field `name` (case-insensitive) with one field of this value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    /// Removes every field `name` (case-insensitive).
    public mutating func remove(_ name: String) {
        let key = name.lowercased()
        fields.removeAll { $0.name.lowercased() == key }
    }

    /// Values of sensitive fields (and the token of `Bearer x`), for scrubbing error texts.
    var secretValues: [String] {
        var secrets: [String] = []
        for field in fields where HTTPHeaders.sensitiveNames.contains(field.name.lowercased()) {
            let value = field.value.trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { secrets.append(value) }
            if let space = value.firstIndex(of: " ") {
                let token = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
                if token.count >= 4 { secrets.append(token) }
            }
        }
        return secrets
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// The fields with sensitive values shown as `<redacted>`.
    public var description: String {
        let shown = fields.map { field in
            HTTPHeaders.sensitiveNames.contains(field.name.lowercased())
                ? "\(field.name): <redacted>" : "\(field.name): \(field.value)"
        }
        return "[" + shown.joined(separator: ", ") + "]"
    }

    /// Same fields in the same order, names compared as written.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Hashes the fields in order.
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}
