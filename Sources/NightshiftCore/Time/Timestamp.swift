import Foundation

/// Fast, allocation-light conversion between `Date` and the timestamp texts the stores use.
///
/// SQLite keeps times as ISO 8601 UTC text with milliseconds (`2026-11-25T16:30:31.123Z`), which sorts in time
/// order; PostgreSQL returns `timestamptz` as `2026-11-25 16:30:31.123456+00`. Both parse here.
public enum Timestamp {
    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// `2026-11-25T16:30:31.123Z` (UTC, milliseconds).
    public static func iso8601(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        var totalMillis = Int64(millis)
        var days = Int(totalMillis / 86_400_000)
        totalMillis %= 86_400_000
        if totalMillis < 0 {
            totalMillis += 86_400_000
            days -= 1
        }
        let (y, mo, d) = civilFromDays(days)
        let ms = Int(totalMillis % 1000)
        let secs = Int(totalMillis / 1000)
        var out = ""
        out.reserveCapacity(24)
        append(y, width: 4, to: &out)
        out += "-"
        append(mo, width: 2, to: &out)
        out += "-"
        append(d, width: 2, to: &out)
        out += "T"
        append(secs / 3600, width: 2, to: &out)
        out += ":"
        append(secs / 60 % 60, width: 2, to: &out)
        out += ":"
        append(secs % 60, width: 2, to: &out)
        out += "."
        append(ms, width: 3, to: &out)
        out += "Z"
        return out
    }

    /// `2026-11-25T16:30:31.123456Z` (UTC, microseconds), for PostgreSQL parameters.
    public static func iso8601Micros(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var total = Int64(micros)
        var days = Int(total / 86_400_000_000)
        total %= 86_400_000_000
        if total < 0 {
            total += 86_400_000_000
            days -= 1
        }
        let (y, mo, d) = civilFromDays(days)
        let us = Int(total % 1_000_000)
        let secs = Int(total / 1_000_000)
        var out = ""
        append(y, width: 4, to: &out)
        out += "-"
        append(mo, width: 2, to: &out)
        out += "-"
        append(d, width: 2, to: &out)
        out += "T"
        append(secs / 3600, width: 2, to: &out)
        out += ":"
        append(secs / 60 % 60, width: 2, to: &out)
        out += ":"
        append(secs % 60, width: 2, to: &out)
        out += "."
        append(us, width: 6, to: &out)
        out += "Z"
        return out
    }

    private static func append(_ value: Int, width: Int, to out: inout String) {
        let text = String(value)
        if text.count < width { out += String(repeating: "0", count: width - text.count) }
        out += text
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fff…]]][Z|±HH[:MM[:SS]]]`; a missing offset means UTC.
    public static func parse(_ text: String) -> Date? {
        var bytes = Array(text.utf8)[...]
        func number(_ count: Int) -> Int? {
            guard bytes.count >= count else { return nil }
            var value = 0
            for byte in bytes.prefix(count) {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            bytes = bytes.dropFirst(count)
            return value
        }
        func take(_ char: UInt8) -> Bool {
            if bytes.first == char {
                bytes = bytes.dropFirst()
                return true
            }
            return false
        }
        var negativeYear = false
        if take(UInt8(ascii: "-")) { negativeYear = true }
        guard let year = number(4), take(UInt8(ascii: "-")), let month = number(2), take(UInt8(ascii: "-")),
            let day = number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: negativeYear ? -year : year, month: month, day: day)) * 86400
        if take(UInt8(ascii: "T")) || take(UInt8(ascii: " ")) || take(UInt8(ascii: "t")) {
            guard let hour = number(2), take(UInt8(ascii: ":")), let minute = number(2), hour < 25, minute < 60 else {
                return nil
            }
            seconds += Double(hour * 3600 + minute * 60)
            if take(UInt8(ascii: ":")) {
                guard let second = number(2), second <= 60 else { return nil }
                seconds += Double(second)
                if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                    var scale = 0.1
                    var fraction = 0.0
                    var digits = 0
                    while let byte = bytes.first, byte >= 48, byte <= 57 {
                        fraction += Double(byte - 48) * scale
                        scale /= 10
                        digits += 1
                        bytes = bytes.dropFirst()
                    }
                    guard digits > 0 else { return nil }
                    seconds += fraction
                }
            }
            if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) {
                // UTC
            } else if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
                guard let offsetHours = number(2) else { return nil }
                var offset = offsetHours * 3600
                _ = take(UInt8(ascii: ":"))
                if let minutes = number(2) {
                    offset += minutes * 60
                    _ = take(UInt8(ascii: ":"))
                    if let secs = number(2) { offset += secs }
                }
                seconds -= Double(sign == UInt8(ascii: "+") ? offset : -offset)
            }
        }
        guard bytes.isEmpty else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}

/// A calendar day without a time, as `YYYY-MM-DD`.
public struct Day: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    public init(year: Int, month: Int, day: Int) {
        ordinal = Timestamp.daysFromCivil(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD` strictly (a real calendar date); nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1
        else { return nil }
        let ordinal = Timestamp.daysFromCivil(year: y, month: m, day: d)
        let back = Timestamp.civilFromDays(ordinal)
        guard back.year == y, back.month == m, back.day == d else { return nil }
        self.ordinal = ordinal
    }

    /// The UTC day of an instant.
    public init(utc date: Date) {
        ordinal = Int((date.timeIntervalSince1970 / 86400).rounded(.down))
    }

    public var description: String {
        let (y, m, d) = Timestamp.civilFromDays(ordinal)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// Midnight UTC at the start of this day.
    public var startUTC: Date { Date(timeIntervalSince1970: Double(ordinal) * 86400) }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A source of the current time, injectable so tests can pin it.
public protocol Clock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}
