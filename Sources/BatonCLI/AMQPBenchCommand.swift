import ArgumentParser
import BatonBroker
import Foundation
import Logging

/// `baton bench amqp`: the callback round trip through AMQPClient, measured like
/// `bench/amqp-roundtrip/roundtrip.c -m rt -d 1` so the two can be compared in one run.
struct AMQPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp",
        abstract: "Measure task → worker → callback round trips (persistent, confirmed) through AMQPClient.",
        discussion: """
            An orchestrator connection publishes tasks (persistent, with publisher confirms) and keeps W in \
            flight; a worker connection consumes them (prefetch W), publishes a callback and acks the task once \
            the callback is confirmed; the orchestrator consumes callbacks and issues the next task. Prints one \
            RESULT line per window with round trips per second and p50/p99 latency.
            """
    )

    @Option(help: "Broker URL (default: $BATON_AMQP_URL, else the private node's URL).")
    var url: String?

    @Option(parsing: .upToNextOption, help: "Windows (tasks in flight) to measure.")
    var windows: [Int] = [1, 16, 128]

    @Option(help: "Message size in bytes.")
    var size = 512

    @Option(help: "Round trips per window.")
    var count = 10_000

    @Option(help: "Time cap per window, in seconds.")
    var maxSeconds = 30.0

    @Option(help: "Label printed in RESULT lines (default: swift-<api>).")
    var label: String?

    @Option(
        help:
            "Consumer API: 'stream' (AsyncSequence + async publish, the default) or 'handler' (callbacks on the connection threads)."
    )
    var api = "stream"

    func validate() throws {
        guard api == "stream" || api == "handler" else { throw ValidationError("--api must be stream or handler") }
        guard windows.allSatisfy({ $0 >= 1 && $0 <= 65535 }), count >= 1, size >= 16, maxSeconds > 0 else {
            throw ValidationError("windows must be 1...65535, count ≥ 1, size ≥ 16, max-seconds > 0")
        }
    }

    func run() async throws {
        let url =
            url ?? ProcessInfo.processInfo.environment["BATON_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5679/%2f"
        var logger = Logger(label: "baton.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        for window in windows {
            let benchmark = AMQPRoundTrip(
                endpoint: try BrokerEndpoint(url: url, clientName: "baton-bench"), logger: logger, window: window,
                size: size, count: count,
                maxSeconds: maxSeconds
            )
            let result = try await api == "handler" ? benchmark.runWithHandlers() : benchmark.run()
            print(result.line(label: label ?? "swift-\(api)"))
        }
    }
}
