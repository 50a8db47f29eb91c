/// The kind of a queue, sent as the `x-queue-type` argument.
public struct QueueType: Sendable, Hashable, CustomStringConvertible {
    /// The argument value, e.g. `quorum`.
    public let name: String
    /// Creates a queue type from its `x-queue-type` value.
    public init(_ name: String) { self.name = name }
    /// A classic queue (the default).
    public static let classic = QueueType("classic")
    /// A replicated quorum queue.
    public static let quorum = QueueType("quorum")
    /// The `x-queue-type` value.
    public var description: String { name }
}

/// A queue to declare; remembered by the connection and re-declared after a reconnect.
public struct QueueDeclaration: Sendable, Hashable {
    /// Queue name (server-named queues are not supported: they could not be re-declared).
    public var name: String
    /// Survives a broker restart. Default true.
    public var durable: Bool
    /// Owned by this connection and deleted with it. Default false.
    public var exclusive: Bool
    /// Deleted when its last consumer goes. Default false.
    public var autoDelete: Bool
    /// Queue arguments, including `x-queue-type` and the dead-letter settings.
    public var arguments: AMQPTable

    /// Creates a queue declaration.
    /// - Parameters:
    ///   - name: queue name.
    ///   - type: classic or quorum (`x-queue-type`).
    ///   - durable: survives a broker restart.
    ///   - exclusive: owned by this connection.
    ///   - autoDelete: deleted when its last consumer goes.
    ///   - deadLetterExchange: `x-dead-letter-exchange`, where rejected or expired messages go.
    ///   - deadLetterRoutingKey: `x-dead-letter-routing-key`.
    ///   - arguments: any further arguments (e.g. `x-message-ttl`, `x-max-length`).
    public init(
        name: String,
        type: QueueType = .classic,
        durable: Bool = true,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        deadLetterExchange: String? = nil,
        deadLetterRoutingKey: String? = nil,
        arguments: AMQPTable = [:]
    ) {
        self.name = name
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        var arguments = arguments
        arguments["x-queue-type"] = .string(type.name)
        if let deadLetterExchange { arguments["x-dead-letter-exchange"] = .string(deadLetterExchange) }
        if let deadLetterRoutingKey { arguments["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
        self.arguments = arguments
    }
}

/// An exchange to declare; remembered by the connection and re-declared after a reconnect.
public struct ExchangeDeclaration: Sendable, Hashable {
    /// Exchange name.
    public var name: String
    /// Exchange type: `direct`, `fanout`, `topic`, `headers` or a plugin type such as `x-consistent-hash`.
    public var type: String
    /// Survives a broker restart. Default true.
    public var durable: Bool
    /// Deleted when its last binding goes. Default false.
    public var autoDelete: Bool
    /// Only reachable through exchange-to-exchange bindings. Default false.
    public var `internal`: Bool
    /// Exchange arguments (e.g. `alternate-exchange`).
    public var arguments: AMQPTable

    /// Creates an exchange declaration.
    /// - Parameters:
    ///   - name: exchange name.
    ///   - type: exchange type; default `direct`.
    ///   - durable: survives a broker restart.
    ///   - autoDelete: deleted when unused.
    ///   - internal: not publishable directly.
    ///   - arguments: exchange arguments.
    public init(
        name: String,
        type: String = "direct",
        durable: Bool = true,
        autoDelete: Bool = false,
        internal: Bool = false,
        arguments: AMQPTable = [:]
    ) {
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
    }
}

/// A queue-to-exchange binding; remembered and re-declared after a reconnect.
public struct QueueBinding: Sendable, Hashable {
    /// The bound queue.
    public var queue: String
    /// The source exchange.
    public var exchange: String
    /// The binding key.
    public var routingKey: String
    /// Binding arguments (headers exchanges).
    public var arguments: AMQPTable

    /// Creates a binding.
    /// - Parameters:
    ///   - queue: the queue.
    ///   - exchange: the exchange.
    ///   - routingKey: the binding key.
    ///   - arguments: binding arguments.
    public init(queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) {
        self.queue = queue
        self.exchange = exchange
        self.routingKey = routingKey
        self.arguments = arguments
    }
}

/// The topology declared through a connection, in declaration order (connection thread only).
struct RecordedTopology {
    var exchanges: [ExchangeDeclaration] = []
    var queues: [QueueDeclaration] = []
    var bindings: [QueueBinding] = []

    mutating func record(_ exchange: ExchangeDeclaration) {
        exchanges.removeAll { $0.name == exchange.name }
        exchanges.append(exchange)
    }

    mutating func record(_ queue: QueueDeclaration) {
        queues.removeAll { $0.name == queue.name }
        queues.append(queue)
    }

    mutating func record(_ binding: QueueBinding) {
        if !bindings.contains(binding) { bindings.append(binding) }
    }

    mutating func forgetQueue(_ name: String) {
        queues.removeAll { $0.name == name }
        bindings.removeAll { $0.queue == name }
    }

    mutating func forgetExchange(_ name: String) {
        exchanges.removeAll { $0.name == name }
        bindings.removeAll { $0.exchange == name }
    }
}
