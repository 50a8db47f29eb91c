import BatonProtocol
import BatonRuntime
import Foundation
import LocalProcesses

/// Runs one scenario end to end: system up, fault, wait for every execution to end, ledger check, teardown.
struct ChaosRunner {
    let amqpURL: String
    let executions: Int?
    let callbacks: Int
    let seed: UInt64
    let keepFiles: Bool
    /// The AMQP port of the node scenarios that need their own broker start (`baton-chaos-<port>`).
    var brokerPort = 5791

    func run(_ scenario: any ChaosScenario) async -> ChaosResult {
        let ledger = ChaosLedger()
        let count = executions ?? scenario.defaultExecutions
        var result = ChaosResult(scenario: scenario.name, executions: 0)
        var node: RabbitMQNode?
        var fixture: (any ChaosFixture)?
        let system: ChaosSystem
        do {
            var url = amqpURL
            fixture = try await scenario.prepare(ledger)
            if scenario.needsOwnBroker {
                let own = try RabbitMQNode(
                    name: "baton-chaos-\(brokerPort)", port: brokerPort, environment: fixture?.brokerEnvironment ?? [:])
                node = own
                try await own.start()
                url = own.url
                ledger.mark("own broker node started on port \(own.port)")
            }
            system = try await ChaosSystem(
                label: scenario.name, amqpURL: url, timeScale: scenario.timeScale, ledger: ledger)
        } catch {
            result.failures.append("set-up: \(error)")
            try? await node?.stop()
            await fixture?.tearDown()
            result.timeline = ledger.timeline
            return result
        }
        ledger.mark("system up (prefix \(system.names.prefix), time scale \(scenario.timeScale))")
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await system.consumeEvents() }
                defer { group.cancelAll() }
                try await BatonClient.withClient(bus: system.bus, names: system.names) { client in
                    let context = ChaosContext(
                        system: system, client: client, executions: count, callbacks: callbacks, seed: seed,
                        broker: node, fixture: fixture)
                    try await scenario.run(context)
                    ledger.mark("fault over; waiting for every execution to end")
                    try await ChaosVerifier.verify(context, expected: scenario.expected, into: &result)
                }
            }
        } catch {
            result.failures.append("\(error)")
        }
        result.finish(ledger)
        await system.shutdown(keepFiles: keepFiles || !result.passed)
        try? await node?.stop()
        await fixture?.tearDown()
        if !result.passed { result.notes.append("logs kept in \(system.directory.path)") }
        return result
    }
}

/// What the ledger found for one execution.
struct ExecutionCheck: Sendable {
    var arn: String
    var status: String
    var error: String?
    var events: Int
    /// Different terminal events: an identical event published again (the outbox after a crash) counts once.
    var distinctEvents: Int
    var succeededTasks = 0
    /// `ExecutionRedriven` events: each one follows an earlier terminal event of the execution.
    var redrives = 0
    var problem: String?
}
