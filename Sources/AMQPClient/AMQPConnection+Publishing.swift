extension AMQPConnection {
    /// Publishes a message and returns once the broker has confirmed it (publisher confirms).
    ///
    /// Many publishes may be in flight at once: call this from concurrent tasks to pipeline. Cancelling the
    /// calling task does not withdraw a message that was already handed to the connection.
    /// - Parameters:
    ///   - body: the message body.
    ///   - exchange: the exchange; `""` is the default exchange (routing key = queue name).
    ///   - routingKey: the routing key.
    ///   - mandatory: if true, an unroutable message fails with ``AMQPError/Code/unroutable``.
    ///   - properties: message properties (persistent by default).
    /// - Throws: ``AMQPError``: `messageTooLarge` (checked before sending), `unroutable`, `nacked`,
    ///   `blocked` (the broker blocked publishing past the configured deadline), `connectionLost` (the message
    ///   may or may not have arrived: republish), `channelClosed` (e.g. the exchange does not exist), `closed`.
    public func publish(
        _ body: [UInt8],
        exchange: String = "",
        routingKey: String,
        mandatory: Bool = false,
        properties: AMQPProperties = AMQPProperties()
    ) async throws(AMQPError) {
        let result: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            publish(body, exchange: exchange, routingKey: routingKey, mandatory: mandatory, properties: properties) {
                continuation.resume(returning: $0)
            }
        }
        try result.get()
    }

    /// Publishes a message and calls `completion` when the broker confirms or the publish fails.
    ///
    /// `completion` runs on the connection's thread: keep it short and never block in it.
    /// - Parameters:
    ///   - body: the message body.
    ///   - exchange: the exchange; `""` is the default exchange.
    ///   - routingKey: the routing key.
    ///   - mandatory: if true, an unroutable message fails with ``AMQPError/Code/unroutable``.
    ///   - properties: message properties.
    ///   - completion: receives the outcome (the same errors as the async variant).
    public func publish(
        _ body: [UInt8],
        exchange: String = "",
        routingKey: String,
        mandatory: Bool = false,
        properties: AMQPProperties = AMQPProperties(),
        completion: @escaping @Sendable (Result<Void, AMQPError>) -> Void
    ) {
        guard body.count <= configuration.maxMessageSize else {
            completion(
                .failure(
                    AMQPError(
                        .messageTooLarge,
                        message: "message body of \(body.count) bytes exceeds the configured maximum of "
                            + "\(configuration.maxMessageSize) bytes"
                    )
                )
            )
            return
        }
        core.submit(
            .publish(
                PublishRequest(
                    exchange: exchange,
                    routingKey: routingKey,
                    mandatory: mandatory,
                    properties: properties,
                    body: body,
                    completion: completion
                )
            )
        )
    }
}

/// One message of a batch publish (``AMQPConnection/publish(_:completion:)``).
public struct AMQPOutgoingMessage: Sendable {
    /// The message body.
    public var body: [UInt8]
    /// The exchange; `""` is the default exchange (routing key = queue name).
    public var exchange: String
    /// The routing key.
    public var routingKey: String
    /// If true, an unroutable message fails with ``AMQPError/Code/unroutable``.
    public var mandatory: Bool
    /// Message properties.
    public var properties: AMQPProperties

    /// Creates a message.
    public init(
        _ body: [UInt8], exchange: String = "", routingKey: String, mandatory: Bool = false,
        properties: AMQPProperties = AMQPProperties()
    ) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.mandatory = mandatory
        self.properties = properties
    }
}

extension AMQPConnection {
    /// Publishes several messages as one burst: one command to the connection thread, one wake-up, their frames
    /// written together; `completion` is called once per message, with its index in `messages`, when the broker
    /// confirms it or the publish fails (on the connection's thread: keep it short, never block).
    /// - Parameters:
    ///   - messages: the messages, published in this order.
    ///   - completion: receives each message's index and outcome (the errors of
    ///     ``publish(_:exchange:routingKey:mandatory:properties:)``).
    public func publish(
        _ messages: [AMQPOutgoingMessage],
        completion: @escaping @Sendable (_ index: Int, Result<Void, AMQPError>) -> Void
    ) {
        var requests: [PublishRequest] = []
        requests.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            guard message.body.count <= configuration.maxMessageSize else {
                completion(
                    index,
                    .failure(
                        AMQPError(
                            .messageTooLarge,
                            message: "message body of \(message.body.count) bytes exceeds the configured maximum of "
                                + "\(configuration.maxMessageSize) bytes")))
                continue
            }
            requests.append(
                PublishRequest(
                    exchange: message.exchange, routingKey: message.routingKey, mandatory: message.mandatory,
                    properties: message.properties, body: message.body, completion: { completion(index, $0) }))
        }
        guard !requests.isEmpty else { return }
        core.submit(requests.count == 1 ? .publish(requests[0]) : .publishBatch(requests))
    }
}
