import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// The built `baton` binary against the real orchestrator: AWS CLI argument names, `--json`, and a clear error
/// with a non-zero exit for a rejected token, an unknown execution and an unreachable broker.
@Suite(.serialized) struct CLITests {
    @Test func batonStartsDescribesAnswersAndReportsFailures() async throws {
        let system = try await SystemFixture(label: "cli")
        let prefix = system.names.prefix
        let environment = try system.workerEnvironment
        try await system.run {
            let definition = system.directory.appendingPathComponent("seed1.asl.json")
            try Seeds.definition("seed1-callback", prefix: prefix).write(
                to: definition, atomically: true, encoding: .utf8)
            try await TaskInbox.with("\(prefix).seed1", on: system) { inbox in
                let created = try await CLIRun.baton(
                    ["create-state-machine", "--name", "seed1", "--definition", "file://\(definition.path)", "--json"],
                    environment: environment)
                #expect(created.status == 0, "\(created.stderr)")
                #expect(created.json["stateMachineArn"]?.stringValue?.hasSuffix(":stateMachine:seed1") == true)

                let watch = try system.start("baton", arguments: ["watch", "--count", "1", "--json"])
                try await watch.waitForLog("watching")
                let started = try await CLIRun.baton(
                    [
                        "start-execution", "--state-machine-arn", "seed1", "--name", "cli-1", "--input", #"{"n": 1}"#,
                        "--json",
                    ],
                    environment: environment)
                #expect(started.status == 0, "\(started.stderr)")
                let execution = try #require(started.json["executionArn"]?.stringValue)

                let running = try await CLIRun.baton(
                    ["describe-execution", "--execution-arn", execution, "--json"], environment: environment)
                #expect(running.status == 0)
                #expect(running.json["status"]?.stringValue == "RUNNING")
                #expect(running.json["name"]?.stringValue == "cli-1")

                let token = try #require(try await inbox.next().token)
                let success = try await CLIRun.baton(
                    ["send-task-success", "--task-token", token, "--task-output", #"{"done": true}"#],
                    environment: environment)
                #expect(success.status == 0, "\(success.stderr)")
                let end = try await system.withClient { client in try await client.waitForEnd(execution) }
                #expect(end["status"]?.stringValue == "SUCCEEDED")
                try await watch.waitForExit(deadline: .seconds(10))
                #expect(watch.log().contains(#""status":"SUCCEEDED""#))

                let described = try await CLIRun.baton(
                    ["describe-execution", "--execution-arn", execution], environment: environment)
                #expect(described.stdout.contains("SUCCEEDED"))
                let history = try await CLIRun.baton(
                    ["get-execution-history", "--execution-arn", execution], environment: environment)
                #expect(history.status == 0)
                #expect(history.stdout.contains("TaskSucceeded"))
                let listed = try await CLIRun.baton(
                    ["list-executions", "--state-machine-arn", "seed1", "--status-filter", "SUCCEEDED", "--json"],
                    environment: environment)
                #expect(listed.json["executions"]?.arrayValue?.count == 1)

                let again = try await CLIRun.baton(
                    ["send-task-success", "--task-token", token, "--task-output", "{}"], environment: environment)
                #expect(again.status != 0)
                #expect(again.stderr.contains("TaskTimedOut"))

                let unknown = try await CLIRun.baton(
                    ["describe-execution", "--execution-arn", execution + "-nope"], environment: environment)
                #expect(unknown.status != 0)
                #expect(unknown.stderr.contains("ExecutionDoesNotExist"))
            }
        }
        let clock = ContinuousClock()
        let began = clock.now
        let unreachable = try await CLIRun.baton(
            ["list-executions", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/%2f"], environment: environment)
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.contains("cannot reach RabbitMQ"))
        #expect(clock.now - began < .seconds(5))
    }

    /// `baton validate` asks the orchestrator (ValidateStateMachineDefinition, warnings included): exit 0 with the
    /// warnings printed for a valid definition, 1 for an invalid one; the orchestrator logged the warnings of the
    /// machine it loaded from BATON_STATE_MACHINES once, and none for a clean seed.
    @Test func batonValidatePrintsWarningsAndFailsOnErrors() async throws {
        let machines = FileManager.default.temporaryDirectory.appendingPathComponent("baton-validate-\(UUID())")
        try FileManager.default.createDirectory(at: machines, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: machines) }
        let hazard = """
            {"StartAt": "Work", "States": {"Work": {"Type": "Task",
              "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/work", "MessageBody.$": "$"},
              "End": true}}}
            """
        let hazardFile = machines.appendingPathComponent("hazard.asl.json")
        try hazard.write(to: hazardFile, atomically: true, encoding: .utf8)
        try Seeds.definition("seed1-callback", prefix: "validate").write(
            to: machines.appendingPathComponent("seed1.asl.json"), atomically: true, encoding: .utf8)
        let system = try await SystemFixture(label: "validate", environment: ["BATON_STATE_MACHINES": machines.path])
        let environment = try system.workerEnvironment
        try await system.run {
            let log = system.orchestrator.log()
            let logged = log.split(separator: "\n").filter { $0.contains("state machine definition warning") }
            #expect(logged.count == 2, "\(log)")
            #expect(logged.allSatisfy { $0.hasSuffix(":stateMachine:hazard") }, "the clean seed logs no warning")
            #expect(logged.first?.contains("diagnostic.code=CALLBACK_WITHOUT_TIMEOUT") == true)
            #expect(logged.last?.contains("diagnostic.code=CALLBACK_WITHOUT_TASK_TOKEN") == true)

            let warned = try await CLIRun.baton(["validate", hazardFile.path], environment: environment)
            #expect(warned.status == 0, "\(warned.stderr)")
            #expect(warned.stdout.contains("WARNING   CALLBACK_WITHOUT_TIMEOUT     /States/Work "), "\(warned.stdout)")
            #expect(warned.stdout.contains("CALLBACK_WITHOUT_TASK_TOKEN  /States/Work/Parameters"))
            #expect(warned.stdout.hasSuffix("OK: 0 error(s), 2 warning(s)\n"))

            let express = try await CLIRun.baton(
                ["validate", "file://\(hazardFile.path)", "--type", "EXPRESS", "--json"], environment: environment)
            #expect(express.status == 0, "\(express.stderr)")
            #expect(express.json["result"] == "OK")
            #expect(
                express.json["diagnostics"]?.arrayValue?.map { $0["code"] } == [
                    "CALLBACK_WITHOUT_TIMEOUT", "CALLBACK_WITHOUT_TASK_TOKEN", "EXPRESS_UNSUPPORTED_PATTERN",
                ])

            let errorsOnly = try await CLIRun.baton(
                ["validate", hazardFile.path, "--severity", "ERROR"], environment: environment)
            #expect(errorsOnly.status == 0)
            #expect(errorsOnly.stdout == "OK: 0 error(s), 0 warning(s)\n")

            let broken = machines.appendingPathComponent("broken.json")
            try hazard.replacingOccurrences(of: "\"End\": true", with: "\"Next\": \"Gone\"").write(
                to: broken, atomically: true, encoding: .utf8)
            let failed = try await CLIRun.baton(["validate", broken.path], environment: environment)
            #expect(failed.status == 1)
            #expect(failed.stdout.contains("ERROR     SCHEMA_VALIDATION_FAILED  /States/Work/Next"), "\(failed.stdout)")
            #expect(failed.stdout.hasSuffix("FAIL: 1 error(s), 0 warning(s)\n"))

            let missing = try await CLIRun.baton(
                ["validate", machines.appendingPathComponent("nope.json").path], environment: environment)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("cannot read"))
        }
    }
}
