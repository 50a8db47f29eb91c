/// What other threads ask the connection thread to do. Every command can be failed without running, so no
/// caller is ever left waiting when the connection is down or closed.
enum Command: Sendable {
    /// Publish one message; `completion` runs on the connection thread once it is confirmed or failed.
    case publish(PublishRequest)
    /// Run `body` on the connection thread with the driver (RPCs: declare, bind, consume...).
    case perform(body: @Sendable (ConnectionDriver) -> Void, fail: @Sendable (AMQPError) -> Void)
    /// Ack, nack or reject a delivery received on `channel` during connection `epoch`.
    case settle(epoch: UInt64, channel: UInt16, deliveryTag: UInt64, settlement: Settlement)
    /// Close the connection and end the thread; `done` runs last.
    case close(done: @Sendable () -> Void)

    /// Fails the command without running it.
    func fail(_ error: AMQPError) {
        switch self {
        case .publish(let request): request.completion(.failure(error))
        case .perform(_, let fail): fail(error)
        case .settle: break
        case .close(let done): done()
        }
    }
}

/// How a delivery is settled.
enum Settlement: Sendable {
    case ack(multiple: Bool)
    case nack(multiple: Bool, requeue: Bool)
    case reject(requeue: Bool)
}

/// One message to publish, with the callback that reports its confirm.
struct PublishRequest: Sendable {
    var exchange: String
    var routingKey: String
    var mandatory: Bool
    var properties: AMQPProperties
    var body: [UInt8]
    var completion: @Sendable (Result<Void, AMQPError>) -> Void
}
