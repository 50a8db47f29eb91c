import BatonProtocol
import ServiceLifecycle

/// Consumes a queue and runs a handler for each delivery concurrently (at most `prefetch` at once: the broker
/// sends no more unsettled deliveries than that). On graceful shutdown it stops taking deliveries and waits for
/// the handlers in flight, so every delivery it took is settled — or, if the process dies first, redelivered.
struct DeliveryPump {
    let bus: any MessageBus
    let queue: String
    let prefetch: Int
    let handle: @Sendable (BusDelivery) async -> Void

    func run() async throws {
        let deliveries = try await bus.consume(queue, prefetch: prefetch)
        let (work, workContinuation) = AsyncStream<BusDelivery>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { workContinuation.finish() }
                try await cancelWhenGracefulShutdown {
                    for try await delivery in deliveries { workContinuation.yield(delivery) }
                }
            }
            group.addTask {
                await withDiscardingTaskGroup { handlers in
                    for await delivery in work {
                        handlers.addTask { await handle(delivery) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
