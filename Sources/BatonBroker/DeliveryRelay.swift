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
        return convert(delivery)
    }

    private func convert(_ delivery: AMQPDelivery) -> BusDelivery {
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
        let bus = self.bus
        let queue = self.queue
        return BusDelivery(
            message: message, queue: queue, redelivered: delivery.redelivered,
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
