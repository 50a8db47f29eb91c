/// A message as Baton's processes exchange it, independent of the broker client.
public struct BusMessage: Sendable, Hashable {
    /// The body bytes (JSON for every message Baton defines).
    public var body: [UInt8]
    /// String headers (`traceparent`, `x-baton-…`); the broker layer maps them to AMQP headers.
    public var headers: [String: String]
    /// Request/reply correlation.
    public var correlationID: String?
    /// The queue a reply goes to.
    public var replyTo: String?
    /// An id the sender chose (used for de-duplication and logs).
    public var messageID: String?
    /// Persistent (survives a broker restart in a durable queue). Default true.
    public var persistent: Bool

    /// Creates a message.
    public init(
        body: [UInt8],
        headers: [String: String] = [:],
        correlationID: String? = nil,
        replyTo: String? = nil,
        messageID: String? = nil,
        persistent: Bool = true
    ) {
        self.body = body
        self.headers = headers
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.messageID = messageID
        self.persistent = persistent
    }
}

/// How a consumer settles a delivery.
public enum Settlement: Sendable, Hashable {
    /// Processed: remove it from the queue.
    case ack
    /// Not processed: return it to the queue for another try.
    case requeue
    /// Refused for good: ack it and publish a copy to the dead-letter exchange with the reason in the
    /// `x-baton-dead-letter-reason` header, so the queue never blocks on it and nothing is silently lost.
    case deadLetter(reason: String)
}

/// One message taken from a queue, to be settled exactly once.
public struct BusDelivery: Sendable {
    /// The message.
    public var message: BusMessage
    /// The queue it came from.
    public var queue: String
    /// Whether the broker delivered it before (to a consumer that went away without settling it).
    public var redelivered: Bool
    private let settler: @Sendable (Settlement) async throws -> Void
    private let immediateSettler: (@Sendable (Settlement) throws -> Bool)?
    /// The broker layer's own handle on the delivery, for settling many at once (``MessageBus/ack(_:)``).
    package let receipt: (any Sendable)?

    /// Creates a delivery whose `settle` runs `settler`; `immediateSettler`, when given, settles without
    /// suspending and returns `false` for a settlement it cannot make that way (dead-lettering publishes first).
    public init(
        message: BusMessage,
        queue: String,
        redelivered: Bool,
        settler: @escaping @Sendable (Settlement) async throws -> Void,
        immediateSettler: (@Sendable (Settlement) throws -> Bool)? = nil
    ) {
        self.init(
            message: message, queue: queue, redelivered: redelivered, receipt: nil, settler: settler,
            immediateSettler: immediateSettler)
    }

    /// Creates a delivery that also carries the broker layer's `receipt` (see ``MessageBus/ack(_:)``).
    package init(
        message: BusMessage,
        queue: String,
        redelivered: Bool,
        receipt: (any Sendable)?,
        settler: @escaping @Sendable (Settlement) async throws -> Void,
        immediateSettler: (@Sendable (Settlement) throws -> Bool)?
    ) {
        self.message = message
        self.queue = queue
        self.redelivered = redelivered
        self.receipt = receipt
        self.settler = settler
        self.immediateSettler = immediateSettler
    }

    /// Settles the delivery. Settle only after the work it caused is durable.
    /// - Throws: when the connection the delivery came on is gone (the broker will redeliver it).
    public func settle(_ settlement: Settlement) async throws {
        try await settler(settlement)
    }

    /// Settles the delivery without suspending the caller: on RabbitMQ an ack or a requeue is handed to the
    /// connection's thread at once; anything else (or another bus) runs `settle` in a task. Safe to call from a
    /// bus thread (a publish completion).
    /// - Parameter failed: told when the settlement failed (the connection is gone: the broker redelivers).
    public func settleWithoutWaiting(
        _ settlement: Settlement, failed: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        if let immediateSettler {
            do {
                if try immediateSettler(settlement) { return }
            } catch {
                failed(error)
                return
            }
        }
        let settler = self.settler
        Task {
            do { try await settler(settlement) } catch { failed(error) }
        }
    }
}

/// A queue Baton needs, declared idempotently (and re-declared by the broker layer after a reconnect).
public struct QueueSpec: Sendable, Hashable {
    /// The queue name.
    public var name: String
    /// Dead-letter rejected messages to Baton's dead-letter exchange.
    public var deadLettered: Bool
    /// Private to the declaring connection and deleted with it (reply queues); otherwise durable.
    public var exclusive: Bool

    /// Creates a queue spec: durable, or exclusive (and then neither durable nor dead-lettered).
    public init(_ name: String, deadLettered: Bool = true, exclusive: Bool = false) {
        self.name = name
        self.deadLettered = deadLettered && !exclusive
        self.exclusive = exclusive
    }
}

/// Where one message of a batch publish goes.
public enum BusDestination: Sendable, Hashable {
    /// A queue, through the default exchange, mandatory (an unroutable message fails).
    case queue(String)
    /// An exchange with a routing key, not mandatory (events, fan-out).
    case exchange(String, routingKey: String)
}

/// What the engine, the workers and the CLI need from a message broker. `BatonBroker` implements it over
/// RabbitMQ (there is no in-memory double: every test that consumes or publishes uses a real broker).
///
/// The hot paths use the batch forms: ``consumeBatches(_:prefetch:)`` hands over everything that arrived at one
/// wake-up, ``ack(_:)`` settles many deliveries with one command (one `basic.ack` with `multiple` where their tags
/// allow), and ``publish(_:completion:)`` writes many messages as one burst. The per-message forms are conveniences.
public protocol MessageBus: Sendable {
    /// Declares a durable queue if it does not exist.
    func declare(_ queue: QueueSpec) async throws

    /// Publishes to a queue (the default exchange routes by queue name) and returns once the broker has taken
    /// responsibility for it (publisher confirm). Mandatory: an unroutable message (no such queue) throws.
    func publish(_ message: BusMessage, toQueue queue: String) async throws

    /// Publishes to an exchange with a routing key (events, fan-out); not mandatory.
    func publish(_ message: BusMessage, toExchange exchange: String, routingKey: String) async throws

    /// Starts consuming a queue with at most `prefetch` unsettled deliveries.
    func consume(_ queue: String, prefetch: Int) async throws -> AsyncThrowingStream<BusDelivery, any Error>

    /// Publishes to a queue like ``publish(_:toQueue:)`` without suspending the caller: `completion` receives the
    /// outcome once the broker confirmed or refused it. It may run on a thread of the bus: keep it short and
    /// never block in it.
    func publish(
        _ message: BusMessage, toQueue queue: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void)

    /// Publishes to an exchange like ``publish(_:toExchange:routingKey:)`` without suspending the caller; see
    /// ``publish(_:toQueue:completion:)``.
    func publish(
        _ message: BusMessage, toExchange exchange: String, routingKey: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void)

    /// Starts consuming a queue in batches: each element holds every delivery that arrived at one wake-up (at
    /// least one), in order. Settle them one by one or many at once with ``ack(_:)``.
    func consumeBatches(_ queue: String, prefetch: Int) async throws -> AsyncThrowingStream<[BusDelivery], any Error>

    /// Acks many deliveries without suspending: one command to the broker connection per consumer.
    /// - Throws: when their connection is gone (the broker redelivers them).
    func ack(_ deliveries: [BusDelivery]) throws

    /// Publishes many messages as one burst without suspending the caller; `completion` receives each message's
    /// index and outcome once the broker confirmed or refused it (on a bus thread: keep it short, never block).
    func publish(
        _ messages: [(message: BusMessage, destination: BusDestination)],
        completion: @escaping @Sendable (_ index: Int, Result<Void, any Error>) -> Void)
}

extension MessageBus {
    /// The default: every delivery as a batch of one.
    public func consumeBatches(_ queue: String, prefetch: Int) async throws
        -> AsyncThrowingStream<[BusDelivery], any Error>
    {
        StreamRelay(try await consume(queue, prefetch: prefetch)) { [$0] }.stream
    }

    /// The default: each delivery acked on its own.
    public func ack(_ deliveries: [BusDelivery]) throws {
        for delivery in deliveries { delivery.settleWithoutWaiting(.ack) }
    }

    /// The default: each message published on its own.
    public func publish(
        _ messages: [(message: BusMessage, destination: BusDestination)],
        completion: @escaping @Sendable (_ index: Int, Result<Void, any Error>) -> Void
    ) {
        for (index, (message, destination)) in messages.enumerated() {
            switch destination {
            case .queue(let queue): publish(message, toQueue: queue) { completion(index, $0) }
            case .exchange(let exchange, let routingKey):
                publish(message, toExchange: exchange, routingKey: routingKey) { completion(index, $0) }
            }
        }
    }

    /// The default: the awaiting publish in a task.
    public func publish(
        _ message: BusMessage, toQueue queue: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        Task {
            do {
                try await publish(message, toQueue: queue)
                completion(.success(()))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// The default: the awaiting publish in a task.
    public func publish(
        _ message: BusMessage, toExchange exchange: String, routingKey: String,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        Task {
            do {
                try await publish(message, toExchange: exchange, routingKey: routingKey)
                completion(.success(()))
            } catch {
                completion(.failure(error))
            }
        }
    }
}

/// Pulls one element at a time from a stream and converts it, for `AsyncThrowingStream(unfolding:)`: no task of its
/// own, and `unfolding` never calls `next()` concurrently, so the iterator is never touched by two tasks at once —
/// what makes the `@unchecked Sendable` sound. Dropping the relay drops the iterator (which ends the source's
/// consumer).
package final class StreamRelay<Source: Sendable, Element: Sendable>: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<Source, any Error>.AsyncIterator
    private let convert: @Sendable (Source) -> Element

    /// Relays `stream`, converting each element with `convert`.
    package init(_ stream: AsyncThrowingStream<Source, any Error>, convert: @escaping @Sendable (Source) -> Element) {
        iterator = stream.makeAsyncIterator()
        self.convert = convert
    }

    /// The next element, converted; `nil` at the end of the stream.
    package func next() async throws -> Element? {
        try await iterator.next().map(convert)
    }

    /// A stream of the converted elements.
    package var stream: AsyncThrowingStream<Element, any Error> {
        AsyncThrowingStream(unfolding: { try await self.next() })
    }
}
