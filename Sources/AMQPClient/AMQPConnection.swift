import Foundation
import Logging
import Synchronization

/// One AMQP 0-9-1 connection to RabbitMQ, driven by its own thread.
///
/// The connection publishes with publisher confirms on one channel, runs topology RPCs on another, and gives
/// each consumer its own channel. When the connection drops it reconnects with capped exponential backoff, moving
/// on to the next endpoint of a cluster's list (``AMQPConfiguration/endpoints``), re-declares the topology declared
/// through it and re-subscribes its consumers; publishes that were not
/// confirmed when it dropped fail with ``AMQPError/Code/connectionLost``. Publish and consume on separate
/// connections when a blocked publisher must not stall consumption.
///
/// ```swift
/// let connection = try await AMQPConnection.connect(configuration: try AMQPConfiguration(url: url), logger: logger)
/// try await connection.publish(Array("hello".utf8), routingKey: "tasks")
/// ```
public final class AMQPConnection: Sendable {
    let core: ConnectionCore
    /// The configuration the connection was opened with.
    public let configuration: AMQPConfiguration

    private init(core: ConnectionCore, configuration: AMQPConfiguration) {
        self.core = core
        self.configuration = configuration
    }

    deinit {
        core.submit(.close(done: {}))
    }

    /// Opens a connection, trying each of the configuration's endpoints once in turn; the first round is not
    /// retried, so a wrong password or a missing broker is reported here. Later losses reconnect automatically,
    /// failing over to the other endpoints.
    /// - Parameters:
    ///   - configuration: where and how to connect.
    ///   - logger: where the connection logs (never bootstrapped here).
    /// - Throws: ``AMQPError`` (`connectionRefused`, `authenticationFailed`, `timeout`...).
    public static func connect(configuration: AMQPConfiguration, logger: Logger) async throws(AMQPError)
        -> AMQPConnection
    {
        let core = try ConnectionCore()
        let driver = ConnectionDriver(configuration: configuration, logger: logger, core: core)
        let result: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                driver.run { result in continuation.resume(returning: result) }
            }
            thread.name = "amqp:\(configuration.clientName)"
            thread.start()
        }
        try result.get()
        return AMQPConnection(core: core, configuration: configuration)
    }

    /// Closes the connection: pending publishes fail with ``AMQPError/Code/closed`` and consumer streams end.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.submit(.close(done: { continuation.resume() }))
        }
    }

    /// Whether the connection is currently up (false while reconnecting or after ``close()``).
    public var isConnected: Bool { core.state.withLock { $0.connected } }

    /// The broker endpoint the connection is currently open to (one of ``AMQPConfiguration/endpoints``);
    /// nil while reconnecting or after ``close()``.
    public var currentEndpoint: AMQPConfiguration.Endpoint? { core.state.withLock { $0.endpoint } }

    /// How many times the connection has been re-established after a loss.
    public var reconnectCount: Int { core.state.withLock { $0.reconnects } }

    /// Whether the broker currently blocks publishing on this connection (`connection.blocked`).
    public var isBlocked: Bool { core.state.withLock { $0.blocked } }

    /// Runs `body` on the connection thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable (ConnectionDriver) throws(AMQPError) -> T)
        async throws(AMQPError)
        -> T
    {
        let result: Result<T, AMQPError> = await withCheckedContinuation { continuation in
            core.submit(
                .perform(
                    body: { driver in
                        guard driver.connection != nil else {
                            continuation.resume(
                                returning: .failure(AMQPError(.connectionLost, message: "not connected")))
                            return
                        }
                        do throws(AMQPError) {
                            continuation.resume(returning: .success(try body(driver)))
                        } catch {
                            continuation.resume(returning: .failure(error))
                        }
                    },
                    fail: { continuation.resume(returning: .failure($0)) }
                )
            )
        }
        return try result.get()
    }
}
