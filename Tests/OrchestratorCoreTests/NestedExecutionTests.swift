import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage
import Testing

@testable import OrchestratorCore

/// The shapes `states:startExecution` and `aws-sdk:sfn:sendTask*` tasks exchange, as AWS records them
/// (LocalStack's snapshots of real AWS: `test_start_execution_sync`, `…_sync2`, `…_sync_delegate_failure`,
/// `test_start_execution_no_such_arn`, `test_sfn_send_task_outcome_with_no_such_token`).
@Suite struct NestedExecutionTests {
    func schedule(_ resource: String, _ parameters: JSON, token: String = "tok-1") -> TaskSchedule {
        TaskSchedule(
            taskId: TaskID(rawValue: 2), attempt: 0, stateName: "Start", scope: ScopePath(steps: []),
            resource: resource, parameters: parameters, taskToken: token, timeoutSeconds: nil, heartbeatSeconds: nil)
    }

    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Target"

    func record(input: String = #"{"a":1}"#) throws -> ExecutionRecord {
        ExecutionRecord(
            inserting: NewExecution(
                arn: "arn:aws:states:us-east-1:123456789012:execution:Target:child", name: "child",
                stateMachineArn: machine, stateMachineRevision: 1, input: input,
                startDate: Date(timeIntervalSince1970: 1_700_000_000), state: Data()),
            id: 9)
    }

    @Test func theChildsStartIsACommandWithTheParentsTokenAndPattern() throws {
        let task = schedule(
            "arn:aws:states:::states:startExecution.sync:2", ["StateMachineArn": .string(machine), "Input": ["k": 1]])
        let dispatch = try Integration.startExecutionSync2.dispatch(
            task, names: Names(prefix: "p"), traceparent: nil, configuration: OrchestratorConfiguration())
        #expect(dispatch.queue == "p.commands")
        #expect(dispatch.headers[TaskHeaders.taskToken] == "tok-1")
        #expect(dispatch.headers[NestedExecution.patternHeader] == "states.startExecution.sync:2")
        let command = try JSON(parsing: dispatch.body)
        #expect(command["action"] == "StartExecution")
        #expect(command["request"]?["input"] == #"{"k":1}"#)
        let child = try #require(dispatch.child)
        // No Name: one derived from the token, so a republished command names the same child.
        #expect(command["request"]?["name"] == .string(child.name))
        let again = try Integration.startExecutionSync2.dispatch(
            task, names: Names(prefix: "p"), traceparent: nil, configuration: OrchestratorConfiguration())
        #expect(again.child == child)
        #expect(child.executionArn.hasSuffix(":execution:Target:\(child.name)"))
    }

    @Test(arguments: [
        (JSON.null, "{}"), (JSON.string(#"{"s":1}"#), #"{"s":1}"#), (JSON.object(["o": true]), #"{"o":true}"#),
    ])
    func inputIsTextAsGivenAnyOtherValueSerializedAndNoneEmpty(_ input: JSON, _ expected: String) throws {
        let task = schedule(
            "arn:aws:states:::states:startExecution", ["StateMachineArn": .string(machine), "Input": input])
        #expect(try NestedExecution.child(of: task, configuration: OrchestratorConfiguration()).input == expected)
    }

    @Test func aVersionOrAliasArnNamesTheStateMachinesExecutions() throws {
        for qualified in [machine + ":3", machine + ":live"] {
            let task = schedule(
                "arn:aws:states:::states:startExecution", ["StateMachineArn": .string(qualified), "Name": "c"])
            let child = try NestedExecution.child(of: task, configuration: OrchestratorConfiguration())
            #expect(child.stateMachineArn == qualified)
            #expect(child.executionArn == "arn:aws:states:us-east-1:123456789012:execution:Target:c")
        }
    }

    @Test func badArnsAndNamesFailAsTheStartWould() {
        let badArn = schedule("arn:aws:states:::states:startExecution", ["StateMachineArn": "nope"])
        #expect(throws: StatesError.self) { try NestedExecution.child(of: badArn, configuration: .init()) }
        do {
            _ = try NestedExecution.child(of: badArn, configuration: .init())
        } catch {
            #expect(error.error == "StepFunctions.InvalidArnException")
            #expect(error.cause.contains("Error Code: InvalidArn"))
        }
        let badName = schedule(
            "arn:aws:states:::states:startExecution", ["StateMachineArn": .string(machine), "Name": "a b"])
        do {
            _ = try NestedExecution.child(of: badName, configuration: .init())
            Issue.record("a name with a space was accepted")
        } catch {
            #expect(error.error == "StepFunctions.InvalidNameException")
        }
    }

    @Test func syncReportsTheDescriptionWithTextAndSync2WithParsedJSON() throws {
        let stop = Date(timeIntervalSince1970: 1_700_000_001)
        for (pattern, output) in [
            ("states.startExecution.sync", JSON.string(#"{"r":2}"#)), ("states.startExecution.sync:2", ["r": 2]),
        ] {
            let callback = try #require(
                NestedExecution.finishedCallback(
                    parent: .init(taskToken: "parent", pattern: pattern), record: try record(), status: .succeeded,
                    output: #"{"r":2}"#, error: nil, cause: nil, stopDate: stop))
            #expect(callback.taskToken == "parent")
            guard case .success(let text) = callback.outcome else {
                Issue.record("not a success: \(callback.outcome)")
                continue
            }
            let description = try JSON(parsing: text)
            #expect(description["Output"] == output)
            #expect(description["Status"] == "SUCCEEDED")
            #expect(description["StartDate"] == 1_700_000_000_000)
            #expect(description["StopDate"] == 1_700_000_001_000)
            #expect(description["InputDetails"] == ["Included": true])
            #expect(description["Error"] == nil)
        }
        // A parent that waits for a callback or only for the start gets nothing at the end.
        for pattern in ["states.startExecution", "states.startExecution.waitForTaskToken"] {
            #expect(
                NestedExecution.finishedCallback(
                    parent: .init(taskToken: "parent", pattern: pattern), record: try record(), status: .succeeded,
                    output: "{}", error: nil, cause: nil, stopDate: stop) == nil)
        }
    }

    @Test func aFailedChildIsStatesTaskFailedWithItsDescriptionAsTheCause() throws {
        let callback = try #require(
            NestedExecution.finishedCallback(
                parent: .init(taskToken: "parent", pattern: "states.startExecution.sync"), record: try record(),
                status: .timedOut, output: nil, error: "States.Timeout", cause: nil, stopDate: Date()))
        guard case .failure(let error, let cause) = callback.outcome else {
            Issue.record("not a failure")
            return
        }
        #expect(error == "States.TaskFailed")
        let description = try JSON(parsing: try #require(cause))
        #expect(description["Status"] == "TIMED_OUT")
        #expect(description["Error"] == "States.Timeout")
        #expect(description["Cause"] == nil)
        #expect(description["Output"] == nil)
    }

    @Test func aCauseTooLongForTheAPILosesTheInputFirst() throws {
        let big = String(repeating: "x", count: 40_000)
        let callback = try #require(
            NestedExecution.finishedCallback(
                parent: .init(taskToken: "parent", pattern: "states.startExecution.sync"),
                record: try record(input: JSON.object(["big": .string(big)]).serialized), status: .failed,
                output: nil, error: "E", cause: String(repeating: "c", count: 40_000), stopDate: Date()))
        guard case .failure(_, let cause?) = callback.outcome else {
            Issue.record("not a failure with a cause")
            return
        }
        #expect(cause.count <= Callback.Limits.cause.upperBound)
        let description = try JSON(parsing: cause)
        #expect(description["Input"] == nil)
        #expect(description["InputDetails"] == ["Included": false])
        #expect(description["Error"] == "E")
    }

    @Test func anOutputTooLargeForACallbackIsDataLimitExceeded() throws {
        let output = JSON.object(["big": .string(String(repeating: "y", count: 262_000))]).serialized
        let callback = try #require(
            NestedExecution.finishedCallback(
                parent: .init(taskToken: "parent", pattern: "states.startExecution.sync"), record: try record(),
                status: .succeeded, output: output, error: nil, cause: nil, stopDate: Date()))
        guard case .failure(let error, _) = callback.outcome else {
            Issue.record("not a failure")
            return
        }
        #expect(error == "States.DataLimitExceeded")
    }

    @Test func sendTaskParametersBecomeTheCallbackAndItsAnswerGoesToTheRequester() throws {
        let success = schedule(
            "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess", ["TaskToken": "other", "Output": ["ok": true]],
            token: "mine")
        let dispatch = try Integration.sfnSendTask.dispatch(success, names: Names(prefix: "p"), traceparent: nil)
        #expect(dispatch.queue == "p.callbacks")
        #expect(dispatch.headers[NestedExecution.replyTokenHeader] == "mine")
        #expect(dispatch.headers[TaskHeaders.taskToken] == nil)
        let sent = try Callback(decoding: dispatch.body)
        #expect(sent == Callback(taskToken: "other", outcome: .success(output: #"{"ok":true}"#)))

        let failure = schedule(
            "arn:aws:states:::aws-sdk:sfn:sendTaskFailure", ["TaskToken": "other", "Error": "E", "Cause": "C"])
        #expect(
            try NestedExecution.callback(of: failure)
                == Callback(taskToken: "other", outcome: .failure(error: "E", cause: "C")))
        let heartbeat = schedule("arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat", ["TaskToken": "other"])
        #expect(try NestedExecution.callback(of: heartbeat) == Callback(taskToken: "other", outcome: .heartbeat))

        let noToken = schedule("arn:aws:states:::aws-sdk:sfn:sendTaskSuccess", ["Output": "{}"])
        do {
            _ = try NestedExecution.callback(of: noToken)
            Issue.record("a sendTaskSuccess without a token was accepted")
        } catch {
            #expect(error.error == "Sfn.ValidationException")
        }

        let refused = NestedExecution.reply(to: "mine", refusal: ("InvalidToken", "Invalid Token: 'Invalid token'"))
        guard case .failure(let error?, let cause?) = refused.outcome else {
            Issue.record("not a failure")
            return
        }
        #expect(error == "Sfn.InvalidTokenException")
        #expect(cause.hasPrefix("Invalid Token: 'Invalid token' (Service: Sfn, Status Code: 400, Request ID: "))
        #expect(NestedExecution.reply(to: "mine", refusal: nil).outcome == .success(output: "{}"))
    }

    /// The recorded events of a replay fixture (Tests/StatesLanguageTests/Fixtures/recorded).
    static func recorded(_ name: String) throws -> [JSON] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StatesLanguageTests/Fixtures/recorded/\(name).json")
        return try JSON(parsing: Array(try Data(contentsOf: url)))["events"]?.arrayValue ?? []
    }

    /// The member names of a recorded value, leaving out the HTTP headers Baton never had (its `SdkHttpMetadata`
    /// holds only the status code).
    static func keys(_ value: JSON?) -> Set<String> {
        let object = (value?.stringValue.flatMap { try? JSON(parsing: $0) } ?? value)?.objectValue ?? JSONObject()
        return Set(object.map(\.key))
    }

    @Test(arguments: [
        ("nested-sync", "states.startExecution.sync"), ("nested-sync2", "states.startExecution.sync:2"),
    ])
    func whatAChildReportsHasTheMembersAWSRecorded(_ fixture: String, _ pattern: String) throws {
        let events = try Self.recorded(fixture)
        let recorded = try #require(events.first { $0["type"] == "TaskSucceeded" }?["details"]?["output"])
        let callback = try #require(
            NestedExecution.finishedCallback(
                parent: .init(taskToken: "p", pattern: pattern), record: try record(input: "{}"), status: .succeeded,
                output: #"{"Arg1":"argument1"}"#, error: nil, cause: nil, stopDate: Date()))
        guard case .success(let text) = callback.outcome else {
            Issue.record("not a success")
            return
        }
        let produced = try JSON(parsing: text)
        #expect(Self.keys(produced) == Self.keys(recorded))
        #expect(produced["Output"] == recorded["Output"])
        #expect(produced["Input"] == recorded["Input"])
        #expect(produced["OutputDetails"] == recorded["OutputDetails"])
    }

    @Test func aFailedChildsCauseHasTheMembersAWSRecorded() throws {
        let events = try Self.recorded("nested-sync-child-fails")
        let failed = try #require(events.first { $0["type"] == "TaskFailed" }?["details"])
        let callback = try #require(
            NestedExecution.finishedCallback(
                parent: .init(taskToken: "p", pattern: "states.startExecution.sync"), record: try record(input: "{}"),
                status: .failed, output: nil, error: "SomeFailure",
                cause: "This state machines raises a 'SomeFailure' failure.", stopDate: Date()))
        guard case .failure(let error, let cause?) = callback.outcome else {
            Issue.record("not a failure")
            return
        }
        #expect(error == failed["error"]?.stringValue)
        #expect(Self.keys(.string(cause)) == Self.keys(failed["cause"]))
    }

    @Test func startAndSubmittedAnswersHaveTheMembersAWSRecorded() throws {
        let started = try Self.recorded("nested-start-execution")
        let recorded = try #require(started.first { $0["type"] == "TaskSucceeded" }?["details"]?["output"])
        let callback = try #require(
            NestedExecution.startedCallback(
                parent: .init(taskToken: "p", pattern: "states.startExecution"), executionArn: "arn", startDate: Date())
        )
        guard case .success(let text) = callback.outcome else {
            Issue.record("not a success")
            return
        }
        #expect(Self.keys(try JSON(parsing: text)) == Self.keys(recorded))
        let sync = try Self.recorded("nested-sync")
        let submitted = try #require(sync.first { $0["type"] == "TaskSubmitted" }?["details"]?["output"])
        let child = NestedExecution.Child(stateMachineArn: machine, name: "c", input: "{}", executionArn: "arn")
        #expect(Self.keys(NestedExecution.submitted(child, at: Date(), messageID: "m")) == Self.keys(submitted))
    }
}
