import Synchronization

/// Deliveries waiting for a batch consumer: the connection thread appends what each read of the socket brought,
/// and the consumer takes everything gathered so far in one go — so a consumer busy with one batch finds the next
/// one as large as whatever arrived meanwhile, not split into the reads it came in.
final class DeliveryBuffer: Sendable {
    private struct State {
        var pending: [AMQPDelivery] = []
        var waiter: CheckedContinuation<[AMQPDelivery]?, any Error>?
        /// Set once the consumer ended: `nil` inside for a plain end, the error otherwise.
        var ended: (any Error)??
        var cancelled = false
        var onCancel: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Runs `action` once if the consuming task is cancelled while waiting (the consumer is then cancelled too).
    func onCancel(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onCancel = action }
    }

    /// Adds deliveries (connection thread); wakes a waiting consumer with everything gathered.
    func append(_ deliveries: [AMQPDelivery]) {
        let resume = state.withLock { state -> (CheckedContinuation<[AMQPDelivery]?, any Error>, [AMQPDelivery])? in
            guard state.ended == nil else { return nil }
            state.pending += deliveries
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.pending = [] }
            return (waiter, state.pending)
        }
        if let (waiter, deliveries) = resume { waiter.resume(returning: deliveries) }
    }

    /// Ends the buffer: what is pending is still taken, then the consumer sees the end (or the error).
    func finish(_ error: (any Error)?) {
        let waiter = state.withLock { state -> CheckedContinuation<[AMQPDelivery]?, any Error>? in
            guard state.ended == nil else { return nil }
            state.ended = .some(error)
            defer { state.waiter = nil }
            return state.waiter
        }
        guard let waiter else { return }
        if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
    }

    /// Everything gathered since the last call, waiting for at least one delivery; `nil` once the consumer ended
    /// or the calling task was cancelled (which cancels the consumer: unacknowledged deliveries go back).
    func next() async throws -> [AMQPDelivery]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<[AMQPDelivery]?, any Error>) in
                enum Now {
                    case deliver([AMQPDelivery])
                    case end((any Error)?)
                    case wait
                }
                let now = state.withLock { state -> Now in
                    if !state.pending.isEmpty {
                        defer { state.pending = [] }
                        return .deliver(state.pending)
                    }
                    if let ended = state.ended { return .end(ended) }
                    if state.cancelled { return .end(nil) }
                    state.waiter = continuation
                    return .wait
                }
                switch now {
                case .deliver(let deliveries): continuation.resume(returning: deliveries)
                case .end(let error?): continuation.resume(throwing: error)
                case .end(nil): continuation.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            let (waiter, action) = state.withLock {
                state -> (CheckedContinuation<[AMQPDelivery]?, any Error>?, (@Sendable () -> Void)?) in
                guard !state.cancelled else { return (nil, nil) }
                state.cancelled = true
                defer {
                    state.waiter = nil
                    state.onCancel = nil
                }
                return (state.waiter, state.onCancel)
            }
            waiter?.resume(returning: nil)
            action?()
        }
    }
}
