import BatonProtocol
import Logging
import ServiceLifecycle

/// Consumes the callback queue: decodes each message strictly, applies it through the engine, acks the
/// delivery only after the outcome is committed, and answers on `reply_to` when the sender asked.
///
/// A message that is not a callback is dead-lettered with its reason (it never blocks the queue); an output
/// that is not JSON or too large answers InvalidOutput and the task keeps waiting; a store failure requeues the
/// delivery so it is applied later.
public final class CallbackService: Service {
    private let engine: Engine
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
        engine: Engine, bus: any MessageBus, logger: Logger, metrics: OrchestratorMetrics = OrchestratorMetrics(),
        observer: @escaping @Sendable (CallbackOutcome) -> Void = { _ in }
    ) {
        self.engine = engine
        self.bus = bus
        self.logger = logger
        self.metrics = metrics
        self.observer = observer
    }

    public func run() async throws {
        try await DeliveryPump(
            bus: bus, queue: engine.names.callbackQueue, prefetch: engine.configuration.callbackConcurrency
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
            await reply(to: delivery, .rejected(error.awsErrorType, error.message))
            if error.code == .invalidOutput {
                observer(.rejected(action: "SendTaskSuccess", errorType: error.awsErrorType))
                await settle(delivery, .ack)
                metrics.callback(
                    action: "SendTaskSuccess", door: .broker, errorType: error.awsErrorType,
                    duration: ContinuousClock.now - received)
            } else {
                observer(.malformed)
                metrics.malformedCallback()
                logger.notice("malformed callback dead-lettered", metadata: ["reason": "\(error)"])
                await settle(delivery, .deadLetter(reason: error.description))
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
        // Answer before acking: if the process dies in between, the redelivered callback is answered again
        // (TaskTimedOut, since it was applied) instead of never.
        await reply(to: delivery, outcome)
        await settle(delivery, .ack)
        metrics.callback(
            action: callback.action, door: .broker, errorType: outcome.errorType,
            duration: ContinuousClock.now - received)
    }

    private func reply(to delivery: BusDelivery, _ reply: CallbackReply) async {
        guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty else { return }
        let message = BusMessage(
            body: reply.encoded(), correlationID: delivery.message.correlationID, persistent: false)
        do {
            try await bus.publish(message, toQueue: replyTo)
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
