import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging
import ServiceLifecycle
import WorkerKit

/// The `legacy-system` executable: a slow external system that takes `.sync` jobs and `.waitForTaskToken`
/// messages, works them for a while with heartbeats, and reports success or failure. See docs/workers.md.
@main
struct LegacySystem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy-system",
        abstract: "A slow external system: runs jobs for a while, heartbeats, then reports success or failure.",
        discussion: """
            Jobs come from <prefix>.jobs (baton:startJob.sync, token in the x-baton-task-token header) and from \
            the queues named by --queue (.waitForTaskToken messages, token in the body). A job succeeds when its \
            input says "status": "success". Jobs in progress are kept under --data-dir and resumed after a restart. \
            The prefetch defaults to 16.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var metricsOptions: MetricsOptions

    @OptionGroup var workerOptions: WorkerOptions

    @Option(help: "How long a job works unless its input has durationSeconds [env: BATON_JOB_DURATION] (default: 5s)")
    var jobDuration: String?

    @Option(
        help:
            "Heartbeat interval when the task has no x-baton-heartbeat-seconds; 0 for none [env: BATON_HEARTBEAT_INTERVAL] (default: 10s)"
    )
    var heartbeatInterval: String?

    @Option(help: "Where jobs in progress are kept (<dir>/jobs) [env: BATON_DATA_DIR] (default: .data/legacy-system)")
    var dataDir: String?

    func run() async throws {
        let logger = LogSetup.bootstrap(label: "legacy-system", level: common.logLevel, format: common.logFormat)
        let metricsServer = try metricsOptions.server(logger: logger)
        let names = Names(prefix: common.queuePrefix)
        let duration = try DurationText.parse(Setting.resolve(jobDuration, "BATON_JOB_DURATION") ?? "5s")
        let heartbeat = try DurationText.parse(Setting.resolve(heartbeatInterval, "BATON_HEARTBEAT_INTERVAL") ?? "10s")
        let replyDeadline = try workerOptions.replyDeadline()
        let directory = URL(fileURLWithPath: Setting.resolve(dataDir, "BATON_DATA_DIR") ?? ".data/legacy-system")
        let extraQueues = workerOptions.namedQueues
        let prefetch = try workerOptions.prefetch(default: 16)
        let store = try JobStore(dataDirectory: directory)

        let bus = try await common.connecting {
            try await WorkerBus.connect(
                url: common.amqpURL, prefix: common.queuePrefix, queueType: common.queueType,
                clientName: "legacy-system", logger: logger)
        }
        let callbacks = try await CallbackClient.start(
            bus: bus, names: names, configuration: .init(replyDeadline: replyDeadline), logger: logger)
        let runner = JobRunner(
            store: store, callbacks: callbacks, defaultDuration: DurationText.seconds(duration),
            defaultHeartbeat: heartbeat > .zero ? DurationText.seconds(heartbeat) : nil, logger: logger)
        let consumer = TaskConsumer(
            bus: bus, configuration: .init(queues: [names.jobQueue] + extraQueues, prefetch: prefetch), logger: logger
        ) { try await runner.accept($0) }
        logger.info("legacy-system started", metadata: ["data.dir": "\(store.directory.path)"])
        do {
            try await ServiceRunner.run(
                [callbacks, JobResumer(runner: runner, logger: logger), consumer] + [metricsServer].compactMap { $0 },
                logger: logger)
        } catch {
            await bus.close()
            throw error
        }
        await bus.close()
    }
}
