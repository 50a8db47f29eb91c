import BatonProtocol
import ServiceLifecycle
import Synchronization

/// Consumes a queue and runs a handler for each delivery concurrently (at most `prefetch` at once: the broker
/// sends no more unsettled deliveries than that). On graceful shutdown it stops taking deliveries and waits for
/// the handlers in flight, so every delivery it took is settled — or, if the process dies first, redelivered.
///
/// Each handler is a task of its own started straight from the loop that reads the deliveries (one hop from the
/// connection thread to the handler); the handlers are counted, not structured children, so that stopping the
/// loop on graceful shutdown does not cancel them.
struct DeliveryPump {
    let bus: any MessageBus
    let queue: String
    let prefetch: Int
    let handle: @Sendable (BusDelivery) async -> Void

    func run() async throws {
        let deliveries = try await bus.consume(queue, prefetch: prefetch)
        let handlers = HandlerCount()
        do {
            try await cancelWhenGracefulShutdown {
                for try await delivery in deliveries {
                    handlers.begin()
                    Task {
                        await handle(delivery)
                        handlers.end()
                    }
                }
            }
        } catch {
            await handlers.waitUntilIdle()
            throw error
        }
        await handlers.waitUntilIdle()
    }
}

/// The number of handlers running, and who waits for it to reach zero.
private final class HandlerCount: Sendable {
    private struct State {
        var running = 0
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func begin() {
        state.withLock { $0.running += 1 }
    }

    func end() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.idle = [] }
            return state.idle
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.running == 0 { return true }
                state.idle.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
