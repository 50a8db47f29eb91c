import AMQPClient
import BatonProtocol
import Logging

/// Baton's `MessageBus` over RabbitMQ: one connection for publishing (with confirms) and one for consuming, so
/// a flow-controlled publisher never stalls callback consumption. Both reconnect on their own and re-declare the
/// queues and exchanges declared through them.
public final class RabbitBus: MessageBus {
    /// Where and how to connect, and which queue type to declare.
    public struct Configuration: Sendable {
        /// Where the broker is and how the connections name themselves (from `BATON_AMQP_URL`).
        public var endpoint: BrokerEndpoint
        /// Queue and exchange names.
        public var names: Names
        /// `x-queue-type` of every queue Baton declares (`classic` by default, `quorum` for clusters).
        public var queueType: QueueType

        /// Creates a configuration.
        public init(endpoint: BrokerEndpoint, names: Names = Names(), queueType: QueueType = .classic) {
            self.endpoint = endpoint
            self.names = names
            self.queueType = queueType
        }

        /// Creates a configuration from the AMQP client's settings (tests that tune the client itself).
        package init(amqp: AMQPConfiguration, names: Names = Names(), queueType: QueueType = .classic) {
            self.init(endpoint: BrokerEndpoint(amqp: amqp), names: names, queueType: queueType)
        }

        /// The AMQP client's settings.
        package var amqp: AMQPConfiguration { endpoint.amqp }
    }

    /// The header that carries the reason of a dead-lettered message.
    public static let deadLetterReasonHeader = "x-baton-dead-letter-reason"
    /// The header that names the queue a dead-lettered message came from.
    public static let deadLetterQueueHeader = "x-baton-dead-letter-queue"

    private let configuration: Configuration
    private let publisher: AMQPConnection
    private let consumer: AMQPConnection
    private let logger: Logger

    private init(configuration: Configuration, publisher: AMQPConnection, consumer: AMQPConnection, logger: Logger) {
        self.configuration = configuration
        self.publisher = publisher
        self.consumer = consumer
        self.logger = logger
    }

    /// Connects both connections and declares the dead-letter exchange and queue.
    /// - Throws: ``BrokerError`` when the broker cannot be reached or refuses the credentials.
    public static func connect(configuration: Configuration, logger: Logger) async throws -> RabbitBus {
        do {
            return try await connectOnce(configuration: configuration, logger: logger)
        } catch let error as AMQPError {
            throw BrokerError(error)
        }
    }

    /// Connects like ``connect(configuration:logger:)``, retrying with capped exponential backoff while the broker
    /// is not up yet (compose starts every service at once); refused credentials and bad settings fail at once.
    /// - Parameters:
    ///   - configuration: where and how to connect.
    ///   - patience: how long to keep retrying.
    ///   - logger: warns once per failed attempt.
    /// - Throws: ``BrokerError`` once `patience` has passed, or at once for refused credentials.
    public static func connect(
        configuration: Configuration, retryingFor patience: Duration, logger: Logger
    ) async throws -> RabbitBus {
        let deadline = ContinuousClock.now.advanced(by: patience)
        var delay = Duration.milliseconds(200)
        while true {
            do {
                return try await connect(configuration: configuration, logger: logger)
            } catch let error as BrokerError
                where error.code != .authenticationFailed && error.code != .invalidConfiguration
                && ContinuousClock.now.advanced(by: delay) < deadline
            {
                logger.warning("broker not reachable yet; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private static func connectOnce(configuration: Configuration, logger: Logger) async throws -> RabbitBus {
        var publishing = configuration.amqp
        publishing.clientName = "\(configuration.amqp.clientName)-publish"
        var consuming = configuration.amqp
        consuming.clientName = "\(configuration.amqp.clientName)-consume"
        let publisher = try await AMQPConnection.connect(configuration: publishing, logger: logger)
        let consumer: AMQPConnection
        do {
            consumer = try await AMQPConnection.connect(configuration: consuming, logger: logger)
        } catch {
            await publisher.close()
            throw error
        }
        let bus = RabbitBus(configuration: configuration, publisher: publisher, consumer: consumer, logger: logger)
        let names = configuration.names
        try await publisher.declare(ExchangeDeclaration(name: names.deadLetterExchange, type: "fanout"))
        try await publisher.declare(
            configuration.declaration(of: QueueSpec(names.deadLetterQueue, deadLettered: false)))
        try await publisher.bind(
            QueueBinding(queue: names.deadLetterQueue, exchange: names.deadLetterExchange, routingKey: ""))
        return bus
    }

    /// Closes both connections.
    public func close() async {
        await consumer.close()
        await publisher.close()
    }

    /// Whether both connections are up.
    public var isConnected: Bool { publisher.isConnected && consumer.isConnected }

    public func declare(_ queue: QueueSpec) async throws {
        // Exclusive queues belong to the connection that consumes them.
        let connection = queue.exclusive ? consumer : publisher
        try await connection.declare(configuration.declaration(of: queue))
    }

    /// Declares a durable exchange (e.g. the topic exchange for execution events).
    public func declareExchange(_ name: String, type: String) async throws {
        try await publisher.declare(ExchangeDeclaration(name: name, type: type))
    }

    /// Binds a queue to an exchange (e.g. a watcher's queue to the events exchange with `execution.*`).
    /// Bindings of exclusive queues go through the consuming connection, which owns those queues.
    /// - Parameters:
    ///   - queue: the queue to bind.
    ///   - exchange: the source exchange.
    ///   - routingKey: the binding key (topic patterns for the events exchange).
    ///   - exclusive: whether the queue was declared exclusive through this bus.
    /// - Throws: `AMQPError` when the queue or exchange does not exist.
    public func bind(queue: String, exchange: String, routingKey: String, exclusive: Bool = false) async throws {
        let binding = QueueBinding(queue: queue, exchange: exchange, routingKey: routingKey)
        if exclusive {
            try await consumer.bind(binding)
        } else {
            try await publisher.bind(binding)
        }
    }

    /// Deletes a queue and its messages (cleanup for tests and scenarios); returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String) async throws -> Int {
        try await publisher.deleteQueue(name)
    }

    /// Deletes an exchange (cleanup for tests and scenarios).
    public func deleteExchange(_ name: String) async throws {
        try await publisher.deleteExchange(name)
    }

    /// The number of ready messages in a queue.
    public func messageCount(_ queue: String) async throws -> Int {
        try await publisher.queueStatus(queue).messages
    }

    /// The number of consumers of a queue (e.g. to wait until workers are serving it).
    public func consumerCount(_ queue: String) async throws -> Int {
        try await publisher.queueStatus(queue).consumers
    }

    public func publish(_ message: BusMessage, toQueue queue: String) async throws {
        try await publisher.publish(message.body, routingKey: queue, mandatory: true, properties: properties(message))
    }

    public func publish(_ message: BusMessage, toExchange exchange: String, routingKey: String) async throws {
        try await publisher.publish(
            message.body, exchange: exchange, routingKey: routingKey, mandatory: false, properties: properties(message))
    }

    public func publish(
        _ message: BusMessage, toQueue queue: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        publisher.publish(message.body, routingKey: queue, mandatory: true, properties: properties(message)) {
            completion($0.mapError { $0 })
        }
    }

    public func publish(
        _ message: BusMessage, toExchange exchange: String, routingKey: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        publisher.publish(
            message.body, exchange: exchange, routingKey: routingKey, mandatory: false, properties: properties(message)
        ) { completion($0.mapError { $0 }) }
    }

    public func consume(_ queue: String, prefetch: Int) async throws -> AsyncThrowingStream<BusDelivery, any Error> {
        let amqpConsumer = try await consumer.consume(queue: queue, prefetch: UInt16(clamping: prefetch))
        return StreamRelay(amqpConsumer.deliveries) { [self] in DeliveryRelay.convert($0, bus: self, queue: queue) }
            .stream
    }

    public func consumeBatches(_ queue: String, prefetch: Int) async throws
        -> AsyncThrowingStream<[BusDelivery], any Error>
    {
        let amqpConsumer = try await consumer.consumeBatches(queue: queue, prefetch: UInt16(clamping: prefetch))
        return StreamRelay(amqpConsumer.batches) { [self] batch in
            batch.deliveries.map { DeliveryRelay.convert($0, bus: self, queue: queue) }
        }.stream
    }

    public func ack(_ deliveries: [BusDelivery]) throws {
        var amqp: [AMQPDelivery] = []
        amqp.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            if let receipt = delivery.receipt as? AMQPDelivery {
                amqp.append(receipt)
            } else {
                delivery.settleWithoutWaiting(.ack)
            }
        }
        try AMQPDelivery.settle(amqp, .ack())
    }

    public func publish(
        _ messages: [(message: BusMessage, destination: BusDestination)],
        completion: @escaping @Sendable (_ index: Int, Result<Void, any Error>) -> Void
    ) {
        let outgoing = messages.map { message, destination in
            switch destination {
            case .queue(let queue):
                AMQPOutgoingMessage(
                    message.body, routingKey: queue, mandatory: true, properties: properties(message))
            case .exchange(let exchange, let routingKey):
                AMQPOutgoingMessage(
                    message.body, exchange: exchange, routingKey: routingKey, properties: properties(message))
            }
        }
        publisher.publish(outgoing) { index, result in completion(index, result.mapError { $0 }) }
    }

    /// Settles a delivery; a dead-lettered one is first republished (confirmed) to the dead-letter exchange with
    /// its reason, then acked, so it is never lost between the two.
    func settle(_ delivery: AMQPDelivery, queue: String, _ settlement: Settlement) async throws {
        switch settlement {
        case .ack:
            try await delivery.ack()
        case .requeue:
            try await delivery.nack(requeue: true)
        case .deadLetter(let reason):
            var properties = delivery.properties
            properties.headers[Self.deadLetterReasonHeader] = .string(String(reason.prefix(1024)))
            properties.headers[Self.deadLetterQueueHeader] = .string(queue)
            properties.persistent = true
            try await publisher.publish(
                delivery.body, exchange: configuration.names.deadLetterExchange, routingKey: queue,
                properties: properties)
            try await delivery.ack()
            logger.info(
                "message dead-lettered", metadata: ["queue": "\(queue)", "reason": "\(reason.prefix(200))"])
        }
    }

    func properties(_ message: BusMessage) -> AMQPProperties {
        var headers: AMQPTable = [:]
        for (key, value) in message.headers { headers[key] = .string(value) }
        return AMQPProperties(
            contentType: "application/json",
            persistent: message.persistent,
            correlationID: message.correlationID,
            replyTo: message.replyTo,
            messageID: message.messageID,
            headers: headers
        )
    }
}
