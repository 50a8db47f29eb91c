import BatonProtocol
import Logging
import Synchronization

/// How the orchestrator's consumers finish a batch of deliveries whose outcomes are committed: each sender that
/// asked (`reply_to`, and `x-baton-reply` allows the answer: a refusal always, an acceptance unless
/// `x-baton-reply: errors`) is answered, and every delivery is acked — without waiting. Deliveries that need no
/// answer are acked at once, together; the answers leave as one burst and their deliveries are acked together once
/// the broker has all of them. Answer before acking: if the process dies in between, the redelivered message is
/// answered again (a callback then with TaskTimedOut, since it was applied) instead of never.
struct Answers {
    let bus: any MessageBus
    let logger: Logger

    /// Answers and acks; `answer` gives each delivery's reply body and whether it is a refusal.
    func send(_ outcomes: [(delivery: BusDelivery, body: [UInt8], refused: Bool)]) {
        var silent: [BusDelivery] = []
        var answered: [BusDelivery] = []
        var replies: [(message: BusMessage, destination: BusDestination)] = []
        for (delivery, body, refused) in outcomes {
            guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty,
                refused || ReplyMode(headers: delivery.message.headers) == .all
            else {
                silent.append(delivery)
                continue
            }
            answered.append(delivery)
            replies.append(
                (
                    BusMessage(body: body, correlationID: delivery.message.correlationID, persistent: false),
                    .queue(replyTo)
                ))
        }
        ack(silent)
        guard !replies.isEmpty else { return }
        let remaining = Mutex(replies.count)
        bus.publish(replies) { [self, answered] _, result in
            if case .failure(let error) = result {
                // The asker is gone (its exclusive reply queue with it): the outcome is committed all the same.
                logger.debug("reply not delivered", metadata: ["error": "\(error)"])
            }
            let last = remaining.withLock { count -> Bool in
                count -= 1
                return count == 0
            }
            if last { ack(answered) }
        }
    }

    /// Acks deliveries with one command; a failure means their connection is gone and the broker redelivers them.
    func ack(_ deliveries: [BusDelivery]) {
        guard !deliveries.isEmpty else { return }
        do {
            try bus.ack(deliveries)
        } catch {
            logger.warning("deliveries not settled", metadata: ["error": "\(error)", "count": "\(deliveries.count)"])
        }
    }
}
