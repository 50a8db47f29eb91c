import BatonProtocol
import ServiceLifecycle
import Synchronization

/// Consumes a queue in batches — everything that arrived at one wake-up — and hands each batch to `handle` on the
/// loop itself: one batch at a time, as large as whatever arrived meanwhile (while one commits, the next gathers),
/// with no task per message. Work that must not hold up the loop (a command that waits for another shard) is started
/// with the ``Detacher`` `handle` receives; on graceful shutdown the pump stops taking batches, finishes the one in
/// hand and waits for the detached work, so every delivery it took is settled — or, if the process dies first,
/// redelivered.
struct DeliveryPump {
    let bus: any MessageBus
    let queue: String
    let prefetch: Int
    let handle: @Sendable ([BusDelivery], Detacher) async -> Void

    /// Starts work that runs beside the pump's loop; the pump waits for it before it returns.
    struct Detacher: Sendable {
        fileprivate let count: HandlerCount

        /// Runs `work` in a task of its own (counted, not a structured child: stopping the loop does not cancel it).
        func detach(_ work: @escaping @Sendable () async -> Void) {
            count.begin()
            Task {
                await work()
                count.end()
            }
        }
    }

    func run() async throws {
        let batches = try await bus.consumeBatches(queue, prefetch: prefetch)
        let detacher = Detacher(count: HandlerCount())
        do {
            try await cancelWhenGracefulShutdown {
                for try await batch in batches { await handle(batch, detacher) }
            }
        } catch {
            await detacher.count.waitUntilIdle()
            throw error
        }
        await detacher.count.waitUntilIdle()
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
