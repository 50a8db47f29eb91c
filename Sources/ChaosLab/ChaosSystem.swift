import BatonBroker
import BatonJSON
import BatonProtocol
import Foundation
import LocalProcesses
import Logging

/// The Baton system one scenario runs against: a fresh queue prefix and data directory on the given broker,
/// the built orchestrator, the worker-function processes the scenario starts, and a durable queue bound to
/// `<prefix>.events` that feeds the ledger (durable so events survive a broker restart).
final class ChaosSystem: @unchecked Sendable, ChaosQueueStatus {
    // `orchestrator` and `workers` are replaced only by the scenario's own task, one step at a time.
    let names: Names
    let amqpURL: String
    let bus: RabbitBus
    let directory: URL
    let ledger: ChaosLedger
    let eventsQueue: String
    /// Connections of their own for binding and queue status: asking for a queue that a fault just removed
    /// closes the asking channel, which must not be the one that publishes starts.
    let admin: RabbitBus
    private(set) var orchestrator: ChaosProcess
    private(set) var workers: [ChaosProcess] = []
    private let orchestratorEnvironment: [String: String]
    private var queues: Set<String>

    init(label: String, amqpURL: String, timeScale: Double, ledger: ChaosLedger) async throws {
        let prefix = "chaos-\(label)-\(UUID().uuidString.prefix(6).lowercased())"
        names = Names(prefix: prefix)
        self.amqpURL = amqpURL
        self.ledger = ledger
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-\(prefix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        eventsQueue = "\(prefix).chaos-events"
        (bus, admin) = try await connectLedgerBuses(
            amqpURL: amqpURL, names: names, clientName: "baton-chaos", eventsQueue: eventsQueue)
        queues = [names.callbackQueue, names.commandQueue, names.deadLetterQueue, eventsQueue, taskQueueName(prefix)]
        orchestratorEnvironment = [
            "BATON_AMQP_URL": amqpURL, "BATON_QUEUE_PREFIX": prefix,
            "BATON_DATA_DIR": directory.appendingPathComponent("orchestrator").path,
            "BATON_TOKEN_KEY": "chaos-key-\(prefix)", "BATON_TIME_SCALE": "\(timeScale)",
            "BATON_API_ADDRESS": "off", "BATON_LOG_LEVEL": "info",
        ]
        orchestrator = try ChaosProcess("orchestrator", environment: orchestratorEnvironment, logDirectory: directory)
        try await orchestrator.waitForLog("orchestrator ready")
    }

    /// The queue the scenarios' state machines send tasks to.
    var taskQueue: String { taskQueueName(names.prefix) }

    /// Feeds the ledger from the events queue until cancelled.
    func consumeEvents() async throws { try await feedLedger(ledger, from: eventsQueue, on: bus) }

    /// kill -9 the orchestrator (or SIGTERM it) and start it again on the same store; waits until ready.
    func restartOrchestrator(crash: Bool = true) async throws {
        if crash { try await orchestrator.crash() } else { await orchestrator.stop() }
        try await startOrchestrator()
    }

    /// Starts the orchestrator after it was crashed or stopped.
    func startOrchestrator() async throws {
        orchestrator = try ChaosProcess("orchestrator", environment: orchestratorEnvironment, logDirectory: directory)
        try await orchestrator.waitForLog("orchestrator ready")
    }

    /// Starts a worker-function serving the task queue with the callback function, plus `arguments`.
    /// - Parameters:
    ///   - url: the broker URL it connects to (default: the system's).
    ///   - launcher: a command that execs it (e.g. `ip netns exec NS`).
    @discardableResult
    func startWorker(_ arguments: [String] = [], seed: Int = 1, url: String? = nil, launcher: [String] = []) throws
        -> ChaosProcess
    {
        let worker = try ChaosProcess(
            "worker-function",
            arguments: ["--functions", "callback", "--queue", taskQueue, "--seed", "\(seed)", "--log-level", "info"]
                + arguments,
            environment: ["BATON_AMQP_URL": url ?? amqpURL, "BATON_QUEUE_PREFIX": names.prefix],
            logDirectory: directory, launcher: launcher)
        workers.append(worker)
        return worker
    }

    /// Waits until `count` consumers serve the task queue.
    func waitForConsumers(_ count: Int, deadline: Duration = .seconds(30)) async throws {
        try await waitForConsumers(taskQueue, count, deadline: deadline)
    }

    /// Remembers a queue to delete at shutdown.
    func track(queue: String) { queues.insert(queue) }

    /// Stops everything, deletes the prefix's queues and exchanges, and the scratch directory unless `keepFiles`.
    func shutdown(keepFiles: Bool) async {
        for worker in workers { await worker.stop(grace: .seconds(5)) }
        await orchestrator.stop()
        for queue in queues.union(functionQueues) { _ = try? await bus.deleteQueue(queue) }
        for exchange in [names.deadLetterExchange, names.eventsExchange] { try? await bus.deleteExchange(exchange) }
        await bus.close()
        await admin.close()
        if !keepFiles { try? FileManager.default.removeItem(at: directory) }
    }

    private var functionQueues: [String] { ["echo", "sleep", "fail", "callback"].map(names.functionQueue) }
}

private func taskQueueName(_ prefix: String) -> String { "\(prefix).chaos-tasks" }
