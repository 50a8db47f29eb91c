import Foundation

/// One entry of a state's `Retry` array.
public struct Retrier: Sendable, Hashable {
    /// The error names this retrier handles (`States.ALL` only alone and only in the last retrier).
    public var errorEquals: [String]
    /// Seconds before the first retry; default 1.
    public var intervalSeconds: Int
    /// The maximum number of retries; default 3; 0 means never retry.
    public var maxAttempts: Int
    /// The multiplier of the delay on each further attempt; default 2.0, at least 1.0.
    public var backoffRate: Double
    /// The upper bound of the delay in seconds; `nil` means unbounded.
    public var maxDelaySeconds: Int?
    /// Whether the delay is randomised; default `NONE`.
    public var jitterStrategy: JitterStrategy

    /// Creates a retrier with AWS's defaults.
    public init(
        errorEquals: [String],
        intervalSeconds: Int = 1,
        maxAttempts: Int = 3,
        backoffRate: Double = 2.0,
        maxDelaySeconds: Int? = nil,
        jitterStrategy: JitterStrategy = .none
    ) {
        self.errorEquals = errorEquals
        self.intervalSeconds = intervalSeconds
        self.maxAttempts = maxAttempts
        self.backoffRate = backoffRate
        self.maxDelaySeconds = maxDelaySeconds
        self.jitterStrategy = jitterStrategy
    }

    /// Whether this retrier handles an error (AWS's wildcard rules, see `ErrorMatching`).
    public func matches(_ error: StatesError) -> Bool {
        ErrorMatching.matches(errorEquals, error)
    }

    /// The delay before retry number `attempt` (1-based) without jitter:
    /// `IntervalSeconds × BackoffRate^(attempt-1)`, capped by `MaxDelaySeconds`.
    public func backoff(forAttempt attempt: Int) -> Double {
        var delay = Double(intervalSeconds) * pow(backoffRate, Double(max(attempt, 1) - 1))
        if !delay.isFinite { delay = .greatestFiniteMagnitude }
        if let maxDelaySeconds { delay = min(delay, Double(maxDelaySeconds)) }
        return delay
    }
}

/// A retrier's `JitterStrategy`.
public enum JitterStrategy: String, Sendable, Hashable, CaseIterable {
    /// The delay is a random value in `[0, backoff]`.
    case full = "FULL"
    /// The delay is the computed backoff.
    case none = "NONE"
}
