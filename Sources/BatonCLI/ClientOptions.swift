import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Logging

/// The options of every `baton` command that talks to the orchestrator over the broker: the shared
/// `--amqp-url`/`--queue-prefix` (and their `BATON_*` twins), `--json` and the reply timeout.
struct ClientOptions: ParsableArguments {
    @OptionGroup var common: CommonOptions

    @Flag(help: "Print the AWS-shaped JSON response instead of a human-readable summary.")
    var json = false

    @Option(help: "Seconds to wait for the orchestrator's reply.")
    var timeout: Double = 10

    @Option(
        name: .customLong("shards"),
        help:
            "Orchestrator shards; commands about one execution go straight to its shard [env: BATON_SHARDS] (default: 1)"
    )
    var shardsFlag: Int?

    /// Queue and exchange names under the chosen prefix.
    var names: Names { Names(prefix: common.queuePrefix) }

    /// Connects to the broker (failing fast with a clear message), runs `body` with a client and closes.
    func withClient<T: Sendable>(_ body: (BatonClient) async throws -> T) async throws -> T {
        let bus = try await connect()
        do {
            let count = try Setting.integer(shardsFlag, "BATON_SHARDS") ?? 1
            guard count >= 1 else { throw CLIError("--shards must be at least 1") }
            let result = try await BatonClient.withClient(
                bus: bus, names: names, shards: ShardMap(count: count), body)
            await bus.close()
            return result
        } catch {
            await bus.close()
            throw explain(error)
        }
    }

    /// Sends one AWS action and returns the parsed response object.
    func command(_ action: String, _ request: [String: Any]) async throws -> [String: Any] {
        let text = try JSONText.encode(request)
        let reply = try await withClient { client in
            try await client.command(action, request: text, timeout: .milliseconds(Int(timeout * 1000)))
        }
        return try JSONText.object(reply)
    }

    /// A broker connection for the CLI: one quick attempt, warnings and errors only on standard error.
    func connect() async throws -> RabbitBus {
        var logger = Logger(label: "baton") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        do {
            let endpoint = try BrokerEndpoint(
                url: common.amqpURL, clientName: "baton-cli", connectTimeout: .seconds(3), handshakeTimeout: .seconds(5)
            )
            return try await RabbitBus.connect(
                configuration: .init(
                    endpoint: endpoint, names: names, queueType: try RabbitBus.QueueType(named: common.queueType)),
                logger: logger)
        } catch {
            throw CLIError(common.brokerUnreachable(error).description)
        }
    }

    /// Turns transport errors into messages that say what to check.
    func explain(_ error: any Error) -> any Error {
        if let remote = error as? RemoteError, remote.type == "RequestTimeout" {
            return CLIError(
                "no reply from the orchestrator within \(timeout)s on queue \(names.commandQueue) — is it running "
                    + "with queue prefix '\(names.prefix)'?")
        }
        if BrokerError(classifying: error)?.code == .unroutable {
            return CLIError(
                "no orchestrator serves queue prefix '\(names.prefix)' on this broker (\(names.commandQueue) does "
                    + "not exist) — start one, or pass --queue-prefix / BATON_QUEUE_PREFIX")
        }
        return error
    }
}

/// A failure the CLI reports as `Error: <message>` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// Argument values that may name a file like the AWS CLI: `file://path` reads the file, anything else is literal.
enum ArgumentText {
    static func resolve(_ value: String) throws -> String {
        guard value.hasPrefix("file://") else { return value }
        let path = String(value.dropFirst("file://".count))
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Checks that `text` is JSON (the orchestrator would refuse it anyway, but later and less clearly).
    static func json(_ value: String, option: String) throws -> String {
        let text = try resolve(value)
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
            throw CLIError("\(option) is not valid JSON: \(text.prefix(80))")
        }
        return text
    }
}
