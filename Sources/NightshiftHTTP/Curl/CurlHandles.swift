import CCurl
import Foundation
import NightshiftCore
import Synchronization

/// libcurl's process-wide initialisation, done once before the first handle.
enum CurlGlobal {
    /// Whether `curl_global_init` succeeded; a `static let` runs it exactly once, thread-safely.
    static let ready: Bool = nightshift_curl_global_init() == CURLE_OK
}

/// One easy handle in its own multi handle, reused across transfers so connections (and TLS sessions) are kept.
///
/// `@unchecked Sendable`: the pool hands a pair to one transfer thread at a time, and only that thread uses the
/// handles until it gives the pair back; `CurlTransfer` guards the one cross-thread call (`curl_multi_wakeup`).
final class CurlHandles: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let multi: UnsafeMutableRawPointer
    /// curl writes its last error text here (`CURLOPT_ERRORBUFFER`).
    let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        guard CurlGlobal.ready else {
            throw NightshiftError(.internal, "libcurl could not be initialised")
        }
        guard let easy = curl_easy_init() else {
            throw NightshiftError(.internal, "libcurl could not create a handle")
        }
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(easy)
            throw NightshiftError(.internal, "libcurl could not create a multi handle")
        }
        self.easy = easy
        self.multi = multi
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    /// The text curl left in the error buffer, or nil.
    var errorText: String? {
        let text = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_multi_cleanup(multi)
        errorBuffer.deallocate()
    }
}

/// Idle handle pairs kept for reuse, at most `capacity` of them.
final class CurlHandlePool: Sendable {
    private let idle: Mutex<[CurlHandles]> = Mutex([])
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// An idle pair, or a new one.
    func take() throws -> CurlHandles {
        if let handles = idle.withLock({ $0.popLast() }) { return handles }
        return try CurlHandles()
    }

    /// Returns a pair for reuse; beyond capacity it is freed.
    func give(_ handles: CurlHandles) {
        let overflow: CurlHandles? = idle.withLock { idle in
            guard idle.count < capacity else { return handles }
            idle.append(handles)
            return nil
        }
        // Freed outside the lock: curl_multi_cleanup may close connections.
        _ = overflow
    }
}
