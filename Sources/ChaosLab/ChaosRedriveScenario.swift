import BatonProtocol
import Foundation
import LocalProcesses

/// (k) An outage and its AWS answer: the workers stop, every execution started meanwhile fails — half with
/// `States.Timeout` (TimeoutSeconds), half with `States.HeartbeatTimeout` (HeartbeatSeconds) — the workers return
/// (and answer the stale task messages left in the queue: their old tokens are refused), and every failed
/// execution is redriven with `baton redrive --state-machine … --status FAILED --since …`. Each must then succeed
/// exactly once, with its one accepted callback after the redrive.
struct OutageRedriveScenario: ChaosScenario {
    let name = "outage-redrive"
    let summary =
        "workers stop → executions fail (States.Timeout / HeartbeatTimeout) → workers return → baton redrive "
        + "--status FAILED → all succeed once, old tokens refused"
    /// TimeoutSeconds 60 lasts 2 s of real time, HeartbeatSeconds 30 one second.
    let timeScale = 30.0
    let defaultExecutions = 100

    /// A callback Task without Catch, so the execution itself fails in the Task state (what redrive resumes).
    static func definition(queue: String, timeout: Int, heartbeat: Int?) -> String {
        let heartbeatField = heartbeat.map { "\"HeartbeatSeconds\": \($0)," } ?? ""
        return """
            {"StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                               "MessageBody": {"TaskToken.$": "$$.Task.Token", "input.$": "$",
                                               "redrive.$": "$$.Execution.RedriveCount"}},
                "TimeoutSeconds": \(timeout), \(heartbeatField) "End": true}}}
            """
    }

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let timeoutMachine = try await context.createMachine(
            "outage-timeout", definition: Self.definition(queue: system.taskQueue, timeout: 60, heartbeat: nil))
        let heartbeatMachine = try await context.createMachine(
            "outage-heartbeat", definition: Self.definition(queue: system.taskQueue, timeout: 3600, heartbeat: 30))
        // Before the outage: workers serve the queue, and one round of executions succeeds.
        let before = try (0..<2).map { try system.startWorker(seed: Int(context.seed) + $0) }
        try await system.waitForConsumers(2)
        let warmup = try await context.startExecutions(timeoutMachine, count: 4, namePrefix: "before")
        try await chaosWait(deadline: .seconds(30), "the executions before the outage to succeed") {
            warmup.allSatisfy { arn in ledger.events(of: arn).contains { $0.status == "SUCCEEDED" } }
        }
        let outageStart = Date()
        ledger.mark("FAULT: both workers stop (SIGTERM, pids \(before.map(\.pid)))")
        for worker in before { await worker.stop(grace: .seconds(10)) }
        try await chaosWait(deadline: .seconds(30), "no consumer on the task queue") {
            await system.consumers(system.taskQueue) == 0
        }
        let half = context.executions / 2
        let timedOut = try await context.startExecutions(timeoutMachine, count: half, namePrefix: "timeout")
        let heartbeat = try await context.startExecutions(
            heartbeatMachine, count: context.executions - half, namePrefix: "heartbeat")
        let failing = timedOut + heartbeat
        ledger.mark("started \(failing.count) executions during the outage")
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(200), "every execution to fail") {
            failing.allSatisfy { arn in ledger.events(of: arn).contains { $0.status == "FAILED" } }
        }
        ledger.mark("all \(failing.count) executions FAILED; the workers return")
        let returned = try (0..<2).map { try system.startWorker(seed: Int(context.seed) + 10 + $0) }
        try await system.waitForConsumers(2)
        // The stale task messages of the failed attempts are answered now: every old token must be refused
        // (the workers log each refusal with its error type and the callback's correlation id).
        var refusals: [Substring] = []
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(200), "the stale callbacks' refusals") {
            refusals = returned.flatMap { worker in
                worker.log().split(separator: "\n").filter { $0.contains("callback rejected") }
            }
            return refusals.count >= failing.count
        }
        for line in refusals {
            let id = line.split(separator: " ").first { $0.hasPrefix("correlation.id=") } ?? line
            let type = line.split(separator: " ").first { $0.hasPrefix("error.type=") }?.dropFirst(11)
            ledger.verdict(token: String(id), errorType: type.map(String.init), expected: .rejected("TaskTimedOut"))
        }
        ledger.mark(
            "\(refusals.count) stale callbacks refused; baton redrive --state-machine … --status FAILED --since "
                + "the outage")
        let since = ISO8601DateFormatter().string(from: outageStart.addingTimeInterval(-1))
        for machine in [timeoutMachine, heartbeatMachine] {
            let redrive = try ChaosProcess(
                "baton",
                arguments: [
                    "redrive", "--state-machine", machine, "--status", "FAILED", "--since", since, "--timeout", "30",
                ],
                environment: ["BATON_AMQP_URL": system.amqpURL, "BATON_QUEUE_PREFIX": system.names.prefix],
                logDirectory: system.directory)
            try await redrive.waitForExit(deadline: .seconds(120))
            guard redrive.exitStatus == 0 else {
                throw ChaosError("baton redrive exited \(redrive.exitStatus ?? -1): \(redrive.log().suffix(2000))")
            }
            ledger.mark("baton redrive: \(redrive.log().split(separator: "\n").last ?? "")")
        }
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(200), "every execution to succeed") {
            failing.allSatisfy { arn in ledger.events(of: arn).contains { $0.status == "SUCCEEDED" } }
        }
        ledger.mark("all \(failing.count) redriven executions SUCCEEDED")
    }

    func expected(history: [String]) -> ChaosExpectation {
        guard let redriven = history.firstIndex(of: "ExecutionRedriven") else {
            // The executions before the outage: one attempt, answered.
            return history.contains("TaskTimedOut") ? ChaosExpectation(status: "NOT-REDRIVEN") : .succeeded
        }
        // Failed by a timeout before the redrive; its only TaskSucceeded (one accepted token) after it.
        let timedOutBefore = history[..<redriven].contains("TaskTimedOut")
        let succeededBefore = history[..<redriven].contains("TaskSucceeded")
        let succeededAfter = history[redriven...].count { $0 == "TaskSucceeded" } == 1
        guard timedOutBefore, !succeededBefore, succeededAfter else {
            return ChaosExpectation(status: "REDRIVE-HISTORY-WRONG")
        }
        return .succeeded
    }
}
