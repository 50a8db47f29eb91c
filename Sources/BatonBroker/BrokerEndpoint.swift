import AMQPClient

/// Where a Baton process reaches RabbitMQ and how it introduces itself there: the broker-level view of a
/// connection's settings. Executables, WorkerKit and the CLI configure the bus with this value and never see the
/// AMQP client underneath (docs/architecture.md: only BatonBroker imports AMQPClient).
public struct BrokerEndpoint: Sendable, Hashable {
    /// The AMQP client's settings this endpoint stands for.
    package var amqp: AMQPConfiguration

    /// Parses the broker URL (`amqp://user:pass@host:port/vhost`, or a comma-separated list, one URL per node of a
    /// cluster) and names the client.
    /// - Parameters:
    ///   - url: the URL or URL list (from `BATON_AMQP_URL`).
    ///   - clientName: shown in the management UI; the bus appends `-publish` and `-consume`.
    ///   - connectTimeout: how long one TCP connect may take (the client's default when nil).
    ///   - handshakeTimeout: how long the AMQP handshake may take (the client's default when nil).
    /// - Throws: ``BrokerError`` with code ``BrokerError/Code/invalidConfiguration`` for a malformed URL.
    public init(
        url: String, clientName: String, connectTimeout: Duration? = nil, handshakeTimeout: Duration? = nil
    ) throws(BrokerError) {
        do {
            amqp = try AMQPConfiguration(url: url)
        } catch {
            throw BrokerError(error)
        }
        amqp.clientName = clientName
        if let connectTimeout { amqp.connectTimeout = connectTimeout }
        if let handshakeTimeout { amqp.handshakeTimeout = handshakeTimeout }
    }

    /// Wraps an AMQP client configuration (tests that tune the client itself).
    package init(amqp: AMQPConfiguration) {
        self.amqp = amqp
    }

    /// The name the connections carry in the management UI.
    public var clientName: String {
        get { amqp.clientName }
        set { amqp.clientName = newValue }
    }

    /// The URL list with passwords replaced by `***`, for logs.
    public var redactedURL: String { amqp.redactedURL }
}
