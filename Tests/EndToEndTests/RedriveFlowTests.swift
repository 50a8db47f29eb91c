import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// RedriveExecution through the real orchestrator and broker: an execution that failed with States.Timeout
/// because nobody answered resumes with a new task message and token; only the new token is accepted, also across
/// a kill -9 of the orchestrator after the redrive.
@Suite struct RedriveFlowTests {
    /// A callback Task without Catch, so the execution fails in the Task state.
    static func definition(queue: String, timeout: Int) -> String {
        """
        {"StartAt": "Work", "States": {"Work": {"Type": "Task",
          "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
            "MessageBody": {"TaskToken.$": "$$.Task.Token", "redrive.$": "$$.Execution.RedriveCount"}},
          "TimeoutSeconds": \(timeout), "End": true}}}
        """
    }

    /// Starts an execution, lets its task time out unanswered and redrives it; returns the old and new task.
    static func failAndRedrive(
        _ client: BatonClient, _ inbox: TaskInbox, queue: String, timeout: Int
    ) async throws -> (execution: String, old: TaskInbox.Task, new: TaskInbox.Task) {
        let machine = try await client.createStateMachine("m", definition: definition(queue: queue, timeout: timeout))
        let execution = try await client.startExecution(machine, input: #"{"order": 1}"#)
        let old = try await inbox.next()
        let failed = try await client.waitForEnd(execution, deadline: .seconds(Double(timeout) + 10))
        #expect(failed["status"]?.stringValue == "FAILED")
        #expect(failed["error"]?.stringValue == "States.Timeout")
        #expect(failed["redriveStatus"]?.stringValue == "REDRIVABLE")
        let answer = try JSON(
            parsing: try await client.command("RedriveExecution", request: #"{"executionArn": "\#(execution)"}"#))
        #expect(answer["redriveDate"]?.doubleValue != nil)
        let new = try await inbox.next()
        #expect(new.token != nil && new.token != old.token)
        #expect(try JSON(parsing: new.body)["redrive"] == 1, "$$.Execution.RedriveCount in the new task")
        return (execution, old, new)
    }

    @Test func aTimedOutExecutionIsRedrivenAndOnlyTheNewTokenIsAccepted() async throws {
        try await withTaskSystem("redrive") { _, client, inbox, queue in
            let (execution, old, new) = try await Self.failAndRedrive(client, inbox, queue: queue, timeout: 2)
            #expect(try await client.describe(execution)["status"]?.stringValue == "RUNNING")
            #expect(try await client.succeed(try #require(old.token)) == "TaskTimedOut")
            #expect(try await client.succeed(try #require(new.token), output: #"{"done": true}"#) == nil)
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "SUCCEEDED")
            #expect(end["redriveCount"] == 1)
            #expect(end["redriveDate"]?.doubleValue != nil)
            #expect(try await client.succeed(try #require(new.token)) == "TaskTimedOut", "used once")
            let types = try await client.historyTypes(execution)
            #expect(types.filter { $0 == "ExecutionRedriven" }.count == 1)
            #expect(types.filter { $0 == "TaskSucceeded" }.count == 1)
            await #expect {
                _ = try await client.command("RedriveExecution", request: #"{"executionArn": "\#(execution)"}"#)
            } throws: { ($0 as? RemoteError)?.type == "ExecutionNotRedrivable" }
        }
    }

    @Test func aRedriveSurvivesAKill9OfTheOrchestrator() async throws {
        try await withTaskSystem("redrive-crash") { system, client, inbox, queue in
            let (execution, old, new) = try await Self.failAndRedrive(client, inbox, queue: queue, timeout: 5)
            try await system.restartOrchestrator(crash: true)
            #expect(try await client.succeed(try #require(old.token)) == "TaskTimedOut")
            #expect(try await client.succeed(try #require(new.token)) == nil)
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "SUCCEEDED")
            #expect(end["redriveCount"] == 1)
            let types = try await client.historyTypes(execution)
            #expect(types.filter { $0 == "ExecutionRedriven" }.count == 1)
            #expect(types.filter { $0 == "TaskScheduled" }.count == 2, "one task before and one after the redrive")
        }
    }

    @Test func theConsoleRedrivesAStoppedExecutionWithItsButton() async throws {
        try await withTaskSystem("redrive-console") { system, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Self.definition(queue: queue, timeout: 600))
            let execution = try await client.startExecution(machine)
            let old = try await inbox.next()
            _ = try await client.command("StopExecution", request: #"{"executionArn": "\#(execution)"}"#)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "ABORTED")
            let api = try #require(system.apiURL)
            let encoded = try #require(execution.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let (page, _) = try await URLSession.shared.data(
                from: try #require(URL(string: "\(api.absoluteString)/console/execution?arn=\(encoded)")))
            #expect(String(decoding: page, as: UTF8.self).contains("action=\"/console/execution/redrive\""))
            var post = URLRequest(url: api.appendingPathComponent("console/execution/redrive"))
            post.httpMethod = "POST"
            post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data("arn=\(encoded)".utf8)
            _ = try await URLSession.shared.data(for: post)
            let new = try await inbox.next()
            #expect(new.token != old.token)
            #expect(try await client.describe(execution)["redriveCount"] == 1)
            #expect(try await client.succeed(try #require(new.token)) == nil)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
            let (after, _) = try await URLSession.shared.data(
                from: try #require(URL(string: "\(api.absoluteString)/console/execution?arn=\(encoded)")))
            #expect(!String(decoding: after, as: UTF8.self).contains("/console/execution/redrive"), "no button now")
        }
    }
}
