import AMQPClient

extension RabbitBus {
    /// The kind of every queue Baton declares (`BATON_QUEUE_TYPE`): classic on one node, quorum on a cluster.
    public enum QueueType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// A classic queue (the default).
        case classic
        /// A replicated quorum queue.
        case quorum

        /// Parses a `BATON_QUEUE_TYPE` value.
        /// - Parameter name: `classic` or `quorum`.
        /// - Throws: ``BrokerError`` with code ``BrokerError/Code/invalidConfiguration`` for any other value.
        public init(named name: String) throws(BrokerError) {
            guard let type = QueueType(rawValue: name) else {
                throw BrokerError(.invalidConfiguration, message: "queue type must be classic or quorum, not '\(name)'")
            }
            self = type
        }

        /// The `x-queue-type` argument the AMQP client sends.
        var amqp: AMQPClient.QueueType { self == .quorum ? .quorum : .classic }

        public var description: String { rawValue }
    }
}
