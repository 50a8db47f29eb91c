/// The status of an execution, spelled as AWS Step Functions spells it.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not finished.
    case running = "RUNNING"
    /// Finished with an output.
    case succeeded = "SUCCEEDED"
    /// Finished with an error and cause.
    case failed = "FAILED"
    /// The execution's own TimeoutSeconds elapsed.
    case timedOut = "TIMED_OUT"
    /// Stopped by StopExecution.
    case aborted = "ABORTED"

    /// Whether the execution has finished (every status except ``running``).
    public var isTerminal: Bool { self != .running }
}
