import Foundation

/// Everything the engine is configured with; executables fill it from flags and `BATON_*` variables.
public struct OrchestratorConfiguration: Sendable {
    /// The region shown in ARNs and `TaskScheduled` events (`BATON_REGION`).
    public var region: String = "us-east-1"
    /// The account id shown in ARNs (`BATON_ACCOUNT`); Step Functions Local's default.
    public var account: String = "123456789012"
    /// This orchestrator's shard (`BATON_SHARD`), carried in every task token.
    public var shard: Int = 0
    /// How many transitions one callback consumer runs at once (and the callback queue's prefetch).
    public var callbackConcurrency: Int = 256
    /// How many outbox messages are published at once (unconfirmed publishes in flight).
    public var publishWindow: Int = 512
    /// The most due timers fired per sweep.
    public var timerBatch: Int = 500
    /// Publish the terminal events committed together as one message per status (`x-baton-events`, see
    /// ``ExecutionEvents``) instead of one message each: fewer broker messages per execution under load
    /// (`BATON_EVENT_BATCHING`). Every consumer in this project reads both forms.
    public var eventBatching = false
    /// Record AWS's `TaskSubmitted` (with the service's answer) for every task that waits, as AWS does
    /// (`BATON_TASK_SUBMITTED`, default on); off saves one history event per waiting task for load tests that
    /// count every microsecond (docs/benchmarks.md measures it).
    public var recordsTaskSubmitted = true
    /// How long GetActivityTask waits for a task before answering without one (AWS: 60 s).
    public var activityPollSeconds: Double = 60
    /// How long the outbox dispatcher waits before retrying a publish that failed (broker away).
    public var publishRetryDelay: Duration = .milliseconds(500)
    /// How many times a transition is planned again after its commit found the execution changed under it (a
    /// conflict) or a same-name start committed first. Each retry re-reads what changed, so two suffice in
    /// practice; 8 bounds a pathological race without failing a request that would succeed a moment later.
    public var replanLimit = 8
    /// How many recently active executions keep their interpreter state in memory, so the callback that follows
    /// a task skips reading and decoding it (StateCache). 20,000 covers the executions in flight of a load test
    /// at ~2,000/s with 10 s between task and callback, at a few KiB each (tens of MiB at most); an execution
    /// missing from the cache is read from the store, so a smaller value costs time, never correctness.
    public var stateCacheCapacity = 20_000

    /// The failure lab's hook: kill the process (SIGKILL, nothing flushed) the first time a batch of at least
    /// ``CrashPoint/minimumBatch`` transitions reaches ``CrashPoint/point`` (`BATON_CRASH_AT`); `nil` (the default)
    /// never. For studying and testing what a crash in the middle of a batch leaves behind.
    public var crashAt: CrashPoint?

    /// The default configuration.
    public init() {}

    /// The ARN of an activity with this name.
    public func activityArn(name: String) -> String {
        "arn:aws:states:\(region):\(account):activity:\(name)"
    }

    /// The ARN of a state machine with this name.
    public func stateMachineArn(name: String) -> String {
        "arn:aws:states:\(region):\(account):stateMachine:\(name)"
    }

    /// The ARN of an execution of a state machine.
    public func executionArn(stateMachineName: String, executionName: String) -> String {
        "arn:aws:states:\(region):\(account):execution:\(stateMachineName):\(executionName)"
    }
}

/// Parsing of Step Functions ARNs.
public enum StatesARN {
    /// The activity name of `arn:aws:states:<region>:<account>:activity:<name>`, or `nil`.
    public static func activityName(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "arn", parts[2] == "states", parts[5] == "activity", !parts[6].isEmpty
        else { return nil }
        return String(parts[6])
    }

    /// The state machine name of `arn:aws:states:<region>:<account>:stateMachine:<name>`, or `nil`.
    public static func stateMachineName(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "arn", parts[2] == "states", parts[5] == "stateMachine",
            !parts[6].isEmpty
        else { return nil }
        return String(parts[6])
    }

    /// The state machine and execution names of `arn:aws:states:<region>:<account>:execution:<machine>:<name>`.
    public static func executionNames(_ arn: String) -> (stateMachine: String, execution: String)? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 8, parts[0] == "arn", parts[2] == "states", parts[5] == "execution",
            !parts[6].isEmpty, !parts[7].isEmpty
        else { return nil }
        return (String(parts[6]), String(parts[7]))
    }
}

/// Where in a batch the failure lab's hook kills the orchestrator (``OrchestratorConfiguration/crashAt``).
public struct CrashPoint: Sendable, Hashable {
    /// A point in the life of a batch of callbacks or starts.
    public enum Point: String, Sendable, CaseIterable {
        /// Its transitions committed; nothing of its outbox handed to the broker, nothing acked.
        case afterCommit = "after-commit"
        /// Its outbox handed to the broker; its deliveries not acked.
        case beforeAck = "before-ack"
    }

    /// Where.
    public var point: Point
    /// The smallest batch it fires on.
    public var minimumBatch: Int

    /// Parses `<point>:<minimum batch>`, e.g. `after-commit:20`; an empty text is no crash point.
    /// - Throws: a description of the expected form.
    public static func parse(_ text: String) throws -> CrashPoint? {
        guard !text.isEmpty else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let point = Point(rawValue: String(parts[0])), let size = parts.count == 2 ? Int(parts[1]) : 1,
            size >= 1
        else {
            throw CrashPointError(
                "crash point must be <point>[:<minimum batch>] with point "
                    + Point.allCases.map(\.rawValue).joined(separator: " or ") + ", not '\(text)'")
        }
        return CrashPoint(point: point, minimumBatch: size)
    }
}

/// A crash point that does not parse.
public struct CrashPointError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
