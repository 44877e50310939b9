import Foundation
import NightshiftCore

/// A `vector` value of pgvector.
public struct PGVector: Sendable, Hashable {
    public var values: [Float]

    public init(_ values: [Float]) { self.values = values }

    /// pgvector's text form, `[1,2.5,-3]`.
    public var text: String {
        var out = "["
        out.reserveCapacity(values.count * 10)
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += value.description
        }
        out += "]"
        return out
    }

    /// Parses pgvector's text form.
    public init(text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else {
            throw PGError(.conversion, message: "not a vector literal")
        }
        let body = trimmed.dropFirst().dropLast()
        if body.isEmpty {
            values = []
            return
        }
        var parsed: [Float] = []
        for part in body.split(separator: ",") {
            guard let value = Float(part.trimmingCharacters(in: .whitespaces)) else {
                throw PGError(.conversion, message: "not a vector element")
            }
            parsed.append(value)
        }
        values = parsed
    }
}

/// A statement parameter in PostgreSQL's text format, with the type OID the server should read it as.
public struct PGBind: Sendable {
    /// The text form; nil is SQL NULL.
    public var text: String?
    /// The parameter's type OID; 0 lets the server infer it from the statement (`$1::vector`).
    public var oid: UInt32

    public init(text: String?, oid: UInt32) {
        self.text = text
        self.oid = oid
    }

    public static let null = PGBind(text: nil, oid: 0)
}

/// Well-known type OIDs.
public enum PGType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let textArray: UInt32 = 1009
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let uuidArray: UInt32 = 2951
    public static let jsonb: UInt32 = 3802
    public static let unknown: UInt32 = 0
}

/// A Swift value that can be sent as a statement parameter.
public protocol PGEncodable: Sendable {
    var pgBind: PGBind { get }
}

/// A Swift value that can be read from a column's text form.
public protocol PGDecodable {
    init(pgText: String) throws
}

extension String: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: self, oid: PGType.text) }
    public init(pgText: String) { self = pgText }
}

extension Int: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: String(self), oid: PGType.int8) }
    public init(pgText: String) throws {
        guard let value = Int(pgText) else { throw PGError(.conversion, message: "not an integer") }
        self = value
    }
}

extension Int32: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: String(self), oid: PGType.int4) }
    public init(pgText: String) throws {
        guard let value = Int32(pgText) else { throw PGError(.conversion, message: "not a 32-bit integer") }
        self = value
    }
}

extension Int64: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: String(self), oid: PGType.int8) }
    public init(pgText: String) throws {
        guard let value = Int64(pgText) else { throw PGError(.conversion, message: "not an integer") }
        self = value
    }
}

extension Double: PGEncodable, PGDecodable {
    public var pgBind: PGBind {
        let text: String
        if isNaN {
            text = "NaN"
        } else if isInfinite {
            text = self > 0 ? "Infinity" : "-Infinity"
        } else {
            text = description
        }
        return PGBind(text: text, oid: PGType.float8)
    }

    public init(pgText: String) throws {
        switch pgText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(pgText) else { throw PGError(.conversion, message: "not a number") }
            self = value
        }
    }
}

extension Bool: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: self ? "t" : "f", oid: PGType.bool) }
    public init(pgText: String) throws {
        switch pgText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PGError(.conversion, message: "not a boolean")
        }
    }
}

extension UUID: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: canonical, oid: PGType.uuid) }
    public init(pgText: String) throws {
        guard let value = UUID(uuidString: pgText) else { throw PGError(.conversion, message: "not a uuid") }
        self = value
    }
}

extension Date: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: Timestamp.iso8601Micros(self), oid: PGType.timestamptz) }
    public init(pgText: String) throws {
        guard let value = Timestamp.parse(pgText) else { throw PGError(.conversion, message: "not a timestamp") }
        self = value
    }
}

extension Decimal: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: NSDecimalNumber(decimal: self).stringValue, oid: PGType.numeric) }
    public init(pgText: String) throws {
        guard let value = Decimal(string: pgText, locale: Locale(identifier: "en_US_POSIX")) else {
            throw PGError(.conversion, message: "not a numeric")
        }
        self = value
    }
}

extension JSONValue: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: jsonText, oid: PGType.jsonb) }
    public init(pgText: String) throws {
        do {
            self = try JSONValue.parse(pgText)
        } catch {
            throw PGError(.conversion, message: "not JSON")
        }
    }
}

extension PGVector: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: text, oid: PGType.unknown) }
    public init(pgText: String) throws { try self.init(text: pgText) }
}

extension Day: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(text: description, oid: 1082) }
    public init(pgText: String) throws {
        guard let day = Day(pgText) else { throw PGError(.conversion, message: "not a date") }
        self = day
    }
}

extension Optional: PGEncodable where Wrapped: PGEncodable {
    public var pgBind: PGBind {
        switch self {
        case .none: return .null
        case .some(let value): return value.pgBind
        }
    }
}

extension Array: PGEncodable where Element: PGArrayElement {
    public var pgBind: PGBind {
        PGBind(text: PGArray.literal(map(\.pgArrayText)), oid: Element.pgArrayOID)
    }
}

extension Array: PGDecodable where Element: PGArrayElement {
    public init(pgText: String) throws {
        self = try PGArray.parse(pgText).map { text in
            guard let text else { throw PGError(.conversion, message: "NULL element in array") }
            return try Element(pgText: text)
        }
    }
}

/// A type that can be an element of a one-dimensional PostgreSQL array parameter.
public protocol PGArrayElement: PGDecodable, Sendable {
    static var pgArrayOID: UInt32 { get }
    var pgArrayText: String { get }
}

extension String: PGArrayElement {
    public static var pgArrayOID: UInt32 { PGType.textArray }
    public var pgArrayText: String { self }
}

extension UUID: PGArrayElement {
    public static var pgArrayOID: UInt32 { PGType.uuidArray }
    public var pgArrayText: String { canonical }
}

/// PostgreSQL's array text form, one dimension.
public enum PGArray {
    /// `{"a","b \"c\"",NULL}`: every element quoted, so any text round-trips.
    public static func literal(_ elements: [String?]) -> String {
        var out = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            guard let element else {
                out += "NULL"
                continue
            }
            out += "\""
            for char in element.unicodeScalars {
                if char == "\"" || char == "\\" { out += "\\" }
                out.unicodeScalars.append(char)
            }
            out += "\""
        }
        out += "}"
        return out
    }

    /// Parses a one-dimensional array literal as PostgreSQL prints it.
    public static func parse(_ text: String) throws -> [String?] {
        let scalars = Array(text.unicodeScalars)
        guard scalars.first == "{", scalars.last == "}" else {
            throw PGError(.conversion, message: "not an array literal")
        }
        var elements: [String?] = []
        var index = 1
        let end = scalars.count - 1
        if index == end { return [] }
        while index <= end {
            var element = String.UnicodeScalarView()
            var quoted = false
            if scalars[index] == "\"" {
                quoted = true
                index += 1
                while index < end, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < end { index += 1 }
                    element.append(scalars[index])
                    index += 1
                }
                index += 1  // closing quote
            } else {
                while index < end, scalars[index] != "," {
                    element.append(scalars[index])
                    index += 1
                }
            }
            let value = String(element)
            elements.append(!quoted && value == "NULL" ? nil : value)
            guard index == end || scalars[index] == "," else {
                throw PGError(.conversion, message: "malformed array literal")
            }
            index += 1
        }
        return elements
    }
}
