import AMQPClient
import Foundation

/// Where the broker tests find RabbitMQ. A missing broker is a failure, never a skip.
public enum TestBroker {
    /// The error thrown when `BATON_AMQP_URL` is not set.
    public struct MissingBroker: Error, CustomStringConvertible {
        /// Explains how to get a broker.
        public var description: String {
            "BATON_AMQP_URL is not set: these tests need a real RabbitMQ node. Run scripts/test.sh, or "
                + "run `scripts/rabbitmq-node.sh start` and `export BATON_AMQP_URL=$(scripts/rabbitmq-node.sh url)`."
        }
    }

    /// The broker URL from `BATON_AMQP_URL`.
    /// - Throws: ``MissingBroker`` if the variable is missing or empty.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["BATON_AMQP_URL"], !url.isEmpty else {
            throw MissingBroker()
        }
        return url
    }

    /// A configuration for the test broker (or `url`) with a short heartbeat and fast reconnects.
    /// - Parameters:
    ///   - url: another broker or cluster URL list; default `BATON_AMQP_URL`.
    ///   - clientName: shown in the management UI.
    /// - Throws: ``MissingBroker`` or an invalid-URL ``AMQPError``.
    public static func configuration(url: String? = nil, clientName: String = "baton-tests") throws
        -> AMQPConfiguration
    {
        var configuration = try AMQPConfiguration(url: url ?? Self.url())
        configuration.clientName = clientName
        configuration.heartbeatSeconds = 2
        configuration.reconnectBackoff = .init(initial: .milliseconds(50), maximum: .milliseconds(500))
        return configuration
    }

    /// A name no other test uses, such as `test.roundtrip.3f9a1c2e`.
    /// - Parameter prefix: what the name is for.
    public static func uniqueName(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Polls `condition` until it is true or `deadline` passes.
/// - Parameters:
///   - deadline: how long to wait at most.
///   - interval: the pause between checks.
///   - what: what is awaited, for the error message.
///   - condition: the condition.
/// - Throws: ``WaitTimeout`` if the deadline passes first.
public func waitUntil(
    deadline: Duration = .seconds(10),
    interval: Duration = .milliseconds(20),
    _ what: String = "condition",
    _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now.advanced(by: deadline)
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < end else { throw WaitTimeout(what: what, deadline: deadline) }
        try await Task.sleep(for: interval)
    }
}

/// A ``waitUntil(deadline:interval:_:_:)`` deadline passed.
public struct WaitTimeout: Error, CustomStringConvertible {
    /// What was awaited.
    public var what: String
    /// The deadline that passed.
    public var deadline: Duration
    /// `timed out after ... waiting for ...`.
    public var description: String { "timed out after \(deadline) waiting for \(what)" }
}
