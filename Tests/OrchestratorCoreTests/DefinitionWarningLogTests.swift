import BatonProtocol
import ExecutionStore
import Foundation
import InMemoryLogging
import Logging
import StoreTestSupport
import Testing

@testable import OrchestratorCore

/// The orchestrator logs each warning of a state machine's definition once when it registers the machine:
/// CreateStateMachine (not again for an identical repeat), UpdateStateMachine with a new definition, and each
/// load of a `BATON_STATE_MACHINES` directory.
@Suite struct DefinitionWarningLogTests {
    static let hazard = """
        {"StartAt": "Work", "States": {"Work": {"Type": "Task",
          "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "http://q/work", "MessageBody.$": "$"}, "End": true}}}
        """
    static let clean = """
        {"StartAt": "Work", "States": {"Work": {"Type": "Task",
          "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 30,
          "Parameters": {"QueueUrl": "http://q/work", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}}
        """

    /// An engine on a temporary store whose logs land in `logs`.
    final class Harness: Sendable {
        let temporary: TemporaryDirectory
        let store: ExecutionStore
        let engine: Engine
        let logs = InMemoryLogHandler()

        init() throws {
            temporary = try TemporaryDirectory(label: "warnings")
            store = try temporary.open()
            let handler = logs
            engine = Engine(
                store: store, signer: TaskTokenSigner(keyBytes: Array(repeating: 3, count: 32)),
                configuration: OrchestratorConfiguration(), names: Names(prefix: "w"), clock: ManualWallClock(),
                logger: Logger(label: "test.warnings") { _ in handler })
        }

        deinit {
            try? store.close()
            try? FileManager.default.removeItem(at: temporary.url)
        }

        /// The logged warnings, as `machine-name CODE location`, in order; `clear` forgets them.
        func warnings(clear: Bool = true) -> [String] {
            let lines = logs.entries.filter { $0.metadata["diagnostic.severity"] == "WARNING" }.map { entry in
                let arn = entry.metadata["state_machine.arn"].map { "\($0)" } ?? "?"
                let name = arn.split(separator: ":").last.map(String.init) ?? arn
                return
                    "\(name) \(entry.metadata["diagnostic.code"] ?? "?") \(entry.metadata["diagnostic.location"] ?? "?")"
            }
            if clear { logs.clear() }
            return lines
        }
    }

    @Test func createLogsEachWarningOnceAndAnIdenticalRepeatLogsNothing() async throws {
        let harness = try Harness()
        _ = try await harness.engine.createStateMachine(name: "h", definition: Self.hazard)
        #expect(
            harness.warnings() == [
                "h CALLBACK_WITHOUT_TIMEOUT /States/Work", "h CALLBACK_WITHOUT_TASK_TOKEN /States/Work/Parameters",
            ])
        _ = try await harness.engine.createStateMachine(name: "h", definition: Self.hazard)
        #expect(harness.warnings() == [])
        _ = try await harness.engine.createStateMachine(name: "c", definition: Self.clean)
        #expect(harness.warnings() == [])
        _ = try await harness.engine.createStateMachine(name: "x", definition: Self.clean, type: "EXPRESS")
        #expect(harness.warnings() == ["x EXPRESS_UNSUPPORTED_PATTERN /States/Work/Resource"])
    }

    @Test func updateLogsTheNewDefinitionsWarnings() async throws {
        let harness = try Harness()
        let machine = try await harness.engine.createStateMachine(name: "u", definition: Self.clean)
        _ = try await harness.engine.updateStateMachine(
            arn: machine.arn, definition: nil, roleArn: "arn:aws:iam::1:role/r")
        #expect(harness.warnings() == [])
        _ = try await harness.engine.updateStateMachine(arn: machine.arn, definition: Self.hazard, roleArn: nil)
        #expect(harness.warnings().count == 2)
    }

    @Test func everyLoadOfADirectoryLogsItsWarningsOncePerMachine() async throws {
        let harness = try Harness()
        let directory = harness.temporary.url.appendingPathComponent("machines")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.hazard.write(to: directory.appendingPathComponent("h.asl.json"), atomically: true, encoding: .utf8)
        try Self.clean.write(to: directory.appendingPathComponent("c.asl.json"), atomically: true, encoding: .utf8)
        let expected = [
            "h CALLBACK_WITHOUT_TIMEOUT /States/Work", "h CALLBACK_WITHOUT_TASK_TOKEN /States/Work/Parameters",
        ]
        #expect(try await harness.engine.registerStateMachines(in: directory).count == 2)
        #expect(harness.warnings() == expected)
        #expect(try await harness.engine.registerStateMachines(in: directory).count == 2)
        #expect(harness.warnings() == expected)
    }

    @Test func aLoggedWarningCarriesItsMessage() async throws {
        let harness = try Harness()
        _ = try await harness.engine.createStateMachine(name: "m", definition: Self.hazard)
        let messages = harness.logs.entries.filter { $0.metadata["diagnostic.severity"] == "WARNING" }.map {
            "\($0.message)"
        }
        #expect(messages.first?.hasPrefix("state machine definition warning: the task waits for a callback") == true)
    }
}
