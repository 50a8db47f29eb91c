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
}
