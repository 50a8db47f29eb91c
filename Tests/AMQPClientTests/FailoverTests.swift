import AMQPClient
import BatonTestSupport
import Synchronization
import Testing

/// Connections given several broker addresses (one per cluster node): connect and reconnect try them in turn.
@Suite struct FailoverTests {
    @Test func aDeadFirstAddressIsSkippedOnConnect() async throws {
        var configuration = try TestBroker.configuration()
        let live = configuration.endpoints[0]
        configuration.endpoints.insert(.init(host: "127.0.0.1", port: 1), at: 0)
        let queue = TestBroker.uniqueName("failover-connect")
        try await withConnection(configuration, deleting: [queue]) { connection in
            #expect(connection.currentEndpoint == live)
            try await connection.declare(QueueDeclaration(name: queue))
            try await connection.publish([1], routingKey: queue)
            #expect(try await connection.queueStatus(queue).messages == 1)
        }
    }

    @Test func noLiveAddressIsReportedWithEveryAddressTried() async throws {
        var configuration = try TestBroker.configuration()
        configuration.endpoints = [.init(host: "127.0.0.1", port: 1), .init(host: "127.0.0.1", port: 2)]
        let error = await #expect(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        }
        #expect(error?.code == .connectionRefused)
        #expect(error?.message.contains("127.0.0.1:1") == true && error?.message.contains("127.0.0.1:2") == true)
    }

    /// Node A (a node of the test's own) and the shared test broker stand for two cluster nodes: stopping A
    /// moves the connection to the shared broker, which gets the recorded topology and the consumer again.
    @Test func stoppingTheConnectedNodeMovesTheConnectionToTheNextAddress() async throws {
        let node = try PrivateBrokerNode(name: "amqptest-failover", port: 5693)
        try await node.whileRunning { try await failOver(stopping: node) }
    }

    private func failOver(stopping node: PrivateBrokerNode) async throws {
        var configuration = try TestBroker.configuration(clientName: "failover-test")
        let shared = configuration.endpoints[0]
        let own = AMQPConfiguration.Endpoint(host: "127.0.0.1", port: node.port)
        configuration.endpoints = [own, shared]
        let queue = TestBroker.uniqueName("failover")
        let connection = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        #expect(connection.currentEndpoint == own)
        try await connection.declare(QueueDeclaration(name: queue))
        let consumer = try await connection.consume(queue: queue, prefetch: 100)
        let received = Mutex<Set<Int>>([])
        let reader = Task {
            for try await delivery in consumer.deliveries {
                _ = received.withLock { $0.insert(Int(String(decoding: delivery.body, as: UTF8.self)) ?? -1) }
                try? await delivery.ack()
            }
        }

        let tally = FailoverTally()
        let publisher = Task {
            var next = 0
            while !tally.stop.load(ordering: .relaxed) {
                await withTaskGroup(of: Void.self) { group in
                    for id in next..<(next + 10) {
                        group.addTask {
                            do {
                                try await connection.publish(Array("\(id)".utf8), routingKey: queue)
                                _ = tally.confirmed.withLock { $0.insert(id) }
                            } catch let error as AMQPError {
                                tally.failures.withLock { $0.append(error.code) }
                            } catch {
                                tally.failures.withLock { $0.append(.protocolError) }
                            }
                        }
                    }
                }
                next += 10
                if !connection.isConnected { try? await Task.sleep(for: .milliseconds(20)) }
            }
        }
        try await waitUntil("confirms on the first node") { tally.confirmed.withLock { $0.count } >= 100 }
        try await node.stop()
        try await waitUntil(deadline: .seconds(20), "the failover") {
            connection.reconnectCount >= 1 && connection.currentEndpoint == shared
        }
        let failedOverAt = tally.confirmed.withLock { $0.count }
        try await waitUntil(deadline: .seconds(30), "confirms on the second node") {
            tally.confirmed.withLock { $0.count } >= failedOverAt + 100
        }
        tally.stop.store(true, ordering: .relaxed)
        await publisher.value
        let afterFailover = try await connection.queueStatus(queue)
        #expect(afterFailover.consumers == 1, "the consumer is subscribed again on the second node")
        let confirmedLate = tally.confirmed.withLock { $0 }.sorted().suffix(50)
        try await waitUntil(deadline: .seconds(20), "deliveries of messages confirmed after the failover") {
            received.withLock { received in confirmedLate.allSatisfy { received.contains($0) } }
        }
        let failures = tally.failures.withLock { $0 }
        #expect(!failures.isEmpty, "stopping the node should have failed some unconfirmed publishes")
        #expect(failures.allSatisfy { $0 == .connectionLost }, "\(Set(failures.map(\.description)))")
        reader.cancel()
        _ = try? await connection.deleteQueue(queue)
        await connection.close()
    }
}

/// What the failover test's publisher saw, shared between its tasks.
private final class FailoverTally: Sendable {
    let confirmed = Mutex<Set<Int>>([])
    let failures = Mutex<[AMQPError.Code]>([])
    let stop = Atomic(false)
}
