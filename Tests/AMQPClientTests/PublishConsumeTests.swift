import AMQPClient
import BatonTestSupport
import Testing

@Suite struct PublishConsumeTests {
    @Test func publishedMessageIsConsumedWithItsProperties() async throws {
        let queue = TestBroker.uniqueName("roundtrip")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            let consumer = try await connection.consume(queue: queue, prefetch: 4)
            let properties = AMQPProperties(
                contentType: "application/json",
                correlationID: "corr-1",
                replyTo: "replies",
                messageID: "msg-1",
                timestamp: 1_700_000_000,
                expiration: "60000",
                headers: ["attempt": 3, "kind": "task", "urgent": true]
            )
            try await connection.publish(Array(#"{"n":1}"#.utf8), routingKey: queue, properties: properties)
            let delivery = try #require(try await nextDelivery(consumer))
            #expect(String(decoding: delivery.body, as: UTF8.self) == #"{"n":1}"#)
            #expect(delivery.properties == properties)
            #expect(delivery.headers["attempt"]?.intValue == 3)
            #expect(delivery.headers["kind"]?.stringValue == "task")
            #expect(delivery.headers["urgent"]?.boolValue == true)
            #expect(delivery.routingKey == queue)
            #expect(delivery.exchange == "")
            #expect(!delivery.redelivered)
            try await delivery.ack()
            await consumer.cancel()
            try await waitUntil("the ack to empty the queue") {
                try await connection.queueStatus(queue).messages == 0
            }
        }
    }

    @Test func thousandPipelinedPublishesAreAllConfirmed() async throws {
        let queue = TestBroker.uniqueName("pipelined")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            let confirmed = try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        try await connection.publish(
                            Array("message \(index)".utf8), routingKey: queue,
                            properties: AMQPProperties(messageID: "\(index)")
                        )
                    }
                }
                var count = 0
                for try await _ in group { count += 1 }
                return count
            }
            #expect(confirmed == 1000)
            #expect(try await connection.queueStatus(queue).messages == 1000)
        }
    }

    /// A declaration queued right behind a burst of publishes is answered at once: the connection thread writes
    /// bursts with TCP_CORK set, and a request it then waits on must not be held back in the kernel with them
    /// (the kernel lets corked data go after 200 ms: 128 first-use queue declarations stalled starts ~26 s). Fifty
    /// such declarations take well under a second; held back, they would take 10 s.
    @Test func declarationRightAfterABurstOfPublishesIsNotHeldBack() async throws {
        let queue = TestBroker.uniqueName("burst")
        let declared = (0..<50).map { TestBroker.uniqueName("burst-declared-\($0)") }
        try await withConnection(deleting: [queue] + declared) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            var declaring = Duration.zero
            for name in declared {
                for index in 0..<20 {
                    connection.publish(Array("burst \(index)".utf8), routingKey: queue) { _ in }
                }
                let began = ContinuousClock.now
                try await connection.declare(QueueDeclaration(name: name))
                declaring += ContinuousClock.now - began
            }
            #expect(declaring < .seconds(3), "50 declarations behind bursts of publishes took \(declaring)")
            try await waitUntil("every burst publish to arrive") {
                try await connection.queueStatus(queue).messages == 1000
            }
        }
    }

    @Test func unroutableMandatoryPublishFailsAndTheNextPublishWorks() async throws {
        let queue = TestBroker.uniqueName("routable")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            let error = await #expect(throws: AMQPError.self) {
                try await connection.publish([1, 2, 3], routingKey: TestBroker.uniqueName("nowhere"), mandatory: true)
            }
            #expect(error?.code == .unroutable)
            #expect(error?.replyCode == 312)
            try await connection.publish([4], routingKey: queue, mandatory: true)
            #expect(try await connection.queueStatus(queue).messages == 1)
        }
    }

    @Test func unackedMessageIsRedeliveredToTheNextConsumer() async throws {
        let queue = TestBroker.uniqueName("redelivery")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            try await connection.publish(Array("work".utf8), routingKey: queue)

            let first = try await AMQPConnection.connect(configuration: TestBroker.configuration(), logger: testLogger)
            let firstConsumer = try await first.consume(queue: queue, prefetch: 1)
            let unacked = try #require(try await nextDelivery(firstConsumer))
            #expect(!unacked.redelivered)
            await first.close()  // disconnect without acking

            let second = try await AMQPConnection.connect(configuration: TestBroker.configuration(), logger: testLogger)
            let secondConsumer = try await second.consume(queue: queue, prefetch: 1)
            let redelivered = try #require(try await nextDelivery(secondConsumer))
            #expect(redelivered.redelivered)
            #expect(redelivered.body == Array("work".utf8))
            try await redelivered.ack()
            await second.close()
        }
    }

    @Test func oneMebibyteMessageRoundTrips() async throws {
        let queue = TestBroker.uniqueName("large")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            var generator = SystemRandomNumberGenerator()
            let body = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let consumer = try await connection.consume(queue: queue, prefetch: 1)
            try await connection.publish(body, routingKey: queue)
            let delivery = try #require(try await nextDelivery(consumer))
            #expect(delivery.body.count == 1 << 20)
            #expect(delivery.body == body)
            try await delivery.ack()
        }
    }

    @Test func bodyOverTheConfiguredMaximumIsRefusedBeforeSending() async throws {
        var configuration = try TestBroker.configuration()
        configuration.maxMessageSize = 1024
        try await withConnection(configuration) { connection in
            let error = await #expect(throws: AMQPError.self) {
                try await connection.publish([UInt8](repeating: 0, count: 1025), routingKey: "unused")
            }
            #expect(error?.code == .messageTooLarge)
        }
    }

    @Test func quorumQueueWithDeadLetterArgumentsAndNackDeadLetters() async throws {
        let queue = TestBroker.uniqueName("quorum")
        let dead = TestBroker.uniqueName("dead")
        try await withConnection(deleting: [queue, dead]) { connection in
            try await connection.declare(QueueDeclaration(name: dead))
            try await connection.declare(
                QueueDeclaration(name: queue, type: .quorum, deadLetterExchange: "", deadLetterRoutingKey: dead)
            )
            let consumer = try await connection.consume(queue: queue, prefetch: 1)
            try await connection.publish([42], routingKey: queue)
            let delivery = try #require(try await nextDelivery(consumer))
            try await delivery.nack(requeue: false)
            try await waitUntil("the nacked message to be dead-lettered") {
                try await connection.queueStatus(dead).messages == 1
            }
        }
    }

    @Test func failedDeclarationReportsChannelCloseAndConnectionStaysUsable() async throws {
        let queue = TestBroker.uniqueName("mismatch")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            let error = await #expect(throws: AMQPError.self) {
                try await connection.declare(QueueDeclaration(name: queue, type: .quorum))
            }
            #expect(error?.code == .channelClosed)
            #expect(error?.replyCode == 406)
            try await connection.declare(QueueDeclaration(name: queue))
            try await connection.publish([1], routingKey: queue)
            #expect(connection.reconnectCount == 0)
        }
    }
}
