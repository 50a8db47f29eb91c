import BatonProtocol
import Foundation
import LocalProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// (g) Slow consumers: the workers are paused (SIGSTOP) while executions start, so the task queue grows; then
/// they resume (SIGCONT) and the backlog drains. TimeoutSeconds is far longer than the pause, so no execution
/// may time out, and the orchestrator's memory must not grow with the backlog (the backlog lives in the broker
/// and the store, not in memory).
struct BacklogScenario: ChaosScenario {
    let name = "backlog"
    let summary = "workers paused (SIGSTOP) while the queue grows, then resumed → drains, no timeouts, flat memory"
    let timeScale = 1.0
    let defaultExecutions = 2_000

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine(
            "backlog", definition: chaosDefinition(queue: system.taskQueue, timeout: 3_600))
        let workers = try (0..<2).map { index in
            try system.startWorker(["--prefetch", "16"], seed: Int(context.seed) + index)
        }
        try await system.waitForConsumers(2)
        let memoryBefore = system.orchestrator.residentKiB() ?? 0
        ledger.mark("FAULT: workers paused (SIGSTOP pids \(workers.map(\.pid))); orchestrator RSS \(memoryBefore) KiB")
        for worker in workers { worker.signal(SIGSTOP) }
        let n = context.executions
        _ = try await context.startExecutions(machine, count: n, concurrency: 32)
        let backlog = n - 2 * 16
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(100), "a backlog of \(backlog) tasks") {
            await system.depth(system.taskQueue) >= backlog
        }
        let memoryPeak = system.orchestrator.residentKiB() ?? 0
        ledger.mark(
            "started \(n); task queue holds \(await system.depth(system.taskQueue)); orchestrator RSS \(memoryPeak) KiB"
        )
        for worker in workers { worker.signal(SIGCONT) }
        ledger.mark("workers resumed (SIGCONT)")
        try await chaosWait(deadline: .seconds(300), interval: .milliseconds(100), "the backlog to drain") {
            await system.depth(system.taskQueue) == 0
        }
        ledger.mark("backlog drained; orchestrator RSS \(system.orchestrator.residentKiB() ?? 0) KiB")
    }

    func expected(history: [String]) -> ChaosExpectation { .succeeded }
}

/// (i) Many tasks whose HeartbeatSeconds expire together: N executions wait on tasks nobody answers (the
/// scenario takes the tasks and keeps the tokens); every heartbeat deadline fires within a few seconds, each
/// execution takes its Catch to `HeartbeatMissed`, and a heartbeat sent afterwards is refused `TaskTimedOut`.
struct HeartbeatStormScenario: ChaosScenario {
    let name = "heartbeat-storm"
    let summary = "N tasks whose HeartbeatSeconds expire together → all HeartbeatMissed, late heartbeats refused"
    /// HeartbeatSeconds 600 lasts 20 s of real time: long enough to start every execution first.
    let timeScale = 30.0
    let defaultExecutions = 10_000

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine(
            "storm", definition: chaosDefinition(queue: system.taskQueue, heartbeat: 600))
        let tokens = TokenInbox()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await tokens.collect(from: system) }
            defer { group.cancelAll() }
            let arns = try await context.startExecutions(machine, count: context.executions, concurrency: 64)
            ledger.mark("started \(arns.count) executions; nobody answers or heartbeats")
            try await chaosWait(deadline: .seconds(120), "a token per execution") { tokens.count >= arns.count }
            ledger.mark("FAULT: every HeartbeatSeconds deadline expires within the start spread")
            try await chaosWait(deadline: .seconds(300), interval: .milliseconds(100), "every heartbeat to expire") {
                ledger.endedCount >= arns.count
            }
            ledger.mark("all heartbeat timeouts fired; sending a late heartbeat per execution")
            try await forEach(arns, concurrency: 64) { arn in
                guard let token = tokens.token(arn) else { return }
                let reply = try await context.client.send(.init(taskToken: token, outcome: .heartbeat))
                ledger.verdict(token: token, errorType: reply.errorType, expected: .rejected("TaskTimedOut"))
            }
        }
    }

    func expected(history: [String]) -> ChaosExpectation {
        ChaosExpectation(status: "FAILED", error: "HeartbeatMissed")
    }
}
