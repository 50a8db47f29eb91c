/// An error from the AMQP client: a stable ``Code``, a human message and, for broker closes, the reply code
/// and text the broker sent.
///
/// `description` never contains message bodies.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as an extensible set of codes (new codes are not a breaking change).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case connectionRefused, authenticationFailed, channelClosed, connectionClosed, timeout, blocked
            case messageTooLarge, unroutable, connectionLost, nacked, invalidConfiguration, protocolError, closed
            case consumerCancelled
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The TCP connection could not be established (nothing listening, host unknown, connect timeout).
        public static let connectionRefused = Code(.connectionRefused)
        /// The broker refused the login (ACCESS_REFUSED): wrong user or password for the virtual host.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The broker closed a channel (see ``AMQPError/replyCode`` and ``AMQPError/replyText``).
        public static let channelClosed = Code(.channelClosed)
        /// The broker closed the connection (see ``AMQPError/replyCode`` and ``AMQPError/replyText``).
        public static let connectionClosed = Code(.connectionClosed)
        /// An operation did not complete within its configured timeout.
        public static let timeout = Code(.timeout)
        /// The broker blocked publishing (`connection.blocked`) for longer than the configured deadline.
        public static let blocked = Code(.blocked)
        /// The message body exceeds the configured or the broker's maximum message size.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// A `mandatory` publish could not be routed to any queue (basic.return).
        public static let unroutable = Code(.unroutable)
        /// The connection was lost before the operation completed; a publish may or may not have reached the
        /// broker, so republish it.
        public static let connectionLost = Code(.connectionLost)
        /// The broker refused responsibility for a published message (basic.nack).
        public static let nacked = Code(.nacked)
        /// The configuration or URL is not valid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The broker or the library reported a protocol-level problem.
        public static let protocolError = Code(.protocolError)
        /// The broker cancelled a consumer (its queue was deleted, for instance).
        public static let consumerCancelled = Code(.consumerCancelled)
        /// The connection was closed by the application.
        public static let closed = Code(.closed)

        /// The code's name, such as `unroutable`.
        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human explanation, naming the operation that failed.
    public var message: String
    /// The AMQP reply code, when the broker closed a channel or the connection (e.g. 404, 406, 403).
    public var replyCode: UInt16?
    /// The AMQP reply text that came with ``replyCode``.
    public var replyText: String?
    /// The underlying cause, if any.
    public var underlying: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - message: a human explanation.
    ///   - replyCode: the broker's reply code, if any.
    ///   - replyText: the broker's reply text, if any.
    ///   - underlying: the cause, if any.
    public init(
        _ code: Code,
        message: String,
        replyCode: UInt16? = nil,
        replyText: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.replyText = replyText
        self.underlying = underlying
    }

    /// `AMQPError(code): message [reply code text]`.
    public var description: String {
        var text = "AMQPError(\(code)): \(message)"
        if let replyCode { text += " [\(replyCode) \(replyText ?? "")]" }
        if let underlying { text += " (caused by \(underlying))" }
        return text
    }
}
