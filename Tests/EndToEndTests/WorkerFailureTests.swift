import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// Worker processes dying mid-task, with the real orchestrator, workers and broker.
@Suite(.serialized) struct WorkerFailureTests {
    /// A worker kill -9s itself before calling back: no heartbeat comes, the task fails States.HeartbeatTimeout,
    /// Retry publishes a new attempt with a fresh token, and a second, healthy worker completes it. The crashed
    /// attempt's redelivered message reaches the second worker too; its stale token is refused.
    @Test func crashBeforeCallbackTimesOutOnHeartbeatAndRetrySucceedsOnAnotherWorker() async throws {
        let system = try await SystemFixture(label: "crash")
        let queue = "\(system.names.prefix).work"
        try await system.run {
            let crashing = try system.startWorker(
                "worker-function", ["--queue", queue, "--crash-rate", "1"], queues: system.functionQueues + [queue])
            try await system.withClient { client in
                let retry =
                    #""Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 4}],"#
                let machine = try await client.createStateMachine(
                    "crash-retry",
                    definition: Definitions.waitForCallback(queue: queue, timeout: 60, heartbeat: 2, retry: retry))
                let execution = try await client.startExecution(machine, input: #"{"job": 1}"#)
                try await crashing.waitForExit(deadline: .seconds(10))
                try await client.waitForHistory(execution, "TaskTimedOut")
                try await client.waitForHistory(execution, "TaskScheduled", count: 2)

                let healthy = try system.startWorker("worker-function", ["--queue", queue])
                let end = try await client.waitForEnd(execution)
                #expect(end["status"]?.stringValue == "SUCCEEDED")
                #expect(end["output"]?.stringValue?.contains(#""calledBack":true"#) == true)
                // At least the crashed attempt timed out; on a loaded machine the retry may also miss its 2 s
                // heartbeat window while the healthy worker starts. Every timeout is followed by exactly one retry.
                let history = try await client.historyTypes(execution)
                let timeouts = history.filter { $0 == "TaskTimedOut" }.count
                #expect(timeouts >= 1)
                #expect(history.filter { $0 == "TaskScheduled" }.count == timeouts + 1)
                try await healthy.waitForLog("TaskTimedOut", deadline: .seconds(10))  // the stale attempt-0 token
            }
        }
    }

    /// legacy-system is stopped in the middle of a `.sync` job and started again on the same data directory:
    /// the job resumes with the work already done and the execution succeeds (real time; the job runs 3 s).
    @Test func legacySystemRestartMidJobResumesTheJob() async throws {
        let system = try await SystemFixture(label: "legacy-restart")
        let prefix = system.names.prefix
        try await system.run {
            let environment = ["BATON_JOB_DURATION": "3s"]
            let first = try system.startWorker(
                "legacy-system", environment: environment, queues: [system.names.jobQueue])
            try await system.withClient { client in
                let machine = try await Seeds.register("seed2-sync", on: client, prefix: prefix)
                let execution = try await client.startExecution(machine, input: #"{"status": "success"}"#)
                try await first.waitForLog("job accepted")
                try await Task.sleep(for: .seconds(1))
                try await first.crash()

                let second = try system.startWorker("legacy-system", environment: environment)
                try await second.waitForLog("resuming jobs")
                let end = try await client.waitForEnd(execution)
                #expect(end["status"]?.stringValue == "SUCCEEDED")
                #expect(end["output"]?.stringValue?.contains("completedAt") == true)
                #expect(try await client.historyTypes(execution).filter { $0 == "TaskScheduled" }.count == 1)
            }
        }
    }
}
