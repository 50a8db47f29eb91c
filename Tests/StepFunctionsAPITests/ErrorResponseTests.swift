import BatonJSON
import Foundation
import HTTPTypes
import Hummingbird
import StatesLanguage
import Testing

@testable import StepFunctionsAPI

/// AWS error bodies `{"__type", "message"}` with their HTTP status, for requests the API refuses.
@Suite struct ErrorResponseTests {
    @Test func errorsCarryTheAWSTypeStatusAndContentType() async throws {
        let api = try APIHarness()
        let missing = try await api.call(
            "DescribeExecution", #"{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:x"}"#)
        #expect(missing.status == 400)
        #expect(missing.errorType == "ExecutionDoesNotExist")
        #expect(missing.body["message"]?.stringValue?.isEmpty == false)
        #expect(missing.contentType == "application/x-amz-json-1.0")
    }

    @Test func unknownOrMissingActionsAnswerUnknownOperation() async throws {
        let api = try APIHarness()
        let unknown = try await api.call("DescribeMapRun", "{}")
        #expect(unknown.status == 400 && unknown.errorType == "UnknownOperationException")
        let noTarget = try await api.call(nil, "{}")
        #expect(noTarget.errorType == "UnknownOperationException")
        let otherService = try await api.send(
            headers: [HTTPField.Name("X-Amz-Target")!: "DynamoDB_20120810.ListTables"], body: "{}")
        #expect(otherService.errorType == "UnknownOperationException")
    }

    @Test func malformedBodiesAnswerSerializationException() async throws {
        let api = try APIHarness()
        for body in ["{not json", "[1, 2]", "\"text\"", #"{"stateMachineArn": 5}"#] {
            let answer = try await api.call("DescribeStateMachine", body)
            #expect(answer.status == 400 && answer.errorType == "SerializationException", "\(body)")
        }
    }

    @Test func fieldConstraintsAnswerAWSValidationErrors() async throws {
        let api = try APIHarness()
        let cases: [(String, String, String)] = [
            ("StartExecution", "{}", "ValidationException"),
            ("StartExecution", #"{"stateMachineArn": "nope"}"#, "InvalidArn"),
            (
                "StartExecution", #"{"stateMachineArn": "\#(String(repeating: "a", count: 300))"}"#,
                "ValidationException"
            ),
            ("CreateStateMachine", #"{"name": "a b", "definition": "{}", "roleArn": "r"}"#, "InvalidName"),
            ("CreateStateMachine", #"{"name": "m", "definition": "{}", "roleArn": "r"}"#, "InvalidDefinition"),
            (
                "CreateStateMachine", #"{"name": "m", "definition": "{}", "roleArn": "r", "type": "FAST"}"#,
                "ValidationException"
            ),
            ("ListExecutions", #"{"statusFilter": "DONE"}"#, "ValidationException"),
            ("ListExecutions", #"{"maxResults": 1001}"#, "ValidationException"),
            (
                "ListExecutions", #"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:none"}"#,
                "StateMachineDoesNotExist"
            ),
            ("GetExecutionHistory", #"{"executionArn": "bad"}"#, "InvalidArn"),
            ("SendTaskSuccess", #"{"taskToken": "", "output": "{}"}"#, "ValidationException"),
            ("SendTaskSuccess", #"{"taskToken": "t"}"#, "ValidationException"),
            (
                "SendTaskFailure", #"{"taskToken": "t", "error": "\#(String(repeating: "e", count: 257))"}"#,
                "ValidationException"
            ),
        ]
        for (action, body, type) in cases {
            let answer = try await api.call(action, body)
            #expect(answer.status == 400, "\(action) \(body.prefix(80))")
            #expect(answer.errorType == type, "\(action) \(body.prefix(80)): \(answer.body.serialized)")
        }
    }

    @Test func oversizedBodiesAreRefusedWithoutParsing() async throws {
        var configuration = APIConfiguration()
        configuration.maximumBodyBytes = 1024
        let api = try APIHarness(configuration: configuration)
        let answer = try await api.call("ListExecutions", "{\"x\": \"\(String(repeating: "a", count: 4096))\"}")
        #expect(answer.status == 413)
        #expect(answer.errorType == "RequestEntityTooLargeException")
    }
}
