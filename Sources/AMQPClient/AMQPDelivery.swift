/// A message delivered to a consumer. Settle it exactly once.
public struct AMQPDelivery: Sendable {
    /// How to settle a delivery, for ``settle(_:)``.
    public enum Settlement: Sendable, Hashable {
        /// basic.ack.
        case ack(multiple: Bool = false)
        /// basic.nack, requeueing or dropping / dead-lettering.
        case nack(requeue: Bool = true, multiple: Bool = false)
        /// basic.reject, requeueing or dropping / dead-lettering.
        case reject(requeue: Bool = true)
    }

    /// Settles the delivery without suspending (for handlers running on the connection thread).
    /// - Parameter settlement: ack, nack or reject.
    /// - Throws: ``AMQPError/Code/connectionLost`` if the delivery came on a connection that has been lost
    ///   since (the broker redelivers it).
    public func settle(_ settlement: Settlement) throws(AMQPError) {
        switch settlement {
        case .ack(let multiple): try settle(.ack(multiple: multiple) as AMQPClient.Settlement)
        case .nack(let requeue, let multiple):
            try settle(.nack(multiple: multiple, requeue: requeue) as AMQPClient.Settlement)
        case .reject(let requeue): try settle(.reject(requeue: requeue) as AMQPClient.Settlement)
        }
    }

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
        try settle(.ack(multiple: multiple) as AMQPClient.Settlement)
    }

    /// Negatively acknowledges the delivery.
    /// - Parameters:
    ///   - requeue: put the message back in the queue (true) or drop / dead-letter it (false).
    ///   - multiple: also nack every earlier delivery of this consumer.
    /// - Throws: ``AMQPError/Code/connectionLost`` as for ``ack(multiple:)``.
    public func nack(requeue: Bool = true, multiple: Bool = false) async throws(AMQPError) {
        try settle(.nack(multiple: multiple, requeue: requeue) as AMQPClient.Settlement)
    }

    /// Rejects the delivery.
    /// - Parameter requeue: put the message back in the queue (true) or drop / dead-letter it (false).
    /// - Throws: ``AMQPError/Code/connectionLost`` as for ``ack(multiple:)``.
    public func reject(requeue: Bool = true) async throws(AMQPError) {
        try settle(.reject(requeue: requeue) as AMQPClient.Settlement)
    }

    private func settle(_ settlement: AMQPClient.Settlement) throws(AMQPError) {
        try acknowledger.core.settle(
            epoch: acknowledger.epoch, channel: acknowledger.channel, deliveryTag: deliveryTag, settlement: settlement
        )
    }
}
