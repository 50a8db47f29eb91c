import Foundation

/// AWS's rules for matching an error name against an `ErrorEquals` list.
///
/// - `States.ALL` matches any error name except the terminal `States.DataLimitExceeded` and `States.Runtime`
///   ("This error type can't catch the States.DataLimitExceeded terminal error type and runtime error types").
/// - `States.TaskFailed` matches any error name except `States.Timeout` (so it does match
///   `States.HeartbeatTimeout`), and, like `States.ALL`, not the terminal errors.
/// - `States.Runtime` is never retried or caught, not even when named: AWS fails the execution on it.
/// - Any other name matches itself exactly (names are case-sensitive).
/// - A missed heartbeat is named `States.Timeout` (as AWS records it) and also matched by
///   `States.HeartbeatTimeout`; `States.TaskFailed`, which excludes `States.Timeout`, does not match it.
public enum ErrorMatching {
    /// Whether `error` is handled by a retrier or catcher with this `ErrorEquals` list.
    public static func matches(_ errorEquals: [String], _ error: StatesError) -> Bool {
        if error.isHeartbeatTimeout, errorEquals.contains(StatesError.Name.heartbeatTimeout) { return true }
        return matches(errorEquals, error.error)
    }

    /// Whether `errorName` is handled by a retrier or catcher with this `ErrorEquals` list.
    public static func matches(_ errorEquals: [String], _ errorName: String) -> Bool {
        if errorName == StatesError.Name.runtime { return false }
        return errorEquals.contains { matches($0, errorName) }
    }

    /// Whether one `ErrorEquals` entry handles `errorName`.
    public static func matches(_ pattern: String, _ errorName: String) -> Bool {
        let terminal = errorName == StatesError.Name.runtime || errorName == StatesError.Name.dataLimitExceeded
        switch pattern {
        case StatesError.Name.all: return !terminal
        case StatesError.Name.taskFailed:
            return !terminal && errorName != StatesError.Name.timeout
        default:
            return pattern == errorName && errorName != StatesError.Name.runtime
        }
    }
}
