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

    /// Settles deliveries through the connection thread, refusing those from an earlier connection or an earlier
    /// opening of the consumer's channel (`lease`).
    struct Acknowledger: Sendable {
        let core: ConnectionCore
        let epoch: UInt64
        let channel: UInt16
        let lease: UInt64

        func sameChannel(as other: Acknowledger) -> Bool {
            core === other.core && epoch == other.epoch && channel == other.channel && lease == other.lease
        }
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
            SettleRequest(
                epoch: acknowledger.epoch, channel: acknowledger.channel, lease: acknowledger.lease,
                deliveryTags: [deliveryTag], settlement: settlement))
    }

    /// Settles many deliveries the same way without suspending: one command per consumer channel, however many
    /// deliveries (acks leave as one `basic.ack` with `multiple` where their tags allow it).
    /// - Parameters:
    ///   - deliveries: deliveries of any consumers of one connection.
    ///   - settlement: ack, nack or reject (a `multiple` flag is ignored here: each delivery is settled by itself).
    /// - Throws: ``AMQPError/Code/connectionLost`` if they came on a connection that has been lost since (the broker
    ///   redelivers them); deliveries of other channels in the same call may have been settled.
    public static func settle(_ deliveries: some Collection<AMQPDelivery>, _ settlement: Settlement) throws(AMQPError) {
        let single: AMQPClient.Settlement
        switch settlement {
        case .ack: single = .ack(multiple: false)
        case .nack(let requeue, _): single = .nack(multiple: false, requeue: requeue)
        case .reject(let requeue): single = .reject(requeue: requeue)
        }
        var remaining = Array(deliveries)
        while let first = remaining.first {
            let acknowledger = first.acknowledger
            var tags: [UInt64] = []
            tags.reserveCapacity(remaining.count)
            remaining.removeAll { delivery in
                guard delivery.acknowledger.sameChannel(as: acknowledger) else { return false }
                tags.append(delivery.deliveryTag)
                return true
            }
            try acknowledger.core.settle(
                SettleRequest(
                    epoch: acknowledger.epoch, channel: acknowledger.channel, lease: acknowledger.lease,
                    deliveryTags: tags, settlement: single))
        }
    }
}

/// Deliveries of one consumer that arrived together: whatever the connection read from the socket at one wake-up.
/// Settle them together with ``ack()`` (one command, one `basic.ack` with `multiple` where their tags allow it) or
/// one by one through ``deliveries``.
public struct AMQPDeliveryBatch: Sendable {
    /// The deliveries, in arrival order.
    public let deliveries: [AMQPDelivery]

    /// Acks every delivery of the batch (without suspending).
    /// - Throws: ``AMQPError/Code/connectionLost`` if they came on a connection lost since (the broker redelivers).
    public func ack() throws(AMQPError) {
        try AMQPDelivery.settle(deliveries, .ack())
    }
}
