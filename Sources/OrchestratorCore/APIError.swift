import BatonJSON

/// An error answered to a client, with the AWS Step Functions error type (`__type`) and HTTP status, so the HTTP
/// API and the broker commands — two doors into one engine — answer alike.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The AWS error type, e.g. `TaskTimedOut`; extensible, compared by value.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The `__type` name.
        public let name: String
        /// The HTTP status the API answers with.
        public let status: Int

        private init(_ name: String, status: Int = 400) {
            self.name = name
            self.status = status
        }

        /// The token is not one Baton issued.
        public static let invalidToken = Code("InvalidToken")
        /// The token's task is closed (completed, failed, timed out, superseded, execution ended).
        public static let taskTimedOut = Code("TaskTimedOut")
        /// The task does not exist (AWS uses it for activities; kept for completeness).
        public static let taskDoesNotExist = Code("TaskDoesNotExist")
        /// A success output that is not JSON or too large.
        public static let invalidOutput = Code("InvalidOutput")
        /// Input that is not JSON or too large.
        public static let invalidExecutionInput = Code("InvalidExecutionInput")
        /// A request that breaks the API's schema.
        public static let validation = Code("ValidationException")
        /// No such activity.
        public static let activityDoesNotExist = Code("ActivityDoesNotExist")
        /// A malformed ARN.
        public static let invalidArn = Code("InvalidArn")
        /// A malformed name.
        public static let invalidName = Code("InvalidName")
        /// A definition that does not validate.
        public static let invalidDefinition = Code("InvalidDefinition")
        /// No such state machine.
        public static let stateMachineDoesNotExist = Code("StateMachineDoesNotExist")
        /// A state machine with this name exists with another definition.
        public static let stateMachineAlreadyExists = Code("StateMachineAlreadyExists")
        /// The state machine is being deleted.
        public static let stateMachineDeleting = Code("StateMachineDeleting")
        /// No such execution.
        public static let executionDoesNotExist = Code("ExecutionDoesNotExist")
        /// An execution with this name exists (with another input, or it has ended).
        public static let executionAlreadyExists = Code("ExecutionAlreadyExists")
        /// An action the API does not serve.
        public static let unknownOperation = Code("UnknownOperationException")
        /// A request the server could not parse at all.
        public static let serialization = Code("SerializationException")
        /// A missing or wrong SigV4 signature.
        public static let invalidSignature = Code("InvalidSignatureException", status: 403)
        /// Unknown access key.
        public static let unrecognizedClient = Code("UnrecognizedClientException", status: 403)
        /// No signature where one is required.
        public static let missingAuthenticationToken = Code("MissingAuthenticationTokenException", status: 403)
        /// Something failed inside Baton (the store, the broker).
        public static let internalFailure = Code("InternalFailure", status: 500)
        /// Baton is shutting down or the store is unavailable.
        public static let serviceUnavailable = Code("ServiceUnavailable", status: 503)

        /// A code for an arbitrary AWS error type (replies received over the broker).
        public static func named(_ name: String, status: Int = 400) -> Code { Code(name, status: status) }

        public var description: String { name }
    }

    /// The error type.
    public var code: Code
    /// A human-readable reason; never contains a full task token or a payload.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}
