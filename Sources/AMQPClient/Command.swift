/// What other threads ask the connection thread to do. Every command can be failed without running, so no
/// caller is ever left waiting when the connection is down or closed.
enum Command: Sendable {
    /// Publish one message; `completion` runs on the connection thread once it is confirmed or failed.
    case publish(PublishRequest)
    /// Publish several messages in order, written as one burst; each completion runs as for `publish`.
    case publishBatch([PublishRequest])
    /// Run `body` on the connection thread with the driver (RPCs: declare, bind, consume...).
    case perform(body: @Sendable (ConnectionDriver) -> Void, fail: @Sendable (AMQPError) -> Void)
    /// Ack, nack or reject deliveries received on one consumer channel (see ``SettleRequest``).
    case settle(SettleRequest)
    /// Close the connection and end the thread; `done` runs last.
    case close(done: @Sendable () -> Void)

    /// Whether running it alone writes more than one frame (worth corking the socket for).
    var writesSeveralFrames: Bool {
        switch self {
        case .publishBatch: true
        case .settle(let request): request.deliveryTags.count > 1
        default: false
        }
    }

    /// Fails the command without running it.
    func fail(_ error: AMQPError) {
        switch self {
        case .publish(let request): request.completion(.failure(error))
        case .publishBatch(let requests): for request in requests { request.completion(.failure(error)) }
        case .perform(_, let fail): fail(error)
        case .settle: break
        case .close(let done): done()
        }
    }
}

/// Settlements of deliveries that came on one consumer channel while it was open as `lease` (a lease is handed out
/// each time a consumer channel is opened, so a settlement never reaches a later subscription's deliveries).
struct SettleRequest: Sendable {
    var epoch: UInt64
    var channel: UInt16
    var lease: UInt64
    var deliveryTags: [UInt64]
    var settlement: Settlement
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
