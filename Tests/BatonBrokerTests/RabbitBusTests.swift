import AMQPClient
import BatonBroker
import BatonProtocol
import BatonTestSupport
import Logging
import Testing

/// `RabbitBus` against the real private broker; every test uses its own name prefix and deletes what it made.
@Suite struct RabbitBusTests {
    let logger = Logger(label: "test.bus")

    func withBus(_ body: (RabbitBus, Names) async throws -> Void) async throws {
        let names = Names(prefix: TestBroker.uniqueName("bus"))
        let bus = try await RabbitBus.connect(
            configuration: .init(amqp: try TestBroker.configuration(clientName: "bus-tests"), names: names),
            logger: logger
        )
        do {
            try await body(bus, names)
        } catch {
            _ = try? await bus.deleteQueue(names.deadLetterQueue)
            try? await bus.deleteExchange(names.deadLetterExchange)
            await bus.close()
            throw error
        }
        try await bus.deleteQueue(names.deadLetterQueue)
        try await bus.deleteExchange(names.deadLetterExchange)
        await bus.close()
    }

    @Test func messagesKeepBodyHeadersAndReplyProperties() async throws {
        try await withBus { bus, names in
            let queue = names.functionQueue("echo")
            try await bus.declare(QueueSpec(queue))
            let sent = BusMessage(
                body: Array(#"{"hello":"world"}"#.utf8), headers: ["traceparent": "00-abc-def-01"],
                correlationID: "c-1", replyTo: "replies", messageID: "m-1")
            try await bus.publish(sent, toQueue: queue)
            var deliveries = try await bus.consume(queue, prefetch: 4).makeAsyncIterator()
            let delivery = try #require(try await deliveries.next())
            #expect(delivery.message == sent)
            #expect(delivery.queue == queue)
            #expect(!delivery.redelivered)
            try await delivery.settle(.ack)
            #expect(try await bus.deleteQueue(queue) == 0)
        }
    }

    @Test func publishingToAMissingQueueFailsInsteadOfVanishing() async throws {
        try await withBus { bus, names in
            await #expect(throws: AMQPError.self) {
                try await bus.publish(BusMessage(body: Array("{}".utf8)), toQueue: names.functionQueue("nobody"))
            }
        }
    }

    @Test func requeuedMessagesComeBackMarkedRedelivered() async throws {
        try await withBus { bus, names in
            let queue = names.callbackQueue
            try await bus.declare(QueueSpec(queue))
            try await bus.publish(BusMessage(body: Array("{}".utf8)), toQueue: queue)
            var deliveries = try await bus.consume(queue, prefetch: 1).makeAsyncIterator()
            try await #require(try await deliveries.next()).settle(.requeue)
            let again = try #require(try await deliveries.next())
            #expect(again.redelivered)
            try await again.settle(.ack)
            try await bus.deleteQueue(queue)
        }
    }

    @Test func deadLetteredMessagesKeepTheirReasonAndLeaveTheQueue() async throws {
        try await withBus { bus, names in
            let queue = names.callbackQueue
            try await bus.declare(QueueSpec(queue))
            try await bus.publish(BusMessage(body: Array("not json".utf8)), toQueue: queue)
            var deliveries = try await bus.consume(queue, prefetch: 1).makeAsyncIterator()
            try await #require(try await deliveries.next()).settle(.deadLetter(reason: "malformedJSON: not JSON"))
            var dead = try await bus.consume(names.deadLetterQueue, prefetch: 1).makeAsyncIterator()
            let kept = try #require(try await dead.next())
            #expect(kept.message.body == Array("not json".utf8))
            #expect(kept.message.headers[RabbitBus.deadLetterReasonHeader] == "malformedJSON: not JSON")
            #expect(kept.message.headers[RabbitBus.deadLetterQueueHeader] == queue)
            try await kept.settle(.ack)
            try await waitUntil("the callback queue to be empty") { try await bus.messageCount(queue) == 0 }
            try await bus.deleteQueue(queue)
        }
    }
}

extension RabbitBusTests {
    @Test func exclusiveReplyQueuesWorkAndVanishWithTheBus() async throws {
        let names = Names(prefix: TestBroker.uniqueName("bus"))
        let configuration = RabbitBus.Configuration(amqp: try TestBroker.configuration(), names: names)
        let asker = try await RabbitBus.connect(configuration: configuration, logger: logger)
        let replies = names.replyQueue("asker")
        try await asker.declare(QueueSpec(replies, exclusive: true))
        try await asker.publish(BusMessage(body: Array("{}".utf8), correlationID: "r1"), toQueue: replies)
        var deliveries = try await asker.consume(replies, prefetch: 8).makeAsyncIterator()
        let reply = try #require(try await deliveries.next())
        #expect(reply.message.correlationID == "r1")
        try await reply.settle(.ack)
        await asker.close()
        let observer = try await RabbitBus.connect(configuration: configuration, logger: logger)
        await #expect(throws: (any Error).self) { try await observer.messageCount(replies) }
        try await observer.deleteQueue(names.deadLetterQueue)
        try await observer.deleteExchange(names.deadLetterExchange)
        await observer.close()
    }
}
