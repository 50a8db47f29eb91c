import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// The approver lists only the requests a decision can still matter for. A request whose execution ended (the
/// orchestrator's `execution.*` event), whose task's deadline passed, or whose task the orchestrator says is
/// closed (a probe after the approver missed the event) moves to the closed list with why, and deciding it is
/// refused with that reason.
@Suite(.serialized) struct ApprovalClosingTests {
    /// The approver of one test and the `baton approvals` environment to talk to it.
    struct Desk {
        let system: SystemFixture
        let url: String
        var cli: [String: String] {
            get throws { try system.workerEnvironment.merging(["BATON_APPROVER_URL": url]) { _, new in new } }
        }

        /// Starts (or restarts, on the same data directory) the approver without a policy.
        @discardableResult
        func start(probeInterval: String = "1h") async throws -> ManagedProcess {
            let approver = try system.startWorker(
                "approver", [],
                environment: [
                    "BATON_APPROVER_ADDRESS": String(url.dropFirst("http://".count)),
                    "BATON_APPROVER_PROBE_INTERVAL": probeInterval,
                ], queues: ["\(system.names.prefix).approvals"])
            try await approver.waitForLog("approver started", deadline: .seconds(10))
            return approver
        }

        /// `baton approvals list [--closed] --json`: the requests' JSON objects.
        func list(closed: Bool = false) async throws -> [JSON] {
            let run = try await CLIRun.baton(
                ["approvals", "list", "--json"] + (closed ? ["--closed"] : []), environment: try cli)
            #expect(run.status == 0, "\(run.stderr)")
            return run.json["approvals"]?.arrayValue ?? []
        }

        /// Waits until the request of `execution` is pending.
        func waitUntilPending(_ execution: String) async throws {
            try await waitUntil(deadline: .seconds(10), interval: .milliseconds(50), "the request to be pending") {
                try await list().contains { $0["executionArn"]?.stringValue == execution }
            }
        }

        /// Waits until the request of `execution` has left the pending list; returns its closed entry.
        func waitUntilClosed(_ execution: String, deadline: Duration = .seconds(10)) async throws -> JSON {
            try await waitUntil(deadline: deadline, interval: .milliseconds(50), "the request to leave the list") {
                try await !list().contains { $0["executionArn"]?.stringValue == execution }
            }
            let closed = try await list(closed: true).first { $0["executionArn"]?.stringValue == execution }
            return try #require(closed, "a request that left the pending list is on the closed list")
        }
    }

    func withDesk(_ label: String, _ body: (SystemFixture, Desk, BatonClient) async throws -> Void) async throws {
        let system = try await SystemFixture(label: label)
        let desk = Desk(system: system, url: "http://127.0.0.1:\(try freePort())")
        try await system.run {
            try await system.withClient { client in try await body(system, desk, client) }
        }
    }

    @Test func aStoppedExecutionsRequestLeavesTheListAndCannotBeDecided() async throws {
        try await withDesk("approval-stop") { system, desk, client in
            try await desk.start()
            let machine = try await Seeds.register("manual-approval", on: client, prefix: system.names.prefix)
            let execution = try await client.startExecution(machine, input: #"{"item": "desk", "amount": 300}"#)
            try await desk.waitUntilPending(execution)

            _ = try await client.command("StopExecution", request: #"{"executionArn": "\#(execution)"}"#)
            let closed = try await desk.waitUntilClosed(execution)
            #expect(closed["outcome"] == "closed")
            #expect(closed["reason"]?.stringValue?.contains("its execution ended: ABORTED") == true, "\(closed)")

            let late = try await CLIRun.baton(
                ["approvals", "approve", "--execution-arn", execution], environment: try desk.cli)
            #expect(late.status != 0)
            #expect(late.stderr.contains("ApprovalClosed"), "\(late.stderr)")
            #expect(late.stderr.contains("ABORTED"), "\(late.stderr)")
            let id = try #require(closed["id"]?.stringValue)
            let byID = try await CLIRun.baton(["approvals", "approve", id], environment: try desk.cli)
            #expect(byID.stderr.contains("ApprovalClosed: approval '\(id)' is closed"), "\(byID.stderr)")
            let human = try await CLIRun.baton(["approvals", "list"], environment: try desk.cli)
            #expect(human.stdout.contains("no pending approvals"), "\(human.stdout)")
        }
    }

    @Test func aRequestClosesAtItsTasksDeadlineWhileTheExecutionGoesOn() async throws {
        try await withDesk("approval-deadline") { system, desk, client in
            try await desk.start()
            // TimeoutSeconds 2, caught, then an hour's Wait: no execution event for a long time.
            let definition = """
                {"StartAt": "Ask", "States": {
                  "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(system.names.prefix).approvals",
                      "MessageBody": {"taskToken.$": "$$.Task.Token", "input.$": "$"}},
                    "TimeoutSeconds": 2, "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Later"}], "End": true},
                  "Later": {"Type": "Wait", "Seconds": 3600, "End": true}}}
                """
            let machine = try await client.createStateMachine("ask-then-wait", definition: definition)
            let execution = try await client.startExecution(machine)
            try await desk.waitUntilPending(execution)
            let closed = try await desk.waitUntilClosed(execution)
            #expect(closed["reason"]?.stringValue?.contains("TimeoutSeconds passed") == true, "\(closed)")
            #expect(try await client.status(execution) == "RUNNING")
        }
    }

    @Test func anApproverThatMissedTheEventLearnsFromItsStartupProbe() async throws {
        try await withDesk("approval-probe") { system, desk, client in
            let approver = try await desk.start()
            let machine = try await Seeds.register("manual-approval", on: client, prefix: system.names.prefix)
            let execution = try await client.startExecution(machine, input: #"{"item": "chair", "amount": 80}"#)
            try await desk.waitUntilPending(execution)
            await approver.stop()
            _ = try await client.command("StopExecution", request: #"{"executionArn": "\#(execution)"}"#)
            #expect(try await client.status(execution) == "ABORTED")

            try await desk.start()  // the ABORTED event went to the old process's queue: only the probe can tell
            let closed = try await desk.waitUntilClosed(execution)
            #expect(closed["reason"]?.stringValue?.contains("TaskTimedOut") == true, "\(closed)")
        }
    }
}
