import AMQPClient
import BatonProtocol

/// The bus form of AMQP deliveries.
enum DeliveryRelay {
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
