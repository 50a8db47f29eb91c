import Foundation
import Testing

@testable import BatonProtocol

@Suite struct CallbackTests {
    @Test(arguments: [
        Callback(taskToken: "tok", outcome: .success(output: #"{"ok":true,"n":[1,2]}"#)),
        Callback(taskToken: "tok", outcome: .failure(error: "Oops", cause: "it broke")),
        Callback(taskToken: "tok", outcome: .failure(error: nil, cause: nil)),
        Callback(taskToken: "tok", outcome: .heartbeat),
    ])
    func roundTripsThroughTheWireForm(_ callback: Callback) throws {
        #expect(try Callback(decoding: callback.encoded()) == callback)
    }

    @Test func decodesTheDocumentedWireForm() throws {
        let body = #"{"action":"SendTaskFailure","taskToken":"abc","error":"Timeout","cause":"slow"}"#
        let callback = try Callback(decoding: Array(body.utf8))
        #expect(callback.taskToken == "abc")
        #expect(callback.outcome == .failure(error: "Timeout", cause: "slow"))
        #expect(callback.action == "SendTaskFailure")
    }

    @Test(arguments: [
        ("not json", ProtocolError.Code.malformedJSON),
        ("[1,2]", .malformedJSON),
        (#"{"action":"SendTaskHeartbeat"}"#, .missingField),
        (#"{"taskToken":"t"}"#, .missingField),
        (#"{"action":"SendTaskHeartbeat","taskToken":"t","extra":1}"#, .unknownField),
        (#"{"action":"SendTaskHeartbeat","taskToken":7}"#, .wrongType),
        (#"{"action":"SendTaskHeartbeat","taskToken":""}"#, .wrongType),
        (#"{"action":"SendTaskSuccess","taskToken":"t"}"#, .missingField),
        (#"{"action":"SendTaskSuccess","taskToken":"t","output":"{nope"}"#, .invalidOutput),
        (#"{"action":"SendTaskSuccess","taskToken":"t","output":"{}","error":"E"}"#, .unknownField),
        (#"{"action":"SendTaskHeartbeat","taskToken":"t","output":"{}"}"#, .unknownField),
        (#"{"action":"SendTaskFailure","taskToken":"t","output":"{}"}"#, .unknownField),
        (#"{"action":"SendTaskTeleport","taskToken":"t"}"#, .unknownAction),
    ])
    func refusesBadMessagesWithAClearCode(_ body: String, _ code: ProtocolError.Code) {
        #expect {
            try Callback(decoding: Array(body.utf8))
        } throws: { error in
            (error as? ProtocolError)?.code == code
        }
    }

    @Test func enforcesTheAWSLengthLimits() throws {
        let longToken = String(repeating: "t", count: 2049)
        #expect(throws: ProtocolError.self) {
            try Callback(decoding: Callback(taskToken: longToken, outcome: .heartbeat).encoded())
        }
        let longError = Callback(
            taskToken: "t", outcome: .failure(error: String(repeating: "e", count: 257), cause: nil))
        #expect(throws: ProtocolError.self) { try Callback(decoding: longError.encoded()) }
        let longestCause = Callback(
            taskToken: "t", outcome: .failure(error: "E", cause: String(repeating: "c", count: 32_768)))
        #expect(try Callback(decoding: longestCause.encoded()) == longestCause)
    }

    @Test func outputLimitIsMeasuredInUTF8BytesAndAnswersInvalidOutput() throws {
        let fits = "\"" + String(repeating: "a", count: Callback.Limits.outputBytes - 2) + "\""
        #expect(
            try Callback(decoding: Callback(taskToken: "t", outcome: .success(output: fits)).encoded())
                .outcome == .success(output: fits))
        // 'é' is two UTF-8 bytes: the same character count would fit, the byte count does not.
        let tooBig = "\"" + String(repeating: "é", count: Callback.Limits.outputBytes / 2) + "\""
        #expect {
            try Callback(decoding: Callback(taskToken: "t", outcome: .success(output: tooBig)).encoded())
        } throws: { error in
            let error = error as? ProtocolError
            return error?.code == .invalidOutput && error?.awsErrorType == "InvalidOutput"
        }
    }

    @Test func oversizedBodiesAreRefusedBeforeParsing() {
        let body = [UInt8](repeating: UInt8(ascii: " "), count: Callback.Limits.messageBytes + 1)
        #expect { try Callback(decoding: body) } throws: { ($0 as? ProtocolError)?.code == .tooLarge }
    }

    @Test func errorMessagesNeverQuoteTheToken() {
        let secret = "SECRET-TOKEN-VALUE"
        let body = #"{"action":"SendTaskTeleport","taskToken":"\#(secret)"}"#
        #expect {
            try Callback(decoding: Array(body.utf8))
        } throws: { error in
            !"\(error)".contains(secret)
        }
    }

    @Test func repliesRoundTrip() throws {
        #expect(try CallbackReply(decoding: CallbackReply.accepted.encoded()).isAccepted)
        let rejected = CallbackReply.rejected("TaskTimedOut", "task already closed")
        #expect(
            String(decoding: rejected.encoded(), as: UTF8.self)
                == #"{"__type":"TaskTimedOut","message":"task already closed"}"#)
        #expect(try CallbackReply(decoding: rejected.encoded()) == rejected)
    }
}
