import AMQPClient

/// A failure of the broker, as Baton's processes need to tell failures apart: the broker cannot be reached, it
/// refused the credentials, a message had nowhere to go, or the settings are wrong. Carries the AMQP client's
/// error as its cause, so logs keep the reply code and text.
public struct BrokerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The broker did not accept a connection, or the connection was lost.
        public static let unreachable = Code("unreachable")
        /// The broker refused the user name or password.
        public static let authenticationFailed = Code("authenticationFailed")
        /// A mandatory message was returned: no queue is bound to its routing key.
        public static let unroutable = Code("unroutable")
        /// A message is larger than the broker or the client accepts.
        public static let messageTooLarge = Code("messageTooLarge")
        /// A malformed URL or setting.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// Any other failure (a refused declaration, a closed channel, a nacked publish …).
        public static let other = Code("other")

        public var description: String { name }
    }

    /// What kind of failure it is.
    public var code: Code
    /// What happened, for people.
    public var message: String
    /// The AMQP client's error, when there is one.
    public var cause: (any Error)?

    /// Creates an error of a kind, with what happened and what caused it.
    public init(_ code: Code, message: String, cause: (any Error)? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }

    /// Classifies an error thrown by the bus: nil when it is not a broker failure (a cancellation, a decoding
    /// error of the caller's own).
    /// - Parameter error: anything a `RabbitBus` method threw.
    public init?(classifying error: any Error) {
        if let broker = error as? BrokerError {
            self = broker
        } else if let amqp = error as? AMQPError {
            self.init(amqp)
        } else {
            return nil
        }
    }

    /// The broker-level kind of an AMQP client error.
    package init(_ error: AMQPError) {
        let code: Code =
            switch error.code {
            case .connectionRefused, .connectionLost, .connectionClosed, .timeout: .unreachable
            case .authenticationFailed: .authenticationFailed
            case .unroutable: .unroutable
            case .messageTooLarge: .messageTooLarge
            case .invalidConfiguration: .invalidConfiguration
            default: .other
            }
        self.init(code, message: error.description, cause: error)
    }

    public var description: String { message }
}
