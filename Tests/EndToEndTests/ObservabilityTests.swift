import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Observability across real processes: the orchestrator's and a worker's Prometheus `/metrics` reflect the
/// executions and callbacks that went through them, and every execution carries a W3C `traceparent` from start
/// to task to callback — a fresh one when StartExecution came without.
@Suite(.serialized) struct ObservabilityTests {
    /// One scrape of `/metrics`, as sample name + labels → value.
    struct Scrape {
        var samples: [String: Double] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                else { continue }
                samples[Self.key(String(line[..<space]))] = value
            }
        }

        /// `name{a="1",b="2"}` with the labels sorted, so lookups do not depend on the exporter's label order.
        static func key(_ sample: String) -> String {
            guard let brace = sample.firstIndex(of: "{") else { return sample }
            let labels = sample[sample.index(after: brace)..<sample.index(before: sample.endIndex)]
                .split(separator: ",").map(String.init).sorted()
            return "\(sample[..<brace]){\(labels.joined(separator: ","))}"
        }

        /// The value of `name` with exactly these labels, 0 when absent (Prometheus counters start unexported).
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
            let rendered = labels.keys.sorted().map { "\($0)=\"\(labels[$0]!)\"" }.joined(separator: ",")
            return samples[labels.isEmpty ? name : "\(name){\(rendered)}"] ?? 0
        }
    }

    /// The `/metrics` address a process logged (`metrics listening address=host:port`).
    static func metricsURL(_ process: ManagedProcess) throws -> URL {
        let marker = "metrics listening address="
        let log = process.log()
        let range = try #require(log.range(of: marker, options: .backwards), "no metrics address logged")
        let address = log[range.upperBound...].prefix { !$0.isWhitespace }
        return try #require(URL(string: "http://\(address)/metrics"))
    }

    static func get(_ url: URL, headers: [String: String] = [:]) async throws -> (Int, String) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func scrape(_ process: ManagedProcess) async throws -> Scrape {
        let (status, text) = try await get(try metricsURL(process))
        #expect(status == 200)
        return Scrape(text)
    }

    /// Scrapes until `condition` holds (counters are updated right after the replies that end the waits).
    static func waitForMetrics(
        _ process: ManagedProcess, _ what: String, _ condition: @escaping (Scrape) -> Bool
    ) async throws -> Scrape {
        var last = Scrape("")
        try await waitUntil(deadline: .seconds(15), interval: .milliseconds(100), what) {
            last = try await scrape(process)
            return condition(last)
        }
        return last
    }

    /// One AWS JSON 1.0 request to the orchestrator's HTTP API.
    static func call(_ system: SystemFixture, _ action: String, _ body: JSON, traceparent: String? = nil)
        async throws -> JSON
    {
        var request = URLRequest(url: try #require(system.apiURL))
        request.httpMethod = "POST"
        request.setValue("application/x-amz-json-1.0", forHTTPHeaderField: "Content-Type")
        request.setValue("AWSStepFunctions.\(action)", forHTTPHeaderField: "X-Amz-Target")
        if let traceparent { request.setValue(traceparent, forHTTPHeaderField: "traceparent") }
        request.httpBody = Data(body.serialized.utf8)
        request.timeoutInterval = 10
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSON(parsing: Array(data))
    }

    @Test func metricsOfOrchestratorAndWorkerReflectExecutionsCallbacksAndAForgedToken() async throws {
        let system = try await SystemFixture(
            label: "metrics", environment: ["BATON_METRICS_ADDRESS": "127.0.0.1:0"])
        try await system.run {
            try await system.withClient { client in
                let queue = "\(system.names.prefix).tasks"
                let worker = try system.startWorker(
                    "worker-function",
                    environment: [
                        "BATON_METRICS_ADDRESS": "127.0.0.1:0", "BATON_QUEUES": queue, "BATON_FUNCTIONS": "echo",
                        "BATON_LOG_LEVEL": "debug",
                    ],
                    queues: [queue, system.names.functionQueue("echo")])
                try await worker.waitForLog("metrics listening")
                try await worker.waitForLog("consuming tasks")
                let machine = try await client.createStateMachine(
                    "metrics", definition: Definitions.waitForCallback(queue: queue))
                var executions: [String] = []
                for index in 0..<3 {
                    executions.append(try await client.startExecution(machine, input: #"{"n": \#(index)}"#))
                }
                for execution in executions {
                    #expect(try await client.waitForEnd(execution)["status"] == "SUCCEEDED")
                }
                #expect(try await client.succeed("forged-token-of-no-execution") == "InvalidToken")

                let orchestrator = try await Self.waitForMetrics(system.orchestrator, "the forged token counted") {
                    $0.value(
                        "baton_callbacks_rejected_total",
                        ["action": "SendTaskSuccess", "door": "broker", "error": "InvalidToken"]) == 1
                }
                let broker = ["action": "SendTaskSuccess", "door": "broker"]
                #expect(orchestrator.value("baton_executions_started_total") == 3)
                #expect(orchestrator.value("baton_executions_finished_total", ["status": "SUCCEEDED"]) == 3)
                #expect(orchestrator.value("baton_execution_duration_seconds_count", ["status": "SUCCEEDED"]) == 3)
                #expect(orchestrator.value("baton_callbacks_received_total", broker) == 4)
                #expect(orchestrator.value("baton_callbacks_accepted_total", broker) == 3)
                #expect(orchestrator.value("baton_callback_duration_seconds_count", broker) == 4)
                #expect(orchestrator.value("baton_store_commit_duration_seconds_count", ["operation": "start"]) == 3)
                // The three applied callbacks committed; the forged token never reached the store.
                #expect(orchestrator.value("baton_store_commit_duration_seconds_count", ["operation": "callback"]) == 3)
                #expect(orchestrator.value("baton_outbox_published_total") >= 3)
                #expect(orchestrator.value("baton_tasks_in_flight") == 0)
                #expect(orchestrator.value("baton_outbox_depth") == 0)

                let workerMetrics = try await Self.waitForMetrics(worker, "the worker's accepted callbacks") {
                    $0.value("baton_worker_callbacks_sent_total", ["action": "SendTaskSuccess", "outcome": "accepted"])
                        == 3
                }
                #expect(workerMetrics.value("baton_worker_tasks_received_total", ["queue": queue]) == 3)
                #expect(
                    workerMetrics.value(
                        "baton_worker_handler_duration_seconds_count", ["queue": queue, "outcome": "ok"])
                        == 3)

                // start → task → callback: the worker sent each execution's (fresh) traceparent on its callback.
                let workerLog = worker.log()
                for execution in executions {
                    let trace = try #require(try await client.describe(execution)["traceHeader"]?.stringValue)
                    #expect(TraceParent.isValid(trace))
                    #expect(workerLog.contains("traceparent=\(trace)"), "no callback carried \(trace)")
                }
            }
        }
    }

    @Test func startExecutionWithoutTraceparentGetsAFreshOneThroughEitherDoor() async throws {
        try await withTaskSystem("trace") { system, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "trace", definition: Definitions.waitForCallback(queue: queue))
            // Broker command without traceHeader or header: a fresh traceparent on the task and the execution.
            let overBroker = try await client.startExecution(machine)
            let brokerTask = try await inbox.next()
            let brokerTrace = try #require(brokerTask.headers[TaskHeaders.traceparent])
            #expect(TraceParent.isValid(brokerTrace))
            #expect(brokerTrace.hasPrefix("00-") && brokerTrace.hasSuffix("-01"))
            #expect(try await client.describe(overBroker)["traceHeader"]?.stringValue == brokerTrace)

            // HTTP without traceHeader or header: another fresh one, a different trace.
            let overHTTP = try await Self.call(system, "StartExecution", ["stateMachineArn": .string(machine)])
            let httpTask = try await inbox.next()
            let httpTrace = try #require(httpTask.headers[TaskHeaders.traceparent])
            #expect(TraceParent.isValid(httpTrace))
            #expect(httpTrace.split(separator: "-")[1] != brokerTrace.split(separator: "-")[1])
            let httpArn = try #require(overHTTP["executionArn"]?.stringValue)
            #expect(try await client.describe(httpArn)["traceHeader"]?.stringValue == httpTrace)

            // HTTP with a traceparent header: the execution joins the caller's trace.
            let callers = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            _ = try await Self.call(
                system, "StartExecution", ["stateMachineArn": .string(machine)], traceparent: callers)
            #expect(try await inbox.next().headers[TaskHeaders.traceparent] == callers)

            // An explicit traceHeader still wins over the HTTP header, as AWS keeps the field as given.
            let field = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            _ = try await Self.call(
                system, "StartExecution", ["stateMachineArn": .string(machine), "traceHeader": .string(field)],
                traceparent: callers)
            #expect(try await inbox.next().headers[TaskHeaders.traceparent] == field)

            for task in inbox.all { #expect(try await client.succeed(try #require(task.token)) == nil) }
        }
    }
}
