import AMQPClient
import Foundation
import Synchronization

/// The same round trip with handler consumers: worker and orchestrator logic run on their connections'
/// threads, exactly like the C program's one-thread-per-connection loops (no hop to the concurrency pool).
extension AMQPRoundTrip {
    /// Orchestrator state, touched only by the orchestrator connection's thread (its consumer handler and the
    /// publish completions it triggers run there), so the lock is never contended; it exists to satisfy
    /// Sendable and to read the result afterwards.
    private final class OrchestratorState: Sendable {
        struct Values {
            var start: [UInt64]
            var latencies: [Double] = []
            var issued = 0
            var done = 0
            var confirmed = 0
            var failed = 0
            var ended: UInt64 = 0
            var finished: CheckedContinuation<Void, Never>?
        }
        let values: Mutex<Values>
        init(count: Int) { values = Mutex(Values(start: [UInt64](repeating: 0, count: count + 1))) }
    }

    /// Runs the window with handler consumers on the connections' threads.
    public func runWithHandlers() async throws -> Result {
        let (admin, worker, orchestrator) = try await connections()
        let size = self.size
        let workerHandle = try await worker.consume(queue: Self.tasks, prefetch: UInt16(window)) { task in
            var callback = [UInt8](repeating: UInt8(ascii: "x"), count: size)
            callback.replaceSubrange(0..<16, with: task.body.prefix(16))
            worker.publish(callback, routingKey: Self.callbacks) { result in
                if case .success = result { try? task.settle(.ack()) }
            }
        }
        let count = self.count
        let state = OrchestratorState(count: count)
        var body = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let template = body
        @Sendable func issue(_ values: inout OrchestratorState.Values) {
            var body = template
            let now = DispatchTime.now().uptimeNanoseconds
            let id = values.issued
            values.start[id] = now
            withUnsafeBytes(of: UInt64(id).littleEndian) { body.replaceSubrange(0..<8, with: $0) }
            withUnsafeBytes(of: now.littleEndian) { body.replaceSubrange(8..<16, with: $0) }
            values.issued += 1
            orchestrator.publish(body, routingKey: Self.tasks) { result in
                state.values.withLock { values in
                    values.confirmed += 1
                    if case .failure = result { values.failed += 1 }
                }
            }
        }
        body.removeAll()
        let began = DispatchTime.now().uptimeNanoseconds
        let deadline = began + UInt64(maxSeconds * 1e9)
        let orchestratorHandle = try await orchestrator.consume(queue: Self.callbacks, prefetch: UInt16(window)) {
            callback in
            let now = DispatchTime.now().uptimeNanoseconds
            let id = callback.body.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
            try? callback.settle(.ack())
            state.values.withLock { values in
                guard values.finished != nil else { return }
                if id < count { values.latencies.append(Double(now - values.start[id]) / 1000) }
                values.done += 1
                if values.issued < count && now <= deadline { issue(&values) }
                if values.done >= values.issued {
                    values.ended = now
                    values.finished?.resume()
                    values.finished = nil
                }
            }
        }
        await withCheckedContinuation { continuation in
            state.values.withLock { values in
                values.finished = continuation
                while values.issued < min(count, window) { issue(&values) }
            }
        }
        await orchestratorHandle.cancel()
        await workerHandle.cancel()
        let confirmDeadline = ContinuousClock.now.advanced(by: .seconds(5))
        while state.values.withLock({ $0.confirmed < $0.issued }) && ContinuousClock.now < confirmDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        await orchestrator.close()
        await worker.close()
        for queue in [Self.tasks, Self.callbacks] { _ = try? await admin.deleteQueue(queue) }
        await admin.close()
        return state.values.withLock { values in
            Result(
                window: window, size: size, count: count, done: values.done,
                seconds: Double(values.ended - began) / 1e9, latenciesMicroseconds: values.latencies.sorted(),
                failedPublishes: values.failed + values.issued - values.confirmed
            )
        }
    }
}
