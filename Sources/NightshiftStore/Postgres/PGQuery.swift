/// A statement and its parameters, built by string interpolation: every interpolated value becomes a
/// `$n` placeholder and a bind, so values never enter the SQL text (postgres-nio's `PostgresQuery` model).
///
///     let query: PGQuery = "select id from documents where source_uri = \(uri) and owner_id = \(owner)"
///
/// Identifiers and other trusted SQL fragments go in with `\(unescaped: "…")`.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [PGBind]

    public init(sql: String, binds: [PGBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// The SQL text only; parameter values are never shown.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PGBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation<Value: PGEncodable>(_ value: Value) {
            binds.append(value.pgBind)
            sql += "$\(binds.count)"
        }

        /// A nullable value: NULL when nil.
        public mutating func appendInterpolation<Value: PGEncodable>(_ value: Value?) {
            binds.append(value.map(\.pgBind) ?? .null)
            sql += "$\(binds.count)"
        }

        /// Appends trusted SQL text as is (identifiers, keywords); never user input.
        public mutating func appendInterpolation(unescaped fragment: String) {
            sql += fragment
        }
    }

    /// Appends another query, renumbering its placeholders (`$1` of `other` becomes `$(n+1)`), in one pass.
    public mutating func append(_ other: PGQuery) {
        let offset = binds.count
        var scalars = other.sql.unicodeScalars[...]
        var out = String.UnicodeScalarView()
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            out.append(scalar)
            guard scalar == "$", offset > 0 else { continue }
            var digits = ""
            while let next = scalars.first, next.properties.numericType == .decimal, next.isASCII {
                digits.unicodeScalars.append(next)
                scalars = scalars.dropFirst()
            }
            if let number = Int(digits) {
                out.append(contentsOf: String(number + offset).unicodeScalars)
            } else {
                out.append(contentsOf: digits.unicodeScalars)
            }
        }
        sql += String(out)
        binds += other.binds
    }
}

/// One row of a result, read by position or column name from the text format.
public struct PGRow: Sendable {
    let values: [String?]
    let columns: PGColumns

    /// The text of a column, nil for NULL.
    public func text(_ index: Int) -> String? {
        index < values.count ? values[index] : nil
    }

    /// Decodes a non-null column; a NULL or malformed value throws an error naming the column.
    public func decode<T: PGDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard let text = text(index) else {
            throw PGError(.conversion, message: "column \(columns.name(index)) is NULL, expected \(T.self)")
        }
        do {
            return try T(pgText: text)
        } catch let error as PGError {
            throw PGError(.conversion, message: "column \(columns.name(index)): \(error.message)")
        }
    }

    /// Decodes a nullable column.
    public func decode<T: PGDecodable>(_ index: Int, as type: T?.Type) throws -> T? {
        guard text(index) != nil else { return nil }
        return try decode(index, as: T.self)
    }

    /// Decodes a column by name.
    public func decode<T: PGDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(columns.index(of: name), as: type)
    }

    /// Decodes a nullable column by name.
    public func decode<T: PGDecodable>(_ name: String, as type: T?.Type) throws -> T? {
        try decode(columns.index(of: name), as: type)
    }
}

/// Column names of a result.
public struct PGColumns: Sendable {
    let names: [String]

    func name(_ index: Int) -> String {
        index < names.count ? names[index] : "#\(index)"
    }

    func index(of name: String) throws -> Int {
        guard let index = names.firstIndex(of: name) else {
            throw PGError(.conversion, message: "no column named \(name)")
        }
        return index
    }
}
