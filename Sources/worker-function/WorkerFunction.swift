import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging
import ServiceLifecycle
import WorkerKit

/// The `worker-function` executable: a Lambda-like worker that serves named functions from RabbitMQ queues and
/// calls back. See docs/workers.md.
@main
struct WorkerFunction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker-function",
        abstract: "A Lambda-like worker that serves named functions from RabbitMQ queues and calls back.",
        discussion: """
            Functions: echo, sleep, fail, callback. Each --queue (an SQS-style queue) is served with the callback \
            function besides the functions' own queues; the prefetch defaults to 8. Fault knobs and the script file: \
            see docs/workers.md.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var metricsOptions: MetricsOptions
    @OptionGroup var knobOptions: KnobOptions

    @Option(
        help:
            "Functions to serve, comma-separated; one queue <prefix>.function.<name> each [env: BATON_FUNCTIONS] (default: echo,sleep,fail,callback)"
    )
    var functions: String?

    @OptionGroup var workerOptions: WorkerOptions

    @Option(
        help:
            "Replies to ask for: all (every callback answered and waited for) or errors (x-baton-reply: errors: only refusals are answered, nothing waits; fewer broker messages) [env: BATON_CALLBACK_REPLIES] (default: all)"
    )
    var callbackReplies: String?

    @Flag(
        help:
            "Add the worker's receive and answer times to callback outputs, for baton loadtest [env: BATON_WORKER_STAMPS=1]"
    )
    var stamps = false

    @Option(
        help:
            "Activities to poll with GetActivityTask besides the queues, comma-separated names or ARNs, each NAME or NAME=FUNCTION (default function echo) [env: BATON_ACTIVITIES] (default: none)"
    )
    var activity: String?

    @Option(
        help:
            "SendTaskHeartbeat interval while an activity task runs [env: BATON_ACTIVITY_HEARTBEAT] (default: none)"
    )
    var activityHeartbeat: String?

    @Option(help: "The workerName GetActivityTask records [env: BATON_WORKER_NAME] (default: the host name)")
    var workerName: String?

    @Option(help: "How long a graceful shutdown may take [env: BATON_GRACE_PERIOD] (default: 20s)")
    var gracePeriod: String?

    func run() async throws {
        MemoryTuning.keepFreedHeap()
        let logger = LogSetup.bootstrap(label: "worker-function", level: common.logLevel, format: common.logFormat)
        let metricsServer = try metricsOptions.server(logger: logger)
        let names = try (Setting.resolve(functions, "BATON_FUNCTIONS") ?? "echo,sleep,fail,callback")
            .split(separator: ",").map { name -> BuiltinFunction in
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let function = BuiltinFunction(rawValue: trimmed) else {
                    throw ValidationError("unknown function '\(trimmed)'; known: echo, sleep, fail, callback")
                }
                return function
            }
        let extraQueues = workerOptions.namedQueues
        let prefetch = try workerOptions.prefetch(default: 8)
        let replyDeadline = try workerOptions.replyDeadline()
        let replyText = Setting.resolve(callbackReplies, "BATON_CALLBACK_REPLIES") ?? "all"
        guard let replyMode = ReplyMode(rawValue: replyText) else {
            throw ValidationError("--callback-replies must be all or errors, not '\(replyText)'")
        }
        let grace = try DurationText.parse(Setting.resolve(gracePeriod, "BATON_GRACE_PERIOD") ?? "20s")
        let knobs = try knobOptions.knobSet()
        let script = try knobOptions.loadScript()
        let seed = try knobOptions.resolvedSeed()

        let bus = try await common.connecting {
            try await WorkerBus.connect(
                url: common.amqpURL, prefix: common.queuePrefix, queueType: common.queueType,
                clientName: "worker-function", logger: logger)
        }
        let callbacks = try await CallbackClient.start(
            bus: bus, names: Names(prefix: common.queuePrefix),
            configuration: .init(replyDeadline: replyDeadline, replyMode: replyMode), logger: logger)
        var services: [any Service] = [callbacks] + [metricsServer].compactMap { $0 }
        let queueNames = Names(prefix: common.queuePrefix)
        var served: [(queue: String, function: BuiltinFunction)] = names.map {
            (queueNames.functionQueue($0.rawValue), $0)
        }
        served += extraQueues.map { ($0, .callback) }
        let activities = try activityTargets(names: queueNames)
        if !activities.isEmpty {
            let heartbeat = try Setting.resolve(activityHeartbeat, "BATON_ACTIVITY_HEARTBEAT").map(DurationText.parse)
            let worker = Setting.resolve(workerName, "BATON_WORKER_NAME") ?? ProcessInfo.processInfo.hostName
            for (arn, function) in activities {
                services.append(
                    ActivityWorker(
                        bus: bus, names: queueNames, activityArn: arn, workerName: worker, callbacks: callbacks,
                        heartbeatInterval: heartbeat, logger: logger
                    ) { input in await function.run(activityInput: input) })
            }
        }
        for (queue, function) in served {
            let worker = FunctionWorker(
                function: function, knobs: knobs.knobs(for: function.rawValue), script: script, seed: seed,
                callbacks: callbacks, logger: logger,
                stamps: stamps || Setting.resolve(nil, "BATON_WORKER_STAMPS") == "1", bus: bus)
            services.append(
                TaskConsumer(
                    bus: bus, configuration: .init(queues: [queue], prefetch: prefetch), logger: logger,
                    batchHandler: { worker.handle(batch: $0) }
                ) { try await worker.handle($0) })
        }
        logger.info(
            "worker-function started",
            metadata: [
                "functions": "\(names.map(\.rawValue))", "seed": "\(seed)", "callback.replies": "\(replyMode.rawValue)",
            ])
        do {
            try await ServiceRunner.run(services, gracePeriod: grace, logger: logger)
        } catch {
            await bus.close()
            throw error
        }
        await bus.close()
    }

    /// `--activity` as (activity ARN, function) pairs; a bare name becomes the ARN in the orchestrator's default
    /// region and account (`BATON_REGION`, `BATON_ACCOUNT` override them).
    func activityTargets(names: Names) throws -> [(String, BuiltinFunction)] {
        guard let text = Setting.resolve(activity, "BATON_ACTIVITIES"), !text.isEmpty else { return [] }
        let region = Setting.resolve(nil, "BATON_REGION") ?? "us-east-1"
        let account = Setting.resolve(nil, "BATON_ACCOUNT") ?? "123456789012"
        return try text.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let function = try parts.count == 2 ? BuiltinFunction(rawValue: parts[1]).orThrow(parts[1]) : .echo
            let arn = parts[0].hasPrefix("arn:") ? parts[0] : "arn:aws:states:\(region):\(account):activity:\(parts[0])"
            return (arn, function)
        }
    }
}

extension Optional where Wrapped == BuiltinFunction {
    func orThrow(_ name: String) throws -> BuiltinFunction {
        guard let self else { throw ValidationError("unknown function '\(name)'; known: echo, sleep, fail, callback") }
        return self
    }
}
