import BatonBroker
import BatonProtocol
import Logging

/// Connects a worker process to the broker, so executables need not know the AMQP layer.
public enum WorkerBus {
    /// Connects to RabbitMQ with Baton's names under `prefix`.
    /// - Parameters:
    ///   - url: `amqp://user:pass@host:port/vhost`.
    ///   - prefix: the queue name prefix.
    ///   - queueType: `classic` or `quorum`.
    ///   - clientName: shown in the management UI.
    ///   - logger: the process logger.
    /// - Throws: ``BrokerError`` for a bad URL or an unreachable broker.
    public static func connect(
        url: String, prefix: String, queueType: String = "classic", clientName: String, logger: Logger
    ) async throws -> RabbitBus {
        try await RabbitBus.connect(
            configuration: .init(
                endpoint: try BrokerEndpoint(url: url, clientName: clientName), names: Names(prefix: prefix),
                queueType: try RabbitBus.QueueType(named: queueType)),
            logger: logger)
    }
}
