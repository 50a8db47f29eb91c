import Foundation
import LocalProcesses

/// (b) A worker that takes the task and never calls back (worker-function `--never-callback-rate 0.5`):
/// TimeoutSeconds fires, `States.Timeout` goes down the Catch path; the others succeed.
struct NeverCallsBackScenario: ChaosScenario {
    let name = "never-callback"
    let summary = "half the tasks are never answered → States.Timeout → Catch (CallbackTimeout); the rest succeed"
    /// TimeoutSeconds 60 lasts 2 s of real time.
    let timeScale = 30.0
    let defaultExecutions = 200

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let machine = try await context.createMachine(
            "never", definition: chaosDefinition(queue: system.taskQueue, timeout: 60))
        for index in 0..<2 {
            try system.startWorker(["--never-callback-rate", "0.5"], seed: Int(context.seed) + index)
        }
        try await system.waitForConsumers(2)
        context.ledger.mark("FAULT: 2 workers that never answer half of their tasks (seed \(context.seed))")
        _ = try await context.startExecutions(machine, count: context.executions)
        context.ledger.mark("started \(context.executions) executions")
    }

    func expected(history: [String]) -> ChaosExpectation {
        history.contains("TaskTimedOut") ? ChaosExpectation(status: "FAILED", error: "CallbackTimeout") : .succeeded
    }
}

/// (c) Workers killed (kill -9) while they hold tasks without heartbeating. The broker requeues the tasks,
/// the orchestrator times the attempt out (`States.HeartbeatTimeout`) and Retry issues a new attempt with a new
/// token; fresh workers answer the stale copies (refused, TaskTimedOut) and the retries (accepted).
struct WorkerCrashScenario: ChaosScenario {
    let name = "worker-crash"
    let summary = "kill -9 workers mid-task → HeartbeatTimeout → Retry with a new token → success on new workers"
    /// HeartbeatSeconds 30 lasts 3 s of real time.
    let timeScale = 10.0
    let defaultExecutions = 200

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let retry = """
            "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 5}],
            """
        let machine = try await context.createMachine(
            "crash", definition: chaosDefinition(queue: system.taskQueue, heartbeat: 30, retry: retry))
        let n = context.executions
        // Slow workers that take every task and sit on it: nothing is answered, no heartbeat is sent.
        let doomed = try (0..<2).map { index in
            try system.startWorker(
                ["--latency", "fixed:600s", "--prefetch", "\(n)"], seed: Int(context.seed) + index)
        }
        try await system.waitForConsumers(2)
        _ = try await context.startExecutions(machine, count: n)
        ledger.mark("started \(n) executions; 2 workers hold the tasks")
        try await chaosWait(deadline: .seconds(60), "every task to be delivered to a worker") {
            await system.depth(system.taskQueue) == 0
        }
        ledger.mark("FAULT: kill -9 both workers (pids \(doomed.map(\.pid)))")
        for worker in doomed { try await worker.crash() }
        // Requeued first attempts plus the Retry attempts published after each HeartbeatTimeout.
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(200), "\(2 * n) tasks queued") {
            await system.depth(system.taskQueue) >= 2 * n
        }
        ledger.mark("heartbeat timeouts fired; \(2 * n) tasks queued (stale attempts + retries); starting 2 workers")
        for index in 0..<2 { try system.startWorker(seed: Int(context.seed) + 10 + index) }
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(200), "the task queue to drain") {
            await system.depth(system.taskQueue) == 0
        }
        ledger.mark("task queue drained")
    }

    func expected(history: [String]) -> ChaosExpectation {
        // Every execution must have gone through at least one heartbeat timeout before its success.
        history.contains("TaskTimedOut") ? .succeeded : ChaosExpectation(status: "NO-HEARTBEAT-TIMEOUT")
    }
}
