import BatonProtocol
import Logging
import ServiceLifecycle

/// Consumes the callback queue: decodes each message strictly, applies it through the engine, acks the
/// delivery only after the outcome is committed, and answers on `reply_to` when the sender asked.
///
/// A message that is not a callback is dead-lettered with its reason (it never blocks the queue); an output
/// that is not JSON or too large answers InvalidOutput and the task keeps waiting; a store failure requeues the
/// delivery so it is applied later.
///
/// With several shards each consumes its own shard's queue (shard 0 keeps the entry name, `<prefix>.callbacks`);
/// a callback whose token verifies but names another shard (sent by a client that did not route it) is
/// republished, unchanged and with its `reply_to`, to that shard's queue. Forged tokens are never forwarded.
public final class CallbackService: Service {
    private let engine: Engine
    private let router: ShardRouter?
    private let bus: any MessageBus
    private let logger: Logger
    private let observer: @Sendable (CallbackOutcome) -> Void
    private let metrics: OrchestratorMetrics

    /// What happened to one callback, for metrics.
    public enum CallbackOutcome: Sendable, Hashable {
        /// Applied.
        case accepted(action: String)
        /// Refused with this AWS error type.
        case rejected(action: String, errorType: String)
        /// Not a callback: dead-lettered.
        case malformed
    }

    /// Creates the service; `observer` sees every outcome, `metrics` counts and times them.
    public init(
        engine: Engine, bus: any MessageBus, router: ShardRouter? = nil, logger: Logger,
        metrics: OrchestratorMetrics = OrchestratorMetrics(),
        observer: @escaping @Sendable (CallbackOutcome) -> Void = { _ in }
    ) {
        self.engine = engine
        self.router = router.flatMap { $0.map.isSharded ? $0 : nil }
        self.bus = bus
        self.logger = logger
        self.metrics = metrics
        self.observer = observer
    }

    public func run() async throws {
        try await DeliveryPump(
            bus: bus, queue: engine.names.callbackQueue(shard: engine.configuration.shard),
            prefetch: engine.configuration.callbackConcurrency
        ) { delivery in
            await self.handle(delivery)
        }.run()
    }

    func handle(_ delivery: BusDelivery) async {
        let received = ContinuousClock.now
        let callback: Callback
        do {
            callback = try Callback(decoding: delivery.message.body)
        } catch {
            if error.code == .invalidOutput {
                observer(.rejected(action: "SendTaskSuccess", errorType: error.awsErrorType))
                answerThenAck(delivery, .rejected(error.awsErrorType, error.message))
                metrics.callback(
                    action: "SendTaskSuccess", door: .broker, errorType: error.awsErrorType,
                    duration: ContinuousClock.now - received)
            } else {
                await reply(to: delivery, .rejected(error.awsErrorType, error.message))
                observer(.malformed)
                metrics.malformedCallback()
                logger.notice("malformed callback dead-lettered", metadata: ["reason": "\(error)"])
                await settle(delivery, .deadLetter(reason: error.description))
            }
            return
        }
        if let router, let owner = foreignOwner(of: callback.taskToken, router: router) {
            do {
                try await router.republish(delivery, toQueue: router.names.callbackQueue(shard: owner))
                ack(delivery)
            } catch {
                logger.warning(
                    "callback not forwarded; requeued", metadata: ["shard": "\(owner)", "error": "\(error)"])
                await settle(delivery, .requeue)
            }
            return
        }
        let outcome: CallbackReply
        do {
            try await metrics.timeCommit("callback") { () async throws(APIError) in
                try await engine.apply(callback)
            }
            outcome = .accepted
            observer(.accepted(action: callback.action))
        } catch {
            if error.code == .internalFailure || error.code == .serviceUnavailable {
                logger.error("callback not applied; requeued", metadata: ["error": "\(error)"])
                await settle(delivery, .requeue)
                return
            }
            outcome = .rejected(error.code.name, error.message)
            observer(.rejected(action: callback.action, errorType: error.code.name))
            logger.debug(
                "callback rejected",
                metadata: [
                    "token.id": "\(TaskTokenSigner.shortID(of: callback.taskToken))", "error": "\(error.code.name)",
                ])
        }
        answerThenAck(delivery, outcome)
        metrics.callback(
            action: callback.action, door: .broker, errorType: outcome.errorType,
            duration: ContinuousClock.now - received)
    }

    /// The other shard a genuine token belongs to, or `nil` (this shard's, or not genuine: the engine refuses it).
    private func foreignOwner(of token: String, router: ShardRouter) -> Int? {
        guard let shard = ShardMap.shard(ofTaskToken: token), shard != router.shard, shard < router.map.count,
            (try? engine.signer.verify(token))?.shard == shard
        else { return nil }
        return shard
    }

    /// Answers the sender when it asked (`reply_to`, and `x-baton-reply` allows this answer), then acks —
    /// neither waits: the ack is made when the broker confirmed the reply, on the bus's thread. Answer before
    /// acking: if the process dies in between, the redelivered callback is answered again (TaskTimedOut, since it
    /// was applied) instead of never.
    private func answerThenAck(_ delivery: BusDelivery, _ reply: CallbackReply) {
        guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty,
            reply.errorType != nil || ReplyMode(headers: delivery.message.headers) == .all
        else {
            ack(delivery)
            return
        }
        bus.publish(Self.replyMessage(reply, to: delivery), toQueue: replyTo) { [self] result in
            if case .failure(let error) = result {
                // The asker is gone (its exclusive reply queue with it): the outcome is committed all the same.
                logger.debug("reply not delivered", metadata: ["reply_to": "\(replyTo)", "error": "\(error)"])
            }
            ack(delivery)
        }
    }

    private func ack(_ delivery: BusDelivery) {
        delivery.settleWithoutWaiting(.ack) { [logger] error in
            // The connection dropped: the broker redelivers, and a second application answers TaskTimedOut.
            logger.warning("delivery not settled", metadata: ["error": "\(error)"])
        }
    }

    /// The reply to a delivery: transient, on its correlation id.
    private static func replyMessage(_ reply: CallbackReply, to delivery: BusDelivery) -> BusMessage {
        BusMessage(body: reply.encoded(), correlationID: delivery.message.correlationID, persistent: false)
    }

    /// Answers a message that is about to be dead-lettered (and waits for the broker).
    private func reply(to delivery: BusDelivery, _ reply: CallbackReply) async {
        guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty else { return }
        do {
            try await bus.publish(Self.replyMessage(reply, to: delivery), toQueue: replyTo)
        } catch {
            // The asker is gone (its exclusive reply queue with it): the outcome is committed all the same.
            logger.debug("reply not delivered", metadata: ["reply_to": "\(replyTo)", "error": "\(error)"])
        }
    }

    private func settle(_ delivery: BusDelivery, _ settlement: Settlement) async {
        do {
            try await delivery.settle(settlement)
        } catch {
            // The connection dropped: the broker redelivers, and a second application answers TaskTimedOut.
            logger.warning("delivery not settled", metadata: ["error": "\(error)"])
        }
    }
}
