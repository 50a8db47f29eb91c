import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a process's long-lived services in one `ServiceGroup`: SIGTERM and SIGINT start a graceful shutdown (each
/// service finishes its in-flight work), and a service that ends or fails ends the whole group.
public enum ServiceRunner {
    /// Runs `services` until a shutdown signal or until one of them ends.
    /// - Parameters:
    ///   - services: the services, started together.
    ///   - gracePeriod: how long a graceful shutdown may take before the services are cancelled.
    ///   - logger: the group's logger.
    /// - Throws: the first service's error.
    public static func run(
        _ services: [any Service], gracePeriod: Duration = .seconds(20), logger: Logger
    ) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = gracePeriod
        try await ServiceGroup(configuration: configuration).run()
    }
}
