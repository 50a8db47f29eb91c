import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Serves a Prometheus registry as `GET /metrics` (text exposition format 0.0.4), a `Service` for the process's
/// `ServiceGroup`. Each scrape first runs `beforeScrape`, which sets the gauges read on demand (outbox depth,
/// tasks in flight), so they are never staler than the scrape.
///
/// A separate address rather than a route on the orchestrator's Step Functions API: every process serves
/// metrics the same way, a scraper needs no AWS credentials, and turning the API off leaves metrics on.
public struct MetricsServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// The content type of the text exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Creates the server; nothing listens until `run()`.
    /// - Parameters:
    ///   - address: where to listen; port 0 picks a free one.
    ///   - registry: the metrics to serve.
    ///   - logger: logs `metrics listening address=host:port` once listening.
    ///   - beforeScrape: run before each scrape renders the registry.
    ///   - onListening: called once listening, with the bound `host:port`.
    public init(
        address: ListenAddress, registry: PrometheusCollectorRegistry, logger: Logger,
        beforeScrape: @escaping @Sendable () async -> Void = {},
        onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }
    ) {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            await beforeScrape()
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: Self.contentType], body: .init(byteBuffer: buffer))
        }
        application = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "baton-metrics"),
            onServerRunning: { channel in
                let bound = ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                logger.info("metrics listening", metadata: ["address": "\(bound)"])
                await onListening(bound)
            },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }
}
