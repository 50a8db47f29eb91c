import AMQPClient
import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Logging
import StatesLanguage
import Synchronization
import Testing

/// Baton on a 3-node RabbitMQ cluster (scripts/rabbitmq-cluster.sh, which scripts/test.sh starts) with quorum
/// queues: the orchestrator is connected to node 1, the workers to nodes 2 and 3, and node 1 is stopped and
/// started again under load. Every execution must end exactly once (the chaos ledger's rules: a terminal event
/// and a final status for each, never two different terminal events or two accepted task results).
@Suite(.serialized) struct ClusterFailoverTests {
    @Test func executionsKeepCompletingWhileTheOrchestratorsBrokerNodeStopsAndRestarts() async throws {
        let cluster = try BrokerCluster()
        let system = try await SystemFixture(
            label: "cluster", amqpURL: cluster.url(startingAt: 1), queueType: .quorum)
        let nodeDown = Atomic(false)
        do {
            try await failOver(cluster, system, nodeDown: nodeDown)
        } catch {
            if nodeDown.load(ordering: .relaxed) { try? await cluster.startNode(1) }
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    private func failOver(_ cluster: BrokerCluster, _ system: SystemFixture, nodeDown: borrowing Atomic<Bool>)
        async throws
    {
        let names = system.names
        let taskQueue = "\(names.prefix).cluster-tasks"
        let eventsQueue = "\(names.prefix).cluster-events"
        system.track(queue: taskQueue)
        system.track(queue: eventsQueue)
        // The test's own client and event observer sit on node 3, so the fault under test is the orchestrator's.
        let observer = try await RabbitBus.connect(
            configuration: .init(
                amqp: try TestBroker.configuration(url: cluster.url(startingAt: 3), clientName: "cluster-observer"),
                names: names, queueType: .quorum),
            logger: Logger(label: "test.cluster"))
        do {
            try await run(cluster, system, observer: observer, nodeDown: nodeDown)
        } catch {
            await observer.close()
            throw error
        }
        await observer.close()
    }

    private func run(
        _ cluster: BrokerCluster, _ system: SystemFixture, observer: RabbitBus, nodeDown: borrowing Atomic<Bool>
    )
        async throws
    {
        let names = system.names
        let taskQueue = "\(names.prefix).cluster-tasks"
        let eventsQueue = "\(names.prefix).cluster-events"
        try await observer.declareExchange(names.eventsExchange, type: "topic")
        try await observer.declare(QueueSpec(eventsQueue, deadLettered: false))
        try await observer.bind(queue: eventsQueue, exchange: names.eventsExchange, routingKey: "execution.*")
        let ledger = ClusterLedger()
        let events = try await observer.consume(eventsQueue, prefetch: 512)
        let reader = Task {
            for try await delivery in events {
                ledger.event(delivery.message.body)
                try? await delivery.settle(.ack)
            }
        }
        defer { reader.cancel() }
        for node in [2, 3] {
            try system.start(
                "worker-function", arguments: ["--functions", "callback", "--queue", taskQueue],
                environment: ["BATON_AMQP_URL": cluster.url(startingAt: node)])
        }
        try await waitUntil(deadline: .seconds(30), "2 workers consuming \(taskQueue)") {
            (try? await observer.consumerCount(taskQueue)) ?? 0 >= 2
        }

        try await BatonClient.withClient(bus: observer, names: names) { client in
            let machine = try await client.createStateMachine(
                "cluster", definition: Definitions.waitForCallback(queue: taskQueue))
            let total = 150
            async let started = startAll(client, machine, count: total, ledger: ledger)
            try await waitUntil(deadline: .seconds(60), "\(total / 3) executions ended") { ledger.ended >= total / 3 }

            let endedBefore = ledger.ended
            let stoppedAt = ContinuousClock.now
            nodeDown.store(true, ordering: .relaxed)
            try await cluster.stopNode(1)
            try await waitUntil(deadline: .seconds(30), "executions to end while node 1 is down") {
                ledger.ended >= endedBefore + 20
            }
            let resumedAfter = ContinuousClock.now - stoppedAt
            try await cluster.startNode(1)
            nodeDown.store(false, ordering: .relaxed)

            let arns = try await started
            try await waitUntil(deadline: .seconds(60), "every execution to end") { ledger.ended(arns) == arns.count }
            var succeededTwice: [String] = []
            var notSucceeded: [String] = []
            for arn in arns {
                if try await client.status(arn) != "SUCCEEDED" { notSucceeded.append(arn) }
                let results = try await client.historyTypes(arn).filter { $0 == "TaskSucceeded" }.count
                if results != 1 { succeededTwice.append("\(arn): \(results) TaskSucceeded") }
            }
            #expect(arns.count == total)
            #expect(notSucceeded.isEmpty, "not SUCCEEDED: \(notSucceeded.prefix(5))")
            #expect(succeededTwice.isEmpty, "\(succeededTwice.prefix(5))")
            #expect(
                ledger.conflicting(arns).isEmpty, "different terminal events: \(ledger.conflicting(arns).prefix(5))")
            #expect(
                system.orchestrator.log().contains("AMQP connection failed over"),
                "the orchestrator should have moved off node 1")
            print("cluster failover: executions resumed within \(resumedAfter) of stopping node 1")
        }

        // Every Baton queue of this system is a quorum queue; only the exclusive reply queues are classic.
        let listing = try await cluster.ctl(2, ["list_queues", "name", "type", "--quiet", "--no-table-headers"])
        let ours = listing.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace) }
            .filter { $0.count == 2 && $0[0].hasPrefix(names.prefix) }
        #expect(ours.count >= 5, "\(listing)")
        for queue in ours where !queue[0].contains(".replies.") {
            #expect(queue[1] == "quorum", "\(queue[0]) is \(queue[1])")
        }
    }

    /// Starts `count` executions, 8 at a time, retrying each (same name and input: StartExecution is idempotent
    /// while the execution runs) through broker failovers; returns their ARNs.
    private func startAll(_ client: BatonClient, _ machine: String, count: Int, ledger: ClusterLedger)
        async throws -> [String]
    {
        try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0
            var arns: [String] = []
            func add() {
                let name = "run-\(next)"
                next += 1
                group.addTask { try await startOne(client, machine, name: name) }
            }
            while next < min(8, count) { add() }
            while let arn = try await group.next() {
                arns.append(arn)
                if next < count { add() }
            }
            return arns
        }
    }

    private func startOne(_ client: BatonClient, _ machine: String, name: String) async throws -> String {
        let arn = machine.replacingOccurrences(of: ":stateMachine:", with: ":execution:") + ":\(name)"
        let request: JSON = ["stateMachineArn": .string(machine), "name": .string(name), "input": "{}"]
        let end = ContinuousClock.now.advanced(by: .seconds(60))
        while true {
            do {
                _ = try await client.command("StartExecution", request: request.serialized, timeout: .seconds(5))
                return arn
            } catch let error as RemoteError where error.type == "ExecutionAlreadyExists" {
                return arn  // an earlier attempt started it and its reply was lost in the failover
            } catch {
                guard ContinuousClock.now < end else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// The terminal events the observer received, by execution ARN.
private final class ClusterLedger: Sendable {
    private let events = Mutex<[String: [String]]>([:])

    func event(_ body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let arn = object["executionArn"] as? String
        else { return }
        let status = object["status"] as? String ?? "?"
        events.withLock { $0[arn, default: []].append(status) }
    }

    /// Executions with at least one terminal event.
    var ended: Int { events.withLock { $0.count } }

    /// How many of `arns` have a terminal event.
    func ended(_ arns: [String]) -> Int { events.withLock { events in arns.count { events[$0] != nil } } }

    /// Those of `arns` with two different terminal events (repeats of one event are at-least-once delivery).
    func conflicting(_ arns: [String]) -> [String] {
        events.withLock { events in arns.filter { Set(events[$0] ?? []).count > 1 } }
    }
}
