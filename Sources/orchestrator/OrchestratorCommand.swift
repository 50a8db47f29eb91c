import ArgumentParser
import BatonBroker
import BatonConsole
import BatonProtocol
import BatonRuntime
import ExecutionStore
import Foundation
import Logging
import OrchestratorCore
import ServiceLifecycle
import StepFunctionsAPI

/// The `orchestrator` executable: runs state machines whose tasks wait for callbacks over RabbitMQ.
@main
struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Runs Amazon States Language state machines whose tasks wait for callbacks over RabbitMQ.",
        discussion: """
            Every flag has a BATON_* environment twin; the flag wins. See docs/configuration.md.
            SIGTERM or SIGINT stops it gracefully: it stops consuming, finishes the transitions in flight and
            closes its store. kill -9 loses nothing: on the next start it re-arms timers and republishes
            unconfirmed messages.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var metricsOptions: MetricsOptions

    @Option(
        name: .customLong("data-dir"),
        help: "Directory of the execution store [env: BATON_DATA_DIR] (default: .data/orchestrator)")
    var dataDirFlag: String?

    @Option(
        name: .customLong("store-url"),
        help: ArgumentHelp(
            "Where executions are kept: postgres://user:password@host:port/database, or sqlite:DIR "
                + "[env: BATON_STORE_URL] (default: SQLite in --data-dir)"))
    var storeURLFlag: String?

    @Option(
        name: .customLong("store-schema"),
        help: ArgumentHelp(
            "The PostgreSQL schema of the store; shard N of a sharded deployment uses SCHEMA_shard_N "
                + "[env: BATON_STORE_SCHEMA] (default: baton)"))
    var storeSchemaFlag: String?

    @Option(
        name: .customLong("token-key"),
        help:
            "Task token signing key, base64 or passphrase [env: BATON_TOKEN_KEY] (default: generated once and kept in the store)"
    )
    var tokenKeyFlag: String?

    @Option(
        name: .customLong("state-machines"),
        help: "Directory of *.asl.json files registered at start, name = file name [env: BATON_STATE_MACHINES]")
    var stateMachinesFlag: String?

    @Option(name: .customLong("region"), help: "Region in ARNs [env: BATON_REGION] (default: us-east-1)")
    var regionFlag: String?

    @Option(name: .customLong("account"), help: "Account id in ARNs [env: BATON_ACCOUNT] (default: 123456789012)")
    var accountFlag: String?

    @Option(name: .customLong("shard"), help: "This orchestrator's shard [env: BATON_SHARD] (default: 0)")
    var shardFlag: Int?

    @Option(
        name: .customLong("shards"),
        help:
            "Number of orchestrator shards, each with its own store; executions are spread by name [env: BATON_SHARDS] (default: 1)"
    )
    var shardsFlag: Int?

    @Option(
        name: .customLong("time-scale"),
        help: ArgumentHelp(
            "Workflow seconds per real second; 60 makes a 60 s timeout last 1 s (durations only: every recorded date "
                + "stays wall-clock time) [env: BATON_TIME_SCALE] (default: 1)"))
    var timeScaleFlag: Double?

    @Option(
        name: .customLong("durability"),
        help:
            "process-crash (WAL, synchronous=NORMAL) or power-loss (synchronous=FULL) [env: BATON_DURABILITY] (default: process-crash)"
    )
    var durabilityFlag: String?

    @Option(
        name: .customLong("callback-concurrency"),
        help:
            "Callbacks applied at once (the callback queue's prefetch) [env: BATON_CALLBACK_CONCURRENCY] (default: 256)"
    )
    var callbackConcurrencyFlag: Int?

    @Option(
        name: .customLong("wal-checkpoint-pages"),
        help:
            "WAL size in pages that triggers a checkpoint of the store [env: BATON_WAL_CHECKPOINT_PAGES] (default: 1000)"
    )
    var walCheckpointPagesFlag: Int?

    @Option(
        name: .customLong("crash-at"),
        help:
            "Failure lab: kill -9 this process the first time a batch of at least N transitions reaches a point, after-commit[:N] (committed, nothing published or acked) or before-ack[:N] (published, not acked) [env: BATON_CRASH_AT] (default: never)"
    )
    var crashAtFlag: String?

    @Option(
        name: .customLong("event-batching"),
        help:
            "on: terminal events committed together go out as one message per status, a JSON array with header x-baton-events (docs/protocol.md); off: one message per event [env: BATON_EVENT_BATCHING] (default: off)"
    )
    var eventBatchingFlag: String?

    @Option(
        name: .customLong("task-submitted"),
        help:
            "on: every task that waits records AWS's TaskSubmitted event with the service's answer; off: one history event less per task [env: BATON_TASK_SUBMITTED] (default: on)"
    )
    var taskSubmittedFlag: String?

    @Option(
        name: .customLong("activity-poll-seconds"),
        help:
            "How long GetActivityTask waits for an activity task before answering without one, 0.1 to 60 [env: BATON_ACTIVITY_POLL_SECONDS] (default: 60, as AWS)"
    )
    var activityPollSecondsFlag: Double?

    @Option(
        name: .customLong("api-address"),
        help:
            "host:port of the Step Functions HTTP API; port 0 picks a free one, off disables it [env: BATON_API_ADDRESS] (default: 127.0.0.1:8083)"
    )
    var apiAddressFlag: String?

    @Option(
        name: .customLong("api-credentials"),
        help:
            "ACCESS_KEY_ID:SECRET whose SigV4 signatures the API requires [env: BATON_API_CREDENTIALS] (default: no signature check)"
    )
    var apiCredentialsFlag: String?

    @Option(
        name: .customLong("console"),
        help:
            "on: the web console at /console on the API's address, behind the API's credentials (HTTP Basic login: access key id and secret); off: none [env: BATON_CONSOLE] (default: on)"
    )
    var consoleFlag: String?

    @Option(
        name: .customLong("reports-dir"),
        help:
            "Directory of baton loadtest --report/--html and baton chaos --report files the console lists and opens [env: BATON_REPORTS_DIR] (default: none)"
    )
    var reportsDirFlag: String?

    @Option(
        name: .customLong("approver-url"),
        help:
            "The approver's page as a browser reaches it; the console links executions waiting for an approval there [env: BATON_APPROVER_URL] (default: no link)"
    )
    var approverURLFlag: String?

    func run() async throws {
        MemoryTuning.keepFreedHeap()
        let logger = LogSetup.bootstrap(label: "orchestrator", level: common.logLevel, format: common.logFormat)
        let metricsAddress = try metricsOptions.address()
        let registry = metricsAddress.map { _ in MetricsSetup.bootstrap() }
        let metrics = OrchestratorMetrics()
        var configuration = OrchestratorConfiguration()
        configuration.region = Setting.resolve(regionFlag, "BATON_REGION") ?? configuration.region
        configuration.account = Setting.resolve(accountFlag, "BATON_ACCOUNT") ?? configuration.account
        configuration.shard = try Setting.integer(shardFlag, "BATON_SHARD") ?? 0
        let shardCount = try Setting.integer(shardsFlag, "BATON_SHARDS") ?? 1
        guard shardCount >= 1, (0..<shardCount).contains(configuration.shard) else {
            throw ValidationError("the shard must be in 0..<shards (\(shardCount)), not \(configuration.shard)")
        }
        let shards = ShardMap(count: shardCount)
        configuration.callbackConcurrency =
            try Setting.integer(callbackConcurrencyFlag, "BATON_CALLBACK_CONCURRENCY")
            ?? configuration.callbackConcurrency
        switch Setting.resolve(eventBatchingFlag, "BATON_EVENT_BATCHING") ?? "off" {
        case "on", "1", "true": configuration.eventBatching = true
        case "off", "0", "false": configuration.eventBatching = false
        case let other: throw ValidationError("event batching must be on or off, not '\(other)'")
        }
        switch Setting.resolve(taskSubmittedFlag, "BATON_TASK_SUBMITTED") ?? "on" {
        case "on", "1", "true": configuration.recordsTaskSubmitted = true
        case "off", "0", "false": configuration.recordsTaskSubmitted = false
        case let other: throw ValidationError("task-submitted must be on or off, not '\(other)'")
        }
        configuration.activityPollSeconds =
            try Setting.double(activityPollSecondsFlag, "BATON_ACTIVITY_POLL_SECONDS")
            ?? configuration.activityPollSeconds
        guard (0.1...60).contains(configuration.activityPollSeconds) else {
            throw ValidationError(
                "the activity poll must be 0.1 to 60 seconds, not \(configuration.activityPollSeconds)")
        }
        do {
            configuration.crashAt = try CrashPoint.parse(Setting.resolve(crashAtFlag, "BATON_CRASH_AT") ?? "")
        } catch {
            throw ValidationError("\(error)")
        }
        let scale = try Setting.double(timeScaleFlag, "BATON_TIME_SCALE") ?? 1
        guard scale > 0 else { throw ValidationError("the time scale must be positive") }
        let dataDir = Setting.resolve(dataDirFlag, "BATON_DATA_DIR") ?? ".data/orchestrator"

        var storeConfiguration = ExecutionStoreConfiguration()
        switch Setting.resolve(durabilityFlag, "BATON_DURABILITY") ?? "process-crash" {
        case "process-crash": storeConfiguration.durability = .processCrash
        case "power-loss": storeConfiguration.durability = .powerLoss
        case let other: throw ValidationError("durability must be process-crash or power-loss, not '\(other)'")
        }
        storeConfiguration.walAutoCheckpointPages =
            try Setting.integer(walCheckpointPagesFlag, "BATON_WAL_CHECKPOINT_PAGES")
            ?? storeConfiguration.walAutoCheckpointPages
        guard storeConfiguration.walAutoCheckpointPages > 0 else {
            throw ValidationError("the WAL checkpoint interval must be a positive number of pages")
        }
        let storeURL = Setting.resolve(storeURLFlag, "BATON_STORE_URL") ?? "sqlite:\(dataDir)"
        // Shards of one deployment share a PostgreSQL database, each in a schema of its own: no cross-shard
        // transaction, and a shard restarted anywhere finds its executions.
        let baseSchema = Setting.resolve(storeSchemaFlag, "BATON_STORE_SCHEMA") ?? "baton"
        guard baseSchema.range(of: "^[a-z_][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw ValidationError("the store schema must be a lower-case SQL name (a-z, 0-9, _), not '\(baseSchema)'")
        }
        let schema = shards.isSharded ? "\(baseSchema)_shard_\(configuration.shard)" : baseSchema
        let store = try ExecutionStore.open(url: storeURL, schema: schema, configuration: storeConfiguration)
        let signer: TaskTokenSigner
        if let key = Setting.resolve(tokenKeyFlag, "BATON_TOKEN_KEY") {
            signer = TaskTokenSigner(configuredKey: key)
        } else {
            let key = try await store.setting("token-key") { Data(TaskTokenSigner.generateKey()) }
            signer = TaskTokenSigner(keyBytes: Array(key))
        }
        let names = Names(prefix: common.queuePrefix)
        let endpoint = try BrokerEndpoint(url: common.amqpURL, clientName: "orchestrator-\(configuration.shard)")
        // Compose starts every service at once: wait up to a minute for the broker; wrong credentials fail at once.
        let bus = try await common.connecting {
            try await RabbitBus.connect(
                configuration: RabbitBus.Configuration(
                    endpoint: endpoint, names: names, queueType: try RabbitBus.QueueType(named: common.queueType)),
                retryingFor: .seconds(60), logger: logger)
        }
        try await bus.declare(QueueSpec(names.callbackQueue))
        try await bus.declare(QueueSpec(names.commandQueue))
        // Every shard declares every shard's queues, so what is routed to a shard that has not started yet waits.
        for shard in 0..<shards.count where shards.isSharded {
            try await bus.declare(QueueSpec(names.callbackQueue(shard: shard)))
            try await bus.declare(QueueSpec(names.commandQueue(shard: shard)))
        }
        try await bus.declareExchange(names.eventsExchange, type: "topic")

        let services = ServiceBox()
        let feed = ConsoleFeed()
        let engine = Engine(
            store: store, signer: signer, configuration: configuration, names: names,
            clock: SystemWallClock(scale: scale),
            effects: EngineEffects(
                outboxCommitted: { services.dispatcher?.enqueue($0) },
                timerArmed: { services.timers?.armed($0) },
                executionFinished: { finished in
                    metrics.executionFinished(finished)
                    feed.finished(executionArn: finished.executionArn, status: "\(finished.status)")
                    logger.debug(
                        "execution finished",
                        metadata: ["execution.arn": "\(finished.executionArn)", "status": "\(finished.status)"])
                }
            ),
            logger: logger
        )
        let dispatcher = OutboxDispatcher(engine: engine, bus: bus, logger: logger, metrics: metrics)
        let timers = TimerService(engine: engine, logger: logger, metrics: metrics)
        services.dispatcher = dispatcher
        services.timers = timers
        if let directory = Setting.resolve(stateMachinesFlag, "BATON_STATE_MACHINES") {
            let registered = try await engine.registerStateMachines(in: URL(fileURLWithPath: directory))
            logger.info("state machines registered", metadata: ["count": "\(registered.count)", "dir": "\(directory)"])
        }
        try await engine.loadActivities()
        let waiting = try await store.countWaiting()
        let (redactedURL, shard, storeLocation) = (endpoint.redactedURL, configuration.shard, store.path)
        let ready: @Sendable (String) -> Void = { api in
            logger.info(
                "orchestrator ready",
                metadata: [
                    "broker": "\(redactedURL)", "prefix": "\(names.prefix)", "store": "\(storeLocation)",
                    "shard": "\(shard)", "shards": "\(shards.count)", "time.scale": "\(NumberText.decimal(scale))",
                    "waiting": "\(waiting)",
                    "api": "\(api)",
                ])
        }
        // With several shards, a client (its exclusive reply queue) collects the answers of the other shards.
        let serve: @Sendable (ShardRouter?) async throws -> Void = { router in
            let operations = StepFunctionsOperations(engine: engine, router: router, metrics: metrics, bus: bus)
            var running: [any Service] = [
                dispatcher, timers,
                CallbackService(engine: engine, bus: bus, router: router, logger: logger, metrics: metrics),
                CommandService(operations: operations, bus: bus, logger: logger),
            ]
            if let metricsAddress, let registry {
                running.append(
                    MetricsServer(address: metricsAddress, registry: registry, logger: logger) {
                        // Gauges read at scrape time: the dispatcher's unconfirmed rows and the open tasks in the store.
                        let waiting = (try? await store.countWaiting()) ?? 0
                        metrics.sample(outboxDepth: dispatcher.inFlightCount, tasksInFlight: waiting)
                    })
            }
            let console = ConsoleParts(
                store: store, signer: signer, feed: feed, shard: shard, shardCount: shards.count, timeScale: scale)
            if let api = try apiServer(operations: operations, console: console, logger: logger, ready: ready) {
                running.append(api)
            } else {
                ready("off")
            }
            try await ServiceRunner.run(running, logger: logger)
        }
        do {
            if shards.isSharded {
                // Its reply queue is baton.replies.orchestrator-…: the orchestrator user may configure and read
                // only those of the reply queues (deploy/rabbitmq/definitions.json).
                try await BatonClient.withClient(
                    bus: bus, names: names, shards: shards, replyLabel: "orchestrator"
                ) { client in
                    try await serve(
                        ShardRouter(shard: shard, map: shards, names: names, bus: bus, client: client))
                }
            } else {
                try await serve(nil)
            }
        } catch {
            logger.error("orchestrator stopped on an error", metadata: ["error": "\(error)"])
            await bus.close()
            try? store.close()
            throw ExitCode.failure
        }
        await bus.close()
        try store.close()
        logger.info(
            "orchestrator stopped",
            metadata: [
                "store.commits": "\(store.commitCount)", "store.transitions": "\(store.committedTransitionCount)",
            ])
    }

    /// The Step Functions HTTP API server, or `nil` when `--api-address off`; `ready` runs once it listens.
    func apiServer(
        operations: StepFunctionsOperations, console parts: ConsoleParts, logger: Logger,
        ready: @escaping @Sendable (String) -> Void
    ) throws -> (any Service)? {
        let address = Setting.resolve(apiAddressFlag, "BATON_API_ADDRESS") ?? "127.0.0.1:8083"
        guard address != "off" else { return nil }
        guard let listen = ListenAddress(parsing: address) else {
            throw ValidationError("the API address must be host:port or off, not '\(address)'")
        }
        let (host, port) = (listen.host, listen.port)
        var configuration = APIConfiguration()
        if let text = Setting.resolve(apiCredentialsFlag, "BATON_API_CREDENTIALS") {
            guard let credentials = APICredentials(parsing: text) else {
                throw ValidationError("the API credentials must be ACCESS_KEY_ID:SECRET")
            }
            configuration.credentials = credentials
        } else if !StepFunctionsAPI.isLoopback(host) {
            logger.warning(
                """
                THE STEP FUNCTIONS API ACCEPTS UNSIGNED REQUESTS ON A NON-LOOPBACK ADDRESS: anyone who reaches it \
                can start, stop and complete executions; set BATON_API_CREDENTIALS
                """,
                metadata: ["api.address": "\(address)"])
        }
        let api = StepFunctionsAPI(operations: operations, configuration: configuration, logger: logger)
        let signatures = configuration.credentials == nil ? "off" : "on"
        let router = api.router()
        let consoleOn: Bool
        switch Setting.resolve(consoleFlag, "BATON_CONSOLE") ?? "on" {
        case "on", "1", "true": consoleOn = true
        case "off", "0", "false": consoleOn = false
        case let other: throw ValidationError("the console must be on or off, not '\(other)'")
        }
        if consoleOn {
            var settings = Console.Configuration(credentials: configuration.credentials)
            settings.shard = parts.shard
            settings.shardCount = parts.shardCount
            settings.timeScale = parts.timeScale
            settings.reportsDirectory = Setting.resolve(reportsDirFlag, "BATON_REPORTS_DIR")
            settings.approverURL = Setting.resolve(approverURLFlag, "BATON_APPROVER_URL")
            settings.approvalsQueue = "\(common.queuePrefix).approvals"
            Console(
                operations: operations, store: parts.store, signer: parts.signer, feed: parts.feed,
                configuration: settings, logger: logger
            ).register(on: router)
        }
        let console = consoleOn ? "/console" : "off"
        return api.server(host: host, port: port, router: router) { bound in
            logger.info(
                "api listening",
                metadata: ["address": "\(bound)", "signatures": "\(signatures)", "console": "\(console)"])
            ready(bound)
        }
    }
}

/// Lets the engine's effects reach services created after it. Written once before the services run, read
/// afterwards; the `Mutex`-free reads are safe because the writes happen-before `ServiceRunner.run` starts them.
final class ServiceBox: @unchecked Sendable {
    var dispatcher: OutboxDispatcher?
    var timers: TimerService?
}

/// What the console takes from the orchestrator besides the operations.
struct ConsoleParts: Sendable {
    var store: ExecutionStore
    var signer: TaskTokenSigner
    var feed: ConsoleFeed
    var shard: Int
    var shardCount: Int
    var timeScale: Double
}
