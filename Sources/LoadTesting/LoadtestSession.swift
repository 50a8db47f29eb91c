import ArgumentParser
import BatonBroker
import BatonProtocol
import Foundation

/// The set-up around the runs of one `baton loadtest`: the events queue, the client, the state machine, the
/// workers; then one run or a sweep, and the reports.
struct LoadtestSession {
    let configuration: LoadtestConfiguration
    let bus: RabbitBus
    let names: Names
    let shards: ShardMap
    let fleet: WorkerFleet
    let quiet: Bool

    func run(json: String?, report: String?) async throws {
        let events = LoadtestEvents(names: names)
        try await events.bind(on: bus, names: names)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await events.consume(on: bus) }
            defer { group.cancelAll() }
            try await BatonClient.withClient(bus: bus, names: names, shards: shards) { client in
                let machine = try await registerMachine(client)
                try await startWorkers()
                let starter: any ExecutionStarter
                if configuration.startPath == "http" {
                    guard let url = URL(string: configuration.apiURL) else {
                        throw LoadtestError("--api-url is not a URL")
                    }
                    let http = HTTPStarter(endpoint: url)
                    try await http.probe()
                    starter = http
                } else {
                    starter = BrokerStarter(
                        client: client, answers: ReplyMode(rawValue: configuration.startReplies) ?? .all)
                }
                let input = Self.input(size: configuration.messageSize)
                func run(rate: Double) async -> LoadReport {
                    let measured = LoadRun(
                        configuration: configuration, starter: starter, events: events, stateMachineArn: machine,
                        rate: rate, input: input, progress: !quiet)
                    let (ledger, verdict, ended) = await measured.run()
                    return LoadReport(
                        ledger: ledger, verdict: verdict, rate: configuration.model == .open ? rate : nil,
                        startsEnded: ended)
                }
                if let sweep = configuration.sweep {
                    var steps: [LoadReport] = []
                    var rate = configuration.rate
                    for _ in 0..<sweep.maxSteps {
                        log("sweep step \(steps.count + 1): \(Int(rate))/s")
                        let step = await run(rate: rate)
                        steps.append(step)
                        print(step.summary + "\n")
                        if let reason = Self.breaks(step, rate: rate, sweep) {
                            log("step broke: \(reason)")
                            break
                        }
                        rate *= sweep.factor
                    }
                    let passing = steps.filter { Self.breaks($0, rate: $0.rate ?? 0, sweep) == nil }
                    let best = passing.max { $0.completedPerSecond < $1.completedPerSecond } ?? steps.last!
                    print(
                        String(
                            format: "sustainable throughput: %.0f completed executions/s",
                            passing.isEmpty ? 0 : best.completedPerSecond))
                    try write(
                        best, steps: steps, sustainable: passing.isEmpty ? 0 : best.completedPerSecond, json: json,
                        report: report)
                    if steps.contains(where: { !$0.verdict.passed }) { throw ExitCode(2) }
                } else {
                    let result = await run(rate: configuration.rate)
                    print(result.summary)
                    try write(result, steps: [], sustainable: nil, json: json, report: report)
                    if !result.verdict.passed { throw ExitCode(2) }
                }
            }
        }
    }

    /// Why a sweep step does not count as sustained, or nil.
    static func breaks(_ step: LoadReport, rate: Double, _ sweep: LoadtestConfiguration.SweepSettings) -> String? {
        if step.endToEnd.p99 > sweep.p99LimitMilliseconds { return "p99 \(step.endToEnd.p99) ms" }
        let erred = Double(step.errorCount) / Double(max(step.measuredStarted + step.dropped, 1))
        if erred > sweep.errorLimit { return "errors \(step.errorCount)" }
        if step.completedPerSecond < sweep.minimumCompletedFraction * rate {
            return String(format: "completed %.0f/s of %.0f/s", step.completedPerSecond, rate)
        }
        return nil
    }

    private func registerMachine(_ client: BatonClient) async throws -> String {
        let definition: String
        if let file = configuration.stateMachineFile {
            definition = try String(contentsOfFile: file, encoding: .utf8)
        } else {
            definition = DefaultLoadMachine.definition(
                queue: configuration.taskQueue, language: configuration.queryLanguage)
            try await bus.declare(QueueSpec(configuration.taskQueue))
        }
        let name = "loadtest-\(UUID().uuidString.prefix(8).lowercased())"
        let request =
            "{\"name\":\(BatonClient.quoted(name)),\"definition\":\(BatonClient.quoted(definition)),"
            + "\"roleArn\":\"arn:aws:iam::123456789012:role/baton-loadtest\"}"
        let response = try await client.command("CreateStateMachine", request: request)
        guard let object = try JSONSerialization.jsonObject(with: Data(response.utf8)) as? [String: Any],
            let arn = object["stateMachineArn"] as? String
        else { throw LoadtestError("CreateStateMachine answered without a stateMachineArn: \(response.prefix(200))") }
        return arn
    }

    private func startWorkers() async throws {
        guard configuration.workers > 0 else { return }
        try fleet.start(
            count: configuration.workers, amqpURL: configuration.amqpURL, prefix: configuration.queuePrefix,
            queueType: configuration.queueType, queue: configuration.taskQueue, prefetch: configuration.workerPrefetch,
            latency: configuration.workerLatency, callbackReplies: configuration.workerCallbackReplies)
        let deadline = Date().addingTimeInterval(30)
        while try await bus.consumerCount(configuration.taskQueue) < configuration.workers {
            if let exited = fleet.exitedWorker { throw LoadtestError(exited) }
            guard Date() < deadline else { throw LoadtestError("workers did not consume the task queue within 30 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func log(_ text: String) {
        if !quiet { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// An input of about `size` bytes: `{"pad": "xxx…"}`.
    static func input(size: Int) -> String {
        "{\"pad\":\"" + String(repeating: "x", count: max(0, size - 10)) + "\"}"
    }

    private func write(
        _ result: LoadReport, steps: [LoadReport], sustainable: Double?, json: String?, report: String?
    ) throws {
        var object = result.json
        let configurationJSON =
            (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(redacted))) as? [String: Any] ?? [:]
        object["configuration"] = configurationJSON
        object["machine"] = MachineFacts.collect()
        object["versions"] = [
            "baton_loadtest": "1", "hdrhistogram_swift": "0.2", "swift": Self.swiftVersion,
            "report_format": "baton-loadtest/1",
        ]
        object["generated_at"] = ISO8601DateFormatter().string(from: Date())
        if let sustainable {
            object["sweep"] = [
                "sustainable_completed_per_second": (sustainable * 10).rounded() / 10,
                "steps": steps.map(\.json).map { $0.filter { $0.key != "timeline" } },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        if let json { try data.write(to: URL(fileURLWithPath: json)) }
        if let report {
            let facts =
                (try? JSONSerialization.data(
                    withJSONObject: [
                        "configuration": configurationJSON, "machine": object["machine"]!,
                        "versions": object["versions"]!,
                    ], options: [.prettyPrinted, .sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            try result.html(title: "baton loadtest", configuration: facts, sweep: steps)
                .write(toFile: report, atomically: true, encoding: .utf8)
        }
    }

    private var redacted: LoadtestConfiguration {
        var copy = configuration
        copy.amqpURL = configuration.redactedAMQPURL
        return copy
    }

    static var swiftVersion: String {
        #if compiler(>=6.2)
            "6.2+"
        #elseif compiler(>=6.1)
            "6.1"
        #else
            "6.0"
        #endif
    }
}
