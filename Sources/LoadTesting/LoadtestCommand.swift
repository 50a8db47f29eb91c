import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging

/// `baton loadtest`: drives real executions through the running orchestrator, workers and broker and reports
/// throughput, latency percentiles and a ledger check. See docs/benchmarks.md.
package struct LoadtestCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test callback throughput through the running system.",
        discussion: """
            Closed model (--concurrency, the default) keeps N executions in flight; open model (--rate) starts \
            executions on a fixed schedule and measures latency from each one's intended start (coordinated \
            omission corrected). End to end is start → terminal event received on <prefix>.events. Phases come \
            from the worker's receive/answer times that worker-function --stamps adds to its output (the workers \
            --workers starts do): start → task received by the worker, task → callback sent, callback → terminal \
            event received. All processes must share one clock (one host).
            """
    )

    /// Creates the command; ArgumentParser fills its options.
    package init() {}

    @Option(help: "Broker URL, or a cluster's comma-separated URL list [env: BATON_AMQP_URL]")
    var amqpURL: String?
    @Option(help: "classic or quorum, as the system under test [env: BATON_QUEUE_TYPE] (default: classic)")
    var queueType: String?
    @Option(help: "Queue prefix of the system under test [env: BATON_QUEUE_PREFIX] (default: baton)")
    var queuePrefix: String?
    @Option(help: "Orchestrator shards; starts go straight to the shard of their name [env: BATON_SHARDS] (default: 1)")
    var shards: Int?
    @Option(help: "Open model: arrivals per second, e.g. 2000/s (the first step of --sweep)")
    var rate: String?
    @Option(help: "Closed model: executions in flight (default 16 unless --rate)")
    var concurrency: Int?
    @Option(help: "Measured time after the warm-up, e.g. 30s (default 10s unless --executions)")
    var duration: String?
    @Option(help: "Warm-up before measuring, e.g. 5s")
    var warmup = "0s"
    @Option(help: "Stop after this many executions have been started")
    var executions: Int?
    @Option(help: "State machine definition (ASL JSON) to run instead of the default one-task callback machine")
    var stateMachine: String?
    @Option(help: "Queue the default machine's task goes to (default: <prefix>.loadtest)")
    var taskQueue: String?
    @Option(
        help:
            "The default machine's query language: jsonpath (Parameters) or jsonata (the same task and output, written with QueryLanguage JSONata and Arguments)"
    )
    var queryLanguage = "jsonpath"
    @Option(help: "Approximate size of each execution's input in bytes")
    var messageSize = 256
    @Option(help: "Latency of the workers --workers starts, e.g. fixed:5ms, exp:mean=2ms")
    var workerLatency: String?
    @Option(help: "Start this many worker-function processes (found next to baton) and stop them at the end")
    var workers = 0
    @Option(help: "Prefetch of each started worker (default: 2 × concurrency, at least 16)")
    var workerPrefetch: Int?
    @Option(
        help:
            "Callback replies the workers --workers starts ask for: errors (only refusals are answered, as a throughput benchmark wants) or all (worker-function's own default)"
    )
    var callbackReplies = "errors"
    @Option(help: "broker (StartExecution on the command queue) or http (the AWS JSON API at --api-url)")
    var startPath = "broker"
    @Option(
        help:
            "Answers to broker starts: all (each start waits for its reply; the start-reply phase is measured) or errors (only refusals are answered and counted as start errors; one broker message less per execution)"
    )
    var startReplies = "all"
    @Option(help: "Step Functions HTTP API endpoint for --start-path http [env: BATON_API_URL]")
    var apiURL: String?
    @Option(help: "Wait this long for executions still running when starting stops")
    var drainTimeout = "30s"
    @Option(help: "Open model: drop (and count) starts beyond this many in flight")
    var maxInFlight = 100_000
    @Option(help: "Open model: a start sent this many milliseconds after its intended time is late")
    var lateThresholdMs = 10.0
    @Flag(help: "Raise the rate step by step until p99, errors or completions break a limit")
    var sweep = false
    @Option(help: "Sweep: multiply the rate by this per step")
    var sweepFactor = 1.5
    @Option(help: "Sweep: at most this many steps")
    var sweepSteps = 10
    @Option(help: "Sweep: a step breaks when its end-to-end p99 exceeds this (ms)")
    var sweepP99Ms = 500.0
    @Option(help: "Sweep: a step breaks when more than this fraction of its executions erred")
    var sweepErrorRate = 0.001
    @Option(help: "Write the JSON report here")
    var json: String?
    @Option(help: "Write the self-contained HTML report (inline SVG charts) here")
    var report: String?
    @Flag(help: "No progress lines on stderr")
    var quiet = false

    func makeConfiguration() throws -> LoadtestConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let prefix = queuePrefix ?? environment["BATON_QUEUE_PREFIX"] ?? "baton"
        let parsedRate = try rate.map { text -> Double in
            guard let value = RateText.parse(text) else { throw ValidationError("--rate: expected e.g. 2000/s") }
            return value
        }
        func seconds(_ text: String, _ flag: String) throws -> Double {
            guard let value = SecondsText.parse(text) else { throw ValidationError("\(flag): expected e.g. 30s") }
            return value
        }
        let model: LoadtestConfiguration.Model = (parsedRate != nil || sweep) ? .open : .closed
        if model == .open && concurrency != nil { throw ValidationError("--concurrency and --rate exclude each other") }
        guard ["broker", "http"].contains(startPath) else { throw ValidationError("--start-path is broker or http") }
        guard ["all", "errors"].contains(callbackReplies) else {
            throw ValidationError("--callback-replies is all or errors")
        }
        guard ["all", "errors"].contains(startReplies) else {
            throw ValidationError("--start-replies is all or errors")
        }
        guard let language = DefaultLoadMachine.QueryLanguage(rawValue: queryLanguage) else {
            throw ValidationError("--query-language is jsonpath or jsonata")
        }
        if language != .jsonpath && stateMachine != nil {
            throw ValidationError("--query-language chooses the default machine; --state-machine brings its own")
        }
        let type = queueType ?? environment["BATON_QUEUE_TYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? "classic"
        guard ["classic", "quorum"].contains(type) else { throw ValidationError("--queue-type is classic or quorum") }
        let measured = try duration.map { try seconds($0, "--duration") } ?? (executions == nil ? 10 : nil)
        let inFlight = concurrency ?? 16
        guard inFlight >= 1, messageSize >= 0, workers >= 0 else { throw ValidationError("counts must be positive") }
        return LoadtestConfiguration(
            amqpURL: amqpURL ?? environment["BATON_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f",
            queuePrefix: prefix, queueType: type, model: model, rate: parsedRate ?? (sweep ? 200 : 0),
            concurrency: inFlight,
            duration: measured, warmup: try seconds(warmup, "--warmup"), executions: executions,
            stateMachineFile: stateMachine, taskQueue: taskQueue ?? "\(prefix).loadtest", queryLanguage: language,
            messageSize: messageSize,
            workerLatency: workerLatency, workers: workers, workerPrefetch: workerPrefetch ?? max(16, 2 * inFlight),
            workerCallbackReplies: callbackReplies,
            startPath: startPath, startReplies: startReplies,
            apiURL: apiURL ?? environment["BATON_API_URL"] ?? "http://127.0.0.1:8080/",
            drainTimeout: try seconds(drainTimeout, "--drain-timeout"), maxInFlight: maxInFlight,
            lateThresholdMilliseconds: lateThresholdMs,
            sweep: sweep
                ? .init(
                    factor: sweepFactor, maxSteps: sweepSteps, p99LimitMilliseconds: sweepP99Ms,
                    errorLimit: sweepErrorRate, minimumCompletedFraction: 0.9) : nil)
    }

    package func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "baton.loadtest") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let names = Names(prefix: configuration.queuePrefix)
        let endpoint = try BrokerEndpoint(url: configuration.amqpURL, clientName: "baton-loadtest")
        let bus = try await RabbitBus.connect(
            configuration: .init(
                endpoint: endpoint, names: names, queueType: try RabbitBus.QueueType(named: configuration.queueType)),
            logger: logger)
        let fleet = WorkerFleet()
        do {
            let shardCount = try Setting.integer(shards, "BATON_SHARDS") ?? 1
            guard shardCount >= 1 else { throw ValidationError("--shards must be at least 1") }
            try await LoadtestSession(
                configuration: configuration, bus: bus, names: names, shards: ShardMap(count: shardCount), fleet: fleet,
                quiet: quiet
            ).run(json: json, report: report)
        } catch {
            await fleet.stop()
            await bus.close()
            throw error
        }
        await fleet.stop()
        await bus.close()
    }
}
