import AMQPClient
import BatonTestSupport
import Logging

/// A logger for tests: warnings and above to stderr, no global bootstrap.
let testLogger: Logger = {
    var logger = Logger(label: "amqp-tests") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .warning
    return logger
}()

/// Opens a connection to the test broker, runs `body`, then deletes `queues` and closes the connection, even
/// when `body` throws.
func withConnection(
    _ configuration: AMQPConfiguration? = nil,
    deleting queues: [String] = [],
    _ body: (AMQPConnection) async throws -> Void
) async throws {
    let connection = try await AMQPConnection.connect(
        configuration: configuration ?? TestBroker.configuration(),
        logger: testLogger
    )
    do {
        try await body(connection)
    } catch {
        for queue in queues { _ = try? await connection.deleteQueue(queue) }
        await connection.close()
        throw error
    }
    for queue in queues { try await connection.deleteQueue(queue) }
    await connection.close()
}

/// The next delivery of `consumer`, or nil if the stream ends.
func nextDelivery(_ consumer: AMQPConsumer) async throws -> AMQPDelivery? {
    var iterator = consumer.deliveries.makeAsyncIterator()
    return try await iterator.next()
}
