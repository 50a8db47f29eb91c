import BatonProtocol
import Foundation

/// A failure scenario against a running compose deployment (`baton chaos run --compose`): it starts executions
/// of one callback machine through the deployment's broker, faults containers with the docker CLI while they
/// run, and lets the runner check the ledger. Every execution must succeed: the machine retries a task whose
/// heartbeat or timeout passes, so the faults may delay an execution but never end it otherwise.
protocol ComposeScenario: Sendable {
    /// The name `baton chaos run --compose NAME` takes.
    var name: String { get }
    /// One line for `baton chaos list --compose`.
    var summary: String { get }
    /// Starts the executions and injects the fault; returns when the fault is over.
    func run(_ context: ComposeContext) async throws
}

/// Every compose scenario, in the order `all` runs them.
enum ComposeCatalog {
    static let scenarios: [any ComposeScenario] = [
        ComposeOrchestratorKillScenario(), ComposeBrokerRestartScenario(), ComposeWorkerPauseScenario(),
        ComposeWorkerDisconnectScenario(),
    ]

    static func named(_ name: String) -> (any ComposeScenario)? { scenarios.first { $0.name == name } }
}

/// What a compose scenario works with.
struct ComposeContext: ChaosDriving {
    let deployment: ComposeDeployment
    let client: BatonClient
    let executions: Int
    /// The orchestrator's time scale: workflow seconds per real second.
    let timeScale: Double
    var ledger: ChaosLedger { deployment.ledger }

    func eventsBacklog() async -> Int { await deployment.depth(deployment.eventsQueue) }

    /// The machine's HeartbeatSeconds, in workflow time.
    static let heartbeat = 30

    /// How long, in real time, a task may go unanswered before its heartbeat times out.
    var heartbeatSeconds: Double { Double(Self.heartbeat) / timeScale }

    /// A fault that must outlast the heartbeat: two and a half heartbeats, at least 5 s.
    var pastHeartbeat: Duration { .milliseconds(Int(max(5, 2.5 * heartbeatSeconds) * 1000)) }

    /// Creates the scenario's callback machine on the workers' queue: HeartbeatSeconds 30, and every heartbeat
    /// timeout or timeout retried (99 attempts, 1 s apart in workflow time), so each execution succeeds once a
    /// worker answers a live attempt.
    func createCallbackMachine(_ scenario: String) async throws -> String {
        let retry = """
            "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout", "States.Timeout"], "IntervalSeconds": 1,
                       "MaxAttempts": 99, "BackoffRate": 1}],
            """
        let name = "chaos-compose-\(scenario)-\(UUID().uuidString.prefix(8).lowercased())"
        let definition = CallbackMachine.definition(
            queue: deployment.taskQueue, timeout: 3600, heartbeat: Self.heartbeat, retry: retry)
        return try await createMachine(name, definition: definition)
    }

    /// What every scenario does first: creates its callback machine (``createCallbackMachine(_:)``), finds the
    /// container it faults (`which` picks among the service's replicas) and waits until both worker replicas
    /// consume the task queue. Returns the machine's ARN and the container's name.
    func prepare(
        _ scenario: String, faulting service: String, which: ([String]) -> String? = { $0.first }
    ) async throws -> (machine: String, container: String) {
        let machine = try await createCallbackMachine(scenario)
        guard let container = which(try await deployment.containers(service)) else {
            throw ChaosError("no \(service) container to fault")
        }
        try await deployment.waitForConsumers(deployment.taskQueue, 2)
        return (machine, container)
    }

    /// Starts every execution of `machine`, evenly spread over `spread` (a paced load: the fault meets
    /// executions in flight and starts still to come, rather than a burst that ended before the docker command
    /// took effect), and runs `fault` once `threshold` of them have ended; returns when both are done.
    func startWithFault(
        _ machine: String, spread: Duration, after threshold: Int, _ fault: @Sendable () async throws -> Void
    ) async throws {
        async let started = startPaced(machine, spread: spread)
        try await waitForLoad(ended: threshold)
        try await fault()
        _ = try await started
        ledger.mark("all \(executions) executions started")
    }

    /// Starts every execution of `machine`, 8 at a time, evenly spread over `spread`.
    func startPaced(_ machine: String, spread: Duration) async throws -> [String] {
        try await startExecutions(
            machine, count: executions, concurrency: 8, spacing: spread / max(1, executions), deadline: .seconds(300))
    }

    /// Waits until `threshold` executions have ended, and fails the scenario when every execution has already
    /// started: a fault injected then would meet no load, and the scenario would pass without testing anything.
    func waitForLoad(ended threshold: Int) async throws {
        let ledger = ledger
        try await chaosWait(deadline: .seconds(180), interval: .milliseconds(20), "\(threshold) executions ended") {
            ledger.endedCount >= threshold
        }
        let started = ledger.startedExecutions.count
        guard started < executions else {
            throw ChaosError(
                "the fault would miss the load: all \(started) executions had started (raise --executions)")
        }
    }

    /// Waits until every started execution has ended, then counts those whose history has a TaskTimedOut (an
    /// attempt whose heartbeat passed, retried), marks the count on the timeline and returns it.
    func markHeartbeatTimeouts() async throws -> Int {
        let started = ledger.startedExecutions
        let ledger = ledger
        try await chaosWait(deadline: .seconds(120), interval: .milliseconds(100), "every execution to end") {
            ledger.endedCount == started.count
        }
        let timedOut = Locked(0)
        try await forEach(started) { arn in
            if try await historyTypes(arn).contains("TaskTimedOut") { timedOut.withLock { $0 += 1 } }
        }
        ledger.mark("\(timedOut.current) executions had an attempt time out on its heartbeat and retried it")
        return timedOut.current
    }

    /// Waits until the deployment's orchestrator consumes its command queue again.
    func waitForOrchestrator(deadline: Duration = .seconds(120)) async throws {
        try await deployment.waitForConsumers(deployment.names.commandQueue, 1, deadline: deadline)
    }
}

/// The orchestrator container killed (`docker kill`, SIGKILL) twice under load and started again on its volume:
/// the store keeps every commit, the outbox republishes, redelivered callbacks are refused as duplicates.
struct ComposeOrchestratorKillScenario: ComposeScenario {
    let name = "orchestrator-kill"
    let summary = "docker kill the orchestrator container twice under load, docker start it → nothing lost or doubled"

    func run(_ context: ComposeContext) async throws {
        let deployment = context.deployment
        let ledger = context.ledger
        let (machine, orchestrator) = try await context.prepare(name, faulting: "orchestrator")
        let commands = deployment.names.commandQueue
        let n = context.executions
        async let started = context.startPaced(machine, spread: .seconds(6))
        for round in 1...2 {
            try await context.waitForLoad(ended: n * round / 3)
            ledger.mark("FAULT: docker kill \(orchestrator) (round \(round), \(ledger.endedCount) ended)")
            try await deployment.run(["kill", orchestrator])
            try await chaosWait(deadline: .seconds(30), "the killed orchestrator's consumers to go") {
                await deployment.consumers(commands) == 0
            }
            try await deployment.run(["start", orchestrator])
            try await context.waitForOrchestrator()
            ledger.mark("orchestrator container started again and consuming")
        }
        _ = try await started
        ledger.mark("all \(n) executions started")
    }
}

/// The rabbitmq container restarted (`docker restart`) under load: durable queues and persistent messages
/// survive, every container reconnects, and so do the scenario's own connections.
struct ComposeBrokerRestartScenario: ComposeScenario {
    let name = "broker-restart"
    let summary = "docker restart the rabbitmq container under load → every service reconnects, nothing lost or doubled"

    func run(_ context: ComposeContext) async throws {
        let deployment = context.deployment
        let ledger = context.ledger
        let (machine, broker) = try await context.prepare(name, faulting: "rabbitmq")
        try await context.startWithFault(machine, spread: .seconds(15), after: context.executions / 3) {
            ledger.mark("FAULT: docker restart \(broker) (\(ledger.endedCount) ended)")
            try await deployment.run(["restart", broker], deadline: .seconds(180))
            ledger.mark("rabbitmq container restarted")
            try await context.waitForOrchestrator()
            try await deployment.waitForConsumers(deployment.taskQueue, 2, deadline: .seconds(120))
            ledger.mark("orchestrator and both workers consuming again")
        }
    }
}

/// One worker-function replica frozen (`docker pause`) for longer than the task heartbeat while it holds tasks:
/// their attempts time out (States.HeartbeatTimeout), Retry gives each a new token that the other replica
/// answers; unpaused, the frozen replica answers its stale tokens and is refused.
struct ComposeWorkerPauseScenario: ComposeScenario {
    let name = "worker-pause"
    let summary =
        "docker pause a worker past its heartbeat → HeartbeatTimeout, Retry on the other, stale callbacks refused"

    func run(_ context: ComposeContext) async throws {
        let deployment = context.deployment
        let ledger = context.ledger
        let (machine, worker) = try await context.prepare(name, faulting: "worker-function")
        try await context.startWithFault(machine, spread: context.pastHeartbeat, after: context.executions / 4) {
            ledger.mark(
                "FAULT: docker pause \(worker) for \(context.pastHeartbeat) "
                    + "(heartbeat \(String(format: "%.1f", context.heartbeatSeconds)) s)")
            try await deployment.run(["pause", worker])
            try await Task.sleep(for: context.pastHeartbeat)
            try await deployment.run(["unpause", worker])
            ledger.mark("\(worker) unpaused")
        }
        // The fault must have hit: at least one attempt timed out on its heartbeat and was retried.
        guard try await context.markHeartbeatTimeouts() > 0 else {
            throw ChaosError("no attempt timed out: the paused worker held no task (raise --executions)")
        }
    }
}

/// One worker-function replica disconnected from the compose network (`docker network disconnect`) for longer
/// than the heartbeat, then connected again with its aliases: the tasks it held time out and are retried on the
/// other replica; it reconnects to the broker from its new address and serves the queue again.
struct ComposeWorkerDisconnectScenario: ComposeScenario {
    let name = "worker-disconnect"
    let summary =
        "docker network disconnect a worker past its heartbeat, reconnect it → retried elsewhere, worker serves again"

    func run(_ context: ComposeContext) async throws {
        let deployment = context.deployment
        let ledger = context.ledger
        let (machine, worker) = try await context.prepare(name, faulting: "worker-function") { $0.last }
        guard let network = try await deployment.networks(of: worker).first else {
            throw ChaosError("\(worker) is attached to no network")
        }
        try await context.startWithFault(machine, spread: context.pastHeartbeat, after: context.executions / 4) {
            ledger.mark("FAULT: docker network disconnect \(network.name) \(worker) for \(context.pastHeartbeat)")
            try await deployment.run(["network", "disconnect", network.name, worker])
            try await Task.sleep(for: context.pastHeartbeat)
            try await deployment.run(
                ["network", "connect"] + network.aliases.flatMap { ["--alias", $0] } + [network.name, worker])
            ledger.mark("\(worker) connected to \(network.name) again")
        }
        // The worker must be back: a broker connection from its current address (the same TCP connection when
        // the address did not change, a new one when the worker noticed the old one die), and two consumers.
        guard let address = try await deployment.networks(of: worker).first(where: { $0.name == network.name })?.address
        else { throw ChaosError("\(worker) did not rejoin \(network.name)") }
        try await chaosWait(deadline: .seconds(150), interval: .seconds(1), "\(worker) (\(address)) to reconnect") {
            try await deployment.brokerPeers().contains(address)
        }
        try await deployment.waitForConsumers(deployment.taskQueue, 2, deadline: .seconds(60))
        ledger.mark(
            "\(worker) connected to the broker from \(address)"
                + (address == network.address ? " (its address before)" : " (was \(network.address))"))
        _ = try await context.markHeartbeatTimeouts()
    }
}

/// Runs one compose scenario: connects to the deployment, runs the scenario and its fault, then the ledger check.
struct ComposeChaosRunner {
    let amqpURL: String
    let project: String
    /// The docker CLI.
    let docker: String
    let prefix: String
    let executions: Int

    func run(_ scenario: any ComposeScenario) async -> ChaosResult {
        let ledger = ChaosLedger()
        var result = ChaosResult(scenario: "compose \(scenario.name)", executions: 0)
        let deployment: ComposeDeployment
        do {
            deployment = try await ComposeDeployment(
                project: project, docker: docker, amqpURL: amqpURL, prefix: prefix,
                ledger: ledger)
        } catch {
            result.failures.append("set-up: \(error)")
            result.finish(ledger)
            return result
        }
        do {
            let timeScale = try await deployment.timeScale()
            ledger.mark(
                "compose project \(project): orchestrator \(try await deployment.container("orchestrator")), "
                    + "time scale \(timeScale), events on \(deployment.eventsQueue)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await deployment.consumeEvents() }
                defer { group.cancelAll() }
                try await BatonClient.withClient(bus: deployment.bus, names: deployment.names) { client in
                    let context = ComposeContext(
                        deployment: deployment, client: client, executions: executions, timeScale: timeScale)
                    try await context.waitForOrchestrator(deadline: .seconds(30))
                    do {
                        try await scenario.run(context)
                        ledger.mark("fault over; waiting for every execution to end")
                    } catch {
                        // Still check the ledger: which executions are lost or doubled tells where it stuck.
                        result.failures.append("\(error)")
                        ledger.mark(
                            "the scenario failed (\(ledger.startedExecutions.count) started, \(ledger.endedCount) "
                                + "ended): \(error); checking the ledger all the same")
                    }
                    try await ChaosVerifier.verify(context, expected: { _ in .succeeded }, into: &result)
                }
            }
        } catch {
            result.failures.append("\(error)")
        }
        result.finish(ledger)
        await deployment.shutdown()
        return result
    }
}
