import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

/// Shapes that recordings of real AWS executions show (see RecordedHistoryTests), through the real orchestrator
/// and broker: SendTaskFailure without error and cause records a TaskFailed event without those keys and gives
/// a catcher `{"Error": null, "Cause": null}`.
@Suite(.serialized) struct RecordedShapeFlowTests {
    @Test func sendTaskFailureWithoutErrorOrCauseIsCaughtAsNulls() async throws {
        try await withTaskSystem("failure-no-error") { _, client, inbox, queue in
            let definition = """
                {"StartAt":"Work","States":{
                  "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                      "MessageBody":{"TaskToken.$":"$$.Task.Token"}},
                    "Catch":[{"ErrorEquals":["States.Runtime"],"Next":"Wrong"},
                             {"ErrorEquals":["States.ALL"],"ResultPath":"$.failure","Next":"Caught"}],"End":true},
                  "Wrong":{"Type":"Fail","Error":"WrongCatcher"},
                  "Caught":{"Type":"Pass","End":true}}}
                """
            let machine = try await client.createStateMachine("failure-no-error", definition: definition)
            let execution = try await client.startExecution(machine, input: #"{"order":1}"#)
            let token = try #require(try await inbox.next().token)
            let reply = try await client.send(Callback(taskToken: token, outcome: .failure(error: nil, cause: nil)))
            #expect(reply.errorType == nil)
            let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
            #expect(end["status"] == "SUCCEEDED")
            let output = try JSON(parsing: try #require(end["output"]?.stringValue))
            #expect(output == ["order": 1, "failure": ["Error": nil, "Cause": nil]])
            let request = JSON.object(["executionArn": .string(execution)]).serialized
            let history = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
            let failed = try #require(history["events"]?.arrayValue?.first { $0["type"] == "TaskFailed" })
            let details = try #require(failed["taskFailedEventDetails"]?.objectValue)
            #expect(Set(details.map(\.key)) == ["resource", "resourceType"])
        }
    }
}
