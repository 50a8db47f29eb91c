import Foundation
import LocalProcesses

/// An extra RabbitMQ node of the test's own, for tests that stop, restart or throttle a broker without disturbing
/// the shared one: a thin test-facing view of BatonRuntime's ``RabbitMQNode`` (the one launcher) that adds
/// ``whileRunning(_:)``.
public struct PrivateBrokerNode: Sendable {
    private let node: RabbitMQNode

    /// Describes a node; nothing is started yet.
    /// - Parameters:
    ///   - name: short node name (unique per test).
    ///   - port: AMQP port; the distribution port is `port + 20000` and epmd `port - 1000`.
    ///   - filePath: leave the default; it locates the repository root.
    /// - Throws: when scripts/rabbitmq-node.sh cannot be found above `filePath`.
    public init(name: String, port: Int, filePath: String = #filePath) throws {
        node = try RabbitMQNode(name: name, port: port, filePath: filePath)
    }

    /// The node name, e.g. `amqptest1@localhost`.
    public var name: String { node.name }
    /// The AMQP port.
    public var port: Int { node.port }
    /// The node's AMQP URL.
    public var url: String { node.url }

    /// Starts the node, runs `body`, and stops the node again, also when `body` throws.
    /// - Parameter body: the test.
    /// - Throws: what `body` or the script throws.
    public func whileRunning<T>(_ body: () async throws -> T) async throws -> T {
        try await start()
        do {
            let result = try await body()
            try await stop()
            return result
        } catch {
            try? await stop()
            throw error
        }
    }

    /// Starts the node and waits until it accepts connections.
    /// - Throws: `NodeScriptFailed` if the script fails.
    public func start() async throws { try await node.start() }

    /// Stops the node.
    /// - Throws: `NodeScriptFailed` if the script fails.
    public func stop() async throws { try await node.stop() }

    /// Runs `rabbitmqctl` against the node.
    /// - Parameter arguments: rabbitmqctl arguments, e.g. `["set_vm_memory_high_watermark", "0.0000001"]`.
    /// - Throws: `NodeScriptFailed` if the command fails.
    public func ctl(_ arguments: [String]) async throws { try await node.ctl(arguments) }

    /// Freezes the node (SIGSTOP): connections stay open, nothing answers.
    /// - Throws: `NodeScriptFailed` if the node is not running.
    public func freeze() async throws { try await node.freeze() }

    /// Lets a frozen node run again.
    /// - Throws: `NodeScriptFailed` if the node is not running.
    public func thaw() async throws { try await node.thaw() }
}
