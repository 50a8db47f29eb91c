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

/// A subscription whose deliveries come in batches: everything that arrived for it at one read of the socket.
/// Settle a batch with ``AMQPDeliveryBatch/ack()`` or its deliveries one by one; the stream ends as
/// ``AMQPConsumer/deliveries`` does.
public struct AMQPBatchConsumer: Sendable {
    /// The batches, in arrival order.
    public let batches: AsyncThrowingStream<AMQPDeliveryBatch, any Error>
    let id: UInt16
    let connection: AMQPConnection

    /// Cancels the consumer; unacknowledged deliveries return to the queue.
    public func cancel() async {
        _ = try? await connection.perform { driver throws(AMQPError) in driver.removeConsumer(id) }
    }
}

extension AMQPConnection {
    /// Starts consuming `queue` with manual acknowledgement, in batches: each element holds every delivery that
    /// arrived for this consumer since the previous element was taken — one read of the socket or many, while the
    /// consumer was busy — with no task or continuation per message.
    /// - Parameters:
    ///   - queue: the queue name.
    ///   - prefetch: the most unacknowledged deliveries the broker sends this consumer (basic.qos).
    /// - Returns: the consumer, whose ``AMQPBatchConsumer/batches`` yields the batches.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue does not exist).
    public func consumeBatches(queue: String, prefetch: UInt16 = 16) async throws(AMQPError) -> AMQPBatchConsumer {
        let buffer = DeliveryBuffer()
        let id = try await perform { driver throws(AMQPError) in
            try driver.addConsumer(queue: queue, prefetch: prefetch, sink: .buffer(buffer))
        }
        let core = self.core
        buffer.onCancel { core.submit(.perform(body: { $0.removeConsumer(id) }, fail: { _ in })) }
        return AMQPBatchConsumer(
            batches: AsyncThrowingStream(unfolding: { try await buffer.next().map(AMQPDeliveryBatch.init) }),
            id: id, connection: self)
    }

    /// Starts consuming `queue` in batches, calling `handler` with each batch on the connection's own thread (the
    /// batch form of ``consume(queue:prefetch:handler:onEnd:)``, with the same rules: short, never blocking).
    /// - Returns: a cancellation handle.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue does not exist).
    public func consume(
        queue: String,
        prefetch: UInt16 = 16,
        batchHandler: @escaping @Sendable (AMQPDeliveryBatch) -> Void,
        onEnd: @escaping @Sendable ((any Error)?) -> Void = { _ in }
    ) async throws(AMQPError) -> AMQPConsumerHandle {
        let id = try await perform { driver throws(AMQPError) in
            try driver.addConsumer(queue: queue, prefetch: prefetch, sink: .batchHandler(batchHandler, onEnd: onEnd))
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

/// Where a consumer's deliveries go: each read from the socket hands over what arrived for the consumer at once.
enum DeliverySink: Sendable {
    case stream(AsyncThrowingStream<AMQPDelivery, any Error>.Continuation)
    case batches(AsyncThrowingStream<AMQPDeliveryBatch, any Error>.Continuation)
    case buffer(DeliveryBuffer)
    case handler(@Sendable (AMQPDelivery) -> Void, onEnd: @Sendable ((any Error)?) -> Void)
    case batchHandler(@Sendable (AMQPDeliveryBatch) -> Void, onEnd: @Sendable ((any Error)?) -> Void)

    func deliver(_ deliveries: [AMQPDelivery]) {
        switch self {
        case .stream(let continuation): for delivery in deliveries { continuation.yield(delivery) }
        case .batches(let continuation): continuation.yield(AMQPDeliveryBatch(deliveries: deliveries))
        case .buffer(let buffer): buffer.append(deliveries)
        case .handler(let handler, _): for delivery in deliveries { handler(delivery) }
        case .batchHandler(let handler, _): handler(AMQPDeliveryBatch(deliveries: deliveries))
        }
    }

    func finish(_ error: (any Error)?) {
        switch self {
        case .stream(let continuation): continuation.finish(throwing: error)
        case .batches(let continuation): continuation.finish(throwing: error)
        case .buffer(let buffer): buffer.finish(error)
        case .handler(_, let onEnd), .batchHandler(_, let onEnd): onEnd(error)
        }
    }
}
