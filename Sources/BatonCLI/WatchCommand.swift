import AMQPClient
import ArgumentParser
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
        let connection: AMQPConnection
        do {
            var amqp = try AMQPConfiguration(url: common.amqpURL)
            amqp.clientName = "baton-watch"
            amqp.connectTimeout = .seconds(3)
            connection = try await AMQPConnection.connect(configuration: amqp, logger: logger)
        } catch {
            throw CLIError(common.brokerUnreachable(error).description)
        }
        let queue = "\(names.prefix).watch.\(UUID().uuidString.prefix(12).lowercased())"
        try await connection.declare(ExchangeDeclaration(name: names.eventsExchange, type: "topic"))
        try await connection.declare(QueueDeclaration(name: queue, durable: false, exclusive: true, autoDelete: true))
        try await connection.bind(
            QueueBinding(queue: queue, exchange: names.eventsExchange, routingKey: "execution.\(statusFilter ?? "*")"))
        let consumer = try await connection.consume(queue: queue, prefetch: 64)
        FileHandle.standardError.write(
            Data("watching \(names.eventsExchange) (execution.\(statusFilter ?? "*"))\n".utf8))
        var seen = 0
        events: for try await delivery in consumer.deliveries {
            try await delivery.ack()
            var headers: [String: String] = [:]
            for (key, value) in delivery.headers { if case .string(let text) = value { headers[key] = text } }
            for text in ExecutionEvents.texts(in: BusMessage(body: delivery.body, headers: headers)) {
                show(text)
                seen += 1
                if let count, seen >= count { break events }
            }
        }
        await consumer.cancel()
        await connection.close()
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
