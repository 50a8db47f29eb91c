import ArgumentParser
import Logging

/// The `--metrics-address` option every long-running Baton process shares (orchestrator, worker-function,
/// legacy-system, approver): where to serve Prometheus `/metrics`. Off by default, so local runs of several
/// processes never compete for a port; docker-compose.yml turns it on for every service.
public struct MetricsOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("metrics-address"),
        help:
            "host:port of the Prometheus /metrics endpoint; port 0 picks a free one, off disables it [env: BATON_METRICS_ADDRESS] (default: off)"
    )
    var metricsAddressFlag: String?

    /// Creates the options (ArgumentParser fills them).
    public init() {}

    /// The address to serve `/metrics` on, `nil` when off: `--metrics-address`, `BATON_METRICS_ADDRESS`, else off.
    /// - Throws: `ValidationError` when the value is neither `off` nor `host:port`.
    public func address() throws -> ListenAddress? {
        let text = Setting.resolve(metricsAddressFlag, "BATON_METRICS_ADDRESS") ?? "off"
        guard text != "off" else { return nil }
        guard let address = ListenAddress(parsing: text) else {
            throw ValidationError("the metrics address must be host:port or off, not '\(text)'")
        }
        return address
    }

    /// When `/metrics` is on: bootstraps swift-metrics (``MetricsSetup``) and returns the server to run with the
    /// process's services; `nil` when off. Call it before creating anything that reports metrics.
    /// - Parameters:
    ///   - logger: the process's logger.
    ///   - beforeScrape: sets gauges read on demand, before each scrape.
    /// - Throws: `ValidationError` for an invalid address.
    public func server(logger: Logger, beforeScrape: @escaping @Sendable () async -> Void = {}) throws
        -> MetricsServer?
    {
        guard let address = try address() else { return nil }
        return MetricsServer(
            address: address, registry: MetricsSetup.bootstrap(), logger: logger, beforeScrape: beforeScrape)
    }

    public mutating func validate() throws {
        _ = try address()
    }
}

/// A `host:port` to listen on; the host may be bracketed (`[::1]:9090`), port 0 picks a free one.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host or address to bind, without brackets.
    public var host: String
    /// The port, 0–65535.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; `nil` when there is no colon, no host or no valid port.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
