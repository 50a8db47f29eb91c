import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// Issue 4's behaviours through the real orchestrator process and the real broker; the test plays the worker
/// and publishes callbacks itself. Time runs 20× faster (`BATON_TIME_SCALE`), so a 20 s timeout lasts 1 s.
@Suite struct OrchestratorTests {
    /// A fresh system (time `scale`× faster) with one task queue and a client.
    func withSystem(
        _ label: String, scale: Int = 20,
        _ body: (SystemFixture, BatonClient, TaskInbox, String) async throws -> Void
    ) async throws {
        try await withTaskSystem(label, environment: ["BATON_TIME_SCALE": "\(scale)"], body)
    }

    @Test func sendTaskFailureIsCaughtByCatch() async throws {
        try await withSystem("catch") { _, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            #expect(try await client.fail(token, error: "PaymentDeclined", cause: "card expired") == nil)
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "FAILED")
            #expect(end["error"]?.stringValue == "TaskFailed")
            #expect(try await client.historyTypes(execution).contains("TaskFailed"))
        }
    }

    @Test func retryIssuesAFreshTokenAndTheStaleOneIsRefused() async throws {
        try await withSystem("retry") { _, client, inbox, queue in
            let retry = #""Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 2}],"#
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue, retry: retry))
            let execution = try await client.startExecution(machine)
            let first = try #require(try await inbox.next().token)
            #expect(try await client.fail(first, error: "Flaky") == nil)
            let second = try await inbox.next()
            let retried = try #require(second.token)
            #expect(retried != first)
            #expect(second.headers[TaskHeaders.attempt] == "1")
            #expect(try await client.succeed(first) == "TaskTimedOut")
            #expect(try await client.succeed(retried, output: #"{"attempt": 2}"#) == nil)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
        }
    }

    @Test func timeoutSecondsEndsInTheTimeoutCatcherAndLateCallbacksAreRefused() async throws {
        try await withSystem("timeout") { _, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue, timeout: 20))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            let end = try await client.waitForEnd(execution, deadline: .seconds(15))
            #expect(end["status"]?.stringValue == "FAILED")
            #expect(end["error"]?.stringValue == "CallbackTimeout")
            #expect(try await client.historyTypes(execution).contains("TaskTimedOut"))
            #expect(try await client.succeed(token) == "TaskTimedOut")
        }
    }

    @Test func heartbeatsKeepATaskAliveAndTheirAbsenceTimesItOut() async throws {
        // Time runs 4× faster: HeartbeatSeconds 20 is 5 s of real time (room for a loaded 2-core machine).
        try await withSystem("heartbeat", scale: 4) { _, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue, heartbeat: 20))
            // Kept alive: a heartbeat every 0.25 s real for 8 s real, i.e. 1.6 heartbeat periods.
            let alive = try await client.startExecution(machine, name: "alive")
            let token = try #require(try await inbox.next().token)
            let until = ContinuousClock.now.advanced(by: .seconds(8))
            while ContinuousClock.now < until {
                #expect(try await client.heartbeat(token) == nil)
                try await Task.sleep(for: .milliseconds(250))  // the heartbeat cadence is the behaviour under test
            }
            #expect(try await client.status(alive) == "RUNNING")
            #expect(try await client.succeed(token) == nil)
            #expect(try await client.waitForEnd(alive)["status"]?.stringValue == "SUCCEEDED")
            // Silent: no heartbeat → States.Timeout that its States.HeartbeatTimeout catcher, listed first, takes.
            let silent = try await client.startExecution(machine, name: "silent")
            let silentToken = try #require(try await inbox.next().token)
            let end = try await client.waitForEnd(silent, deadline: .seconds(20))
            #expect(end["error"]?.stringValue == "HeartbeatMissed")
            #expect(try await client.heartbeat(silentToken) == "TaskTimedOut")
        }
    }

    @Test func forgedGarbageAndBadOutputsAreRefusedWithTheRightCodes() async throws {
        try await withSystem("tokens") { system, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            var forged = Array(token)
            forged[forged.count / 2] = forged[forged.count / 2] == "A" ? "B" : "A"
            #expect(try await client.succeed(String(forged)) == "InvalidToken")
            #expect(try await client.succeed(String(token.dropLast(5))) == "InvalidToken")
            #expect(try await client.succeed("garbage") == "InvalidToken")
            #expect(try await client.succeed(token, output: "{not json") == "InvalidOutput")
            let tooBig = "\"" + String(repeating: "x", count: 262_144) + "\""
            #expect(try await client.succeed(token, output: tooBig) == "InvalidOutput")
            #expect(try await client.status(execution) == "RUNNING")
            // A message that is no callback at all is dead-lettered with its reason; the queue keeps flowing.
            try await client.sendRaw(Array("this is not json".utf8))
            try await waitUntil("the malformed callback to be dead-lettered") {
                try await system.bus.messageCount(system.names.deadLetterQueue) == 1
            }
            #expect(try await client.succeed(token) == nil)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
            #expect(try await client.succeed(token) == "TaskTimedOut")
        }
    }

    @Test func stopExecutionAbortsAndClosesItsToken() async throws {
        try await withSystem("stop") { _, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            let request = JSON.object(["executionArn": .string(execution), "error": "Operator", "cause": "test"])
            _ = try await client.command("StopExecution", request: request.serialized)
            let end = try await client.describe(execution)
            #expect(end["status"]?.stringValue == "ABORTED")
            #expect(try await client.historyTypes(execution).last == "ExecutionAborted")
            #expect(try await client.succeed(token) == "TaskTimedOut")
        }
    }

    @Test func parallelBranchesEachWaitForTheirOwnCallback() async throws {
        try await withSystem("parallel") { _, client, inbox, queue in
            let branch = { (name: String) in
                """
                {"StartAt": "\(name)", "States": {"\(name)": {"Type": "Task",
                  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"QueueUrl": "http://q/\(queue)", "MessageBody": {"TaskToken.$": "$$.Task.Token", "branch": "\(name)"}},
                  "End": true}}}
                """
            }
            let definition = """
                {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Branches": [\(branch("Left")), \(branch("Right"))],
                  "End": true}}}
                """
            let machine = try await client.createStateMachine("m", definition: definition)
            let execution = try await client.startExecution(machine)
            let tasks = [try await inbox.next(), try await inbox.next()]
            for task in tasks {
                let branchName = task.body.contains("Left") ? "left" : "right"
                #expect(
                    try await client.succeed(try #require(task.token), output: #"{"from": "\#(branchName)"}"#) == nil)
            }
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "SUCCEEDED")
            #expect(try JSON(parsing: end["output"]?.stringValue ?? "") == [["from": "left"], ["from": "right"]])
        }
    }

    @Test func mapRunsOneCallbackTaskPerItem() async throws {
        try await withSystem("map") { _, client, inbox, queue in
            let definition = """
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3,
                  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "http://q/\(queue)", "MessageBody": {"TaskToken.$": "$$.Task.Token", "n.$": "$"}},
                    "End": true}}},
                  "End": true}}}
                """
            let machine = try await client.createStateMachine("m", definition: definition)
            let items = Array(1...8)
            let execution = try await client.startExecution(machine, input: #"{"items": \#(items)}"#)
            for _ in items {
                let task = try await inbox.next()
                let n = try #require(try JSON(parsing: task.body)["n"])
                #expect(
                    try await client.succeed(
                        try #require(task.token),
                        output: JSON.object(["double": .integer((n.doubleValue.map { Int64($0) } ?? 0) * 2)]).serialized
                    ) == nil)
            }
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "SUCCEEDED")
            #expect(
                try JSON(parsing: end["output"]?.stringValue ?? "")
                    == .array(items.map { ["double": .integer(Int64($0 * 2))] }))
        }
    }
}
