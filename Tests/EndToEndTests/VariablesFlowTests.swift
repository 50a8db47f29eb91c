import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

/// Variables and JSONata through the real orchestrator and broker: a value assigned before a callback task
/// reaches the task message, survives an orchestrator crash while the task waits, is read after the callback,
/// and GetExecutionHistory records what each state assigned (`assignedVariables`) and, for a failed JSONata
/// expression, the `EvaluationFailed` event, as AWS does.
@Suite(.serialized) struct VariablesFlowTests {
    /// The execution's history events, as the API returns them.
    func history(_ client: BatonClient, _ execution: String) async throws -> [JSON] {
        let request = JSON.object(["executionArn": .string(execution), "maxResults": 1000]).serialized
        let reply = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
        return reply["events"]?.arrayValue ?? []
    }

    /// The `assignedVariables` of every `…StateExited` event that has them, by state name.
    func assignments(_ events: [JSON]) -> [String: JSON] {
        var found: [String: JSON] = [:]
        for event in events {
            guard let exited = event["stateExitedEventDetails"], let assigned = exited["assignedVariables"],
                let name = exited["name"]?.stringValue
            else { continue }
            found[name] = assigned
        }
        return found
    }

    func queueURL(_ queue: String) -> String { "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)" }

    @Test func jsonPathVariablesReachTheTaskSurviveACrashAndAreRecorded() async throws {
        try await withTaskSystem("vars-jsonpath") { system, client, inbox, queue in
            let definition = """
                {"StartAt":"Remember","States":{
                  "Remember":{"Type":"Pass","Assign":{"customer.$":"$.customer","limits":{"max":3}},"Next":"Work"},
                  "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters":{"QueueUrl":"\(queueURL(queue))",
                      "MessageBody":{"TaskToken.$":"$$.Task.Token","who.$":"$customer","max.$":"$limits.max"}},
                    "Assign":{"verdict.$":"$.verdict"},"ResultPath":null,"Next":"Route"},
                  "Route":{"Type":"Choice","Choices":[
                    {"Variable":"$verdict","StringEquals":"ok","Assign":{"route":"accepted"},"Next":"Done"}],
                    "Default":"Done"},
                  "Done":{"Type":"Pass","Parameters":{"customer.$":"$customer","verdict.$":"$verdict",
                    "route.$":"$route","greeting.$":"States.Format('hello {}', $customer)"},"End":true}}}
                """
            let machine = try await client.createStateMachine("vars", definition: definition)
            let execution = try await client.startExecution(machine, input: #"{"customer":"c-7"}"#)
            let task = try await inbox.next()
            let body = try JSON(parsing: task.body)
            #expect(body["who"] == "c-7")
            #expect(body["max"] == 3)
            // The variables are in the stored execution state: they outlive the process that assigned them.
            try await system.restartOrchestrator(crash: true)
            #expect(try await client.succeed(try #require(task.token), output: #"{"verdict":"ok"}"#) == nil)
            let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
            #expect(end["status"] == "SUCCEEDED")
            let output = try JSON(parsing: try #require(end["output"]?.stringValue))
            #expect(
                output == ["customer": "c-7", "verdict": "ok", "route": "accepted", "greeting": "hello c-7"])
            let assigned = assignments(try await history(client, execution))
            #expect(assigned["Remember"] == ["customer": #""c-7""#, "limits": #"{"max":3}"#])
            #expect(assigned["Work"] == ["verdict": #""ok""#])
            #expect(assigned["Route"] == ["route": #""accepted""#])
            #expect(assigned["Done"] == nil)
        }
    }

    @Test func jsonataVariablesAndAnUndefinedExpressionAsAWSRecordsThem() async throws {
        try await withTaskSystem("vars-jsonata") { _, client, inbox, queue in
            let definition = """
                {"QueryLanguage":"JSONata","StartAt":"Work","States":{
                  "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Arguments":{"QueueUrl":"\(queueURL(queue))",
                      "MessageBody":{"TaskToken":"{% $states.context.Task.Token %}","n":"{% $states.input.n %}"}},
                    "Assign":{"doubled":"{% $states.result.n * 2 %}"},"Next":"Check"},
                  "Check":{"Type":"Pass","Output":{"doubled":"{% $doubled %}","missing":"{% $nowhere %}"},
                    "End":true}}}
                """
            let machine = try await client.createStateMachine("vars-jsonata", definition: definition)
            let execution = try await client.startExecution(machine, input: #"{"n":21}"#)
            let task = try await inbox.next()
            #expect(try JSON(parsing: task.body)["n"] == 21)
            #expect(try await client.succeed(try #require(task.token), output: #"{"n":21}"#) == nil)
            let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
            #expect(end["status"] == "FAILED")
            #expect(end["error"] == "States.QueryEvaluationError")
            let events = try await history(client, execution)
            #expect(assignments(events)["Work"] == ["doubled": "42"])
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(Array(types.suffix(3)) == ["PassStateEntered", "EvaluationFailed", "ExecutionFailed"])
            let failed = try #require(events.first { $0["type"] == "EvaluationFailed" })
            let details = try #require(failed["evaluationFailedEventDetails"])
            #expect(details["location"] == "Output/missing")
            #expect(details["state"] == "Check")
            let cause = try #require(details["cause"]?.stringValue)
            #expect(cause.hasPrefix("An error occurred while executing the state 'Check' (entered at the event id #"))
            #expect(
                cause.hasSuffix(
                    "The JSONata expression '$nowhere' specified for the field 'Output/missing' returned nothing "
                        + "(undefined)."))
            #expect(end["cause"]?.stringValue == cause)
        }
    }
}
