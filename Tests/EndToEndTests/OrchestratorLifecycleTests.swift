import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// Configuration, restarts and shutdown of the real orchestrator process.
@Suite struct OrchestratorLifecycleTests {
    @Test func unknownResourcesAreRejectedWhenTheDefinitionIsCreated() async throws {
        try await withTaskSystem("resource") { _, client, _, _ in
            let definition =
                #"{"StartAt": "X", "States": {"X": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}}"#
            await #expect {
                _ = try await client.createStateMachine("bad", definition: definition)
            } throws: { error in
                guard let error = error as? RemoteError else { return false }
                return error.type == "InvalidDefinition" && error.message.contains("/States/X/Resource")
            }
        }
    }

    @Test func sameNameStartsAreIdempotentOnlyForTheSameInput() async throws {
        try await withTaskSystem("names") { _, client, _, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let first = try await client.startExecution(machine, name: "order-1", input: #"{"a": 1}"#)
            #expect(try await client.startExecution(machine, name: "order-1", input: #"{"a": 1}"#) == first)
            await #expect {
                _ = try await client.startExecution(machine, name: "order-1", input: #"{"a": 2}"#)
            } throws: { ($0 as? RemoteError)?.type == "ExecutionAlreadyExists" }
            await #expect {
                _ = try await client.startExecution(machine, name: "bad name with spaces")
            } throws: { ($0 as? RemoteError)?.type == "InvalidName" }
            await #expect {
                _ = try await client.startExecution(machine, input: "{nope")
            } throws: { ($0 as? RemoteError)?.type == "InvalidExecutionInput" }
        }
    }

    @Test func aGeneratedTokenKeyIsKeptAcrossRestarts() async throws {
        // An empty BATON_TOKEN_KEY means "not configured": the key is generated once and kept in the store.
        try await withTaskSystem("key", environment: ["BATON_TOKEN_KEY": ""]) { system, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue))
            let execution = try await client.startExecution(machine)
            let token = try #require(try await inbox.next().token)
            try await system.restartOrchestrator(crash: true)
            #expect(try await client.succeed(token) == nil)
            #expect(try await client.waitForEnd(execution)["status"]?.stringValue == "SUCCEEDED")
        }
    }

    @Test func timersThatFellDueWhileStoppedFireAtRestart() async throws {
        try await withTaskSystem("overdue") { system, client, inbox, queue in
            let machine = try await client.createStateMachine(
                "m", definition: Definitions.waitForCallback(queue: queue, timeout: 1))
            let execution = try await client.startExecution(machine)
            _ = try await inbox.next()
            try await system.orchestrator.crash()
            // Wait past the 1 s deadline while nobody is there to fire it (the wait is the behaviour under test).
            try await Task.sleep(for: .seconds(2))
            try await system.restartOrchestrator(crash: false)
            let end = try await client.waitForEnd(execution, deadline: .seconds(10))
            #expect(end["error"]?.stringValue == "CallbackTimeout")
        }
    }

    @Test func sigtermStopsGracefully() async throws {
        let system = try await SystemFixture(label: "sigterm")
        let status = await system.orchestrator.stop()
        #expect(status == 0)
        #expect(system.orchestrator.log().contains("orchestrator stopped"))
        await system.shutdown()
    }

    @Test func stateMachinesInTheConfiguredDirectoryAreRegisteredAtStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Definitions.waitForCallback(queue: "registered-q").write(
            to: directory.appendingPathComponent("registered.asl.json"), atomically: true, encoding: .utf8)
        try await withTaskSystem("register", environment: ["BATON_STATE_MACHINES": directory.path]) { _, client, _, _ in
            let described = try JSON(
                parsing: try await client.command(
                    "DescribeStateMachine",
                    request: #"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:registered"}"#))
            #expect(described["name"]?.stringValue == "registered")
        }
    }
}
