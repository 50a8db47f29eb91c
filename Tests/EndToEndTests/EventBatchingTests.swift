import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Synchronization
import Testing

/// `--event-batching on` through the real orchestrator process and the real broker: terminal events committed
/// together leave as one message per status (header `x-baton-events`, a JSON array), and every execution's event
/// still arrives exactly once — read through `ExecutionEvents`, as every consumer in the project reads them.
@Suite(.serialized) struct EventBatchingTests {
    @Test func eventsCommittedTogetherShareAMessageAndEachExecutionEndsExactlyOnce() async throws {
        try await withTaskSystem("event-batching", environment: ["BATON_EVENT_BATCHING": "on"]) {
            system, client, inbox, queue in
            let eventsQueue = system.names.replyQueue("events-\(UUID().uuidString.prefix(8).lowercased())")
            try await system.bus.declareExchange(system.names.eventsExchange, type: "topic")
            try await system.bus.declare(QueueSpec(eventsQueue, exclusive: true))
            try await system.bus.bind(
                queue: eventsQueue, exchange: system.names.eventsExchange, routingKey: "execution.*", exclusive: true)
            let seen = Mutex((messages: [Int](), events: [JSONObject]()))
            let stream = try await system.bus.consume(eventsQueue, prefetch: 512)
            let collector = Task {
                for try await delivery in stream {
                    let events = ExecutionEvents.objects(in: delivery.message)
                    let header = delivery.message.headers[ExecutionEvents.countHeader]
                    #expect(header == nil ? events.count == 1 : header == String(events.count))
                    seen.withLock {
                        $0.messages.append(events.count)
                        $0.events += events
                    }
                    try await delivery.settle(.ack)
                }
            }
            defer { collector.cancel() }

            let count = 200
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { _ = try await client.startExecution(machine, name: "e\(index)") }
                }
                try await group.waitForAll()
            }
            var tokens: [String] = []
            for _ in 0..<count { tokens.append(try #require(try await inbox.next().token)) }
            // All callbacks at once, so the orchestrator takes them in a few batches and commits them together.
            try await system.publishSuccessCallbacks(tokens)
            try await waitUntil(deadline: .seconds(30), "\(count) terminal events") {
                seen.withLock { $0.events.count >= count }
            }
            let (messages, events) = seen.withLock { ($0.messages, $0.events) }
            let names = events.compactMap { $0["name"]?.stringValue }
            #expect(Set(names) == Set((0..<count).map { "e\($0)" }))
            #expect(names.count == count, "an execution's event arrived twice")
            #expect(events.allSatisfy { $0["status"]?.stringValue == "SUCCEEDED" })
            #expect(messages.reduce(0, +) == count)
            #expect(messages.count < count, "no two events shared a message: \(messages.count) messages")
            #expect(messages.contains { $0 > 1 })
        }
    }
}
