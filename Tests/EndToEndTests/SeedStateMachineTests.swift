import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// The seed state machines of deploy/statemachines on the real orchestrator and workers, success and failure.
@Suite(.serialized) struct SeedStateMachineTests {
    /// Seed 1: worker-function's `callback` answers → Succeed; a worker that never calls back → TimeoutSeconds →
    /// the Fail state. Workflow time ×10, so the 30 s timeout lasts 3 s.
    @Test func seed1CallbackSucceedsAndMissingCallbackFailsOnTimeout() async throws {
        let system = try await SystemFixture(label: "seed1", environment: ["BATON_TIME_SCALE": "10"])
        let prefix = system.names.prefix
        try await system.run {
            try system.startWorker(
                "worker-function", ["--queue", "\(prefix).seed1"],
                queues: system.functionQueues + ["\(prefix).seed1"])
            try system.startWorker(
                "worker-function", ["--queue", "\(prefix).seed1.silent", "--never-callback-rate", "1"],
                queues: ["\(prefix).seed1.silent"])
            try await system.withClient { client in
                let seed = try Seeds.definition("seed1-callback", prefix: prefix)
                let machine = try await client.createStateMachine("seed1-callback", definition: seed)
                let silent = try await client.createStateMachine(
                    "seed1-silent",
                    definition: seed.replacingOccurrences(of: "/\(prefix).seed1\"", with: "/\(prefix).seed1.silent\""))
                let calledBack = try await client.startExecution(machine, input: #"{"order": 1}"#)
                let unanswered = try await client.startExecution(silent, input: #"{"order": 2}"#)

                let ok = try await client.waitForEnd(calledBack)
                #expect(ok["status"]?.stringValue == "SUCCEEDED")
                #expect(ok["output"]?.stringValue?.contains(#""calledBack":true"#) == true)

                let timedOut = try await client.waitForEnd(unanswered)
                #expect(timedOut["status"]?.stringValue == "FAILED")
                #expect(client.errorName(timedOut) == "CallbackTimeout")
                #expect(try await client.historyTypes(unanswered).contains("TaskTimedOut"))
            }
        }
    }

    /// Seed 2: `{"status": "success"}` succeeds and anything else fails, through legacy-system for both the
    /// callback flow (`--queue`, then a Choice on `$.status`) and the `.sync` job flow.
    @Test func seed2CallbackAndSyncFlowsSucceedOnlyForStatusSuccess() async throws {
        let system = try await SystemFixture(label: "seed2", environment: ["BATON_TIME_SCALE": "10"])
        let prefix = system.names.prefix
        try await system.run {
            try system.startWorker(
                "legacy-system", ["--queue", "\(prefix).legacy.callbacks"],
                environment: ["BATON_JOB_DURATION": "300ms"],
                queues: [system.names.jobQueue, "\(prefix).legacy.callbacks"])
            try await system.withClient { client in
                let callback = try await Seeds.register("seed2-callback", on: client, prefix: prefix)
                let sync = try await Seeds.register("seed2-sync", on: client, prefix: prefix)
                let runs = [
                    (callback, #"{"status": "success"}"#, "SUCCEEDED"), (callback, #"{"status": "fail"}"#, "FAILED"),
                    (sync, #"{"status": "success"}"#, "SUCCEEDED"), (sync, #"{"status": "fail"}"#, "FAILED"),
                    (sync, #"{"other": 1}"#, "FAILED"),
                ]
                var executions: [String] = []
                for (machine, input, _) in runs {
                    executions.append(try await client.startExecution(machine, input: input))
                }
                for (execution, run) in zip(executions, runs) {
                    let end = try await client.waitForEnd(execution)
                    #expect(end["status"]?.stringValue == run.2, "\(run.1) on \(run.0)")
                    if run.2 == "FAILED" { #expect(client.errorName(end) == "LegacyJobFailed") }
                }
                let succeeded = try JSON(parsing: try await client.describe(executions[0])["output"]?.stringValue ?? "")
                #expect(succeeded["status"]?.stringValue == "success")
                #expect(try await client.historyTypes(executions[3]).contains("TaskFailed"))
            }
        }
    }
}
