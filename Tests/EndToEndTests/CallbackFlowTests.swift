import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// The callback pattern through the real orchestrator process and the real broker; the test plays the worker.
@Suite(.serialized) struct CallbackFlowTests {
    @Test func successCallbackCompletesTheExecution() async throws {
        let system = try await SystemFixture(label: "cb-ok")
        do {
            try await system.withClient { client in
                let queue = "\(system.names.prefix).seed1"
                try await TaskInbox.with(queue, on: system) { inbox in
                    let machine = try await client.createStateMachine(
                        "seed1", definition: Definitions.waitForCallback(queue: queue))
                    let execution = try await client.startExecution(machine, input: #"{"order": 7}"#)
                    let task = try await inbox.next()
                    let token = try #require(task.token)
                    #expect(task.body.contains(#""order":7"#))
                    #expect(try await client.succeed(token, output: #"{"ok": true}"#) == nil)
                    let end = try await client.waitForEnd(execution)
                    #expect(end["status"]?.stringValue == "SUCCEEDED")
                    #expect(try JSON(parsing: end["output"]?.stringValue ?? "") == ["ok": true])
                    #expect(
                        try await client.historyTypes(execution) == [
                            "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                            "TaskSucceeded",
                            "TaskStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded",
                        ])
                    #expect(try await client.succeed(token) == "TaskTimedOut")
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
