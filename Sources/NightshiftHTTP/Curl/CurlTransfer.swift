import CCurl
import Foundation
import NightshiftCore
import Synchronization

/// The head of a response: what is known once the body starts (or the transfer ends without one).
struct ResponseHead: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var url: URL
}

/// One transfer on a dedicated thread: sets up the easy handle, drives it with `curl_multi_poll`, and hands the
/// response to Swift through continuations.
///
/// `@unchecked Sendable`: after `start`, every mutable property is touched only by the transfer thread (curl calls
/// the callbacks on it); the one cross-thread entry, `cancel`, uses an atomic flag and, under `attached`'s lock,
/// `curl_multi_wakeup`, which libcurl documents as callable from any thread.
final class CurlTransfer: @unchecked Sendable {
    /// Where the response goes: the whole of it, or the head and then the body as it arrives.
    enum Delivery {
        case collect(CheckedContinuation<HTTPResponse, any Error>)
        case stream(
            head: CheckedContinuation<ResponseHead, any Error>,
            body: AsyncThrowingStream<[UInt8], any Error>.Continuation)
    }

    let request: HTTPRequest
    private let userAgent: String
    private let pool: CurlHandlePool
    private let onFinish: @Sendable () -> Void
    private let cancelRequested = Atomic<Bool>(false)
    /// The handles while the transfer runs; nil before and after, so a late `cancel` never wakes a reused pair.
    private let attached: Mutex<CurlHandles?> = Mutex(nil)

    // Confined to the transfer thread.
    private var delivery: Delivery?
    private var handles: CurlHandles?
    private var headerFields: [(String, String)] = []
    private var received = 0
    private var collected = Data()
    private var headDelivered = false
    private var exceededLimit = false
    private var consumerGone = false
    private var idleTimedOut = false
    /// When a byte last moved (either way), for the idle timeout.
    private var lastActivity = ContinuousClock.now
    private var uploaded: curl_off_t = 0

    init(request: HTTPRequest, userAgent: String, pool: CurlHandlePool, onFinish: @escaping @Sendable () -> Void) {
        self.request = request
        self.userAgent = userAgent
        self.pool = pool
        self.onFinish = onFinish
    }

    /// Starts the transfer thread; the delivery's continuations are resumed from it exactly once.
    func start(_ delivery: Delivery) {
        self.delivery = delivery
        let thread = Thread { [self] in run() }
        thread.name = "nightshift-http"
        thread.start()
    }

    /// Aborts the transfer (from any thread); it ends with a `.cancelled` error.
    func cancel() {
        cancelRequested.store(true, ordering: .sequentiallyConsistent)
        attached.withLock { handles in
            if let handles { _ = curl_multi_wakeup(handles.multi) }
        }
    }

    private var isCancelled: Bool { cancelRequested.load(ordering: .sequentiallyConsistent) }

    // MARK: - The transfer thread

    private func run() {
        defer { onFinish() }
        let handles: CurlHandles
        do {
            handles = try pool.take()
        } catch {
            fail(error)
            return
        }
        self.handles = handles
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        if let error = configure(handles, headerList: &headerList) {
            curl_easy_reset(handles.easy)
            pool.give(handles)
            fail(error)
            return
        }
        guard curl_multi_add_handle(handles.multi, handles.easy) == CURLM_OK else {
            fail(NightshiftError.http(.transport, "libcurl could not start the transfer", request: request))
            return
        }
        attached.withLock { $0 = handles }

        var running: Int32 = 1
        var multiFailure: CURLMcode = CURLM_OK
        // curl's own low-speed check averages over several seconds; the idle limit is checked here instead.
        let idleLimit = request.timeouts.idle
        let pollMilliseconds = Int32(idleLimit.map { min(1000, max(10, $0.milliseconds / 4)) } ?? 1000)
        lastActivity = .now
        while !isCancelled {
            let code = curl_multi_perform(handles.multi, &running)
            if code != CURLM_OK {
                multiFailure = code
                break
            }
            if running == 0 { break }
            if let idleLimit {
                noteUpload(handles)
                if ContinuousClock.now - lastActivity > idleLimit {
                    idleTimedOut = true
                    break
                }
            }
            // Wakes on socket activity, on curl's own timers, or on `curl_multi_wakeup` from `cancel`.
            _ = curl_multi_poll(handles.multi, nil, 0, pollMilliseconds, nil)
        }
        var result = CURLE_OK
        let done = running == 0 && nightshift_curl_multi_done(handles.multi, &result) == 1

        attached.withLock { $0 = nil }
        curl_multi_remove_handle(handles.multi, handles.easy)

        if isCancelled || consumerGone {
            finishCancelled()
        } else if idleTimedOut, let idle = idleLimit {
            fail(
                NightshiftError.http(
                    .idleTimeout, "no data received for \(idle.secondsText) (idle timeout)", request: request))
        } else if multiFailure != CURLM_OK {
            let text = String(cString: curl_multi_strerror(multiFailure))
            fail(NightshiftError.http(.transport, "libcurl failed: \(text)", request: request))
        } else if !done {
            fail(NightshiftError.http(.transport, "libcurl ended without a result", request: request))
        } else if result == CURLE_OK {
            succeed(handles)
        } else {
            fail(error(for: result, handles: handles))
        }
        self.handles = nil
        curl_easy_reset(handles.easy)
        pool.give(handles)
    }

    /// Sets every option; returns an error instead of starting when one is refused.
    private func configure(
        _ handles: CurlHandles, headerList: inout UnsafeMutablePointer<curl_slist>?
    ) -> NightshiftError? {
        let easy = handles.easy
        let scheme = request.url.scheme?.lowercased()
        guard scheme == "http" || scheme == "https", request.url.host != nil else {
            return NightshiftError.http(.invalidURL, "only http and https URLs are supported", request: request)
        }
        var failed: CURLoption?
        func long(_ option: CURLoption, _ value: Int) {
            if nightshift_curl_setopt_long(easy, option, value) != CURLE_OK, failed == nil { failed = option }
        }
        func string(_ option: CURLoption, _ value: String) {
            let code = value.withCString { nightshift_curl_setopt_ptr(easy, option, $0) }
            if code != CURLE_OK, failed == nil { failed = option }
        }
        func pointer(_ option: CURLoption, _ value: UnsafeRawPointer?) {
            if nightshift_curl_setopt_ptr(easy, option, value) != CURLE_OK, failed == nil { failed = option }
        }
        func offset(_ option: CURLoption, _ value: Int) {
            if nightshift_curl_setopt_off(easy, option, curl_off_t(value)) != CURLE_OK, failed == nil {
                failed = option
            }
        }

        handles.errorBuffer[0] = 0
        pointer(CURLOPT_ERRORBUFFER, UnsafeRawPointer(handles.errorBuffer))
        string(CURLOPT_URL, request.url.absoluteString)
        // Signals are process-wide; a threaded client must not let curl use them for DNS timeouts.
        long(CURLOPT_NOSIGNAL, 1)
        string(CURLOPT_PROTOCOLS_STR, "http,https")
        string(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        string(CURLOPT_USERAGENT, userAgent)
        string(CURLOPT_ACCEPT_ENCODING, "")
        long(CURLOPT_TCP_KEEPALIVE, 1)

        switch request.redirects {
        case .none:
            long(CURLOPT_FOLLOWLOCATION, 0)
        case .follow(let max):
            long(CURLOPT_FOLLOWLOCATION, 1)
            long(CURLOPT_MAXREDIRS, Swift.max(0, max))
        }

        long(CURLOPT_CONNECTTIMEOUT_MS, Swift.max(1, request.timeouts.connect.milliseconds))
        long(CURLOPT_TIMEOUT_MS, request.timeouts.total.map { Swift.max(1, $0.milliseconds) } ?? 0)
        if request.maxResponseBytes > 0 {
            offset(CURLOPT_MAXFILESIZE_LARGE, request.maxResponseBytes)
        }

        switch request.method {
        case .get where request.body == nil:
            long(CURLOPT_HTTPGET, 1)
        case .head:
            long(CURLOPT_NOBODY, 1)
        case .post:
            long(CURLOPT_POST, 1)
        default:
            string(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let body = request.body ?? (request.method == .post ? Data() : nil) {
            offset(CURLOPT_POSTFIELDSIZE_LARGE, body.count)
            // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call.
            body.withUnsafeBytes { bytes in
                var empty: UInt8 = 0
                if let base = bytes.baseAddress {
                    pointer(CURLOPT_COPYPOSTFIELDS, base)
                } else {
                    withUnsafePointer(to: &empty) { pointer(CURLOPT_COPYPOSTFIELDS, UnsafeRawPointer($0)) }
                }
            }
        }

        var list: UnsafeMutablePointer<curl_slist>?
        var hasExpect = false
        for (name, value) in request.headers {
            if name.lowercased() == "expect" { hasExpect = true }
            // "Name;" is curl's way to send a header with an empty value.
            let line = value.isEmpty ? "\(name);" : "\(name): \(value)"
            list = line.withCString { curl_slist_append(list, $0) }
        }
        if !hasExpect {
            // Without this, curl waits up to a second for "100 Continue" before sending a large body.
            list = "Expect:".withCString { curl_slist_append(list, $0) }
        }
        headerList = list
        pointer(CURLOPT_HTTPHEADER, list.map { UnsafeRawPointer($0) })

        let context = Unmanaged.passUnretained(self).toOpaque()
        if nightshift_curl_setopt_write(easy, curlWriteCallback) != CURLE_OK, failed == nil {
            failed = CURLOPT_WRITEFUNCTION
        }
        pointer(CURLOPT_WRITEDATA, context)
        if nightshift_curl_setopt_header(easy, curlHeaderCallback) != CURLE_OK, failed == nil {
            failed = CURLOPT_HEADERFUNCTION
        }
        pointer(CURLOPT_HEADERDATA, context)

        if let failed {
            return NightshiftError.http(
                .transport, "libcurl refused an option", request: request,
                extra: ["option": String(failed.rawValue)])
        }
        return nil
    }

    /// Counts request-body bytes going out as activity, so a slow upload is not taken for an idle peer.
    private func noteUpload(_ handles: CurlHandles) {
        var sent: curl_off_t = 0
        _ = nightshift_curl_getinfo_off(handles.easy, CURLINFO_SIZE_UPLOAD_T, &sent)
        if sent != uploaded {
            uploaded = sent
            lastActivity = .now
        }
    }

    /// A header line from curl; a status line starts a new response (after a redirect or `100 Continue`).
    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        lastActivity = .now
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headerFields.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { headerFields.append((name, value)) }
        }
    }

    /// Body bytes from curl; returning false aborts the transfer.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isCancelled { return false }
        lastActivity = .now
        received += bytes.count
        if request.maxResponseBytes > 0, received > request.maxResponseBytes {
            exceededLimit = true
            return false
        }
        switch delivery {
        case .collect:
            collected.append(contentsOf: bytes)
        case .stream(_, let body):
            deliverHead()
            if case .terminated = body.yield(Array(bytes)) {
                consumerGone = true
                return false
            }
        case nil:
            return false
        }
        return true
    }

    private func currentHead(_ handles: CurlHandles) -> ResponseHead {
        var status = 0
        _ = nightshift_curl_getinfo_long(handles.easy, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutablePointer<CChar>?
        _ = nightshift_curl_getinfo_string(handles.easy, CURLINFO_EFFECTIVE_URL, &effective)
        let url = effective.flatMap { URL(string: String(cString: $0)) } ?? request.url
        return ResponseHead(status: status, headers: HTTPHeaders(headerFields), url: url)
    }

    private func deliverHead() {
        guard !headDelivered, let handles, case .stream(let head, _) = delivery else { return }
        headDelivered = true
        head.resume(returning: currentHead(handles))
    }

    private func succeed(_ handles: CurlHandles) {
        switch delivery {
        case .collect(let continuation):
            let head = currentHead(handles)
            continuation.resume(
                returning: HTTPResponse(status: head.status, headers: head.headers, body: collected, url: head.url))
            collected = Data()
        case .stream(_, let body):
            deliverHead()
            body.finish()
        case nil:
            break
        }
        delivery = nil
    }

    private func fail(_ error: any Error) {
        switch delivery {
        case .collect(let continuation):
            continuation.resume(throwing: error)
        case .stream(let head, let body):
            if !headDelivered {
                headDelivered = true
                head.resume(throwing: error)
            }
            body.finish(throwing: error)
        case nil:
            break
        }
        delivery = nil
    }

    private func finishCancelled() {
        fail(
            NightshiftError(
                .cancelled, "HTTP request cancelled",
                context: ["url": request.redactedURL].merging(request.provider.map { ["provider": $0] } ?? [:]) {
                    $1
                }))
    }

    /// Maps a curl result to an error that says which limit or failure it was.
    private func error(for code: CURLcode, handles: CurlHandles) -> NightshiftError {
        let detail = handles.errorText ?? String(cString: curl_easy_strerror(code))
        var extra = ["detail": detail]
        if exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            extra["limit_bytes"] = String(request.maxResponseBytes)
            return .http(
                .tooLarge, "response body exceeds the limit of \(request.maxResponseBytes) bytes", request: request,
                extra: extra)
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            var connected: curl_off_t = 0
            _ = nightshift_curl_getinfo_off(handles.easy, CURLINFO_CONNECT_TIME_T, &connected)
            if connected == 0 && !headDelivered && received == 0 {
                return .http(
                    .connectTimeout,
                    "could not connect within \(request.timeouts.connect.secondsText) (connect timeout)",
                    request: request, extra: extra)
            }
            let total = request.timeouts.total?.secondsText ?? "?"
            return .http(
                .timeout, "the request did not complete within \(total) (total timeout)", request: request,
                extra: extra)
        case CURLE_TOO_MANY_REDIRECTS:
            let max: Int
            if case .follow(let count) = request.redirects { max = count } else { max = 0 }
            return .http(.tooManyRedirects, "more than \(max) redirects", request: request, extra: extra)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .http(.invalidURL, "the URL is not valid for an HTTP request", request: request, extra: extra)
        default:
            return .http(.transport, "HTTP transfer failed: \(detail)", request: request, extra: extra)
        }
    }
}

private let curlWriteCallback:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int =
        { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            let bytes = UnsafeRawBufferPointer(
                start: data.map { UnsafeRawPointer($0) }, count: data == nil ? 0 : length)
            return transfer.receiveBody(bytes) ? length : 0
        }

private let curlHeaderCallback:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int =
        { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            let bytes = UnsafeRawBufferPointer(
                start: data.map { UnsafeRawPointer($0) }, count: data == nil ? 0 : length)
            transfer.receiveHeader(bytes)
            return length
        }

extension Duration {
    /// Whole milliseconds, rounded up so a positive limit never becomes zero (no limit) in curl.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: millis)
    }

    /// Seconds as a short text for messages ("0.5 s", "30 s").
    var secondsText: String {
        let millis = milliseconds
        if millis % 1000 == 0 { return "\(millis / 1000) s" }
        return String(format: "%.1f s", Double(millis) / 1000)
    }

    /// Seconds as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
