import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Fires timers — task timeouts, heartbeat deadlines, Wait states, Retry backoff, execution timeouts — when they
/// fall due. The one timer structure is the store's `timer` table, indexed by date: the service sleeps until the
/// earliest armed timer (or until an earlier one is armed), so a million pending timers cost disk rows, not tasks.
/// At start it fires everything already overdue (timers that fell due while the orchestrator was down).
public final class TimerService: Service {
    private let engine: Engine
    private let logger: Logger
    private let metrics: OrchestratorMetrics
    /// The date the service is sleeping until, and the continuation that wakes it early. Guarded by the `Mutex`.
    private let wake = Mutex<Wake>(Wake())
    /// The longest single sleep: a safety net so a lost wake-up delays a timer by at most this much.
    private let maximumSleep: TimeInterval = 5

    private struct Wake {
        var target: Date?
        var continuation: CheckedContinuation<Void, Never>?
        var pending = false
    }

    /// Creates the service; `metrics` counts fired timers and times the sweeps that fire them.
    public init(engine: Engine, logger: Logger, metrics: OrchestratorMetrics = OrchestratorMetrics()) {
        self.engine = engine
        self.logger = logger
        self.metrics = metrics
    }

    /// Tells the service a timer was armed for `date` (the engine's `timerArmed` effect); wakes it if it sleeps
    /// past that date.
    public func armed(_ date: Date) {
        let continuation = wake.withLock { state -> CheckedContinuation<Void, Never>? in
            // While sweeping (no target) the new timer may be missed by the next-date query: re-check then.
            if let target = state.target, date >= target { return nil }
            state.target = date
            state.pending = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let sweep = ContinuousClock.now
                    let fired = try await self.engine.fireDueTimers()
                    // Only sweeps that fired something committed a transition.
                    if fired > 0 { self.metrics.commit("timers", duration: ContinuousClock.now - sweep) }
                    self.metrics.timersFired(fired)
                    if fired >= self.engine.configuration.timerBatch { continue }  // more are due right now
                    let clock = self.engine.clock
                    let ceiling = clock.now().addingTimeInterval(self.maximumSleep)
                    let next = try await self.engine.nextTimerDate().map { min($0, ceiling) } ?? ceiling
                    try await self.sleep(until: next)
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("timer sweep failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }

    /// Sleeps on the engine's clock until `date`, or until `armed` reports an earlier timer.
    private func sleep(until date: Date) async throws {
        let early = wake.withLock { state -> Bool in
            if state.pending {
                state.pending = false
                return true
            }
            state.target = date
            return false
        }
        if early { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.engine.clock.sleep(until: date) }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.wake.withLock { state -> Bool in
                            if state.pending || Task.isCancelled { return true }
                            state.continuation = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let continuation = self.wake.withLock { state in
                        defer { state.continuation = nil }
                        return state.continuation
                    }
                    continuation?.resume()
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
        wake.withLock { state in
            state.target = nil
            state.pending = false
        }
    }
}
