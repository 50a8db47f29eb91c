/// A wire message that Baton refuses, with the AWS error type a reply carries for it.
///
/// Decoding never traps: malformed JSON, unknown or missing fields, wrong types and oversized bodies all end
/// here, and the caller decides whether to reply (the sender asked with `reply_to`) or dead-letter the message.
public struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of refusal this is; extensible, compared by value.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case malformedJSON, unknownField, missingField, wrongType, tooLarge, unknownAction, invalidOutput
        }
        private let value: Value

        /// The body is not one well-formed JSON object.
        public static let malformedJSON = Code(value: .malformedJSON)
        /// The body has a field the schema does not name (a typo would otherwise pass silently).
        public static let unknownField = Code(value: .unknownField)
        /// A required field is absent.
        public static let missingField = Code(value: .missingField)
        /// A field has the wrong JSON type or breaks a length limit.
        public static let wrongType = Code(value: .wrongType)
        /// The body is larger than the message kind allows.
        public static let tooLarge = Code(value: .tooLarge)
        /// The `action` names no known operation.
        public static let unknownAction = Code(value: .unknownAction)
        /// A success callback's `output` is not JSON or exceeds 262,144 bytes (AWS: InvalidOutput).
        public static let invalidOutput = Code(value: .invalidOutput)

        public var description: String { value.rawValue }
    }

    /// The kind of refusal.
    public var code: Code
    /// A human-readable reason, safe to log: it never contains a task token or a payload.
    public var message: String

    /// Creates a refusal with a code and a reason.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The AWS error type (`__type`) a reply carries: `InvalidOutput` for bad output, otherwise
    /// `ValidationException`, as the AWS API answers a request that breaks its schema.
    public var awsErrorType: String {
        code == .invalidOutput ? "InvalidOutput" : "ValidationException"
    }

    public var description: String { "\(code): \(message)" }
}
