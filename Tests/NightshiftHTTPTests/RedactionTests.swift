import Foundation
import NightshiftHTTP
import Testing

@Suite("URLs and headers as errors and logs show them")
struct RedactionTests {
    @Test("user, password and secret-looking query values are removed; other query items stay")
    func redactURL() throws {
        let url = try #require(
            URL(string: "https://bob:hunter2@api.example.com/v1/x?api_key=abc&page=2&X-Amz-Signature=zz#f"))
        let shown = HTTPRequest.redact(url)
        #expect(shown == "https://api.example.com/v1/x?api_key=***&page=2&X-Amz-Signature=***")
        #expect(!shown.contains("hunter2") && !shown.contains("bob"))
    }

    @Test("header descriptions hide credentials")
    func headerDescription() {
        let headers: HTTPHeaders = ["Authorization": "Bearer sk-123", "x-api-key": "ant-456", "Accept": "*/*"]
        #expect(headers.description == "[Authorization: <redacted>, x-api-key: <redacted>, Accept: */*]")
    }
}
