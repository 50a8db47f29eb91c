import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging

/// Waits, up to a deadline, until a system is ready for `baton demo`: the orchestrator answers commands and every
/// task queue has a consumer. In compose every container starts at once, so the demo cannot assume an order.
struct DemoReadiness {
    let options: ClientOptions
    /// When waiting gives up.
    let deadline: Date

    /// Returns once ListStateMachines is answered (which also means the seed machines are registered).
    /// - Throws: `CLIError` with the last error when the deadline passes first.
    func waitForOrchestrator() async throws {
        while true {
            do {
                _ = try await options.command("ListStateMachines", ["maxResults": 1])
                return
            } catch {
                guard Date() < deadline else { throw CLIError("the orchestrator is not ready: \(error)") }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Returns once every queue exists and has at least one consumer.
    /// - Throws: `CLIError` naming the queues still without a consumer when the deadline passes first.
    func waitForConsumers(_ queues: [String]) async throws {
        var logger = Logger(label: "baton-demo") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        let configuration = RabbitBus.Configuration(
            endpoint: try BrokerEndpoint(
                url: options.common.amqpURL, clientName: "baton-demo", connectTimeout: .seconds(3)),
            names: options.names, queueType: try RabbitBus.QueueType(named: options.common.queueType))
        var waiting = queues
        while !waiting.isEmpty {
            // A passive declare of a missing queue closes the channel: a fresh connection per round keeps it simple.
            if let bus = try? await RabbitBus.connect(configuration: configuration, logger: logger) {
                var still: [String] = []
                for queue in waiting {
                    let consumers = (try? await bus.consumerCount(queue)) ?? 0
                    if consumers == 0 { still.append(queue) }
                }
                await bus.close()
                waiting = still
            }
            if waiting.isEmpty { return }
            guard Date() < deadline else {
                throw CLIError("no consumer on \(waiting.joined(separator: ", ")) — are the workers running?")
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
