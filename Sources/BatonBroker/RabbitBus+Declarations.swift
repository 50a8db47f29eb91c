import AMQPClient
import BatonProtocol

extension RabbitBus.Configuration {
    /// How a Baton queue is declared on the broker under this configuration's queue type.
    ///
    /// - Exclusive queues (a process's reply queue) are always classic, non-durable and exclusive: quorum queues
    ///   can be neither, and a reply queue lives and dies with its connection anyway.
    /// - Every other queue is durable and of ``queueType``. A dead-lettered quorum queue also gets
    ///   `x-dead-letter-strategy: at-least-once` (RabbitMQ then keeps a rejected message until the dead-letter
    ///   queue has confirmed it, instead of dropping it if the dead-letter target is unavailable during a node
    ///   failure), which RabbitMQ accepts only with `x-overflow: reject-publish`; no Baton queue sets a length
    ///   limit, so that overflow setting never rejects anything.
    /// - Parameter queue: the queue Baton needs.
    /// - Returns: the declaration to send.
    package func declaration(of queue: QueueSpec) -> QueueDeclaration {
        if queue.exclusive {
            return QueueDeclaration(name: queue.name, type: .classic, durable: false, exclusive: true)
        }
        var arguments: AMQPTable = [:]
        if queue.deadLettered && queueType == .quorum {
            arguments["x-dead-letter-strategy"] = "at-least-once"
            arguments["x-overflow"] = "reject-publish"
        }
        return QueueDeclaration(
            name: queue.name,
            type: queueType.amqp,
            deadLetterExchange: queue.deadLettered ? names.deadLetterExchange : nil,
            arguments: arguments
        )
    }
}
