import Foundation
import Synchronization

/// The orchestrator's time: what "now" is and how to wait until a date. Injected everywhere a timeout,
/// heartbeat, Wait state or backoff is involved, so tests drive a `ManualWallClock` and `--time-scale` runs a
/// scaled one (STYLE rule 7). Dates, not instants, because deadlines are persisted and survive restarts.
public protocol WallClock: Sendable {
    /// The current time.
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
}

/// Real time, optionally scaled: with `scale` 60, workflow time runs 60× faster than real time, so a 60 s
/// timeout lasts 1 s while recorded dates stay in workflow time (they advance 60 s).
///
/// Scaled time is anchored at a fixed date (the orchestrator keeps it in its store), so workflow time continues
/// across restarts instead of jumping back: `now = anchor + (real now − anchor) × scale`.
public struct SystemWallClock: WallClock {
    private let origin: Date
    /// Workflow seconds per real second.
    public let scale: Double

    /// Real time (`scale` 1) or time scaled from `anchor`.
    public init(scale: Double = 1, anchor: Date = Date()) {
        precondition(scale > 0, "time scale must be positive")
        origin = anchor
        self.scale = scale
    }

    public func now() -> Date {
        guard scale != 1 else { return Date() }
        return origin.addingTimeInterval(Date().timeIntervalSince(origin) * scale)
    }

    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSince(now()) / scale
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

    /// A clock standing at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex(State(now: start))
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
