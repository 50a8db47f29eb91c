import Foundation
import Testing

@testable import OrchestratorCore

@Suite struct TaskTokenTests {
    let signer = TaskTokenSigner(keyBytes: Array(repeating: 7, count: 32))

    @Test func issuedTokensVerifyToWhatTheyStandFor() throws {
        let token = TaskToken(shard: 2, executionID: 123_456_789, taskID: "Parallel/1/Wait4Token#3", attempt: 4)
        let text = signer.issue(token)
        #expect(try signer.verify(text) == token)
        #expect(text.utf8.count <= TaskTokenSigner.maximumLength)
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func eachAttemptGetsADifferentToken() {
        let first = signer.issue(TaskToken(executionID: 1, taskID: "t", attempt: 0))
        let retry = signer.issue(TaskToken(executionID: 1, taskID: "t", attempt: 1))
        #expect(first != retry)
    }

    @Test func anyChangedCharacterIsRefused() throws {
        let text = signer.issue(TaskToken(executionID: 42, taskID: "task", attempt: 0))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for index in text.indices {
            for replacement in alphabet where replacement != text[index] {
                var forged = text
                forged.replaceSubrange(index...index, with: String(replacement))
                #expect(throws: TaskTokenError.self) { try signer.verify(forged) }
            }
        }
    }

    @Test func tokensOfAnotherKeyAreForgeries() {
        let other = TaskTokenSigner(keyBytes: Array(repeating: 8, count: 32))
        let text = other.issue(TaskToken(executionID: 1, taskID: "t", attempt: 0))
        #expect { try signer.verify(text) } throws: { ($0 as? TaskTokenError)?.code == .badSignature }
    }

    @Test(arguments: ["", "x", "not a token", "====", String(repeating: "A", count: 2000), "AAAA", "é"])
    func garbageIsMalformedNotACrash(_ text: String) {
        #expect { try signer.verify(text) } throws: { ($0 as? TaskTokenError)?.awsErrorType == "InvalidToken" }
    }

    @Test func truncatedTokensAreRefused() {
        let text = signer.issue(TaskToken(executionID: 9, taskID: "task", attempt: 2))
        for length in 0..<text.count {
            #expect(throws: TaskTokenError.self) { try signer.verify(String(text.prefix(length))) }
        }
    }

    @Test func everyTokenBatonDidNotIssueIsRefusedByOneRule() {
        let text = signer.issue(TaskToken(executionID: 9, taskID: "task", attempt: 2))
        let other = TaskTokenSigner(keyBytes: Array(repeating: 8, count: 32)).issue(
            TaskToken(executionID: 9, taskID: "task", attempt: 2))
        let refused = [
            "not a token", String(text.prefix(8)), String(text.prefix(40)), String(text.dropLast(4)), other,
            "AAAA" + text,
        ]
        var messages: Set<String> = []
        for candidate in refused {
            do {
                _ = try signer.verify(candidate)
                Issue.record("accepted \(candidate.prefix(12))…")
            } catch {
                #expect(error.awsErrorType == "InvalidToken")
                messages.insert(error.message)
            }
        }
        #expect(messages == [TaskTokenError.notIssued])
    }

    @Test func configuredKeysAcceptBase64OrPassphrases() throws {
        let base64 = Data(repeating: 7, count: 32).base64EncodedString()
        let fromBase64 = TaskTokenSigner(configuredKey: base64)
        let token = TaskToken(executionID: 5, taskID: "t", attempt: 0)
        #expect(try signer.verify(fromBase64.issue(token)) == token)
        let passphrase = TaskTokenSigner(configuredKey: "correct horse battery staple")
        #expect(throws: TaskTokenError.self) { try signer.verify(passphrase.issue(token)) }
        #expect(try passphrase.verify(passphrase.issue(token)) == token)
    }

    @Test func shortIDsCorrelateButDoNotRevealTheToken() {
        let text = signer.issue(TaskToken(executionID: 5, taskID: "t", attempt: 0))
        #expect(TaskTokenSigner.shortID(of: text) == TaskTokenSigner.shortID(of: text))
        #expect(TaskTokenSigner.shortID(of: text).count == 12)
        #expect(!text.contains(TaskTokenSigner.shortID(of: text)))
    }

    @Test func randomTextNeverTraps() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ")
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...120, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            if (try? signer.verify(text)) != nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }
}
