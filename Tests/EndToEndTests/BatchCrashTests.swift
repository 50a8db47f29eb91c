import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Synchronization
import Testing

/// kill -9 of the orchestrator in the middle of a large batch of callbacks (`--crash-at`, the failure lab's hook):
/// right after the batch committed and before its outbox rows were handed to the broker, and right after that but
/// before its deliveries were acked. Restarted on the same store, the orchestrator republishes the outbox and the
/// broker redelivers the callbacks; every execution must end exactly once — SUCCEEDED, one TaskSucceeded in its
/// history, never two different terminal events — and every redelivered callback must be refused, not applied
/// again.
@Suite(.serialized) struct BatchCrashTests {
    @Test(arguments: ["after-commit", "before-ack"])
    func killedInTheMiddleOfALargeBatchEachExecutionEndsExactlyOnce(point: String) async throws {
        let count = 120
        try await withTaskSystem("batch-crash-\(point)", environment: ["BATON_CRASH_AT": "\(point):20"]) {
            system, client, inbox, queue in
            let eventsQueue = system.names.replyQueue("events-\(UUID().uuidString.prefix(8).lowercased())")
            try await system.bus.declareExchange(system.names.eventsExchange, type: "topic")
            try await system.bus.declare(QueueSpec(eventsQueue, deadLettered: false))
            system.track(queue: eventsQueue)
            try await system.bus.bind(
                queue: eventsQueue, exchange: system.names.eventsExchange, routingKey: "execution.*")
            let events = Mutex([String: [String]]())
            let stream = try await system.bus.consume(eventsQueue, prefetch: 512)
            let collector = Task {
                for try await delivery in stream {
                    for event in ExecutionEvents.objects(in: delivery.message) {
                        guard let name = event["name"]?.stringValue else { continue }
                        events.withLock { $0[name, default: []].append(event["status"]?.stringValue ?? "?") }
                    }
                    try await delivery.settle(.ack)
                }
            }
            defer { collector.cancel() }

            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            var executions: [String: String] = [:]
            for index in 0..<count {
                executions["e\(index)"] = try await client.startExecution(machine, name: "e\(index)")
            }
            var tokens: [String] = []
            for _ in 0..<count { tokens.append(try #require(try await inbox.next().token)) }
            // The callbacks at once, without replies: the orchestrator takes them in batches, and the first batch of
            // 20 or more kills it at the crash point.
            try await system.publishSuccessCallbacks(tokens)
            try await system.orchestrator.waitForExit(deadline: .seconds(20))
            #expect(system.orchestrator.log().contains("crashing at \(point)"))

            try await system.restartOrchestrator(crash: false, environment: ["BATON_CRASH_AT": ""])
            for (name, execution) in executions {
                let description = try await client.waitForEnd(execution, deadline: .seconds(30))
                #expect(description["status"]?.stringValue == "SUCCEEDED", "\(name)")
            }
            try await waitUntil(deadline: .seconds(30), "a terminal event for each execution") {
                events.withLock { $0.count >= count }
            }
            for (name, execution) in executions {
                let types = try await client.historyTypes(execution)
                #expect(types.filter { $0 == "TaskSucceeded" }.count == 1, "\(name) applied \(types)")
                #expect(types.filter { $0 == "ExecutionSucceeded" }.count == 1, "\(name) ended \(types)")
                let seen = events.withLock { $0[name] ?? [] }
                #expect(Set(seen) == ["SUCCEEDED"], "\(name): terminal events \(seen)")
            }
            let log = system.orchestrator.log()
            #expect(!log.contains("callback not applied"))
        }
    }
}
