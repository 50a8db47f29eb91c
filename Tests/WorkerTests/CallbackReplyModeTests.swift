import BatonBroker
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Logging
import Testing
import WorkerKit

/// `x-baton-reply: errors` from the worker's side, against the real broker: the test plays the orchestrator
/// (answering only refusals to such callbacks, as the orchestrator does).
@Suite struct CallbackReplyModeTests {
    @Test func errorsModeSendsTheHeaderWaitsForNothingAndCountsRefusalsAsTheyArrive() async throws {
        try await withOrchestrator(replies: { index, _ in
            index == 0 ? .accepted : .rejected("TaskTimedOut", "task already closed")
        }) { double, _ in
            let bus = try await WorkerBus.connect(
                url: try TestBroker.url(), prefix: double.names.prefix, clientName: "callback-reply-mode-test",
                logger: Logger(label: "test.worker"))
            let client = try await CallbackClient.start(
                bus: bus, names: double.names, configuration: .init(replyDeadline: .seconds(30), replyMode: .errors),
                logger: Logger(label: "test.callbacks"))
            let running = Task { try await client.run() }
            defer {
                running.cancel()
            }
            let callback = Callback(taskToken: "tok-errors", outcome: .success(output: #"{"ok":true}"#))
            // Each returns once the broker confirmed: nothing to wait for, so no answer (`nil`).
            let start = ContinuousClock.now
            #expect(try await client.send(callback) == nil)
            let pending = try await client.publish(callback)
            #expect(!pending.awaitsReply)
            #expect(await client.reply(to: pending) == nil)
            #expect(ContinuousClock.now - start < .seconds(10), "no reply deadline was waited for")

            try await waitUntil(deadline: .seconds(20), "the refusal is counted") {
                client.statistics.rejected["TaskTimedOut"] == 1
            }
            let statistics = client.statistics
            #expect(statistics.published == 2)
            #expect(statistics.accepted == 0 && statistics.unanswered == 0)
            #expect(double.repliesSent == 1, "the accepted callback got no reply")
            let messages = double.callbackMessages
            #expect(messages.count == 2)
            for message in messages {
                #expect(message.headers[ReplyMode.header] == "errors")
                #expect(message.replyTo == client.replyQueue)
                #expect(message.correlationID?.isEmpty == false)
            }
            #expect(Set(messages.compactMap(\.correlationID)).count == 2)
            running.cancel()
            _ = try? await running.value
            await bus.close()
        }
    }

    @Test func allModeIsTheDefaultAndWaitsForEveryReply() async throws {
        try await withOrchestrator { double, _ in
            let bus = try await WorkerBus.connect(
                url: try TestBroker.url(), prefix: double.names.prefix, clientName: "callback-reply-mode-test",
                logger: Logger(label: "test.worker"))
            let client = try await CallbackClient.start(
                bus: bus, names: double.names, logger: Logger(label: "test.callbacks"))
            let running = Task { try await client.run() }
            let reply = try await client.send(Callback(taskToken: "tok-all", outcome: .heartbeat))
            #expect(reply == .accepted)
            #expect(client.statistics.accepted == 1)
            #expect(double.callbackMessages.first?.headers[ReplyMode.header] == nil)
            running.cancel()
            _ = try? await running.value
            await bus.close()
        }
    }

    @Test func workerFunctionWithCallbackRepliesErrorsLogsARefusedDuplicate() async throws {
        try await withOrchestrator(replies: { index, _ in
            index == 0 ? .accepted : .rejected("TaskTimedOut", "task already closed")
        }) { double, processes in
            let worker = try ManagedProcess(
                "worker-function",
                arguments: ["--functions", "echo", "--knob", "echo.duplicate-rate=1"],
                environment: try double.environment.merging(["BATON_CALLBACK_REPLIES": "errors"]) { $1 })
            processes.append(worker)
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: #"{"n":1}"#, token: "tok-dup", integration: "lambda")
            let callbacks = try await double.waitForCallbacks(2)
            #expect(callbacks.map(\.taskToken) == ["tok-dup", "tok-dup"])
            #expect(double.callbackMessages.allSatisfy { $0.headers[ReplyMode.header] == "errors" })
            try await worker.waitForLog("error.type=TaskTimedOut")
            #expect(double.repliesSent == 1)
            #expect(!worker.log().contains("no reply to callback in time"))
        }
    }
}
