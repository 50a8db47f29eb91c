import BatonJSON
import Foundation
import Testing

/// ValidateStateMachineDefinition's WARNING diagnostics for callback hazards, in AWS's response shape: asked for
/// with `severity: WARNING` (AWS's default, ERROR, answers errors only), `result` OK, counted by `maxResults`.
@Suite struct ValidateDiagnosticsTests {
    /// A callback task with neither a timeout nor the token in its Parameters.
    static let hazard = """
        {"StartAt": "Work", "States": {"Work": {"Type": "Task",
          "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "http://q/work", "MessageBody.$": "$"}, "End": true}}}
        """

    @Test func warningsAreAnsweredWithTheirCodeAndLocationWhenAskedFor() async throws {
        let api = try APIHarness()
        let answer = try await api.ok(
            "ValidateStateMachineDefinition", ["definition": .string(Self.hazard), "severity": "WARNING"])
        #expect(answer["result"] == "OK")
        #expect(answer["truncated"] == false)
        let diagnostics = try #require(answer["diagnostics"]?.arrayValue)
        #expect(
            diagnostics.map { $0.objectValue?.keys.sorted() }
                == Array(repeating: ["code", "location", "message", "severity"], count: 2))
        #expect(diagnostics.map { $0["severity"] } == ["WARNING", "WARNING"])
        #expect(diagnostics.map { $0["code"] } == ["CALLBACK_WITHOUT_TIMEOUT", "CALLBACK_WITHOUT_TASK_TOKEN"])
        #expect(diagnostics.map { $0["location"] } == ["/States/Work", "/States/Work/Parameters"])
        #expect(diagnostics[1]["message"]?.stringValue?.contains("$$.Task.Token") == true)
    }

    @Test func theDefaultSeverityAnswersErrorsOnlyAsAWSDoes() async throws {
        let api = try APIHarness()
        let answer = try await api.ok("ValidateStateMachineDefinition", ["definition": .string(Self.hazard)])
        #expect(answer["result"] == "OK")
        #expect(answer["diagnostics"] == .array([]))
        let errors = try await api.ok(
            "ValidateStateMachineDefinition", ["definition": .string(Self.hazard), "severity": "ERROR"])
        #expect(errors["diagnostics"] == .array([]))
    }

    @Test func anExpressTypeAddsTheUnsupportedPatternWarning() async throws {
        let api = try APIHarness()
        let answer = try await api.ok(
            "ValidateStateMachineDefinition",
            ["definition": .string(APIHarness.seedDefinition), "severity": "WARNING", "type": "EXPRESS"])
        #expect(answer["result"] == "OK")
        let diagnostics = try #require(answer["diagnostics"]?.arrayValue)
        #expect(diagnostics.map { $0["code"] } == ["CALLBACK_WITHOUT_TIMEOUT", "EXPRESS_UNSUPPORTED_PATTERN"])
        #expect(diagnostics.last?["location"] == "/States/Approve/Resource")
    }

    @Test func maxResultsCountsWarningsAndTruncates() async throws {
        let api = try APIHarness()
        let answer = try await api.ok(
            "ValidateStateMachineDefinition",
            ["definition": .string(Self.hazard), "severity": "WARNING", "maxResults": 1])
        #expect(answer["result"] == "OK")
        #expect(answer["truncated"] == true)
        #expect(answer["diagnostics"]?.arrayValue?.map { $0["code"] } == ["CALLBACK_WITHOUT_TIMEOUT"])
    }

    @Test func anInvalidDefinitionFailsWithItsErrorsOnly() async throws {
        let api = try APIHarness()
        let broken = Self.hazard.replacingOccurrences(of: #""End": true"#, with: #""Next": "Gone""#)
        let answer = try await api.ok(
            "ValidateStateMachineDefinition", ["definition": .string(broken), "severity": "WARNING"])
        #expect(answer["result"] == "FAIL")
        #expect(answer["diagnostics"]?.arrayValue?.map { $0["severity"] } == ["ERROR"])
        #expect(answer["diagnostics"]?.arrayValue?.first?["location"] == "/States/Work/Next")
    }

    @Test func aDefinitionWithWarningsIsStillCreated() async throws {
        let api = try APIHarness()
        for type in ["STANDARD", "EXPRESS"] {
            let created = try await api.ok(
                "CreateStateMachine",
                ["name": .string("hazard-\(type)"), "definition": .string(Self.hazard), "type": .string(type)])
            #expect(created["stateMachineArn"]?.stringValue?.hasSuffix(":stateMachine:hazard-\(type)") == true)
        }
    }
}
