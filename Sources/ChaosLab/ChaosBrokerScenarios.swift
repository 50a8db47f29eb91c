import BatonRuntime
import Foundation
import LocalProcesses

/// (f) The broker node stopped and started again while executions run (the scenario's own node): durable
/// queues and persistent messages survive, every process reconnects, the outbox republishes what was not
/// confirmed, and nothing is lost or doubled.
struct BrokerRestartScenario: ChaosScenario {
    let name = "broker-restart"
    let summary = "stop and start the broker (own node) under load → clients reconnect, nothing lost or doubled"
    let timeScale = 1.0
    let defaultExecutions = 400
    let needsOwnBroker = true

    func run(_ context: ChaosContext) async throws {
        guard let node = context.broker else { throw ChaosError("broker-restart needs its own node") }
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine("restart", definition: chaosDefinition(queue: system.taskQueue))
        for index in 0..<2 {
            try system.startWorker(["--latency", "fixed:20ms"], seed: Int(context.seed) + index)
        }
        try await system.waitForConsumers(2)
        let n = context.executions
        async let started = context.startExecutions(machine, count: n, concurrency: 16, deadline: .seconds(180))
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(20), "\(n / 3) ended") {
            ledger.endedCount >= n / 3
        }
        ledger.mark("FAULT: stopping the broker node (\(ledger.endedCount) ended)")
        try await node.stop()
        ledger.mark("broker down")
        try await node.start()
        ledger.mark("broker up again")
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(200), "workers to consume again") {
            await system.consumers(system.taskQueue) >= 2
        }
        ledger.mark("both workers consuming again")
        _ = try await started
        ledger.mark("all \(n) executions started")
        guard system.orchestrator.isRunning, system.workers.allSatisfy(\.isRunning) else {
            throw ChaosError("a process exited during the broker restart")
        }
    }

    func expected(history: [String]) -> ChaosExpectation { .succeeded }
}

/// (h) A memory alarm on the scenario's own node: the watermark is lowered at run time so the broker blocks
/// every publishing connection; executions keep being started (their publishes block), then the watermark is
/// restored and everything resumes — no deadlock, nothing lost (consumers are on separate connections).
struct MemoryAlarmScenario: ChaosScenario {
    let name = "memory-alarm"
    let summary = "broker memory alarm (own node, watermark lowered) → publishers block, then resume; nothing lost"
    let timeScale = 1.0
    let defaultExecutions = 400
    let needsOwnBroker = true

    func run(_ context: ChaosContext) async throws {
        guard let node = context.broker else { throw ChaosError("memory-alarm needs its own node") }
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine("alarm", definition: chaosDefinition(queue: system.taskQueue))
        for index in 0..<2 { try system.startWorker(seed: Int(context.seed) + index) }
        try await system.waitForConsumers(2)
        let n = context.executions
        _ = try await context.startExecutions(machine, count: n / 2)
        ledger.mark("started \(n / 2) executions before the alarm")
        try await node.ctl(["set_vm_memory_high_watermark", "absolute", "1"])
        ledger.mark("FAULT: vm_memory_high_watermark set to 1 byte: memory alarm")
        // Start the rest while the alarm holds: their publishes block until it clears.
        async let rest = context.startExecutions(
            machine, count: n - n / 2, namePrefix: "blocked", concurrency: 16, deadline: .seconds(300))
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(250), "a publishing connection to block") {
            (try? await node.ctl(["list_connections", "state"]))?.contains("blocked") ?? false
        }
        let ended = ledger.endedCount
        ledger.mark("connections blocked (\(ended) executions ended so far); restoring the watermark")
        try await node.ctl(["set_vm_memory_high_watermark", "0.4"])
        ledger.mark("watermark restored to 0.4")
        _ = try await rest
        ledger.mark("all \(n) executions started")
    }

    func expected(history: [String]) -> ChaosExpectation { .succeeded }
}
