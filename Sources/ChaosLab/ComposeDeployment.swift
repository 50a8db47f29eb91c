import BatonBroker
import BatonProtocol
import Foundation
import Logging

/// A deployment of docker-compose.yml that is already up (`docker compose up`): the compose scenarios load it
/// through its broker (the `baton` user's URL, as the CLI has it) and fault its containers with the docker CLI,
/// finding them by the labels Compose gives them (`com.docker.compose.project` and `…service`). Terminal events
/// reach the ledger through a durable queue of the run's own, bound to the deployment's events exchange.
final class ComposeDeployment: ChaosQueueStatus {
    let project: String
    /// The docker CLI (``dockerCLI(_:)``).
    let docker: String
    let names: Names
    let bus: RabbitBus
    /// A connection of its own for binding and queue status (see ``ChaosSystem/admin``).
    let admin: RabbitBus
    let ledger: ChaosLedger
    let eventsQueue: String

    init(project: String, docker: String, amqpURL: String, prefix: String, ledger: ChaosLedger) async throws {
        self.project = project
        self.docker = docker
        self.ledger = ledger
        names = Names(prefix: prefix)
        eventsQueue = "\(prefix).chaos-events-\(UUID().uuidString.prefix(8).lowercased())"
        (bus, admin) = try await connectLedgerBuses(
            amqpURL: amqpURL, names: names, clientName: "baton-chaos-compose", eventsQueue: eventsQueue)
    }

    /// The queue the deployment's worker-function replicas serve with the callback function (seed 1's).
    var taskQueue: String { "\(names.prefix).seed1" }

    /// Feeds the ledger from the run's events queue until cancelled.
    func consumeEvents() async throws { try await feedLedger(ledger, from: eventsQueue, on: bus) }

    /// Runs `docker arguments…`; returns what it printed, or throws with it when the command fails.
    @discardableResult
    func run(_ arguments: [String], deadline: Duration = .seconds(120)) async throws -> String {
        try await chaosCommand([docker] + arguments, deadline: deadline)
    }

    /// The containers of a compose service (replica 1 first), running or not.
    func containers(_ service: String) async throws -> [String] {
        let output = try await run([
            "ps", "--all", "--filter", "label=com.docker.compose.project=\(project)",
            "--filter", "label=com.docker.compose.service=\(service)", "--format", "{{.Names}}",
        ])
        let found = output.split(whereSeparator: \.isNewline).map(String.init).sorted()
        guard !found.isEmpty else {
            throw ChaosError(
                "compose project '\(project)' has no \(service) container (is `docker compose up` running? "
                    + "--compose-project names the project)")
        }
        return found
    }

    /// The first container of a compose service.
    func container(_ service: String) async throws -> String { try await containers(service)[0] }

    /// A container's environment variable, as Compose set it.
    func environment(_ container: String, _ name: String) async throws -> String? {
        let output = try await run(["inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", container])
        return output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("\(name)=") }
            .map { String($0.dropFirst(name.count + 1)) }
    }

    /// The compose networks a container is attached to, with its aliases on each and its address there.
    func networks(of container: String) async throws -> [(name: String, aliases: [String], address: String)] {
        let output = try await run([
            "inspect", "--format",
            "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{range $n.Aliases}} {{.}}{{end}}\n{{end}}",
            container,
        ])
        return output.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 2 else { return nil }
            return (fields[0], Array(fields.dropFirst(2)), fields[1])
        }
    }

    /// The peer addresses of the broker's client connections, read in the rabbitmq container with rabbitmqctl.
    func brokerPeers() async throws -> [String] {
        let broker = try await container("rabbitmq")
        // The table, not --formatter json: JSON gives an address as a tuple of IPv6 words.
        let output = try await run(
            ["exec", broker, "rabbitmqctl", "list_connections", "peer_host", "--quiet", "--no-table-headers"])
        return output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The orchestrator's BATON_TIME_SCALE (1 when it has none).
    func timeScale() async throws -> Double {
        let value = try await environment(try await container("orchestrator"), "BATON_TIME_SCALE")
        return value.flatMap(Double.init) ?? 1
    }

    /// Deletes the run's events queue and closes the connections.
    func shutdown() async {
        _ = try? await bus.deleteQueue(eventsQueue)
        await bus.close()
        await admin.close()
    }

    /// The docker CLI: `explicit` (--docker), else `BATON_DOCKER`, else the first `docker` on PATH.
    static func dockerCLI(_ explicit: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let docker = explicit ?? environment["BATON_DOCKER"], !docker.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: docker) else {
                throw ChaosError("the docker CLI \(docker) is not an executable file")
            }
            return docker
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/docker"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ChaosError("no docker CLI on PATH; give --docker or set BATON_DOCKER")
    }
}

/// What a chaos run asks the broker about queues, through its admin connection (``connectLedgerBuses``).
protocol ChaosQueueStatus: Sendable {
    var admin: RabbitBus { get }
}

extension ChaosQueueStatus {
    /// Messages ready in a queue (-1 when it cannot be asked, e.g. while the broker restarts).
    func depth(_ queue: String) async -> Int { (try? await admin.messageCount(queue)) ?? -1 }

    /// Consumers of a queue (0 when it cannot be asked).
    func consumers(_ queue: String) async -> Int { (try? await admin.consumerCount(queue)) ?? 0 }

    /// Waits until `count` consumers serve `queue`.
    func waitForConsumers(_ queue: String, _ count: Int, deadline: Duration = .seconds(60)) async throws {
        try await chaosWait(deadline: deadline, interval: .milliseconds(100), "\(count) consumers on \(queue)") {
            await consumers(queue) >= count
        }
    }
}

/// Connects a chaos run to the broker: a connection that publishes and consumes, and an admin one for binding and
/// queue status (asking for a queue that a fault just removed closes the asking channel, which must not be the one
/// that publishes starts); declares `eventsQueue` (durable, so events survive a broker restart) and binds it to
/// the events exchange for every execution's terminal event.
func connectLedgerBuses(amqpURL: String, names: Names, clientName: String, eventsQueue: String) async throws -> (
    bus: RabbitBus, admin: RabbitBus
) {
    var logger = Logger(label: "baton.chaos")
    logger.logLevel = .critical  // reconnects during broker faults are expected; the ledger reports
    let configuration = RabbitBus.Configuration(
        endpoint: try BrokerEndpoint(url: amqpURL, clientName: clientName), names: names)
    let bus = try await RabbitBus.connect(configuration: configuration, logger: logger)
    try await bus.declareExchange(names.eventsExchange, type: "topic")
    try await bus.declare(QueueSpec(eventsQueue, deadLettered: false))
    var adminConfiguration = configuration
    adminConfiguration.endpoint.clientName = "\(clientName)-admin"
    let admin = try await RabbitBus.connect(configuration: adminConfiguration, logger: logger)
    try await admin.bind(queue: eventsQueue, exchange: names.eventsExchange, routingKey: "execution.*")
    return (bus, admin)
}

/// Feeds `ledger` with the terminal events arriving on `queue` until cancelled.
func feedLedger(_ ledger: ChaosLedger, from queue: String, on bus: RabbitBus) async throws {
    let deliveries = try await bus.consume(queue, prefetch: 1024)
    for try await delivery in deliveries {
        for event in ExecutionEvents.objects(in: delivery.message) { ledger.handleEvent(event) }
        try? await delivery.settle(.ack)
    }
}
