import Metrics
import Prometheus

/// swift-metrics for Baton's executables: one Prometheus registry per process that every `Counter`, `Timer` and
/// `Gauge` of the libraries reports into, served by ``MetricsServer``. Only executables call `bootstrap`, and only
/// when `/metrics` is served; otherwise swift-metrics stays a no-op.
public enum MetricsSetup {
    /// Histogram buckets for every `Timer`, in seconds: from a millisecond (a callback on a quiet machine) to
    /// five minutes (a slow handler).
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// Buckets for whole executions, which may wait hours for a person or a legacy job: up to a day.
    public static let executionBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        .seconds(900), .seconds(3600), .seconds(4 * 3600), .seconds(86_400),
    ]

    /// A Prometheus metrics factory over `registry` with Baton's buckets (the execution-duration histogram gets
    /// ``executionBuckets``, every other timer ``durationBuckets``).
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.durationHistogramBuckets = ["baton_execution_duration_seconds": executionBuckets]
        return factory
    }

    /// Bootstraps swift-metrics once for the process with a fresh Prometheus registry.
    /// - Returns: the registry to serve.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return registry
    }
}
