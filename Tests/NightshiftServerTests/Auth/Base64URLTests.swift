import Foundation
import NightshiftServer
import Testing

@Suite("Strict base64url")
struct Base64URLTests {
    @Test("round-trips every length and byte value, matching Foundation's alphabet swapped and unpadded")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(encoded == foundation)
            #expect(Base64URL.decode(encoded) == bytes)
        }
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test("padding, the standard alphabet, whitespace, impossible lengths and stray bits are refused")
    func strict() {
        for text in ["QQ==", "QQ=", "+/8", "Q Q", "QQ\n", "Q", "QUJDR", "QR", "QUJ", "é", "QQ%3D"] {
            #expect(Base64URL.decode(text) == nil, "\(text)")
        }
        // "QQ" is the one spelling of "A"; "QR" carries a set trailing bit and would decode to "A" too.
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
        #expect(Base64URL.decode("QUJ") == nil)
        #expect(Base64URL.decode("") == [])
    }
}
