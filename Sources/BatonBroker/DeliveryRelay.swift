import AMQPClient
import BatonProtocol

/// Pulls deliveries from an AMQP consumer on demand and converts each one into a `BusDelivery`.
///
/// No task of its own: the bus stream is built with `AsyncThrowingStream(unfolding:)`, which calls `next()` for one
/// element at a time, so the AMQP iterator is never touched concurrently. That sequencing is what makes the
/// `@unchecked Sendable` sound. Dropping the bus stream drops the AMQP iterator, which cancels the AMQP consumer.
final class DeliveryRelay: @unchecked Sendable {
    private let bus: RabbitBus
    private let queue: String
    private var iterator: AsyncThrowingStream<AMQPDelivery, any Error>.AsyncIterator

    init(bus: RabbitBus, queue: String, source: AMQPConsumer) {
        self.bus = bus
        self.queue = queue
        self.iterator = source.deliveries.makeAsyncIterator()
    }

    func next() async throws -> BusDelivery? {
        guard let delivery = try await iterator.next() else { return nil }
        return Self.convert(delivery, bus: bus, queue: queue)
    }

    /// The bus form of a delivery; its receipt is the AMQP delivery (``RabbitBus/ack(_:)`` settles many at once).
    static func convert(_ delivery: AMQPDelivery, bus: RabbitBus, queue: String) -> BusDelivery {
        var headers: [String: String] = [:]
        for (key, value) in delivery.headers {
            if case .string(let text) = value { headers[key] = text }
        }
        let message = BusMessage(
            body: delivery.body,
            headers: headers,
            correlationID: delivery.properties.correlationID,
            replyTo: delivery.properties.replyTo,
            messageID: delivery.properties.messageID,
            persistent: delivery.properties.persistent
        )
        return BusDelivery(
            message: message, queue: queue, redelivered: delivery.redelivered, receipt: delivery,
            settler: { settlement in try await bus.settle(delivery, queue: queue, settlement) },
            immediateSettler: { settlement in
                switch settlement {
                case .ack: try delivery.settle(.ack())
                case .requeue: try delivery.settle(.nack(requeue: true))
                case .deadLetter: return false
                }
                return true
            })
    }
}

/// Pulls batches from an AMQP batch consumer on demand, converting each; sequenced like ``DeliveryRelay``.
final class DeliveryBatchRelay: @unchecked Sendable {
    private let bus: RabbitBus
    private let queue: String
    private var iterator: AsyncThrowingStream<AMQPDeliveryBatch, any Error>.AsyncIterator

    init(bus: RabbitBus, queue: String, source: AMQPBatchConsumer) {
        self.bus = bus
        self.queue = queue
        self.iterator = source.batches.makeAsyncIterator()
    }

    func next() async throws -> [BusDelivery]? {
        guard let batch = try await iterator.next() else { return nil }
        return batch.deliveries.map { DeliveryRelay.convert($0, bus: bus, queue: queue) }
    }
}
