import CRabbitMQ
import Logging

extension ConnectionDriver {
    /// Publishes now, or parks the request while the broker blocks the connection.
    func publish(_ request: PublishRequest) {
        if blockedSince != nil {
            blockedPublishes.append((request, ContinuousClock.now.advanced(by: configuration.blockedPublishDeadline)))
            return
        }
        send(request)
    }

    private func send(_ request: PublishRequest) {
        guard let connection else {
            request.completion(.failure(AMQPError(.connectionLost, message: "not connected")))
            return
        }
        let arena = CArena()
        var properties = arena.properties(request.properties)
        let status = request.body.withUnsafeBytes { body in
            amqp_basic_publish(
                connection,
                Channel.publish,
                request.exchange.isEmpty ? amqp_empty_bytes : arena.bytes(request.exchange),
                arena.bytes(request.routingKey),
                request.mandatory ? 1 : 0,
                0,
                &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
            )
        }
        withExtendedLifetime(arena) {}
        do {
            try check(status, "amqp_basic_publish")
        } catch {
            // A failed write leaves a partial frame on the wire: the connection is unusable (the funnel records
            // it) and the broker may or may not have the message, hence connectionLost.
            if pendingLoss == nil { pendingLoss = error }
            request.completion(
                .failure(
                    AMQPError(.connectionLost, message: "publishing failed; republish the message", underlying: error))
            )
            return
        }
        if confirms.count == 0 { confirmProgress = .now }
        confirms.append(
            .init(
                completion: request.completion,
                mandatory: request.mandatory,
                exchange: request.exchange,
                routingKey: request.routingKey
            )
        )
    }

    /// Sends everything parked while blocked (after `connection.unblocked`).
    func releaseBlockedPublishes() throws(AMQPError) {
        let parked = blockedPublishes
        blockedPublishes = []
        for (request, _) in parked { send(request) }
        if let loss = pendingLoss { throw loss }
    }

    /// Fails parked publishes whose blocked deadline has passed.
    func expireBlockedPublishes(now: ContinuousClock.Instant) {
        guard let first = blockedPublishes.first, first.deadline <= now else { return }
        let expired = blockedPublishes.prefix { $0.deadline <= now }
        blockedPublishes.removeFirst(expired.count)
        let error = AMQPError(
            .blocked,
            message: "the broker has blocked publishing (resource alarm) for longer than "
                + "\(configuration.blockedPublishDeadline); the message was not sent"
        )
        for (request, _) in expired { request.completion(.failure(error)) }
    }

    /// When the confirm check next matters: `nil` while nothing waits for a confirm, the connection is blocked
    /// (the broker holds publishes on purpose) or the check is off.
    var confirmCheckDeadline: ContinuousClock.Instant? {
        guard confirms.count > 0, blockedSince == nil, configuration.confirmDeadline > .zero else { return nil }
        return confirmProgress.advanced(by: configuration.confirmDeadline)
    }

    /// Treats the connection as hung when publishes have waited `confirmDeadline` without a single confirm.
    func checkConfirmProgress(now: ContinuousClock.Instant) throws(AMQPError) {
        guard let deadline = confirmCheckDeadline, deadline <= now else { return }
        let error = AMQPError(
            .timeout,
            message: "the broker confirmed none of \(confirms.count) publishes for \(configuration.confirmDeadline); "
                + "reconnecting so they are published again")
        logger.warning("AMQP broker stopped confirming", metadata: ["error": "\(error)"])
        if pendingLoss == nil { pendingLoss = error }
        throw error
    }

    func failBlockedPublishes(_ error: AMQPError) {
        let parked = blockedPublishes
        blockedPublishes = []
        for (request, _) in parked { request.completion(.failure(error)) }
    }
}
