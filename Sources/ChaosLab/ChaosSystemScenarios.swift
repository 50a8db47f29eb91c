import BatonBroker
import BatonProtocol
import Foundation
import LocalProcesses

/// (e) Poison messages on the callback queue (malformed JSON, wrong schema, bodies over the size limit) and on
/// the task queue, published while real executions run: the orchestrator dead-letters each poison callback with
/// a reason and keeps going; workers keep going too; every execution still succeeds.
struct PoisonMessageScenario: ChaosScenario {
    let name = "poison"
    let summary =
        "malformed, wrong-schema and 2 MiB messages on callback and task queues → dead-lettered, work continues"
    let timeScale = 1.0
    let defaultExecutions = 200

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine("poison", definition: chaosDefinition(queue: system.taskQueue))
        for index in 0..<2 { try system.startWorker(seed: Int(context.seed) + index) }
        try await system.waitForConsumers(2)
        let perKind = max(context.executions / 4, 5)
        let huge =
            "{\"action\":\"SendTaskSuccess\",\"taskToken\":\"x\",\"output\":\""
            + String(repeating: "A", count: 2 * 1_048_576) + "\"}"
        let poisons: [(String, [UInt8])] = [
            ("malformed JSON", Array("{\"action\": \"SendTaskSuccess\", \"taskToken\": ".utf8)),
            ("wrong schema", Array("{\"action\":\"SendTaskDance\",\"taskToken\":\"x\",\"tempo\":3}".utf8)),
            ("2 MiB body", Array(huge.utf8)),
        ]
        async let started = context.startExecutions(machine, count: context.executions)
        for (kind, body) in poisons {
            ledger.mark("FAULT: \(perKind) \(kind) messages on \(system.names.callbackQueue) and the task queue")
            for _ in 0..<perKind {
                try await system.bus.publish(BusMessage(body: body), toQueue: system.names.callbackQueue)
                try await system.bus.publish(BusMessage(body: body), toQueue: system.taskQueue)
            }
        }
        _ = try await started
        let expected = perKind * poisons.count
        ledger.mark("started \(context.executions) executions between \(2 * expected) poison messages")
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(100), "\(expected) dead letters") {
            await system.depth(system.names.deadLetterQueue) >= expected
        }
        let reasons = try await deadLetterReasons(system, count: await system.depth(system.names.deadLetterQueue))
        let fromCallbacks = reasons.filter { $0.queue == system.names.callbackQueue }
        ledger.mark(
            "dead-letter queue: \(fromCallbacks.count) from the callback queue, "
                + "\(reasons.count - fromCallbacks.count) from elsewhere")
        guard fromCallbacks.count == expected else {
            throw ChaosError("\(fromCallbacks.count) poison callbacks dead-lettered, expected \(expected)")
        }
        if let silent = fromCallbacks.first(where: { $0.reason.isEmpty }) {
            throw ChaosError("a dead-lettered callback has no reason (\(silent))")
        }
        for sample in Set(fromCallbacks.map { String($0.reason.prefix(90)) }).sorted().prefix(4) {
            ledger.mark("reason: \(sample)")
        }
        try await chaosWait(deadline: .seconds(30), "the task queue to drain") {
            await system.depth(system.taskQueue) == 0
        }
        guard system.workers.allSatisfy(\.isRunning) else { throw ChaosError("a worker died on a poison task") }
        ledger.mark("task queue drained; both workers alive")
    }

    func expected(history: [String]) -> ChaosExpectation { .succeeded }

    struct DeadLetter: Sendable {
        var queue: String
        var reason: String
    }

    private func deadLetterReasons(_ system: ChaosSystem, count: Int) async throws -> [DeadLetter] {
        let collected = Locked<[DeadLetter]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await delivery in try await system.bus.consume(system.names.deadLetterQueue, prefetch: 256) {
                    let headers = delivery.message.headers
                    let entry = DeadLetter(
                        queue: headers[RabbitBus.deadLetterQueueHeader] ?? "?",
                        reason: headers[RabbitBus.deadLetterReasonHeader] ?? "")
                    collected.withLock { $0.append(entry) }
                    try? await delivery.settle(.ack)
                }
            }
            defer { group.cancelAll() }
            try await chaosWait(deadline: .seconds(30), "\(count) dead letters read") {
                collected.withLock { $0.count } >= count
            }
        }
        return collected.current
    }
}

/// (d) The orchestrator killed with SIGKILL and restarted three times while executions start and complete:
/// commits survive, the outbox republishes, redelivered callbacks are refused as duplicates.
struct OrchestratorCrashScenario: ChaosScenario {
    let name = "orchestrator-crash"
    let summary = "kill -9 and restart the orchestrator 3× under load → nothing lost, nothing doubled"
    let timeScale = 1.0
    let defaultExecutions = 600

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let machine = try await context.createMachine("crash", definition: chaosDefinition(queue: system.taskQueue))
        for index in 0..<2 {
            try system.startWorker(["--latency", "fixed:20ms"], seed: Int(context.seed) + index)
        }
        try await system.waitForConsumers(2)
        let n = context.executions
        async let started = context.startExecutions(machine, count: n, concurrency: 16)
        for round in 1...3 {
            let threshold = n * round / 4
            try await chaosWait(deadline: .seconds(120), interval: .milliseconds(20), "\(threshold) ended") {
                ledger.endedCount >= threshold
            }
            ledger.mark(
                "FAULT: kill -9 orchestrator pid \(system.orchestrator.pid) (round \(round), \(threshold) ended)")
            try await system.orchestrator.crash()
            try await system.startOrchestrator()
            ledger.mark("orchestrator restarted (pid \(system.orchestrator.pid)) and ready")
        }
        _ = try await started
        ledger.mark("all \(n) executions started")
    }

    func expected(history: [String]) -> ChaosExpectation { .succeeded }
}
