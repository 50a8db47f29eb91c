import BatonJSON
import Foundation
import Testing

/// TestState over the HTTP API: AWS's response shape (data as JSON text) and the errors AWS gives for requests it
/// refuses, each with its `__type`.
@Suite struct TestStateRequestTests {
    static let pass = #"{"Type": "Pass", "Parameters": {"v.$": "$.a"}, "Next": "After"}"#
    static let task = """
        {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
         "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}
        """

    @Test func aPassStateAnswersAWSsShape() async throws {
        let api = try APIHarness()
        let answer = try await api.ok(
            "TestState",
            ["definition": .string(Self.pass), "input": #"{"a": 1}"#, "inspectionLevel": "DEBUG"])
        #expect(answer["status"] == "SUCCEEDED")
        #expect(answer["nextState"] == "After")
        #expect(answer["output"] == #"{"v":1}"#)
        let data = try #require(answer["inspectionData"]?.objectValue)
        #expect(data["input"] == #"{"a":1}"#)
        #expect(data["afterInputPath"] == #"{"a":1}"#)
        #expect(data["afterParameters"] == #"{"v":1}"#)
        let info = try await api.ok("TestState", ["definition": .string(Self.pass), "input": #"{"a": 1}"#])
        #expect(info.objectValue?.keys.sorted() == ["nextState", "output", "status"])
    }

    @Test func aMockedTaskNeedsNoRoleAndAnswersItsResult() async throws {
        let api = try APIHarness()
        let answer = try await api.ok(
            "TestState", ["definition": .string(Self.task), "mock": ["result": #"{"done": true}"#]])
        #expect(answer["status"] == "SUCCEEDED")
        #expect(answer["output"] == #"{"done":true}"#)
    }

    /// Sends a TestState request and returns the `__type` and message of its 400 answer.
    static func refusal(_ api: APIHarness, _ body: JSON) async throws -> (type: String?, message: String?) {
        let answer = try await api.call("TestState", body.serialized)
        #expect(answer.status == 400, "\(answer.body.serialized)")
        return (answer.errorType, answer.body["message"]?.stringValue)
    }

    @Test func badDefinitionsAnswerInvalidDefinition() async throws {
        let api = try APIHarness()
        let notJSON = try await Self.refusal(api, ["definition": "{not json"])
        #expect(notJSON.type == "InvalidDefinition")
        let badType = try await Self.refusal(api, ["definition": #"{"Type": "Sleep", "End": true}"#])
        #expect(badType.type == "InvalidDefinition")
        #expect(badType.message?.contains("/States/StateName/Type") == true)
        let parallel = try await Self.refusal(
            api,
            [
                "definition": """
                {"Type": "Parallel", "End": true, "Branches": [
                  {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}]}
                """
            ])
        #expect(parallel.type == "InvalidDefinition")
        #expect(parallel.message?.hasPrefix("TestState API does not support Map or Parallel states.") == true)
    }

    @Test func badRequestsAnswerValidationExceptionWithAWSsMessages() async throws {
        let api = try APIHarness()
        let cases: [(JSON, String)] = [
            (
                ["definition": .string(Self.task), "mock": ["result": "1", "errorOutput": ["error": "E"]]],
                "A test mock should have only one of the following fields: [result, errorOutput]."
            ),
            (
                ["definition": .string(Self.task), "mock": ["result": "{nope"]],
                "Mocked result must be valid JSON"
            ),
            (
                ["definition": .string(Self.task), "mock": ["result": "1"], "revealSecrets": true],
                "TestState does not support RevealSecrets when a mock is specified."
            ),
            (
                ["definition": .string(Self.pass), "mock": ["result": "1"]],
                "State type 'Pass' is not supported when a mock is specified"
            ),
            (["definition": .string(Self.task)], "RoleArn must be specified when testing a Task state"),
            (
                [
                    "definition": #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
                    "stateName": "B",
                ],
                "State not found in definition"
            ),
        ]
        for (body, message) in cases {
            let refusal = try await Self.refusal(api, body)
            #expect(refusal.type == "ValidationException", "\(message)")
            #expect(refusal.message == message)
        }
        let level = try await Self.refusal(api, ["definition": .string(Self.pass), "inspectionLevel": "ALL"])
        #expect(level.type == "ValidationException")
        let context = try await Self.refusal(api, ["definition": .string(Self.pass), "context": "{}"])
        #expect(context.type == "ValidationException")
        let unmocked = try await Self.refusal(
            api, ["definition": .string(Self.task), "roleArn": "arn:aws:iam::123456789012:role/r"])
        #expect(unmocked.type == "ValidationException")
        #expect(unmocked.message?.contains("give a mock") == true)
    }

    @Test func badInputAnswersInvalidExecutionInput() async throws {
        let api = try APIHarness()
        let refusal = try await Self.refusal(api, ["definition": .string(Self.pass), "input": "{oops"])
        #expect(refusal.type == "InvalidExecutionInput")
    }
}
