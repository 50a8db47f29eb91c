import ArgumentParser
import Foundation

/// The options every Baton process shares. Each flag has an environment variable twin (12-factor): the flag
/// wins, then `BATON_…`, then the documented default — so the same binaries run from scripts, tests and compose.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("amqp-url"),
        help: ArgumentHelp(
            "RabbitMQ URL amqp://user:pass@host:port/vhost, or a cluster's URLs separated by commas (tried in turn "
                + "on connect and reconnect) [env: BATON_AMQP_URL]"))
    var amqpURLFlag: String?

    @Option(
        name: .customLong("queue-prefix"),
        help: "Prefix of every queue and exchange name [env: BATON_QUEUE_PREFIX] (default: baton)")
    var queuePrefixFlag: String?

    @Option(
        name: .customLong("queue-type"),
        help: ArgumentHelp(
            "classic or quorum: the type of every durable queue declared; quorum for a cluster "
                + "[env: BATON_QUEUE_TYPE] (default: classic)"))
    var queueTypeFlag: String?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error [env: BATON_LOG_LEVEL] (default: info)")
    var logLevelFlag: String?

    @Option(name: .customLong("log-format"), help: "text or json [env: BATON_LOG_FORMAT] (default: text)")
    var logFormatFlag: String?

    /// Creates the options (ArgumentParser fills them).
    public init() {}

    /// The broker URL: `--amqp-url`, `BATON_AMQP_URL`, else the local default broker.
    public var amqpURL: String {
        Setting.resolve(amqpURLFlag, "BATON_AMQP_URL") ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    }

    /// Where ``amqpURL`` came from: `--amqp-url`, `BATON_AMQP_URL` or `default` (for error messages).
    public var amqpURLSource: String {
        if amqpURLFlag != nil { return "--amqp-url" }
        return Setting.resolve(nil, "BATON_AMQP_URL") == nil ? "default" : "BATON_AMQP_URL"
    }

    /// The error to report when the broker at ``amqpURL`` cannot be reached: it names the setting and the
    /// private nodes running in this checkout.
    public func brokerUnreachable(_ error: any Error) -> BrokerUnreachable {
        BrokerUnreachable(url: amqpURL, source: amqpURLSource, error: error)
    }

    /// Runs `connect` (a broker connection attempt) and reports its failure as ``brokerUnreachable(_:)``.
    /// - Throws: ``BrokerUnreachable`` when `connect` throws.
    public func connecting<T>(_ connect: () async throws -> T) async throws -> T {
        do {
            return try await connect()
        } catch {
            throw brokerUnreachable(error)
        }
    }

    /// The name prefix: `--queue-prefix`, `BATON_QUEUE_PREFIX`, else `baton`.
    public var queuePrefix: String { Setting.resolve(queuePrefixFlag, "BATON_QUEUE_PREFIX") ?? "baton" }

    /// The queue type: `--queue-type`, `BATON_QUEUE_TYPE`, else `classic`.
    public var queueType: String { Setting.resolve(queueTypeFlag, "BATON_QUEUE_TYPE") ?? "classic" }

    /// The log level name.
    public var logLevel: String { Setting.resolve(logLevelFlag, "BATON_LOG_LEVEL") ?? "info" }

    /// The log format name.
    public var logFormat: String { Setting.resolve(logFormatFlag, "BATON_LOG_FORMAT") ?? "text" }

    public mutating func validate() throws {
        guard ["classic", "quorum"].contains(queueType) else {
            throw ValidationError("queue type must be classic or quorum, not '\(queueType)'")
        }
        guard LogSetup.level(named: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ValidationError("log format must be text or json, not '\(logFormat)'")
        }
    }
}

/// Resolves a setting from a flag, then an environment variable.
public enum Setting {
    /// The flag's value if given, else the environment variable's if set and not empty, else `nil`.
    public static func resolve(_ flag: String?, _ variable: String) -> String? {
        if let flag { return flag }
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        return nil
    }

    /// As `resolve(_:_:)`, parsed as an integer.
    /// - Throws: `ValidationError` naming the variable when the value is not an integer.
    public static func integer(_ flag: Int?, _ variable: String) throws -> Int? {
        if let flag { return flag }
        guard let text = resolve(nil, variable) else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(variable) must be an integer, not '\(text)'") }
        return value
    }

    /// As `resolve(_:_:)`, parsed as a decimal number.
    /// - Throws: `ValidationError` naming the variable when the value is not a number.
    public static func double(_ flag: Double?, _ variable: String) throws -> Double? {
        if let flag { return flag }
        guard let text = resolve(nil, variable) else { return nil }
        guard let value = Double(text) else { throw ValidationError("\(variable) must be a number, not '\(text)'") }
        return value
    }
}
