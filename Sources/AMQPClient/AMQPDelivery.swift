/// A message delivered to a consumer. Settle it exactly once.
public struct AMQPDelivery: Sendable {
    /// Settles deliveries through the connection thread, refusing those from an earlier connection.
    struct Acknowledger: Sendable {
        let core: ConnectionCore
        let epoch: UInt64
        let channel: UInt16
    }

    /// The message body.
    public let body: [UInt8]
    /// The message properties (content type, headers, correlation id...).
    public let properties: AMQPProperties
    /// The exchange the message was published to (`""` for the default exchange).
    public let exchange: String
    /// The routing key it was published with.
    public let routingKey: String
    /// True if the broker delivered this message before (to this or another consumer) without an ack.
    public let redelivered: Bool
    /// The broker's delivery tag (per channel).
    public let deliveryTag: UInt64
    /// The consumer tag.
    public let consumerTag: String
    let acknowledger: Acknowledger

    /// The message headers (shorthand for `properties.headers`).
    public var headers: AMQPTable { properties.headers }

    /// Acknowledges the delivery.
    /// - Parameter multiple: also acknowledge every earlier delivery of this consumer.
    /// - Throws: ``AMQPError/Code/connectionLost`` if the delivery came on a connection that has been lost since
    ///   (the broker redelivers it).
    public func ack(multiple: Bool = false) async throws(AMQPError) {
        try settle(.ack(multiple: multiple))
    }

    /// Negatively acknowledges the delivery.
    /// - Parameters:
    ///   - requeue: put the message back in the queue (true) or drop / dead-letter it (false).
    ///   - multiple: also nack every earlier delivery of this consumer.
    /// - Throws: ``AMQPError/Code/connectionLost`` as for ``ack(multiple:)``.
    public func nack(requeue: Bool = true, multiple: Bool = false) async throws(AMQPError) {
        try settle(.nack(multiple: multiple, requeue: requeue))
    }

    /// Rejects the delivery.
    /// - Parameter requeue: put the message back in the queue (true) or drop / dead-letter it (false).
    /// - Throws: ``AMQPError/Code/connectionLost`` as for ``ack(multiple:)``.
    public func reject(requeue: Bool = true) async throws(AMQPError) {
        try settle(.reject(requeue: requeue))
    }

    private func settle(_ settlement: Settlement) throws(AMQPError) {
        try acknowledger.core.settle(
            epoch: acknowledger.epoch, channel: acknowledger.channel, deliveryTag: deliveryTag, settlement: settlement
        )
    }
}
