import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Synchronization
import Testing

/// `x-baton-reply: errors` through the real orchestrator process and the real broker: accepted callbacks get no
/// reply, refused ones still do.
@Suite(.serialized) struct CallbackReplyModeFlowTests {
    @Test func orchestratorAnswersOnlyTheRefusedOneOfTwoErrorsModeCallbacks() async throws {
        try await withTaskSystem("reply-errors") { system, client, inbox, queue in
            let replyQueue = system.names.replyQueue("test-\(UUID().uuidString.prefix(8).lowercased())")
            try await system.bus.declare(QueueSpec(replyQueue, exclusive: true))
            let stream = try await system.bus.consume(replyQueue, prefetch: 16)
            let received = CollectedReplies()
            let collector = Task {
                for try await delivery in stream {
                    try await delivery.settle(.ack)
                    let reply = try CallbackReply(decoding: delivery.message.body)
                    received.list.withLock { $0.append((delivery.message.correlationID, reply)) }
                }
            }
            defer { collector.cancel() }
            func send(_ callback: Callback, id: String, mode: ReplyMode) async throws {
                var message = BusMessage(body: callback.encoded(), correlationID: id, replyTo: replyQueue)
                if mode == .errors { message.headers[ReplyMode.header] = "errors" }
                try await system.bus.publishCallback(message, taskToken: callback.taskToken, names: system.names)
            }
            func replies(_ count: Int) async throws -> [(id: String?, reply: CallbackReply)] {
                try await waitUntil(deadline: .seconds(20), "\(count) replies") {
                    received.list.withLock { $0.count >= count }
                }
                return received.list.withLock { $0 }
            }

            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            let success = Callback(taskToken: token, outcome: .success(output: #"{"ok": true}"#))
            // Accepted first: applied, and no reply.
            try await send(success, id: "accepted", mode: .errors)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
            // The same callback again: refused, and the refusal is answered.
            try await send(success, id: "duplicate", mode: .errors)
            let refusal = try #require(try await replies(1).first)
            #expect(refusal.id == "duplicate", "the accepted callback got no reply before the refusal")
            #expect(refusal.reply.errorType == "TaskTimedOut")
            // A barrier on the same reply queue (all mode, so answered whatever it says): nothing else came before.
            try await send(Callback(taskToken: "forged", outcome: .heartbeat), id: "barrier", mode: .all)
            let answered = try await replies(2)
            #expect(answered.map(\.id) == ["duplicate", "barrier"])
            #expect(answered.last?.reply.errorType != nil)
        }
    }

    @Test func workerFunctionWithCallbackRepliesErrorsCompletesExecutionsAndSeesARefusedDuplicate() async throws {
        try await withTaskSystem("reply-errors-worker") { system, client, _, _ in
            let queue = "\(system.names.prefix).orders"
            try await system.bus.declare(QueueSpec(queue))
            system.track(queue: queue)
            let worker = try system.start(
                "worker-function",
                arguments: [
                    "--functions", "callback", "--queue", queue, "--callback-replies", "errors", "--duplicate-rate",
                    "1",
                ])
            try await worker.waitForLog("consuming tasks")
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            var executions: [String] = []
            for index in 0..<3 {
                executions.append(try await client.startExecution(machine, name: "e\(index)", input: #"{"n": 1}"#))
            }
            for execution in executions {
                #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
            }
            // Every duplicate is refused, and the worker logs it as a rejection though it waited for no reply.
            try await waitUntil(deadline: .seconds(20), "3 refusals logged") {
                worker.log().components(separatedBy: "error.type=TaskTimedOut").count - 1 >= 3
            }
            #expect(!worker.log().contains("no reply to callback in time"))
        }
    }
}

/// Replies read from a test's own reply queue, in arrival order.
private final class CollectedReplies: Sendable {
    let list = Mutex<[(id: String?, reply: CallbackReply)]>([])
}
