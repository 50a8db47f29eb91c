/// The AMQP headers the orchestrator sets on every task message (see docs/protocol.md).
public enum TaskHeaders {
    /// The task token, for integrations where the worker answers on Baton's behalf (request-response
    /// `lambda:invoke`, `baton:startJob.sync`). Absent for `.waitForTaskToken` tasks: there the token is in the
    /// body, where the definition put `$$.Task.Token`.
    public static let taskToken = "x-baton-task-token"
    /// `sqs`, `sqs.waitForTaskToken`, `lambda`, `lambda.waitForTaskToken` or `job.sync`.
    public static let integration = "x-baton-integration"
    /// The execution ARN.
    public static let executionArn = "x-baton-execution-arn"
    /// The Task state's name.
    public static let stateName = "x-baton-state-name"
    /// The attempt number, `0` for the first.
    public static let attempt = "x-baton-attempt"
    /// The task's TimeoutSeconds, when it has one.
    public static let timeoutSeconds = "x-baton-timeout-seconds"
    /// The task's HeartbeatSeconds, when it has one.
    public static let heartbeatSeconds = "x-baton-heartbeat-seconds"
    /// W3C trace context.
    public static let traceparent = "traceparent"
}
