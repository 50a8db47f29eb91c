import BatonJSON
import Foundation
import StatesLanguage
import Testing

/// Request and response shapes of each action, checked against AWS's service model (botocore's
/// `stepfunctions/2016-11-23/service-2.json`).
@Suite struct OperationShapeTests {
    @Test func stateMachinesAreCreatedDescribedListedUpdatedAndDeleted() async throws {
        let api = try APIHarness()
        let arn = try await api.createSeed()
        #expect(arn == "arn:aws:states:us-east-1:123456789012:stateMachine:seed1")
        let described = try await api.ok("DescribeStateMachine", ["stateMachineArn": .string(arn)])
        #expect(described["name"] == "seed1")
        #expect(described["type"] == "STANDARD")
        #expect(described["status"] == "ACTIVE")
        #expect(described["creationDate"] == .number(1_700_000_000))
        #expect(described["definition"]?.stringValue == APIHarness.seedDefinition)
        _ = try await api.createSeed("seed2")
        let page = try await api.ok("ListStateMachines", ["maxResults": 1])
        #expect(page["stateMachines"]?.arrayValue?.count == 1)
        let next = try #require(page["nextToken"]?.stringValue)
        let rest = try await api.ok("ListStateMachines", ["nextToken": .string(next)])
        #expect(rest["stateMachines"]?.arrayValue?.first?["name"] == "seed2")
        #expect(rest["nextToken"] == nil)
        let updated = try await api.ok(
            "UpdateStateMachine", ["stateMachineArn": .string(arn), "roleArn": "arn:aws:iam::123456789012:role/other"])
        #expect(updated["updateDate"]?.doubleValue != nil)
        #expect(updated["revisionId"]?.stringValue != nil)
        let nothing = try await api.call("UpdateStateMachine", #"{"stateMachineArn": "\#(arn)"}"#)
        #expect(nothing.errorType == "MissingRequiredParameter")
        #expect(try await api.ok("DeleteStateMachine", ["stateMachineArn": .string(arn)]) == .object([:]))
        let gone = try await api.call("DescribeStateMachine", #"{"stateMachineArn": "\#(arn)"}"#)
        #expect(gone.status == 400 && gone.errorType == "StateMachineDoesNotExist")
    }

    @Test func validateReportsDiagnosticsAndTruncates() async throws {
        let api = try APIHarness()
        let ok = try await api.ok("ValidateStateMachineDefinition", ["definition": .string(APIHarness.seedDefinition)])
        #expect(ok["result"] == "OK")
        #expect(ok["diagnostics"] == .array([]))
        let bad = try await api.ok(
            "ValidateStateMachineDefinition", ["definition": #"{"StartAt": "X", "States": {}}"#, "maxResults": 1])
        #expect(bad["result"] == "FAIL")
        #expect(bad["diagnostics"]?.arrayValue?.count == 1)
        #expect(bad["diagnostics"]?.arrayValue?.first?["severity"] == "ERROR")
    }

    @Test func executionsAreDescribedWithEpochSecondsAndListedByStatusAndPage() async throws {
        let api = try APIHarness()
        let machine = try await api.createSeed()
        var executions: [String] = []
        for index in 0..<3 { executions.append(try await api.start(machine, name: "e\(index)", input: #"{"n": 1}"#)) }
        #expect(executions[0] == "arn:aws:states:us-east-1:123456789012:execution:seed1:e0")
        let described = try await api.ok("DescribeExecution", ["executionArn": .string(executions[0])])
        #expect(described["status"] == "RUNNING")
        #expect(described["startDate"] == .number(1_700_000_000))
        #expect(described["input"] == #"{"n": 1}"#)
        #expect(described["stateMachineArn"]?.stringValue == machine)
        let metadata = try await api.ok(
            "DescribeExecution", ["executionArn": .string(executions[0]), "includedData": "METADATA_ONLY"])
        #expect(metadata["input"] == nil)

        let stopped = try await api.ok("StopExecution", ["executionArn": .string(executions[1]), "error": "E"])
        #expect(stopped["stopDate"] == .number(1_700_000_000))

        let first = try await api.ok("ListExecutions", ["stateMachineArn": .string(machine), "maxResults": 2])
        #expect(first["executions"]?.arrayValue?.count == 2)
        let next = try #require(first["nextToken"]?.stringValue)
        let second = try await api.ok(
            "ListExecutions", ["stateMachineArn": .string(machine), "maxResults": 2, "nextToken": .string(next)])
        #expect(second["executions"]?.arrayValue?.count == 1)
        #expect(second["nextToken"] == nil)
        let aborted = try await api.ok(
            "ListExecutions", ["stateMachineArn": .string(machine), "statusFilter": "ABORTED"])
        #expect(aborted["executions"]?.arrayValue?.map { $0["name"] } == ["e1"])
        #expect(aborted["executions"]?.arrayValue?.first?["stopDate"] != nil)
        let badToken = try await api.call(
            "ListExecutions", #"{"stateMachineArn": "\#(machine)", "nextToken": "not-a-cursor"}"#)
        #expect(badToken.errorType == "InvalidToken")
    }

    @Test func historyPagesReversesAndOmitsData() async throws {
        let api = try APIHarness()
        let execution = try await api.start(try await api.createSeed(), name: "h", input: #"{"secret": 1}"#)
        let all = try await api.ok("GetExecutionHistory", ["executionArn": .string(execution)])
        let events = try #require(all["events"]?.arrayValue)
        #expect(events.first?["type"] == "ExecutionStarted")
        #expect(events.first?["id"] == 1)
        #expect(events.first?["timestamp"] == .number(1_700_000_000))
        #expect(events.first?["executionStartedEventDetails"]?["input"] != nil)
        let reversed = try await api.ok(
            "GetExecutionHistory", ["executionArn": .string(execution), "reverseOrder": true, "maxResults": 1])
        #expect(reversed["events"]?.arrayValue?.first?["id"] == events.last?["id"])
        let next = try #require(reversed["nextToken"]?.stringValue)
        let older = try await api.ok(
            "GetExecutionHistory",
            ["executionArn": .string(execution), "reverseOrder": true, "maxResults": 1, "nextToken": .string(next)])
        #expect(older["events"]?.arrayValue?.first?["id"] == events.dropLast().last?["id"])
        let bare = try await api.ok(
            "GetExecutionHistory", ["executionArn": .string(execution), "includeExecutionData": false])
        #expect(bare["events"]?.arrayValue?.first?["executionStartedEventDetails"]?["input"] == nil)
    }

    @Test func callbacksSucceedOnceThenAnswerTaskTimedOut() async throws {
        let api = try APIHarness()
        let execution = try await api.start(try await api.createSeed(), name: "cb")
        let token = try await api.latestToken()
        let heartbeat = try await api.ok("SendTaskHeartbeat", ["taskToken": .string(token)])
        #expect(heartbeat == .object([:]))
        try await api.ok("SendTaskSuccess", ["taskToken": .string(token), "output": #"{"approved": true}"#])
        let described = try await api.ok("DescribeExecution", ["executionArn": .string(execution)])
        #expect(described["status"] == "SUCCEEDED")
        #expect(described["output"] == #"{"approved":true}"#)
        let late = try await api.call("SendTaskFailure", JSON.object(["taskToken": .string(token)]).serialized)
        #expect(late.status == 400 && late.errorType == "TaskTimedOut")
        let forged = try await api.call("SendTaskSuccess", #"{"taskToken": "forged", "output": "{}"}"#)
        #expect(forged.status == 400 && forged.errorType == "InvalidToken")
        let badOutput = try await api.call(
            "SendTaskSuccess", JSON.object(["taskToken": .string(token), "output": "{nope"]).serialized)
        #expect(badOutput.errorType == "TaskTimedOut" || badOutput.errorType == "InvalidOutput")
    }
}
