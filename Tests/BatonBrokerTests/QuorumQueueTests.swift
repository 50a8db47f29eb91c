import AMQPClient
import BatonBroker
import BatonProtocol
import BatonTestSupport
import Logging
import Testing

/// `BATON_QUEUE_TYPE=quorum`: what `RabbitBus` declares, checked on the real broker (a single node runs quorum
/// queues too, with one replica).
@Suite struct QuorumQueueTests {
    let logger = Logger(label: "test.bus.quorum")

    @Test func quorumDeclarationsAreDurableWithAtLeastOnceDeadLetteringAndReplyQueuesStayClassic() {
        let configuration = RabbitBus.Configuration(
            amqp: AMQPConfiguration(), names: Names(prefix: "q"), queueType: .quorum)
        let tasks = configuration.declaration(of: QueueSpec("q.function.echo"))
        #expect(tasks.durable && !tasks.exclusive && !tasks.autoDelete)
        #expect(tasks.arguments["x-queue-type"] == "quorum")
        #expect(tasks.arguments["x-dead-letter-exchange"] == "q.dead-letter")
        #expect(tasks.arguments["x-dead-letter-strategy"] == "at-least-once")
        #expect(tasks.arguments["x-overflow"] == "reject-publish")
        let deadLetters = configuration.declaration(of: QueueSpec("q.dead-letter", deadLettered: false))
        #expect(deadLetters.arguments == ["x-queue-type": "quorum"])
        let replies = configuration.declaration(of: QueueSpec("q.replies.x", exclusive: true))
        #expect(replies.arguments == ["x-queue-type": "classic"] && replies.exclusive && !replies.durable)
        let classic = RabbitBus.Configuration(amqp: AMQPConfiguration(), names: Names(prefix: "q"))
        #expect(classic.declaration(of: QueueSpec("q.callbacks")).arguments["x-dead-letter-strategy"] == nil)
    }

    @Test func quorumBusQueuesAreQuorumOnTheBrokerAndDeadLetterRejectedMessages() async throws {
        let names = Names(prefix: TestBroker.uniqueName("quorum-bus"))
        let bus = try await RabbitBus.connect(
            configuration: .init(
                amqp: try TestBroker.configuration(clientName: "quorum-tests"), names: names, queueType: .quorum),
            logger: logger)
        let admin = try await AMQPConnection.connect(configuration: try TestBroker.configuration(), logger: logger)
        let queue = names.functionQueue("echo")
        let replies = names.replyQueue("quorum-test")
        do {
            try await bus.declare(QueueSpec(queue))
            try await bus.declare(QueueSpec(replies, exclusive: true))
            // The broker holds the queue as quorum: declaring it classic is refused as inequivalent.
            let mismatch = await #expect(throws: AMQPError.self) {
                try await admin.declare(QueueDeclaration(name: queue, type: .classic))
            }
            #expect(mismatch?.replyCode == 406)
            // A broker-side rejection (nack without requeue) reaches Baton's dead-letter queue.
            try await bus.publish(BusMessage(body: Array("{}".utf8)), toQueue: queue)
            let consumer = try await admin.consume(queue: queue, prefetch: 1)
            var deliveries = consumer.deliveries.makeAsyncIterator()
            try await #require(try await deliveries.next()).nack(requeue: false)
            try await waitUntil("the rejected message in the dead-letter queue") {
                try await bus.messageCount(names.deadLetterQueue) == 1
            }
            // The reply queue is a classic exclusive queue and works as before.
            try await bus.publish(BusMessage(body: Array("{}".utf8), correlationID: "r1"), toQueue: replies)
            var answers = try await bus.consume(replies, prefetch: 1).makeAsyncIterator()
            #expect(try #require(try await answers.next()).message.correlationID == "r1")
        } catch {
            await cleanUp(bus, admin, names, queue)
            throw error
        }
        await cleanUp(bus, admin, names, queue)
    }

    @Test func quorumQueuesThatCannotExistAreRefusedBeforeAskingTheBroker() async throws {
        let connection = try await AMQPConnection.connect(configuration: try TestBroker.configuration(), logger: logger)
        let name = TestBroker.uniqueName("quorum-exclusive")
        let error = await #expect(throws: AMQPError.self) {
            try await connection.declare(QueueDeclaration(name: name, type: .quorum, durable: false, exclusive: true))
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(connection.reconnectCount == 0 && connection.isConnected)
        await connection.close()
    }

    private func cleanUp(_ bus: RabbitBus, _ admin: AMQPConnection, _ names: Names, _ queue: String) async {
        _ = try? await admin.deleteQueue(queue)
        _ = try? await admin.deleteQueue(names.deadLetterQueue)
        try? await admin.deleteExchange(names.deadLetterExchange)
        await admin.close()
        await bus.close()
    }
}
