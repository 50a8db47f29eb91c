import ArgumentParser
import BatonRuntime

/// The options every worker executable shares (worker-function, legacy-system, approver): which queues it serves,
/// how many deliveries it holds unsettled, how long it waits for the orchestrator's answer to a callback. Each
/// executable's `--help` says what its own queues and defaults are.
public struct WorkerOptions: ParsableArguments {
    @Option(
        name: .customLong("queue"),
        help:
            "A queue of tasks to serve, besides or instead of the executable's own (see above; repeatable) [env: BATON_QUEUES, comma-separated]"
    )
    var queues: [String] = []

    @Option(help: "Unsettled deliveries per queue [env: BATON_PREFETCH] (default: see above)")
    var prefetch: Int?

    @Option(
        help: "How long to wait for the orchestrator's reply to a callback [env: BATON_REPLY_TIMEOUT] (default: 10s)")
    var replyTimeout: String?

    /// Creates the options; ArgumentParser fills them.
    public init() {}

    /// The queues named by `--queue` or `BATON_QUEUES` (comma-separated), in order; empty when neither is given.
    public var namedQueues: [String] {
        guard queues.isEmpty else { return queues }
        return (Setting.resolve(nil, "BATON_QUEUES") ?? "").split(separator: ",").map(String.init)
    }

    /// `--prefetch` or `BATON_PREFETCH`, else the executable's default.
    /// - Parameter defaultValue: the executable's default.
    /// - Throws: `ValidationError` for a value that is not a positive whole number.
    public func prefetch(default defaultValue: Int) throws -> Int {
        let value = try Setting.integer(prefetch, "BATON_PREFETCH") ?? defaultValue
        guard value > 0 else { throw ValidationError("the prefetch must be a positive number, not \(value)") }
        return value
    }

    /// `--reply-timeout` or `BATON_REPLY_TIMEOUT`, else 10 s.
    /// - Throws: `ValidationError` for text that is not a duration.
    public func replyDeadline() throws -> Duration {
        try DurationText.parse(Setting.resolve(replyTimeout, "BATON_REPLY_TIMEOUT") ?? "10s")
    }
}
