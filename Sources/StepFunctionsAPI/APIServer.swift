import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

extension StepFunctionsAPI {
    /// The HTTP server for this API, a `Service` to run in the process's `ServiceGroup`.
    /// - Parameters:
    ///   - host: the address to bind, e.g. `127.0.0.1`.
    ///   - port: the port; `0` picks a free one (reported to `onListening`).
    ///   - router: the API's router with more routes added (the console's), or `nil` for ``router()``.
    ///   - onListening: called once the server listens, with the bound `host:port`.
    /// - Returns: the server service.
    public func server(
        host: String, port: Int, router: Router<BasicRequestContext>? = nil,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some Service {
        let (seconds, attoseconds) = configuration.idleTimeout.components
        let idle = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return Application(
            router: router ?? self.router(),
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(host, port: port), serverName: "baton"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                await onListening("\(host):\(bound)")
            },
            logger: logger)
    }

    /// Whether `host` is a loopback address (serving anything else without credentials deserves a warning).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
