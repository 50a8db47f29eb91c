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
            try driver.addConsumer(queue: queue, prefetch: prefetch, continuation: continuation)
        }
        let core = self.core
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            core.submit(.perform(body: { $0.removeConsumer(id) }, fail: { _ in }))
        }
        return AMQPConsumer(deliveries: stream, id: id, connection: self)
    }
}
