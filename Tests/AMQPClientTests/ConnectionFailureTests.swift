import AMQPClient
import BatonTestSupport
import Synchronization
import Testing

@Suite struct ConnectionFailureTests {
    @Test func wrongPasswordIsReportedAsAuthenticationFailure() async throws {
        var configuration = try TestBroker.configuration()
        configuration.password = "definitely-wrong"
        let error = await #expect(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("wrong user or password") == true)
    }

    @Test func nothingListeningIsReportedAsConnectionRefused() async throws {
        var configuration = try TestBroker.configuration()
        configuration.port = 1
        let error = await #expect(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        }
        #expect(error?.code == .connectionRefused)
    }

    @Test func heartbeatsKeepAnIdleConnectionAlivePastThreeIntervals() async throws {
        var configuration = try TestBroker.configuration()
        configuration.heartbeatSeconds = 1
        let queue = TestBroker.uniqueName("heartbeat")
        try await withConnection(configuration, deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            // The idle time is the behaviour under test: without heartbeats the broker drops us after ~2 s.
            try await Task.sleep(for: .seconds(4))
            try await connection.publish([1], routingKey: queue)
            #expect(connection.isConnected)
            #expect(connection.reconnectCount == 0)
        }
    }
}

/// Tests that stop or throttle a broker run on nodes of their own, never on the shared one.
@Suite struct BrokerRestartTests {
    @Test func brokerRestartMidPublishLosesNoConfirmedMessage() async throws {
        let node = try PrivateBrokerNode(name: "amqptest-restart", port: 5691)
        try await node.whileRunning { try await restartMidPublish(node) }
    }

    @Test func blockedBrokerFailsPublishAfterDeadlineThenRecovers() async throws {
        let node = try PrivateBrokerNode(name: "amqptest-blocked", port: 5692)
        try await node.whileRunning { try await blockedPublish(node) }
    }

    @Test func frozenBrokerIsDroppedAfterTheConfirmDeadlineThenPublishesGoThrough() async throws {
        let node = try PrivateBrokerNode(name: "amqptest-frozen", port: 5694)
        try await node.whileRunning { try await frozenBroker(node) }
    }

    /// A broker that hangs with its socket open (SIGSTOP): heartbeats off, only the confirm deadline can notice.
    private func frozenBroker(_ node: PrivateBrokerNode) async throws {
        var configuration = try AMQPConfiguration(url: node.url)
        configuration.heartbeatSeconds = 0
        configuration.confirmDeadline = .seconds(1)
        configuration.handshakeTimeout = .seconds(2)
        configuration.reconnectBackoff = .init(initial: .milliseconds(50), maximum: .milliseconds(300))
        let queue = TestBroker.uniqueName("frozen")
        let connection = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        try await connection.declare(QueueDeclaration(name: queue))
        try await connection.publish([0], routingKey: queue)

        try await node.freeze()
        let outcome = Mutex<Result<Void, AMQPError>?>(nil)
        let publish = Task {
            do {
                try await connection.publish([1], routingKey: queue)
                outcome.withLock { $0 = .success(()) }
            } catch let error as AMQPError {
                outcome.withLock { $0 = .failure(error) }
            } catch {
                outcome.withLock { $0 = .failure(AMQPError(.protocolError, message: "\(error)")) }
            }
        }
        do {
            // Without the deadline this publish waits for TCP to give up, hours later.
            try await waitUntil(deadline: .seconds(20), "the hung publish to fail") {
                outcome.withLock { $0 } != nil
            }
        } catch {
            try await node.thaw()
            throw error
        }
        try await node.thaw()
        _ = await publish.result
        guard case .failure(let error) = try #require(outcome.withLock { $0 }) else {
            Issue.record("a publish to a frozen broker was confirmed")
            return
        }
        #expect(error.code == .connectionLost)
        #expect("\(error)".contains("confirmed none of 1 publishes"), "\(error)")

        try await waitUntil(deadline: .seconds(30), "the reconnect") {
            connection.reconnectCount >= 1 && connection.isConnected
        }
        try await connection.publish([2], routingKey: queue)
        // [0] and [2] were confirmed; [1] may have reached the queue too, when the thawed broker read its socket.
        #expect(try await connection.queueStatus(queue).messages >= 2)
        _ = try? await connection.deleteQueue(queue)
        await connection.close()
    }

    private func restartMidPublish(_ node: PrivateBrokerNode) async throws {
        var configuration = try AMQPConfiguration(url: node.url)
        configuration.heartbeatSeconds = 2
        configuration.reconnectBackoff = .init(initial: .milliseconds(50), maximum: .milliseconds(300))
        let queue = TestBroker.uniqueName("restart")
        let sideQueue = TestBroker.uniqueName("restart-side")
        let connection = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        try await connection.declare(QueueDeclaration(name: queue))
        try await connection.declare(QueueDeclaration(name: sideQueue))
        try await connection.publish([7], routingKey: sideQueue)
        let consumer = try await connection.consume(queue: sideQueue, prefetch: 1)
        let unacked = try #require(try await nextDelivery(consumer))

        let tally = PublishTally()
        let publisher = Task {
            var next = 0
            while !tally.stop.load(ordering: .relaxed) {
                await withTaskGroup(of: Void.self) { group in
                    for id in next..<(next + 20) {
                        group.addTask {
                            do {
                                try await connection.publish(
                                    Array("\(id)".utf8), routingKey: queue,
                                    properties: AMQPProperties(messageID: "\(id)")
                                )
                                _ = tally.confirmed.withLock { $0.insert(id) }
                            } catch {
                                tally.failed.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                next += 20
                if tally.failed.withLock({ $0 }) > 0 && !connection.isConnected {
                    try? await Task.sleep(for: .milliseconds(20))  // a caller backing off while the broker is down
                }
            }
        }
        try await waitUntil("confirms before the restart") { tally.confirmed.withLock { $0.count } >= 200 }
        try await node.stop()
        try await node.start()
        try await waitUntil(deadline: .seconds(20), "the reconnect") { connection.reconnectCount >= 1 }
        let afterRestart = tally.confirmed.withLock { $0.count }
        try await waitUntil(deadline: .seconds(45), "confirms after the restart") {
            tally.confirmed.withLock { $0.count } >= afterRestart + 200
        }
        tally.stop.store(true, ordering: .relaxed)
        await publisher.value

        // Acking a delivery from before the loss reports an error instead of crashing.
        let staleAck = await #expect(throws: AMQPError.self) { try await unacked.ack() }
        #expect(staleAck?.code == .connectionLost)

        let confirmedIDs = tally.confirmed.withLock { $0 }
        let stored = try await connection.queueStatus(queue).messages
        #expect(stored >= confirmedIDs.count)
        let drain = try await connection.consume(queue: queue, prefetch: 500)
        var seen = Set<Int>()
        for try await delivery in drain.deliveries {
            seen.insert(Int(String(decoding: delivery.body, as: UTF8.self)) ?? -1)
            try await delivery.ack()
            if seen.count >= stored { break }
        }
        #expect(
            confirmedIDs.isSubset(of: seen),
            "confirmed but missing: \(confirmedIDs.subtracting(seen).sorted().prefix(10))")
        #expect(tally.failed.withLock { $0 } > 0, "the restart should have failed some in-flight publishes")
        _ = try? await connection.deleteQueue(queue)
        _ = try? await connection.deleteQueue(sideQueue)
        await connection.close()
    }

    private func blockedPublish(_ node: PrivateBrokerNode) async throws {
        var configuration = try AMQPConfiguration(url: node.url)
        configuration.blockedPublishDeadline = .milliseconds(500)
        let queue = TestBroker.uniqueName("blocked")
        let connection = try await AMQPConnection.connect(configuration: configuration, logger: testLogger)
        try await connection.declare(QueueDeclaration(name: queue))
        try await connection.publish([0], routingKey: queue)

        try await node.ctl(["set_vm_memory_high_watermark", "0.0000001"])
        // The broker announces the block when the connection next publishes; that publish waits for the alarm.
        let firstBlocked = Task { try await connection.publish([1], routingKey: queue) }
        try await waitUntil(deadline: .seconds(20), "connection.blocked") { connection.isBlocked }
        let error = await #expect(throws: AMQPError.self) { try await connection.publish([2], routingKey: queue) }
        #expect(error?.code == .blocked)

        try await node.ctl(["set_vm_memory_high_watermark", "0.4"])
        try await waitUntil(deadline: .seconds(20), "connection.unblocked") { !connection.isBlocked }
        try await firstBlocked.value
        try await connection.publish([3], routingKey: queue)
        #expect(try await connection.queueStatus(queue).messages == 3)
        _ = try? await connection.deleteQueue(queue)
        await connection.close()
    }
}

/// What the restart test's publisher saw, shared between its tasks.
private final class PublishTally: Sendable {
    let confirmed = Mutex<Set<Int>>([])
    let failed = Mutex(0)
    let stop = Atomic(false)
}
