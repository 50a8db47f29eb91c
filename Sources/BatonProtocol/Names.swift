/// The names of the queues and exchanges Baton's processes share on the broker. Every process derives its
/// names from here, with an optional prefix so several Baton systems (or test suites) share one broker apart.
public struct Names: Sendable, Hashable {
    /// Prepended to every name, e.g. `baton` or `test-3f2a.baton`.
    public var prefix: String

    /// Names under a prefix (default `baton`).
    public init(prefix: String = "baton") {
        self.prefix = prefix
    }

    /// The durable queue the orchestrator consumes callbacks from.
    public var callbackQueue: String { "\(prefix).callbacks" }
    /// The durable queue the orchestrator consumes commands (start-execution, describe, …) from.
    public var commandQueue: String { "\(prefix).commands" }
    /// The topic exchange on which terminal execution states are published for watchers.
    public var eventsExchange: String { "\(prefix).events" }
    /// The exchange rejected (malformed) messages are dead-lettered to.
    public var deadLetterExchange: String { "\(prefix).dead-letter" }
    /// The callback queue of orchestrator shard `shard`: shard 0 keeps ``callbackQueue`` (so one orchestrator
    /// and every token it ever issued keep today's name), shard `i ≥ 1` has `<prefix>.callbacks.<i>`.
    public func callbackQueue(shard: Int) -> String { shard == 0 ? callbackQueue : "\(prefix).callbacks.\(shard)" }
    /// The command queue only orchestrator shard `shard` consumes when there are several shards
    /// (`<prefix>.commands.<i>`); ``commandQueue`` is then the entry that every shard consumes.
    public func commandQueue(shard: Int) -> String { "\(prefix).commands.\(shard)" }
    /// The queue that keeps dead-lettered messages for inspection.
    public var deadLetterQueue: String { "\(prefix).dead-letter" }
    /// The durable queue an activity's tasks wait in until a poller takes one (GetActivityTask).
    public func activityQueue(_ activity: String) -> String { "\(prefix).activity.\(activity)" }
    /// The queue a worker-function process serves a named function from.
    public func functionQueue(_ function: String) -> String { "\(prefix).function.\(function)" }
    /// The queue legacy-system takes `.sync` jobs from.
    public var jobQueue: String { "\(prefix).jobs" }
    /// The exclusive queue on which one process receives replies to its callbacks and commands.
    public func replyQueue(_ id: String) -> String { "\(prefix).replies.\(id)" }
}
