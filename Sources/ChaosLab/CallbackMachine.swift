/// The reference "wait for callback" state machine the failure lab and the end-to-end tests run: one
/// `sqs:sendMessage.waitForTaskToken` Task whose message body is `{"TaskToken": …, "input": …}` (what the workers
/// and `baton task` read), caught into a distinct Fail state per way it can fail, so an execution's end says which
/// happened:
/// - `States.Timeout` → FAILED with `CallbackTimeout`,
/// - `States.HeartbeatTimeout` → FAILED with `HeartbeatMissed`,
/// - anything else (a SendTaskFailure) → FAILED with `TaskFailed`,
/// - a SendTaskSuccess → SUCCEEDED.
public enum CallbackMachine {
    /// The definition (ASL JSON text).
    /// - Parameters:
    ///   - queue: the queue the task message goes to.
    ///   - stateName: the Task state's name.
    ///   - timeout: its TimeoutSeconds.
    ///   - heartbeat: its HeartbeatSeconds, if any.
    ///   - retry: a `"Retry": […],` member to splice in (with its trailing comma), or nothing.
    public static func definition(
        queue: String, stateName: String = "Work", timeout: Int = 86_400, heartbeat: Int? = nil, retry: String = ""
    ) -> String {
        let heartbeatField = heartbeat.map { "\"HeartbeatSeconds\": \($0)," } ?? ""
        return """
            {"StartAt": "\(stateName)", "States": {
              "\(stateName)": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                               "MessageBody": {"TaskToken.$": "$$.Task.Token", "input.$": "$"}},
                "TimeoutSeconds": \(timeout), \(heartbeatField) \(retry)
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "NoHeartbeat"},
                          {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"},
                          {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                "Next": "Done"},
              "Done": {"Type": "Succeed"},
              "TimedOut": {"Type": "Fail", "Error": "CallbackTimeout", "Cause": "no callback in time"},
              "NoHeartbeat": {"Type": "Fail", "Error": "HeartbeatMissed", "Cause": "no heartbeat in time"},
              "Failed": {"Type": "Fail", "Error": "TaskFailed", "Cause": "the worker reported a failure"}
            }}
            """
    }
}
