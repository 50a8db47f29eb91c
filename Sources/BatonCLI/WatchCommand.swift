import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging

/// `baton watch`: streams terminal execution events from the `<prefix>.events` topic exchange.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Stream executions as they end (SUCCEEDED, FAILED, TIMED_OUT, ABORTED).",
        discussion: "Binds an exclusive queue to <prefix>.events with execution.* (or execution.<STATUS>); "
            + "Ctrl-C stops. Events published before watch started are not shown.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print each event as one line of JSON.")
    var json = false

    @Option(help: "Only this status (SUCCEEDED, FAILED, TIMED_OUT or ABORTED).")
    var statusFilter: String?

    @Option(help: "Exit after this many events.")
    var count: Int?

    func run() async throws {
        let names = Names(prefix: common.queuePrefix)
        var logger = Logger(label: "baton") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        let bus: RabbitBus
        do {
            let endpoint = try BrokerEndpoint(
                url: common.amqpURL, clientName: "baton-watch", connectTimeout: .seconds(3))
            bus = try await RabbitBus.connect(
                configuration: .init(
                    endpoint: endpoint, names: names, queueType: try RabbitBus.QueueType(named: common.queueType)),
                logger: logger)
        } catch {
            throw CLIError(common.brokerUnreachable(error).description)
        }
        let queue = "\(names.prefix).watch.\(UUID().uuidString.prefix(12).lowercased())"
        try await bus.declareExchange(names.eventsExchange, type: "topic")
        try await bus.declare(QueueSpec(queue, exclusive: true))
        try await bus.bind(
            queue: queue, exchange: names.eventsExchange, routingKey: "execution.\(statusFilter ?? "*")",
            exclusive: true)
        let batches = try await bus.consumeBatches(queue, prefetch: 64)
        FileHandle.standardError.write(
            Data("watching \(names.eventsExchange) (execution.\(statusFilter ?? "*"))\n".utf8))
        var seen = 0
        events: for try await batch in batches {
            try bus.ack(batch)
            for delivery in batch {
                for text in ExecutionEvents.texts(in: delivery.message) {
                    show(text)
                    seen += 1
                    if let count, seen >= count { break events }
                }
            }
        }
        await bus.close()
    }

    private func show(_ text: String) {
        guard !json, let event = try? JSONText.object(text) else { return emit(text) }
        let status = event["status"] as? String ?? "?"
        var line =
            "\(Human.date(event["stopDate"]))  \(status.padding(toLength: 9, withPad: " ", startingAt: 0))  "
            + "\(Human.lastSegment(event["stateMachineArn"]))/\(event["name"] as? String ?? Human.lastSegment(event["executionArn"]))"
            + "  \(Human.duration(from: event["startDate"], to: event["stopDate"]))"
        if let error = event["error"] as? String { line += "  error=\(error)" }
        if let cause = event["cause"] as? String { line += "  cause=\(cause.prefix(100))" }
        emit(line)
    }

    /// Writes a line unbuffered, so a pipe (`baton watch | grep …`) sees each event as it comes.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
