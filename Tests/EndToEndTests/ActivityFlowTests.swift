import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

/// Activities through the built processes and a real broker: `worker-function --activity` polls with
/// GetActivityTask over the command queue and answers with the token; tasks scheduled while no worker polls wait
/// in the activity's durable queue through a kill -9 of the orchestrator and a restart of the broker, and each is
/// handed out once.
@Suite(.serialized) struct ActivityFlowTests {
    static func activityMachine(_ activity: String, timeout: Int = 120) -> String {
        """
        {"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"\(activity)",
          "Parameters":{"n.$":"$.n"},"TimeoutSeconds":\(timeout),"End":true}}}
        """
    }

    static func createActivity(_ name: String, client: BatonClient) async throws -> String {
        let reply = try JSON(
            parsing: try await client.command(
                "CreateActivity", request: JSON.object(["name": .string(name)]).serialized))
        return try #require(reply["activityArn"]?.stringValue)
    }

    @Test func workerFunctionPollsAnActivityAndAnswers() async throws {
        let system = try await SystemFixture(label: "activity", environment: ["BATON_ACTIVITY_POLL_SECONDS": "2"])
        try await system.run {
            try await system.withClient { client in
                let prefix = system.names.prefix
                let activity = try await Self.createActivity("\(prefix)-echo", client: client)
                system.track(queue: system.names.activityQueue("\(prefix)-echo"))
                let machine = try await client.createStateMachine(
                    "\(prefix)-activity", definition: Self.activityMachine(activity))
                var executions: [String] = []
                for n in 0..<6 { executions.append(try await client.startExecution(machine, input: #"{"n":\#(n)}"#)) }
                try system.start(
                    "worker-function",
                    environment: ["BATON_ACTIVITIES": "\(prefix)-echo", "BATON_WORKER_NAME": "e2e-worker"])
                for (n, execution) in executions.enumerated() {
                    let end = try JSON(
                        parsing: try await client.waitForEnd(describing: execution, deadline: .seconds(30)))
                    #expect(end["status"] == "SUCCEEDED", "\(end)")
                    #expect(try JSON(parsing: try #require(end["output"]?.stringValue)) == ["n": .integer(Int64(n))])
                    let request = JSON.object(["executionArn": .string(execution)]).serialized
                    let history = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
                    let events = history["events"]?.arrayValue ?? []
                    #expect(
                        events.compactMap { $0["type"]?.stringValue } == [
                            "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
                            "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded",
                        ])
                    let started = events.first { $0["type"] == "ActivityStarted" }
                    #expect(started?["activityStartedEventDetails"]?["workerName"] == "e2e-worker")
                }
            }
        }
    }

    @Test func waitingActivityTasksSurviveAnOrchestratorKillAndABrokerRestart() async throws {
        let node = try PrivateBrokerNode(name: "e2e-activity-restart", port: 5697)
        try await node.whileRunning {
            let system = try await SystemFixture(
                label: "activity-restart", amqpURL: node.url, environment: ["BATON_ACTIVITY_POLL_SECONDS": "2"])
            try await system.run {
                let prefix = system.names.prefix
                let executions = try await system.withClient { client in
                    let activity = try await Self.createActivity("\(prefix)-slow", client: client)
                    let machine = try await client.createStateMachine(
                        "\(prefix)-activity", definition: Self.activityMachine(activity))
                    var executions: [String] = []
                    for n in 0..<4 {
                        executions.append(try await client.startExecution(machine, input: #"{"n":\#(n)}"#))
                    }
                    for execution in executions {
                        try await waitUntil(deadline: .seconds(10), "ActivityScheduled") {
                            try await client.historyTypes(execution).contains("ActivityScheduled")
                        }
                    }
                    return executions
                }
                // No worker yet: the tasks wait in the activity's queue while the orchestrator dies and the
                // broker restarts.
                try await system.restartOrchestrator(crash: true)
                try await node.stop()
                try await node.start()
                try await system.restartOrchestrator(crash: true)
                try system.start(
                    "worker-function", environment: ["BATON_ACTIVITIES": "\(prefix)-slow", "BATON_WORKER_NAME": "late"])
                // The test's own connection comes back on its own schedule after the broker restart.
                try await waitUntil(deadline: .seconds(20), interval: .milliseconds(200), "the test's connection") {
                    (try? await system.withClient { client in try await client.status(executions[0]) }) != nil
                }
                try await system.withClient { client in
                    for execution in executions {
                        let end = try JSON(
                            parsing: try await client.waitForEnd(describing: execution, deadline: .seconds(40)))
                        #expect(end["status"] == "SUCCEEDED", "\(end)")
                        let types = try await client.historyTypes(execution)
                        #expect(types.filter { $0 == "ActivityStarted" }.count == 1, "\(types)")
                        #expect(types.filter { $0 == "ActivitySucceeded" }.count == 1, "\(types)")
                    }
                }
            }
        }
    }

    @Test func theCLICreatesListsAndPollsActivities() async throws {
        let system = try await SystemFixture(label: "activity-cli", environment: ["BATON_ACTIVITY_POLL_SECONDS": "1"])
        let environment = try system.workerEnvironment
        try await system.run {
            let prefix = system.names.prefix
            let created = try await CLIRun.baton(
                ["activities", "create", "\(prefix)-cli", "--json"], environment: environment)
            #expect(created.status == 0, "\(created.stderr)")
            let arn = try #require(try JSON(parsing: created.stdout)["activityArn"]?.stringValue)
            system.track(queue: system.names.activityQueue("\(prefix)-cli"))
            let listed = try await CLIRun.baton(["activities", "list"], environment: environment)
            #expect(listed.stdout.contains(arn))
            // Nothing waits: exit status 3.
            let empty = try await CLIRun.baton(["activities", "poll", arn], environment: environment)
            #expect(empty.status == 3, "\(empty.stdout) \(empty.stderr)")
            let execution = try await system.withClient { client in
                let machine = try await client.createStateMachine(
                    "\(prefix)-cli", definition: Self.activityMachine(arn))
                return try await client.startExecution(machine, input: #"{"n":42}"#)
            }
            let polled = try await CLIRun.baton(
                ["activities", "poll", "\(prefix)-cli", "--worker-name", "person", "--json"], environment: environment)
            #expect(polled.status == 0, "\(polled.stderr)")
            let task = try JSON(parsing: polled.stdout)
            #expect(try JSON(parsing: try #require(task["input"]?.stringValue)) == ["n": 42])
            let token = try #require(task["taskToken"]?.stringValue)
            let answered = try await CLIRun.baton(
                ["send-task-success", "--task-token", token, "--task-output", #"{"ok":true}"#], environment: environment
            )
            #expect(answered.status == 0, "\(answered.stderr)")
            try await system.withClient { client in
                let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
                #expect(end["status"] == "SUCCEEDED")
            }
        }
    }
}
