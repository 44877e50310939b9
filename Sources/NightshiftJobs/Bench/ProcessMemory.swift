import Foundation

/// The process's memory, read from /proc (Linux).
public enum ProcessMemory {
    /// Peak resident set size in bytes (`VmHWM`), or nil where /proc is not available.
    public static func peakResidentBytes() -> Int? {
        value(of: "VmHWM")
    }

    /// Current resident set size in bytes (`VmRSS`).
    public static func residentBytes() -> Int? {
        value(of: "VmRSS")
    }

    static func value(of field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// `123.4 MB`.
    public static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "n/a" }
        return String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
