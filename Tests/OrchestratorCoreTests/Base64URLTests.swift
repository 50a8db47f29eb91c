import Foundation
import Testing

@testable import OrchestratorCore

@Suite struct Base64URLTests {
    /// Foundation's base64, made URL-safe and unpadded: the reference the direct codec must match.
    private func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test func encodesAsFoundationDoesAndDecodesBack() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            #expect(text == reference(bytes))
            #expect(Base64URL.decode(text) == bytes)
        }
    }

    @Test func refusesTextThatIsNotCanonical() {
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)  // unused low bits set: a second spelling of "QQ"
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
        #expect(Base64URL.decode("QUJ") == nil)
        #expect(Base64URL.decode("QQ==") == nil)  // padding
        #expect(Base64URL.decode("Q") == nil)  // impossible length
        #expect(Base64URL.decode("QU+/") == nil)  // the other alphabet
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("é") == nil)
    }
}
