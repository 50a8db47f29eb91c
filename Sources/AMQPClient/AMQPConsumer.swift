/// A subscription to a queue. Iterate ``deliveries``; settle each delivery with
/// ``AMQPDelivery/ack(multiple:)``, ``AMQPDelivery/nack(requeue:multiple:)`` or ``AMQPDelivery/reject(requeue:)``.
///
/// The consumer survives reconnects (it is re-subscribed); the stream ends when the consumer is cancelled or
/// the connection closed, and throws if the broker cancels it (``AMQPError/Code/consumerCancelled``).
public struct AMQPConsumer: Sendable {
    /// The messages delivered to this consumer, in arrival order.
    public let deliveries: AsyncThrowingStream<AMQPDelivery, any Error>
    let id: UInt16
    let connection: AMQPConnection

    /// Cancels the consumer; unacknowledged deliveries return to the queue.
    public func cancel() async {
        _ = try? await connection.perform { driver throws(AMQPError) in driver.removeConsumer(id) }
    }
}

extension AMQPConnection {
    /// Starts consuming `queue` with manual acknowledgement.
    /// - Parameters:
    ///   - queue: the queue name.
    ///   - prefetch: the most unacknowledged deliveries the broker sends this consumer (basic.qos).
    /// - Returns: the consumer, whose ``AMQPConsumer/deliveries`` yields messages.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue does not exist).
    public func consume(queue: String, prefetch: UInt16 = 16) async throws(AMQPError) -> AMQPConsumer {
        let (stream, continuation) = AsyncThrowingStream<AMQPDelivery, any Error>.makeStream()
        let id = try await perform { driver throws(AMQPError) in
            try driver.addConsumer(queue: queue, prefetch: prefetch, sink: .stream(continuation))
        }
        let core = self.core
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            core.submit(.perform(body: { $0.removeConsumer(id) }, fail: { _ in }))
        }
        return AMQPConsumer(deliveries: stream, id: id, connection: self)
    }

    /// Starts consuming `queue` with manual acknowledgement, calling `handler` for each delivery on the
    /// connection's own thread: the lowest-latency way to consume (no hop to the concurrency pool).
    ///
    /// `handler` must be short and must never block or wait; settle deliveries with
    /// ``AMQPDelivery/settle(_:)`` and publish with the completion-handler
    /// ``AMQPConnection/publish(_:exchange:routingKey:mandatory:properties:completion:)``.
    /// - Parameters:
    ///   - queue: the queue name.
    ///   - prefetch: the most unacknowledged deliveries the broker sends this consumer (basic.qos).
    ///   - handler: receives each delivery, on the connection thread.
    ///   - onEnd: called once when the consumer ends: nil after a cancel or close, an error if the broker
    ///     cancelled it.
    /// - Returns: a cancellation handle.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue does not exist).
    public func consume(
        queue: String,
        prefetch: UInt16 = 16,
        handler: @escaping @Sendable (AMQPDelivery) -> Void,
        onEnd: @escaping @Sendable ((any Error)?) -> Void = { _ in }
    ) async throws(AMQPError) -> AMQPConsumerHandle {
        let id = try await perform { driver throws(AMQPError) in
            try driver.addConsumer(queue: queue, prefetch: prefetch, sink: .handler(handler, onEnd: onEnd))
        }
        return AMQPConsumerHandle(id: id, connection: self)
    }
}

/// Cancels a consumer started with ``AMQPConnection/consume(queue:prefetch:handler:onEnd:)``.
public struct AMQPConsumerHandle: Sendable {
    let id: UInt16
    let connection: AMQPConnection

    /// Cancels the consumer; unacknowledged deliveries return to the queue.
    public func cancel() async {
        _ = try? await connection.perform { driver throws(AMQPError) in driver.removeConsumer(id) }
    }
}

/// Where a consumer's deliveries go.
enum DeliverySink: Sendable {
    case stream(AsyncThrowingStream<AMQPDelivery, any Error>.Continuation)
    case handler(@Sendable (AMQPDelivery) -> Void, onEnd: @Sendable ((any Error)?) -> Void)

    func deliver(_ delivery: AMQPDelivery) {
        switch self {
        case .stream(let continuation): continuation.yield(delivery)
        case .handler(let handler, _): handler(delivery)
        }
    }

    func finish(_ error: (any Error)?) {
        switch self {
        case .stream(let continuation): continuation.finish(throwing: error)
        case .handler(_, let onEnd): onEnd(error)
        }
    }
}
