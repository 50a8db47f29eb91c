import BatonTestSupport
import Testing

@testable import AMQPClient

/// Deliveries handed over in batches, and acks that leave as one `basic.ack` with `multiple`.
@Suite struct BatchConsumeTests {
    /// Everything already in the queue arrives in a few batches, not one element per message, and acking each batch
    /// settles exactly its deliveries: nothing comes back after the consumer is cancelled.
    @Test func queuedMessagesArriveInBatchesAndOneAckPerBatchSettlesThem() async throws {
        let queue = TestBroker.uniqueName("batches")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            try await publish(300, to: queue, on: connection)
            let consumer = try await connection.consumeBatches(queue: queue, prefetch: 1000)
            var received = 0
            var batches = 0
            var largest = 0
            for try await batch in consumer.batches {
                batches += 1
                largest = max(largest, batch.deliveries.count)
                #expect(
                    batch.deliveries.map(\.deliveryTag)
                        == Array(UInt64(received + 1)...UInt64(received + batch.deliveries.count)))
                received += batch.deliveries.count
                try batch.ack()
                if received >= 300 { break }
            }
            #expect(received == 300)
            #expect(largest > 1, "a batch should hold every delivery read at one wake-up")
            #expect(batches < 300)
            await consumer.cancel()
            try await waitUntil("the acks to empty the queue") {
                try await connection.queueStatus(queue).messages == 0
            }
        }
    }

    /// Acks made in any order and split across calls, with gaps left open, settle only the acked deliveries: the
    /// channel stays open (a wrong multiple ack would close it), and the unacked ones return when the consumer goes.
    @Test func acksInAnyOrderWithGapsSettleExactlyTheAckedDeliveries() async throws {
        let queue = TestBroker.uniqueName("gaps")
        try await withConnection(deleting: [queue]) { connection in
            try await connection.declare(QueueDeclaration(name: queue))
            try await publish(60, to: queue, on: connection)
            let consumer = try await connection.consume(queue: queue, prefetch: 100)
            var iterator = consumer.deliveries.makeAsyncIterator()
            var deliveries: [AMQPDelivery] = []
            while deliveries.count < 60, let delivery = try await iterator.next() { deliveries.append(delivery) }
            let kept: Set<Int> = [0, 7, 31, 59]  // never acked: back in the queue at the end
            let even = deliveries.indices.filter { $0 % 2 == 0 && !kept.contains($0) }
            let odd = deliveries.indices.filter { $0 % 2 == 1 && !kept.contains($0) }
            try AMQPDelivery.settle(even.map { deliveries[$0] }, .ack())
            for index in odd.reversed() { try await deliveries[index].ack() }
            // The channel is still open: a new message still arrives on it, and can be acked.
            try await connection.publish(Array("late".utf8), routingKey: queue)
            let late = try #require(try await iterator.next())
            #expect(String(decoding: late.body, as: UTF8.self) == "late")
            try await late.ack()
            try await waitUntil("the acks to reach the broker") {
                try await connection.queueStatus(queue).messages == 0
            }
            await consumer.cancel()
            try await waitUntil("the unacked deliveries to return") {
                try await connection.queueStatus(queue).messages == kept.count
            }
            let returned = try await connection.consumeBatches(queue: queue, prefetch: 10)
            var bodies: [String] = []
            for try await batch in returned.batches {
                bodies += batch.deliveries.map { String(decoding: $0.body, as: UTF8.self) }
                try batch.ack()
                if bodies.count >= kept.count { break }
            }
            #expect(Set(bodies) == Set(kept.map { String(decoding: deliveries[$0].body, as: UTF8.self) }))
            await returned.cancel()
        }
    }

    /// The ledger's own rules: a contiguous run leaves as one multiple ack whose tag is newly acked, acks above a
    /// gap leave one by one, tags settled otherwise are skipped over and never acked twice.
    @Test func ackLedgerSendsOneMultipleAckPerContiguousRun() {
        var ledger = AckLedger()
        for tag: UInt64 in [3, 1, 2] { ledger.ack(tag) }
        #expect(ledger.flush() == [.ack(tag: 3, multiple: true)])
        ledger.ack(5)
        ledger.ack(6)
        #expect(ledger.flush() == [.ack(tag: 5, multiple: false), .ack(tag: 6, multiple: false)])  // 4 is open
        ledger.settledNow(4, multiple: false)  // a nack or reject closes the gap
        #expect(ledger.settledBelow == 7)
        ledger.ack(9)
        ledger.settledNow(7, multiple: false)
        ledger.ack(8)
        ledger.ack(8)  // acked twice by mistake: sent once
        #expect(ledger.flush() == [.ack(tag: 9, multiple: true)])
        ledger.ack(9)  // already settled: ignored
        #expect(ledger.flush() == [])
        ledger.ack(12)
        ledger.settledNow(11, multiple: true)  // the application's own multiple settlement covers 10 and 11
        #expect(ledger.flush() == [.ack(tag: 12, multiple: true)])
    }

    private func publish(_ count: Int, to queue: String, on connection: AMQPConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await connection.publish(Array("message \(index)".utf8), routingKey: queue)
                }
            }
            try await group.waitForAll()
        }
    }
}
