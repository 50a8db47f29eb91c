import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

/// Step Functions calling itself, through the real orchestrator and broker: `states:startExecution` in its four
/// patterns starts real child executions (their StartExecution a command from the parent's outbox, their report a
/// callback from the child's), and `aws-sdk:sfn:sendTask*` tasks answer another execution's task, with the API's
/// refusals as `Sfn.<Code>Exception` errors that Catch matches — as AWS records them.
@Suite(.serialized) struct NestedExecutionFlowTests {
    @Test func startExecutionPatternsReturnWhatAWSReturns() async throws {
        let system = try await SystemFixture(label: "nested")
        try await system.run {
            try await system.withClient { client in
                let prefix = system.names.prefix
                let ok = try await client.createStateMachine(
                    "\(prefix)-child-ok",
                    definition:
                        #"{"StartAt":"Done","States":{"Done":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}"#
                )
                let failing = try await client.createStateMachine(
                    "\(prefix)-child-fails",
                    definition:
                        #"{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"SomeFailure","Cause":"it failed"}}}"#
                )
                let missing = ok.replacingOccurrences(of: "child-ok", with: "no-such-machine")
                // A child started through an alias of a published version.
                let version = try JSON(
                    parsing: try await client.command(
                        "PublishStateMachineVersion", request: JSON.object(["stateMachineArn": .string(ok)]).serialized)
                )
                let versionArn = try #require(version["stateMachineVersionArn"]?.stringValue)
                let alias = try JSON(
                    parsing: try await client.command(
                        "CreateStateMachineAlias",
                        request: JSON.object([
                            "name": "live",
                            "routingConfiguration": [["stateMachineVersionArn": .string(versionArn), "weight": 100]],
                        ]).serialized))
                let aliasArn = try #require(alias["stateMachineAliasArn"]?.stringValue)
                let definition = """
                    {"StartAt":"Sync","States":{
                      "Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
                        "Parameters":{"StateMachineArn":"\(ok)","Name":"\(prefix)-sync",
                          "Input":{"n.$":"$.n","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},
                        "ResultPath":"$.sync","Next":"Sync2"},
                      "Sync2":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
                        "Parameters":{"StateMachineArn":"\(aliasArn)","Input":{"n.$":"$.n"}},
                        "ResultPath":"$.sync2","Next":"Start"},
                      "Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
                        "Parameters":{"StateMachineArn":"\(ok)","Name":"\(prefix)-started"},
                        "ResultPath":"$.started","Next":"Failing"},
                      "Failing":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
                        "Parameters":{"StateMachineArn":"\(failing)","Input":"{\\"raw\\":true}"},
                        "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.failed","Next":"Missing"}],
                        "End":true},
                      "Missing":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
                        "Parameters":{"StateMachineArn":"\(missing)"},
                        "Catch":[{"ErrorEquals":["StepFunctions.StateMachineDoesNotExistException"],
                          "ResultPath":"$.missing","Next":"Done"}],
                        "End":true},
                      "Done":{"Type":"Succeed"}}}
                    """
                let parent = try await client.createStateMachine("\(prefix)-parent", definition: definition)
                let execution = try await client.startExecution(parent, input: #"{"n":7}"#)
                let end = try JSON(parsing: try await client.waitForEnd(describing: execution, deadline: .seconds(30)))
                #expect(end["status"] == "SUCCEEDED", "\(end)")
                let output = try JSON(parsing: try #require(end["output"]?.stringValue))

                // .sync: the child's description, Input and Output as JSON text, dates as epoch milliseconds.
                let sync = try #require(output["sync"])
                let childArn = try #require(sync["ExecutionArn"]?.stringValue)
                #expect(childArn.hasSuffix(":execution:\(prefix)-child-ok:\(prefix)-sync"))
                #expect(sync["Status"] == "SUCCEEDED")
                #expect(sync["Output"] == #"{"Arg1":"argument1"}"#)
                #expect(sync["OutputDetails"] == ["Included": true])
                #expect(sync["Name"] == .string("\(prefix)-sync"))
                #expect(sync["StateMachineArn"] == .string(ok))
                #expect((sync["StartDate"]?.doubleValue ?? 0) > 1_600_000_000_000)
                #expect((sync["StopDate"]?.doubleValue ?? 0) >= (sync["StartDate"]?.doubleValue ?? .infinity))
                let childInput = try JSON(parsing: try #require(sync["Input"]?.stringValue))
                #expect(childInput == ["n": 7, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": .string(execution)])
                // The child is a real execution of its own.
                let child = try JSON(parsing: try await client.describeExecution(childArn))
                #expect(child["status"] == "SUCCEEDED")

                // .sync:2: the same description with Input and Output parsed; a name of the orchestrator's choosing.
                let sync2 = try #require(output["sync2"])
                #expect(sync2["Output"] == ["Arg1": "argument1"])
                #expect(sync2["Input"] == ["n": 7])
                #expect(sync2["Status"] == "SUCCEEDED")
                let aliased = try JSON(
                    parsing: try await client.describeExecution(try #require(sync2["ExecutionArn"]?.stringValue)))
                #expect(aliased["stateMachineAliasArn"] == .string(aliasArn))
                #expect(aliased["stateMachineVersionArn"] == .string(versionArn))

                // Fire and forget: the child's ARN and start date, with the SDK's metadata.
                let started = try #require(output["started"])
                #expect(started["ExecutionArn"]?.stringValue?.hasSuffix(":\(prefix)-started") == true)
                #expect((started["StartDate"]?.doubleValue ?? 0) > 1_600_000_000_000)
                #expect(started["SdkHttpMetadata"]?["HttpStatusCode"] == 200)

                // A failing child: States.TaskFailed, its description (with Error and Cause) as the cause.
                let failed = try #require(output["failed"])
                #expect(failed["Error"] == "States.TaskFailed")
                let cause = try JSON(parsing: try #require(failed["Cause"]?.stringValue))
                #expect(cause["Status"] == "FAILED")
                #expect(cause["Error"] == "SomeFailure")
                #expect(cause["Cause"] == "it failed")
                #expect(cause["Input"] == #"{"raw":true}"#)
                #expect(cause["Output"] == nil)

                // A start the API refuses: StepFunctions.<Code>Exception, in the shape of AWS's SDK message.
                let refused = try #require(output["missing"])
                #expect(refused["Error"] == "StepFunctions.StateMachineDoesNotExistException")
                #expect(refused["Cause"]?.stringValue?.hasPrefix("State Machine Does Not Exist: '\(missing)'") == true)
                #expect(refused["Cause"]?.stringValue?.contains("Error Code: StateMachineDoesNotExist") == true)

                // History: TaskSubmitted with StartExecution's answer for the tasks that wait; none for the others.
                let request = JSON.object(["executionArn": .string(execution)]).serialized
                let history = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
                let events = history["events"]?.arrayValue ?? []
                let submitted = events.filter { $0["type"] == "TaskSubmitted" }.compactMap {
                    $0["taskSubmittedEventDetails"]
                }
                #expect(
                    submitted.map { $0["resource"] } == [
                        "startExecution.sync", "startExecution.sync:2",
                        "startExecution.sync",
                    ])
                #expect(submitted.allSatisfy { $0["resourceType"] == "states" })
                let first = try JSON(parsing: try #require(submitted.first?["output"]?.stringValue))
                #expect(first["ExecutionArn"] == .string(childArn))
            }
        }
    }

    @Test func callbacksFromAStateMachineAndStopsReachTheOtherExecution() async throws {
        let system = try await SystemFixture(label: "nested-callbacks")
        try await system.run {
            try await system.withClient { client in
                let prefix = system.names.prefix
                // The approval as a workflow: the child answers its parent's token twice; the second answer is
                // refused as AWS refuses it, and Catch matches the refusal.
                let approver = try await client.createStateMachine(
                    "\(prefix)-approver",
                    definition: """
                        {"StartAt":"Approve","States":{
                          "Approve":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                            "Parameters":{"TaskToken.$":"$.token","Output.$":"$.decision"},"ResultPath":"$.first",
                            "Next":"Heartbeat"},
                          "Heartbeat":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat",
                            "Parameters":{"TaskToken.$":"$.token"},
                            "Catch":[{"ErrorEquals":["Sfn.TaskTimedOutException"],"ResultPath":"$.heartbeat",
                              "Next":"Forged"}],"End":true},
                          "Forged":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
                            "Parameters":{"TaskToken":"NoSuchTaskToken","Error":"X"},
                            "Catch":[{"ErrorEquals":["Sfn.InvalidTokenException"],"ResultPath":"$.forged",
                              "Next":"Done"}],"End":true},
                          "Done":{"Type":"Succeed"}}}
                        """)
                let parent = try await client.createStateMachine(
                    "\(prefix)-asks",
                    definition: """
                        {"StartAt":"Ask","States":{
                          "Ask":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
                            "Parameters":{"StateMachineArn":"\(approver)","Name":"\(prefix)-approval",
                              "Input":{"token.$":"$$.Task.Token","decision":{"approved":true}}},
                            "TimeoutSeconds":60,"End":true}}}
                        """)
                let asking = try await client.startExecution(parent)
                let end = try JSON(parsing: try await client.waitForEnd(describing: asking, deadline: .seconds(30)))
                #expect(end["status"] == "SUCCEEDED", "\(end)")
                #expect(try JSON(parsing: try #require(end["output"]?.stringValue)) == ["approved": true])
                let childArn = asking.replacingOccurrences(of: "\(prefix)-asks", with: "\(prefix)-approver")
                    .replacingOccurrences(
                        of: asking.split(separator: ":").last.map(String.init) ?? "", with: "\(prefix)-approval")
                let child = try JSON(parsing: try await client.waitForEnd(describing: childArn))
                #expect(child["status"] == "SUCCEEDED", "\(child)")
                let childOutput = try JSON(parsing: try #require(child["output"]?.stringValue))
                #expect(childOutput["first"] == [:])
                #expect(childOutput["heartbeat"]?["Error"] == "Sfn.TaskTimedOutException")
                #expect(childOutput["forged"]?["Error"] == "Sfn.InvalidTokenException")
                #expect(
                    childOutput["forged"]?["Cause"]?.stringValue?.contains("(Service: Sfn, Status Code: 400") == true)
                let request = JSON.object(["executionArn": .string(childArn)]).serialized
                let history = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
                let scheduled = (history["events"]?.arrayValue ?? []).filter { $0["type"] == "TaskScheduled" }
                #expect(
                    scheduled.map { $0["taskScheduledEventDetails"]?["resourceType"] }
                        == ["aws-sdk:sfn", "aws-sdk:sfn", "aws-sdk:sfn"])
                #expect(scheduled.first?["taskScheduledEventDetails"]?["resource"] == "sendTaskSuccess")

                // Stopping a parent stops the child its `.sync` task waits for.
                let waiting = try await client.createStateMachine(
                    "\(prefix)-waits",
                    definition: """
                        {"StartAt":"Wait","States":{"Wait":{"Type":"Task",
                          "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          "Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/1/\(prefix).nobody",
                            "MessageBody":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":300,"End":true}}}
                        """)
                system.track(queue: "\(prefix).nobody")
                let holder = try await client.createStateMachine(
                    "\(prefix)-holder",
                    definition: """
                        {"StartAt":"Run","States":{"Run":{"Type":"Task",
                          "Resource":"arn:aws:states:::states:startExecution.sync:2",
                          "Parameters":{"StateMachineArn":"\(waiting)","Name":"\(prefix)-held"},"End":true}}}
                        """)
                let holding = try await client.startExecution(holder)
                let heldArn = holding.replacingOccurrences(of: "\(prefix)-holder", with: "\(prefix)-waits")
                    .replacingOccurrences(
                        of: holding.split(separator: ":").last.map(String.init) ?? "", with: "\(prefix)-held")
                try await waitUntil(deadline: .seconds(20)) {
                    (try? await client.status(heldArn)) == "RUNNING"
                }
                _ = try await client.command(
                    "StopExecution", request: JSON.object(["executionArn": .string(holding)]).serialized)
                let held = try JSON(parsing: try await client.waitForEnd(describing: heldArn))
                #expect(held["status"] == "ABORTED")
                #expect(held["error"] == "States.Aborted")
                #expect(try await client.status(holding) == "ABORTED")
            }
        }
    }

    @Test func aParentAndItsChildSurviveAnOrchestratorCrashBetweenThem() async throws {
        let system = try await SystemFixture(label: "nested-crash")
        try await system.run {
            let prefix = system.names.prefix
            let (parent, child) = try await system.withClient { client in
                let worker = try await client.createStateMachine(
                    "\(prefix)-worker",
                    definition: """
                        {"StartAt":"Work","States":{"Work":{"Type":"Task",
                          "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          "Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/1/\(prefix).work",
                            "MessageBody":{"token.$":"$$.Task.Token","n.$":"$.n"}},"TimeoutSeconds":120,"End":true}}}
                        """)
                let boss = try await client.createStateMachine(
                    "\(prefix)-boss",
                    definition: """
                        {"StartAt":"Delegate","States":{"Delegate":{"Type":"Task",
                          "Resource":"arn:aws:states:::states:startExecution.sync:2",
                          "Parameters":{"StateMachineArn":"\(worker)","Name":"\(prefix)-job","Input":{"n":3}},
                          "OutputPath":"$.Output","End":true}}}
                        """)
                let parent = try await client.startExecution(boss)
                let child = parent.replacingOccurrences(of: "\(prefix)-boss", with: "\(prefix)-worker")
                    .replacingOccurrences(
                        of: parent.split(separator: ":").last.map(String.init) ?? "", with: "\(prefix)-job")
                return (parent, child)
            }
            try await TaskInbox.with("\(prefix).work", on: system) { inbox in
                let body = try JSON(parsing: try await inbox.next().body)
                #expect(body["n"] == 3)
                let token = try #require(body["token"]?.stringValue)
                // Both executions wait; the orchestrator dies and comes back before the child's worker answers.
                try await system.restartOrchestrator(crash: true)
                try await system.withClient { client in
                    #expect(try await client.status(parent) == "RUNNING")
                    #expect(try await client.succeed(token, output: #"{"done":3}"#) == nil)
                    let end = try JSON(parsing: try await client.waitForEnd(describing: parent, deadline: .seconds(30)))
                    #expect(end["status"] == "SUCCEEDED", "\(end)")
                    #expect(try JSON(parsing: try #require(end["output"]?.stringValue)) == ["done": 3])
                    #expect(try await client.status(child) == "SUCCEEDED")
                }
            }
        }
    }
}
