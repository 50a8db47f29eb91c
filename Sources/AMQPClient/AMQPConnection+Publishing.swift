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
