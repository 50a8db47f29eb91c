import BatonJSON

/// A runtime error with a States Language error name, as Retry and Catch match it.
///
/// `error` is the name matched by `ErrorEquals` (`States.Runtime`, `States.Timeout`, a task's own error name),
/// `cause` the human-readable detail. AWS's predefined names are constants on `StatesError.Name`.
public struct StatesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error name matched by `ErrorEquals`, e.g. `States.Runtime`.
    public var error: String
    /// The human-readable cause, worded as AWS words it where AWS's wording is known.
    public var cause: String
    /// For a States.QueryEvaluationError, the field whose expression failed, as AWS names it in the
    /// `EvaluationFailed` event (`Output`, `Arguments/FunctionName`, `Assign/total`); `nil` otherwise.
    public var location: String?
    /// Whether the error name was given. SendTaskFailure may leave it out: Retry and Catch then see `error` as
    /// `""`, the `TaskFailed` event has no `error` key and a catcher's error output has `"Error": null`.
    public var hasError = true
    /// Whether the cause was given (as `hasError`, for `cause` and `"Cause"`).
    public var hasCause = true
    /// A missed heartbeat. AWS names it `States.Timeout` (in `TaskTimedOut`, `ExecutionFailed` and the error
    /// output) and lets Retry and Catch match it by `States.HeartbeatTimeout` as well as `States.Timeout` and
    /// `States.ALL`, first match in array order (recorded executions show the name).
    public var isHeartbeatTimeout = false

    /// A missed heartbeat: `States.Timeout` that `States.HeartbeatTimeout` also matches.
    public static var heartbeatTimeout: StatesError {
        var error = StatesError(Name.timeout, cause: "")
        error.isHeartbeatTimeout = true
        return error
    }

    /// An error as a task reported it, either part possibly left out.
    public static func reported(error: String?, cause: String?) -> StatesError {
        var reported = StatesError(error ?? "", cause: cause ?? "")
        reported.hasError = error != nil
        reported.hasCause = cause != nil
        return reported
    }

    /// Creates an error with a name, a cause and, for an evaluation error, the field it happened in.
    public init(_ error: String, cause: String, location: String? = nil) {
        self.error = error
        self.cause = cause
        self.location = location
    }

    public var description: String { "\(error): \(cause)" }

    /// The error names Amazon States Language predefines.
    public enum Name {
        /// Matches any error name (only alone, and only in the last retrier or catcher).
        public static let all = "States.ALL"
        /// A Task state ran longer than TimeoutSeconds or an execution longer than its TimeoutSeconds.
        public static let timeout = "States.Timeout"
        /// No heartbeat arrived within HeartbeatSeconds.
        public static let heartbeatTimeout = "States.HeartbeatTimeout"
        /// A task failed; matches every error except States.Timeout.
        public static let taskFailed = "States.TaskFailed"
        /// The task's principal lacks permissions.
        public static let permissions = "States.Permissions"
        /// A path did not match, a result could not be placed, and similar input/output processing failures.
        public static let runtime = "States.Runtime"
        /// A JSONata expression failed or gave a value of the wrong type (JSONata states).
        public static let queryEvaluation = "States.QueryEvaluationError"
        /// A Choice state found no matching rule and has no Default.
        public static let noChoiceMatched = "States.NoChoiceMatched"
        /// An intrinsic function failed (bad arguments, bad types).
        public static let intrinsicFailure = "States.IntrinsicFailure"
        /// A Parameters or ResultSelector template could not be applied.
        public static let parameterPathFailure = "States.ParameterPathFailure"
        /// A ResultPath could not be applied.
        public static let resultPathMatchFailure = "States.ResultPathMatchFailure"
        /// A Parallel or Map branch failed.
        public static let branchFailed = "States.BranchFailed"
        /// A Map item or the output exceeded the payload size quota.
        public static let dataLimitExceeded = "States.DataLimitExceeded"
        /// A Map state's ItemsPath did not resolve to an array, and similar Map failures.
        public static let itemReaderFailed = "States.ItemReaderFailed"
        /// The maximum number of failed items was exceeded in a Map state.
        public static let exceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
    }
}

/// One problem found while validating a state machine definition: where (a JSON pointer) and what rule.
public struct DefinitionIssue: Sendable, Hashable, CustomStringConvertible {
    /// JSON pointer into the definition, e.g. `/States/Wait4Token/HeartbeatSeconds`.
    public var pointer: String
    /// The rule that is broken, e.g. `must be smaller than TimeoutSeconds`.
    public var message: String

    /// Creates an issue at a JSON pointer.
    public init(_ pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    /// `pointer: message`, as the validator prints it.
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
}

/// The size limit AWS applies to state input, output and task results: 256 KiB of UTF-8.
public let maximumPayloadBytes = 262_144

/// The size limit for a definition's JSON text: 1 MiB.
public let maximumDefinitionBytes = 1_048_576
