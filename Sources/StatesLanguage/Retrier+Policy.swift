import Foundation

/// A state's retriers as a pure decision function: given an error and the per-retrier attempt counters so
/// far, whether to retry (after how long, counted against which retrier) or give up (and try the catchers).
///
/// AWS's rules: the first retrier whose ErrorEquals matches the error is the only one considered (a later
/// retrier that also matches is not tried when the first is exhausted); each retrier counts its own attempts;
/// retry `n` (1-based) waits `IntervalSeconds × BackoffRate^(n-1)` capped by `MaxDelaySeconds`, and with
/// `JitterStrategy` FULL a random value in `[0, that]` from the injected random source.
public struct RetryPolicy: Sendable, Hashable {
    /// The retriers in definition order.
    public var retriers: [Retrier]

    /// Creates a policy from a state's retriers.
    public init(retriers: [Retrier]) {
        self.retriers = retriers
    }

    /// The counters before any retry: one zero per retrier.
    public var initialCounters: [Int] { Array(repeating: 0, count: retriers.count) }

    /// Decides what to do about an error.
    ///
    /// - Parameters:
    ///   - error: the error the state failed with.
    ///   - counters: retries already made per retrier (index-aligned with `retriers`; missing entries count 0).
    ///   - random: returns a value in the given range; used only for FULL jitter (inject a fixed source in tests).
    /// - Returns: `.retry` with the delay in seconds, the retrier used and the updated counters, or `.giveUp`.
    public func decide(
        error: StatesError,
        attemptsSoFar counters: [Int],
        random: (ClosedRange<Double>) -> Double
    ) -> RetryDecision {
        guard let index = retriers.firstIndex(where: { $0.matches(error) }) else { return .giveUp }
        let retrier = retriers[index]
        var updated = counters + Array(repeating: 0, count: max(0, retriers.count - counters.count))
        let attempt = updated[index] + 1
        guard attempt <= retrier.maxAttempts else { return .giveUp }
        updated[index] = attempt
        var delay = retrier.backoff(forAttempt: attempt)
        if retrier.jitterStrategy == .full {
            delay = min(max(random(0...delay), 0), delay)
        }
        return .retry(after: delay, retrierIndex: index, counters: updated)
    }
}

/// What a `RetryPolicy` decided about an error.
public enum RetryDecision: Sendable, Hashable {
    /// Run the state again after `after` seconds; `counters` replace the previous ones.
    case retry(after: Double, retrierIndex: Int, counters: [Int])
    /// No retrier applies or the matching one is exhausted: go on to the catchers.
    case giveUp
}

extension State {
    /// The state's retriers as a `RetryPolicy` (empty for kinds without Retry).
    public var retryPolicy: RetryPolicy { RetryPolicy(retriers: retriers) }
}
