import ArgumentParser
import BatonRuntime
import Foundation
import Logging
import Metrics
import Prometheus
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `MetricsServer` serves a registry over real HTTP; `MetricsOptions` and `ListenAddress` parse addresses.
@Suite struct MetricsServerTests {
    /// Runs a server on a free loopback port while `body` scrapes it; the server is cancelled afterwards.
    func withServer(
        registry: PrometheusCollectorRegistry, beforeScrape: @escaping @Sendable () async -> Void = {},
        _ body: (URL) async throws -> Void
    ) async throws {
        let (bound, boundContinuation) = AsyncStream<ListenAddress>.makeStream()
        let server = MetricsServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), registry: registry,
            logger: Logger(label: "test.metrics"), beforeScrape: beforeScrape
        ) { address in
            boundContinuation.yield(address)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var addresses = bound.makeAsyncIterator()
            let address = try #require(await addresses.next())
            try await body(try #require(URL(string: "http://\(address)/metrics")))
        }
    }

    func scrape(_ url: URL) async throws -> (status: Int, contentType: String?, body: String) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (
            http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Content-Type"),
            String(decoding: data, as: UTF8.self)
        )
    }

    @Test func servesCountersAndHistogramsInTheTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsSetup.factory(registry: registry)
        let counter = Counter(label: "baton_test_events_total", dimensions: [("kind", "a")], factory: factory)
        counter.increment(by: 3)
        Timer(label: "baton_test_duration_seconds", factory: factory).record(duration: .milliseconds(7))
        try await withServer(registry: registry) { url in
            let (status, contentType, body) = try await scrape(url)
            #expect(status == 200)
            #expect(contentType == MetricsServer.contentType)
            #expect(body.contains("# TYPE baton_test_events_total counter"))
            #expect(body.contains(#"baton_test_events_total{kind="a"} 3"#))
            // 7 ms lands in the 10 ms bucket and every larger one, not in the 5 ms one.
            #expect(body.contains(#"baton_test_duration_seconds_bucket{le="0.005"} 0"#))
            #expect(body.contains(#"baton_test_duration_seconds_bucket{le="0.01"} 1"#))
            #expect(body.contains("baton_test_duration_seconds_count 1"))
            counter.increment()
            #expect(try await scrape(url).body.contains(#"baton_test_events_total{kind="a"} 4"#))
        }
    }

    @Test func runsTheScrapeHookBeforeEachScrape() async throws {
        let registry = PrometheusCollectorRegistry()
        let gauge = Gauge(label: "baton_test_depth", factory: MetricsSetup.factory(registry: registry))
        let scrapes = Counter(label: "baton_test_scrapes_total", factory: MetricsSetup.factory(registry: registry))
        let hook: @Sendable () async -> Void = {
            scrapes.increment()
            gauge.record(42)
        }
        try await withServer(registry: registry, beforeScrape: hook) { (url: URL) async throws in
            #expect(try await scrape(url).body.contains("baton_test_depth 42"))
            #expect(try await scrape(url).body.contains("baton_test_scrapes_total 2"))
        }
    }

    @Test func executionDurationsGetDayLongBuckets() {
        let factory = MetricsSetup.factory(registry: PrometheusCollectorRegistry())
        #expect(factory.durationHistogramBuckets["baton_execution_duration_seconds"]?.last == .seconds(86_400))
        #expect(factory.defaultDurationHistogramBuckets.first == .milliseconds(1))
    }

    @Test func parsesListenAddresses() {
        #expect(ListenAddress(parsing: "0.0.0.0:9464") == ListenAddress(host: "0.0.0.0", port: 9464))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "[::1]:0")?.description == "[::1]:0")
        #expect(ListenAddress(parsing: "localhost") == nil)
        #expect(ListenAddress(parsing: ":9464") == nil)
        #expect(ListenAddress(parsing: "host:70000") == nil)
        #expect(ListenAddress(parsing: "host:port") == nil)
    }

    @Test func metricsAddressFlagIsOffByDefaultAndValidated() throws {
        // The flag wins over BATON_METRICS_ADDRESS, so these hold whatever the test's environment says.
        #expect(try MetricsOptions.parse(["--metrics-address", "off"]).address() == nil)
        #expect(
            try MetricsOptions.parse(["--metrics-address", "127.0.0.1:9464"]).address()
                == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(throws: (any Error).self) { try MetricsOptions.parse(["--metrics-address", "nine"]) }
    }
}
