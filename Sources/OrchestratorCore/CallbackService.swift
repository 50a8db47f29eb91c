import BatonJSON
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
        ) { batch, _ in
            await self.handle(batch)
        }.run()
    }

    /// Handles the callbacks that arrived together: decoded and verified one by one, applied as one batch (one
    /// commit), then answered where asked and acked together — each only after its outcome committed.
    func handle(_ deliveries: [BusDelivery]) async {
        let received = ContinuousClock.now
        var callbacks: [Callback] = []
        var applied: [BusDelivery] = []
        callbacks.reserveCapacity(deliveries.count)
        applied.reserveCapacity(deliveries.count)
        var outcomes: [(delivery: BusDelivery, action: String, reply: CallbackReply)] = []
        var refusedRequests: [(token: String, type: String, message: String)] = []
        for delivery in deliveries {
            var callback: Callback
            let replyToken = delivery.message.headers[NestedExecution.replyTokenHeader]
            do {
                callback = try Callback(decoding: delivery.message.body)
            } catch {
                if let replyToken { refusedRequests.append((replyToken, error.awsErrorType, error.message)) }
                if error.code == .invalidOutput {
                    outcomes.append((delivery, "SendTaskSuccess", .rejected(error.awsErrorType, error.message)))
                } else {
                    await reportRefusals(refusedRequests)
                    refusedRequests.removeAll()
                    await deadLetter(delivery, error)
                }
                continue
            }
            callback.replyToken = replyToken
            if let router, let owner = foreignOwner(of: callback.taskToken, router: router) {
                await forward(delivery, to: owner, router: router)
                continue
            }
            callbacks.append(callback)
            applied.append(delivery)
        }
        let applying = ContinuousClock.now
        let results = await engine.apply(callbacks)
        metrics.commits(
            "callback", count: results.count { if case .success = $0 { true } else { false } },
            duration: ContinuousClock.now - applying)
        for ((delivery, callback), result) in zip(zip(applied, callbacks), results) {
            switch result {
            case .success:
                outcomes.append((delivery, callback.action, .accepted))
            case .failure(let error) where error.code == .internalFailure || error.code == .serviceUnavailable:
                logger.error("callback not applied; requeued", metadata: ["error": "\(error)"])
                await settle(delivery, .requeue)
            case .failure(let error):
                outcomes.append((delivery, callback.action, .rejected(error.code.name, error.message)))
                if let replyToken = callback.replyToken {
                    refusedRequests.append((replyToken, error.code.name, error.message))
                }
                logger.debug(
                    "callback rejected",
                    metadata: [
                        "token.id": "\(TaskTokenSigner.shortID(of: callback.taskToken))", "error": "\(error.code.name)",
                    ])
            }
        }
        let duration = ContinuousClock.now - received
        for (_, action, reply) in outcomes {
            if let errorType = reply.errorType {
                observer(.rejected(action: action, errorType: errorType))
            } else {
                observer(.accepted(action: action))
            }
        }
        metrics.callbacks(outcomes.map { ($0.action, $0.reply.errorType) }, door: .broker, duration: duration)
        engine.crashIfAsked(at: .beforeAck, batch: callbacks.count)
        await reportRefusals(refusedRequests)
        answerThenAck(outcomes.map { ($0.delivery, $0.reply) })
    }

    /// Answers the `aws-sdk:sfn:sendTask*` tasks whose callbacks were refused, with the refusal as
    /// `Sfn.<Code>Exception`, before their deliveries are acked (a lost report would leave the task waiting; one
    /// sent twice is refused as stale).
    private func reportRefusals(_ refusals: [(token: String, type: String, message: String)]) async {
        for refusal in refusals {
            let report = NestedExecution.reply(to: refusal.token, refusal: (refusal.type, refusal.message))
            do {
                try await bus.publish(
                    BusMessage(body: report.encoded(), persistent: true), toQueue: engine.names.callbackQueue)
            } catch {
                logger.warning("sendTask refusal not reported", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Dead-letters a message that is not a callback, answering it first when it asked for answers.
    private func deadLetter(_ delivery: BusDelivery, _ error: ProtocolError) async {
        await reply(to: delivery, .rejected(error.awsErrorType, error.message))
        observer(.malformed)
        metrics.malformedCallback()
        logger.notice("malformed callback dead-lettered", metadata: ["reason": "\(error)"])
        await settle(delivery, .deadLetter(reason: error.description))
    }

    /// Republishes a callback to the shard that owns its token, then acks it (or requeues it when that fails).
    private func forward(_ delivery: BusDelivery, to owner: Int, router: ShardRouter) async {
        do {
            try await router.republish(delivery, toQueue: router.names.callbackQueue(shard: owner))
            ack([delivery])
        } catch {
            logger.warning("callback not forwarded; requeued", metadata: ["shard": "\(owner)", "error": "\(error)"])
            await settle(delivery, .requeue)
        }
    }

    /// The other shard a genuine token belongs to, or `nil` (this shard's, or not genuine: the engine refuses it).
    private func foreignOwner(of token: String, router: ShardRouter) -> Int? {
        guard let shard = ShardMap.shard(ofTaskToken: token), shard != router.shard, shard < router.map.count,
            (try? engine.signer.verify(token))?.shard == shard
        else { return nil }
        return shard
    }

    /// Answers each sender that asked and acks the deliveries (``Answers``).
    private func answerThenAck(_ outcomes: [(delivery: BusDelivery, reply: CallbackReply)]) {
        Answers(bus: bus, logger: logger).send(
            outcomes.map { ($0.delivery, $0.reply.encoded(), $0.reply.errorType != nil) })
    }

    private func ack(_ deliveries: [BusDelivery]) {
        Answers(bus: bus, logger: logger).ack(deliveries)
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
