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
                    try await verify(scenario, context, into: &result)
                }
            }
        } catch {
            result.failures.append("\(error)")
        }
        result.timeline = ledger.timeline
        result.perSecond = ledger.perSecond
        result.durationSeconds = ledger.elapsed()
        result.passed = result.failures.isEmpty && result.lost == 0 && result.duplicated == 0
        await system.shutdown(keepFiles: keepFiles || !result.passed)
        try? await node?.stop()
        await fixture?.tearDown()
        if !result.passed { result.notes.append("logs kept in \(system.directory.path)") }
        return result
    }

    /// The ledger check: every started execution ends exactly once, as the definition prescribes.
    private func verify(_ scenario: any ChaosScenario, _ context: ChaosContext, into result: inout ChaosResult)
        async throws
    {
        let ledger = context.ledger
        let started = ledger.startedExecutions
        result.executions = started.count
        let deadline = Duration.seconds(60 + started.count / 20)
        do {
            try await chaosWait(deadline: deadline, interval: .milliseconds(100), "every execution to end") {
                ledger.endedCount == started.count
            }
        } catch {
            result.failures.append("\(started.count - ledger.endedCount) executions did not end within \(deadline)")
        }
        ledger.mark("all \(ledger.endedCount) executions ended")
        // Late duplicates would be queued behind the last event: wait until the events queue is drained.
        try? await chaosWait(deadline: .seconds(10), "the events queue to drain") {
            await context.system.depth(context.system.eventsQueue) == 0
        }
        let checks = try await withThrowingTaskGroup(of: ExecutionCheck.self) { group in
            var checks: [ExecutionCheck] = []
            var next = 0
            func add() {
                let arn = started[next]
                next += 1
                group.addTask { try await check(arn, scenario, context) }
            }
            while next < min(16, started.count) { add() }
            while let check = try await group.next() {
                checks.append(check)
                if next < started.count { add() }
            }
            return checks
        }
        for check in checks { result.add(check) }
        result.rejectedByCode = ledger.rejectedByCode
        result.duplicated += ledger.tokensAcceptedTwice
        for verdict in ledger.unexpectedVerdicts { result.failures.append("callback verdict: \(verdict)") }
        result.recoverySeconds = recovery(ledger.timeline)
    }

    private func check(_ arn: String, _ scenario: any ChaosScenario, _ context: ChaosContext) async throws
        -> ExecutionCheck
    {
        let events = context.ledger.events(of: arn)
        let description = try await context.describe(arn)
        let history = try await context.historyTypes(arn)
        let status = description["status"] as? String ?? "?"
        let error = description["error"] as? String
        // A redriven execution stopped once before each redrive: those terminal events are its earlier ends, not
        // duplicates; it must end exactly once more, as it is now.
        let redrives = history.count { $0 == "ExecutionRedriven" }
        var check = ExecutionCheck(
            arn: arn, status: status, error: error, events: events.count, distinctEvents: Set(events).count)
        check.redrives = redrives
        check.succeededTasks = history.count { $0 == "TaskSucceeded" }
        let expected = scenario.expected(history: history)
        if status != expected.status || (expected.status == "FAILED" && error != expected.error) {
            check.problem =
                "\(arn.split(separator: ":").last ?? ""): \(status)/\(error ?? "-"), expected "
                + "\(expected.status)/\(expected.error ?? "-")"
        } else if let event = events.last, event.status != status {
            check.problem = "\(arn): event says \(event.status), DescribeExecution \(status)"
        }
        return check
    }

    /// From the first fault line of the timeline to the last execution's end.
    private func recovery(_ timeline: [ChaosTimelineEntry]) -> Double? {
        guard let fault = timeline.first(where: { $0.event.hasPrefix("FAULT") }),
            let end = timeline.last(where: { $0.event.hasPrefix("all ") })
        else { return nil }
        return end.seconds - fault.seconds
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
