import AMQPClient
import BatonBroker
import BatonProtocol
import Foundation
import LocalProcesses
import Logging

/// A Baton system for one end-to-end test: its own queue prefix, data directories and token key, the built
/// orchestrator process (and any worker processes the test starts) against the shared test broker, plus a
/// `BatonClient` to drive it. Everything it created is deleted by `shutdown()`.
public final class SystemFixture: @unchecked Sendable {
    // Mutable state (`processes`) is only touched by the test's own task, sequentially.
    /// Queue and exchange names under this fixture's prefix.
    public let names: Names
    /// The test's broker connection.
    public let bus: RabbitBus
    /// This fixture's scratch directory (data dirs, logs).
    public let directory: URL
    /// The broker URL (or comma-separated cluster URL list) the orchestrator, the workers and ``bus`` use.
    public let amqpURL: String
    /// The orchestrator process (replaced by `restartOrchestrator`).
    public private(set) var orchestrator: ManagedProcess
    private var processes: [ManagedProcess] = []
    private var orchestratorEnvironment: [String: String]
    private var queues: Set<String> = []
    private let queueType: RabbitBus.QueueType

    /// Starts an orchestrator under a fresh prefix and waits until it is ready.
    /// - Parameters:
    ///   - label: names the prefix and scratch directory.
    ///   - amqpURL: the broker, or a cluster's URL list (default: the test broker, `BATON_AMQP_URL`).
    ///   - queueType: `classic` or `quorum`, for the orchestrator, the workers and ``bus`` alike.
    ///   - environment: extra `BATON_*` settings for the orchestrator (e.g. `BATON_TIME_SCALE`).
    public init(
        label: String, amqpURL: String? = nil, queueType: RabbitBus.QueueType = .classic,
        environment: [String: String] = [:]
    ) async throws {
        let names = Names(prefix: TestBroker.uniqueName(label))
        self.names = names
        let amqpURL = try amqpURL ?? TestBroker.url()
        self.amqpURL = amqpURL
        self.queueType = queueType
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-e2e-\(names.prefix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        bus = try await RabbitBus.connect(
            configuration: .init(
                amqp: try TestBroker.configuration(url: amqpURL, clientName: "e2e-\(label)"), names: names,
                queueType: queueType),
            logger: Logger(label: "test.e2e"))
        orchestratorEnvironment = [
            "BATON_AMQP_URL": amqpURL, "BATON_QUEUE_PREFIX": names.prefix, "BATON_QUEUE_TYPE": queueType.rawValue,
            "BATON_DATA_DIR": directory.appendingPathComponent("orchestrator").path,
            "BATON_TOKEN_KEY": "test-key-\(names.prefix)", "BATON_LOG_LEVEL": "info",
            "BATON_API_ADDRESS": "127.0.0.1:0",
        ].merging(Self.storeEnvironment(names.prefix)) { _, new in new }.merging(environment) { _, new in new }
        orchestrator = try ManagedProcess("orchestrator", environment: orchestratorEnvironment, logDirectory: directory)
        try await orchestrator.waitForLog("orchestrator ready")
        queues = [names.callbackQueue, names.commandQueue, names.deadLetterQueue]
    }

    /// With `BATON_TEST_STORE_URL` naming a PostgreSQL server (scripts/test.sh's second pass), the orchestrator keeps
    /// its executions there, in a schema of this fixture's own (its queue prefix); otherwise SQLite in its directory.
    public static func storeEnvironment(_ prefix: String) -> [String: String] {
        guard let url = ProcessInfo.processInfo.environment["BATON_TEST_STORE_URL"],
            url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
        else { return [:] }
        let schema = "e2e_" + prefix.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(36)
        return ["BATON_STORE_URL": url, "BATON_STORE_SCHEMA": String(schema)]
    }

    /// The orchestrator's Step Functions HTTP API, e.g. `http://127.0.0.1:41234` (the address it logged as
    /// `api listening address=…`); `nil` when the API is off.
    public var apiURL: URL? {
        let marker = "api listening address="
        guard let range = orchestrator.log().range(of: marker, options: .backwards) else { return nil }
        let address = orchestrator.log()[range.upperBound...].prefix { !$0.isWhitespace }
        return URL(string: "http://\(address)")
    }

    /// The environment a worker process needs to join this system.
    public var workerEnvironment: [String: String] {
        get throws {
            ["BATON_AMQP_URL": amqpURL, "BATON_QUEUE_PREFIX": names.prefix, "BATON_QUEUE_TYPE": queueType.rawValue]
        }
    }

    /// Starts another Baton process (a worker) in this system; it is stopped by `shutdown()`.
    @discardableResult
    public func start(_ executable: String, arguments: [String] = [], environment: [String: String] = [:])
        throws -> ManagedProcess
    {
        let process = try ManagedProcess(
            executable, arguments: arguments,
            environment: try workerEnvironment.merging(environment) { _, new in new }, logDirectory: directory)
        processes.append(process)
        return process
    }

    /// kill -9 the orchestrator (or, with `crash` false, stop it: a process already gone is left as it is) and start
    /// it again on the same store, with `environment` merged into its settings; waits until it is ready.
    public func restartOrchestrator(crash: Bool = true, environment: [String: String] = [:]) async throws {
        if orchestrator.isRunning {
            if crash { try await orchestrator.crash() } else { await orchestrator.stop() }
        }
        orchestratorEnvironment.merge(environment) { _, new in new }
        orchestrator = try ManagedProcess("orchestrator", environment: orchestratorEnvironment, logDirectory: directory)
        try await orchestrator.waitForLog("orchestrator ready")
    }

    /// Remembers a queue the test declared, for deletion at the end.
    public func track(queue: String) { queues.insert(queue) }

    /// Runs `body` with a client talking to this system's orchestrator.
    public func withClient<T: Sendable>(_ body: (BatonClient) async throws -> T) async throws -> T {
        try await BatonClient.withClient(bus: bus, names: names, body)
    }

    /// Stops every process, deletes the queues and exchanges this system used and its scratch directory
    /// (kept when `keepFiles`, e.g. after a failure, so the logs can be read).
    public func shutdown(keepFiles: Bool = false) async {
        for process in processes { await process.stop(grace: .seconds(5)) }
        await orchestrator.stop()
        for queue in queues { _ = try? await bus.deleteQueue(queue) }
        for exchange in [names.deadLetterExchange, names.eventsExchange] { try? await bus.deleteExchange(exchange) }
        await bus.close()
        if !keepFiles { try? FileManager.default.removeItem(at: directory) }
    }
}
