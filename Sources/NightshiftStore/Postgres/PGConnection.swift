import CLibPQ
import Dispatch
import Foundation
import NightshiftCore

/// One libpq connection.
///
/// Every use of the `PGconn` handle runs on the connection's own serial dispatch queue: that queue is the
/// lock that makes the `@unchecked Sendable` true, and it keeps libpq's blocking calls off Swift's
/// cooperative thread pool. A connection serves one task at a time; share them through `PGPool`.
public final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue: DispatchQueue
    /// The server's major version (15, 16, 18, …).
    public let serverVersion: Int

    /// Connects to a `postgres://` URL. libpq parameters in the query string (`sslmode`, `connect_timeout`,
    /// `application_name`, `options`, …) are passed through; a malformed URL or an unreachable server throws a
    /// `PGError(.connection)` whose message never contains the password.
    public static func connect(url: Secret, applicationName: String = "nightshift") async throws -> PGConnection {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try PGConnection(blockingURL: url.value, applicationName: applicationName) })
            }
        }
    }

    private init(blockingURL url: String, applicationName: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
            if let errorMessage { PQfreemem(errorMessage) }
            throw PGError(
                .connection, message: "malformed DATABASE_URL: \(Redaction.message(reason ?? "cannot parse", secretsOf: url))")
        }
        // Keep the user's parameters; add defaults for the ones not given.
        var keywords: [String] = []
        var values: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                keywords.append(String(cString: keyword))
                values.append(String(cString: value))
            }
            option += 1
        }
        PQconninfoFree(options)
        if !keywords.contains("connect_timeout") {
            keywords.append("connect_timeout")
            values.append("10")
        }
        if !keywords.contains("application_name") {
            keywords.append("application_name")
            values.append(applicationName)
        }
        let conn = PGConnection.connectParams(keywords: keywords, values: values)
        guard let conn else {
            throw PGError(.connection, message: "out of memory while connecting")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw PGError(.connection, message: PGConnection.scrub(message, secretsOf: url))
        }
        // Server notices ("relation … already exists, skipping") are not errors; libpq would print them to stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
        serverVersion = Int(PQserverVersion(conn)) / 10000
        queue = DispatchQueue(label: "nightshift.pg")
        // Predictable text formats for decoding; extensions on the path for pgvector's type and operators.
        try simpleQueryBlocking(
            "set search_path = public, extensions; set timezone = 'UTC'; set datestyle = 'ISO, YMD'")
    }

    private static func connectParams(keywords: [String], values: [String]) -> OpaquePointer? {
        var keywordPointers = keywords.map { strdup($0) } + [nil]
        var valuePointers = values.map { strdup($0) } + [nil]
        defer {
            keywordPointers.forEach { free($0) }
            valuePointers.forEach { free($0) }
        }
        return keywordPointers.withUnsafeMutableBufferPointer { keys in
            valuePointers.withUnsafeMutableBufferPointer { vals in
                keys.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: keys.count) { k in
                    vals.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: vals.count) { v in
                        PQconnectdbParams(k, v, 0)
                    }
                }
            }
        }
    }

    /// Removes the password of `url` (in any form: userinfo, query parameter, key=value) from a libpq message.
    static func scrub(_ message: String, secretsOf url: String) -> String {
        Redaction.message(message, secretsOf: url)
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether the connection is still usable.
    public var isHealthy: Bool {
        queue.sync { PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE }
    }

    // MARK: Running statements

    /// Runs a statement and returns all its rows.
    @discardableResult
    public func query(_ query: PGQuery) async throws -> [PGRow] {
        try await onQueue { try self.runBlocking(query) }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PGQuery) async throws -> Int {
        try await onQueue { try self.executeBlocking(query) }
    }

    /// Runs several statements in one round trip (no parameters), e.g. a migration file.
    public func simpleQuery(_ sql: String) async throws {
        try await onQueue { try self.simpleQueryBlocking(sql) }
    }

    private func simpleQueryBlocking(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else {
            throw PGError.from(result: nil, connection: handle, kind: .query, statement: nil)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        // PQexec returns only the last result; a failure aborts the rest of the string, so OK means all ran.
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw PGError.from(result: result, connection: handle, kind: .query, statement: nil)
        }
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    public func scalar<T: PGDecodable>(_ query: PGQuery, as type: T.Type = T.self) async throws -> T? {
        let rows = try await self.query(query)
        guard let row = rows.first else { return nil }
        return try row.decode(0, as: T?.self)
    }

    /// Runs `body` inside BEGIN … COMMIT; any error rolls back and is rethrown.
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        try await execute("begin")
        do {
            let value = try await body(self)
            try await execute("commit")
            return value
        } catch {
            _ = try? await execute("rollback")
            throw error
        }
    }

    func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    private func exec(_ query: PGQuery) throws -> OpaquePointer {
        let count = Int32(query.binds.count)
        var types = query.binds.map { Oid($0.oid) }
        var cValues: [UnsafeMutablePointer<CChar>?] = query.binds.map { $0.text.map { strdup($0) } ?? nil }
        defer { cValues.forEach { free($0) } }
        let result = cValues.withUnsafeMutableBufferPointer { values in
            values.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(values.count, 1)) {
                pointers in
                PQexecParams(handle, query.sql, count, &types, count > 0 ? pointers : nil, nil, nil, 0)
            }
        }
        guard let result else {
            throw PGError.from(result: nil, connection: handle, kind: .query, statement: query.sql)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            var error = PGError.from(result: result, connection: handle, kind: .query, statement: query.sql)
            PQclear(result)
            // The server quotes offending input in its messages ("invalid input syntax for type integer: "…"",
            // "Key (email)=(…) already exists"): parameter values never leave this layer.
            error.redact(query.binds.compactMap(\.text))
            throw error
        }
        return result
    }

    func runBlocking(_ query: PGQuery) throws -> [PGRow] {
        let result = try exec(query)
        defer { PQclear(result) }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = PGColumns(names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
        var rows: [PGRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(PGRow(values: values, columns: columns))
        }
        return rows
    }

    func executeBlocking(_ query: PGQuery) throws -> Int {
        let result = try exec(query)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    // MARK: COPY

    /// Streams `rowCount` rows into a table with `COPY … FROM STDIN` (text format): `row(i, &writer)` writes
    /// row i's fields and runs on the connection's queue; data goes to the server in 1 MB pieces. On any error
    /// the COPY is aborted, so a surrounding transaction sees none of its rows. Returns the rows copied.
    @discardableResult
    public func copyIn(
        _ statement: String, rowCount: Int, row: @escaping @Sendable (Int, inout PGCopyWriter) throws -> Void
    ) async throws -> Int {
        try await copy(statement, rowCount: rowCount, writer: PGCopyWriter(), row: row)
    }

    /// `copyIn` in COPY's binary format (the statement says `with (format binary)`): no number is printed and
    /// parsed again; a 1536-dimension vector is 6 KB of floats instead of 15 KB of text.
    @discardableResult
    public func copyInBinary(
        _ statement: String, rowCount: Int, row: @escaping @Sendable (Int, inout PGBinaryCopyWriter) throws -> Void
    ) async throws -> Int {
        try await copy(statement, rowCount: rowCount, writer: PGBinaryCopyWriter(), row: row)
    }

    private func copy<Writer: PGCopyFormat>(
        _ statement: String, rowCount: Int, writer: Writer, row: @escaping @Sendable (Int, inout Writer) throws -> Void
    ) async throws -> Int {
        try await onQueue {
            let start = PQexec(self.handle, statement)
            defer { PQclear(start) }
            guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
                throw PGError.from(result: start, connection: self.handle, kind: .copy, statement: statement)
            }
            var writer = writer
            do {
                for index in 0..<rowCount {
                    writer.beginRow()
                    try row(index, &writer)
                    writer.endRow()
                    if writer.buffer.count >= 1 << 20 {
                        try self.putCopyData(&writer.buffer, statement: statement)
                    }
                }
                writer.endData()
                try self.putCopyData(&writer.buffer, statement: statement)
            } catch {
                _ = PQputCopyEnd(self.handle, "aborted by client")
                while let result = PQgetResult(self.handle) { PQclear(result) }
                throw error
            }
            guard PQputCopyEnd(self.handle, nil) == 1 else {
                throw PGError.from(result: nil, connection: self.handle, kind: .copy, statement: statement)
            }
            var copied = 0
            var failure: PGError?
            while let result = PQgetResult(self.handle) {
                if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                    failure = PGError.from(result: result, connection: self.handle, kind: .copy, statement: statement)
                } else {
                    copied = Int(String(cString: PQcmdTuples(result))) ?? copied
                }
                PQclear(result)
            }
            if let failure { throw failure }
            return copied
        }
    }

    private func putCopyData(_ buffer: inout [UInt8], statement: String) throws {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                PQputCopyData(handle, $0, Int32(bytes.count))
            }
        }
        guard status == 1 else {
            throw PGError.from(result: nil, connection: handle, kind: .copy, statement: statement)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A COPY data format: rows accumulate in `buffer`, which `copy` sends and empties.
protocol PGCopyFormat: Sendable {
    var buffer: [UInt8] { get set }
    mutating func beginRow()
    mutating func endRow()
    /// After the last row.
    mutating func endData()
}

/// Builds rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
public struct PGCopyWriter: PGCopyFormat {
    var buffer: [UInt8] = []
    private var fieldsInRow = 0

    public init() {
        buffer.reserveCapacity(1 << 20 + 65536)
    }

    /// Appends one field of the current row.
    public mutating func field(_ value: String?) {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        guard let value else {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [92, 92])
            case UInt8(ascii: "\t"): buffer.append(contentsOf: [92, UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [92, UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): buffer.append(contentsOf: [92, UInt8(ascii: "r")])
            default: buffer.append(byte)
            }
        }
    }

    /// Appends a field from any encodable value (its text form).
    public mutating func field<T: PGEncodable>(_ value: T) {
        field(value.pgBind.text)
    }

    /// Appends a vector field without building an intermediate string per element.
    public mutating func vector(_ values: [Float]?) {
        guard let values else {
            field(nil as String?)
            return
        }
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        buffer.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: value.description.utf8)
        }
        buffer.append(UInt8(ascii: "]"))
    }

    mutating func beginRow() {}

    /// Ends the current row (`copyIn` calls it after each row).
    mutating func endRow() {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    mutating func endData() {}
}

/// Builds rows in COPY's binary format: a signature header, then per row a field count and, per field, its length
/// (-1 for NULL) and its value in the type's binary (`recv`) form, big-endian; a -1 trailer. The fields must be
/// written in the statement's column order, with the columns' exact types (the server does not convert).
public struct PGBinaryCopyWriter: PGCopyFormat {
    var buffer: [UInt8] = []
    private var rowStart = 0
    private var fieldsInRow: Int16 = 0

    public init() {
        buffer.reserveCapacity(1 << 20 + 65536)
        buffer.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        append(UInt32(0))  // flags
        append(UInt32(0))  // header extension length
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// A field's length word, to be filled in once its bytes are written.
    private mutating func openField() -> Int {
        fieldsInRow += 1
        append(Int32(0))
        return buffer.count
    }

    private mutating func closeField(_ start: Int) {
        let length = Int32(buffer.count - start).bigEndian
        withUnsafeBytes(of: length) { bytes in
            for offset in 0..<4 { buffer[start - 4 + offset] = bytes[offset] }
        }
    }

    public mutating func null() {
        fieldsInRow += 1
        append(Int32(-1))
    }

    /// `text` (also `varchar`).
    public mutating func text(_ value: String?) {
        guard let value else { return null() }
        let start = openField()
        buffer.append(contentsOf: value.utf8)
        closeField(start)
    }

    /// `jsonb`: a version byte, then the JSON text.
    public mutating func jsonb(_ value: String?) {
        guard let value else { return null() }
        let start = openField()
        buffer.append(1)
        buffer.append(contentsOf: value.utf8)
        closeField(start)
    }

    public mutating func uuid(_ value: UUID?) {
        guard let value else { return null() }
        let start = openField()
        withUnsafeBytes(of: value.uuid) { buffer.append(contentsOf: $0) }
        closeField(start)
    }

    public mutating func int4(_ value: Int?) {
        guard let value else { return null() }
        let start = openField()
        append(Int32(clamping: value))
        closeField(start)
    }

    /// `text[]`, one dimension (zero for an empty array).
    public mutating func textArray(_ values: [String]?) {
        guard let values else { return null() }
        let start = openField()
        append(Int32(values.isEmpty ? 0 : 1))  // dimensions
        append(Int32(0))  // has nulls
        append(UInt32(25))  // element type: text
        if !values.isEmpty {
            append(Int32(values.count))
            append(Int32(1))  // lower bound
            for value in values {
                let element = value.utf8
                append(Int32(element.count))
                buffer.append(contentsOf: element)
            }
        }
        closeField(start)
    }

    /// pgvector's `vector`: dimensions (int16), an unused int16, then the float4s.
    public mutating func vector(_ values: [Float]?) {
        guard let values else { return null() }
        let start = openField()
        append(Int16(clamping: values.count))
        append(Int16(0))
        let base = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: values.count * 4))
        buffer.withUnsafeMutableBytes { raw in
            for (index, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.bigEndian, toByteOffset: base + index * 4, as: UInt32.self)
            }
        }
        closeField(start)
    }

    /// `tsvector`, in the binary form `PGTSVector` builds.
    mutating func tsvector(_ value: PGTSVector?) {
        guard let value else { return null() }
        let start = openField()
        value.appendBinary(to: &buffer)
        closeField(start)
    }

    mutating func beginRow() {
        rowStart = buffer.count
        fieldsInRow = 0
        append(Int16(0))
    }

    /// Fills in the row's field count.
    mutating func endRow() {
        let count = fieldsInRow.bigEndian
        withUnsafeBytes(of: count) { bytes in
            buffer[rowStart] = bytes[0]
            buffer[rowStart + 1] = bytes[1]
        }
    }

    mutating func endData() {
        append(Int16(-1))
    }
}
