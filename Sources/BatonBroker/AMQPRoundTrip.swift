import AMQPClient
import Foundation
import Logging
import Synchronization

/// The callback round trip of `bench/amqp-roundtrip/roundtrip.c -m rt -d 1`, over the AMQP client itself (not the
/// bus): what `baton bench amqp` measures beside the C baseline. It lives here because only BatonBroker sees the
/// AMQP client.
public struct AMQPRoundTrip: Sendable {
    /// One window's figures.
    public struct Result: Sendable {
        /// Tasks kept in flight.
        public var window: Int
        /// Message size in bytes.
        public var size: Int
        /// Round trips asked for.
        public var count: Int
        /// Round trips completed.
        public var done: Int
        /// Wall time of the window.
        public var seconds: Double
        /// Each round trip's latency, sorted.
        public var latenciesMicroseconds: [Double]
        /// Publishes the broker nacked or returned.
        public var failedPublishes: Int

        /// The latency below which `p` of the round trips fell.
        public func percentile(_ p: Double) -> Double {
            guard !latenciesMicroseconds.isEmpty else { return 0 }
            return latenciesMicroseconds[Int(p * Double(latenciesMicroseconds.count - 1) + 0.5)]
        }

        /// The `RESULT …` line, in the C program's format.
        public func line(label: String) -> String {
            let rate = seconds > 0 ? Double(done) / seconds : 0
            return "RESULT label=\(label) mode=rt size=\(size) window=\(window) n=\(count) done=\(done) "
                + String(
                    format: "secs=%.3f rate=%.1f p50_us=%.0f p90_us=%.0f p99_us=%.0f", seconds, rate,
                    percentile(0.5), percentile(0.9), percentile(0.99))
                + " failed=\(failedPublishes)"
        }
    }

    var configuration: AMQPConfiguration
    var logger: Logger
    var window: Int
    var size: Int
    var count: Int
    var maxSeconds: Double

    /// Creates one window's benchmark.
    /// - Parameters:
    ///   - endpoint: the broker.
    ///   - logger: for connection warnings.
    ///   - window: tasks kept in flight.
    ///   - size: message size in bytes.
    ///   - count: round trips to make.
    ///   - maxSeconds: time cap.
    public init(endpoint: BrokerEndpoint, logger: Logger, window: Int, size: Int, count: Int, maxSeconds: Double) {
        configuration = endpoint.amqp
        self.logger = logger
        self.window = window
        self.size = size
        self.count = count
        self.maxSeconds = maxSeconds
    }

    static let tasks = "bench.swift.tasks"
    static let callbacks = "bench.swift.callbacks"

    /// Empties the two queues and opens the admin, worker and orchestrator connections.
    func connections() async throws -> (admin: AMQPConnection, worker: AMQPConnection, orchestrator: AMQPConnection) {
        let admin = try await AMQPConnection.connect(configuration: configuration, logger: logger)
        for queue in [Self.tasks, Self.callbacks] {
            try await admin.deleteQueue(queue)
            try await admin.declare(QueueDeclaration(name: queue))
        }
        let worker = try await AMQPConnection.connect(configuration: configuration, logger: logger)
        let orchestrator = try await AMQPConnection.connect(configuration: configuration, logger: logger)
        return (admin, worker, orchestrator)
    }

    /// Runs the window with stream consumers and async publishes.
    public func run() async throws -> Result {
        let (admin, worker, orchestrator) = try await connections()
        let workerConsumer = try await worker.consume(queue: Self.tasks, prefetch: UInt16(window))
        let workerLoop = Task { try await Self.serveTasks(workerConsumer, on: worker, size: size) }
        let result = try await orchestrate(orchestrator)
        await workerConsumer.cancel()
        _ = try? await workerLoop.value
        await orchestrator.close()
        await worker.close()
        for queue in [Self.tasks, Self.callbacks] { _ = try? await admin.deleteQueue(queue) }
        await admin.close()
        return result
    }

    /// The worker: for each task publish a callback of the same size, and ack the task once the callback is
    /// confirmed. Up to `prefetch` tasks are handled concurrently, as a real worker would.
    private static func serveTasks(_ consumer: AMQPConsumer, on connection: AMQPConnection, size: Int) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for try await task in consumer.deliveries {
                group.addTask {
                    var callback = [UInt8](repeating: UInt8(ascii: "x"), count: size)
                    callback.replaceSubrange(0..<16, with: task.body.prefix(16))
                    try await connection.publish(callback, routingKey: callbacks)
                    try await task.ack()
                }
            }
        }
    }

    /// The orchestrator: keeps `window` tasks in flight and measures task publish → callback received.
    private func orchestrate(_ connection: AMQPConnection) async throws -> Result {
        let consumer = try await connection.consume(queue: Self.callbacks, prefetch: UInt16(window))
        let failures = Atomic(0)
        let confirmed = Atomic(0)
        var start = [UInt64](repeating: 0, count: count + 1)
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        var body = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        var issued = 0
        func issue() {
            let now = DispatchTime.now().uptimeNanoseconds
            start[issued] = now
            withUnsafeBytes(of: UInt64(issued).littleEndian) { body.replaceSubrange(0..<8, with: $0) }
            withUnsafeBytes(of: now.littleEndian) { body.replaceSubrange(8..<16, with: $0) }
            connection.publish(body, routingKey: Self.tasks) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                confirmed.add(1, ordering: .relaxed)
            }
            issued += 1
        }
        let began = DispatchTime.now().uptimeNanoseconds
        let deadline = began + UInt64(maxSeconds * 1e9)
        while issued < min(count, window) { issue() }
        var done = 0
        for try await callback in consumer.deliveries {
            let now = DispatchTime.now().uptimeNanoseconds
            let id = callback.body.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
            if id < count { latencies.append(Double(now - start[id]) / 1000) }
            try await callback.ack()
            done += 1
            if issued < count { issue() }
            if done >= issued || now > deadline { break }
        }
        let ended = DispatchTime.now().uptimeNanoseconds
        await consumer.cancel()
        let confirmDeadline = ContinuousClock.now.advanced(by: .seconds(5))
        while confirmed.load(ordering: .relaxed) < issued && ContinuousClock.now < confirmDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        latencies.sort()
        return Result(
            window: window, size: size, count: count, done: done, seconds: Double(ended - began) / 1e9,
            latenciesMicroseconds: latencies,
            failedPublishes: failures.load(ordering: .relaxed) + (issued - confirmed.load(ordering: .relaxed))
        )
    }
}
