import Foundation
import Synchronization

/// The orchestrator's time: what "now" is and how to wait until a date. Injected everywhere a timeout,
/// heartbeat, Wait state or backoff is involved, so tests drive a `ManualWallClock` (STYLE rule 7). Dates, not
/// instants, because deadlines are persisted and survive restarts.
///
/// `now()` is always wall-clock time: it is what startDate, stopDate, creationDate and history timestamps record.
/// A time scale (`BATON_TIME_SCALE`) shrinks durations only — TimeoutSeconds, HeartbeatSeconds, Wait `Seconds`,
/// Retry intervals count workflow seconds, `scale` of them per real second — through `deadline(after:from:)`.
public protocol WallClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends until `date` (or returns at once if it has passed).
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until date: Date) async throws
    /// Workflow seconds per real second (1 unless time is scaled).
    var scale: Double { get }
}

extension WallClock {
    /// Real time by default.
    public var scale: Double { 1 }

    /// The wall-clock date `workflowSeconds` of workflow time after `date`: `date + workflowSeconds / scale`.
    public func deadline(after workflowSeconds: Double, from date: Date) -> Date {
        date.addingTimeInterval(workflowSeconds / scale)
    }
}

/// Real time, with durations optionally scaled: with `scale` 60 a 60 s timeout lasts 1 s, while every date the
/// orchestrator records is still the wall clock's (a date is a date; restarts and scale changes cannot move one).
public struct SystemWallClock: WallClock {
    /// Workflow seconds per real second.
    public let scale: Double

    /// Real time whose durations run `scale` times faster.
    public init(scale: Double = 1) {
        precondition(scale > 0, "time scale must be positive")
        self.scale = scale
    }

    public func now() -> Date { Date() }

    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Int64(min(seconds, 86_400) * 1e9)))
    }
}

/// A clock that moves only when a test advances it.
public final class ManualWallClock: WallClock {
    private struct Sleeper {
        let until: Date
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
    }
    private let state: Mutex<State>
    /// Workflow seconds per real second, for deadlines (`advance(by:)` moves real seconds).
    public let scale: Double

    /// A clock standing at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_700_000_000), scale: Double = 1) {
        state = Mutex(State(now: start))
        self.scale = scale
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until date: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if date <= state.now { return true }
                    state.sleepers[id] = Sleeper(until: date, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose date has come.
    public func advance(by seconds: TimeInterval) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.addingTimeInterval(seconds)
            let now = state.now
            let due = state.sleepers.filter { $0.value.until <= now }
            for key in due.keys { state.sleepers.removeValue(forKey: key) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
