import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

/// `.waitForTaskToken` calls of other AWS services, as definitions copied from AWS have them, through the real
/// orchestrator and broker: the rendered Parameters arrive on the queue named after the service's resource (SNS:
/// the topic, EventBridge: the bus, ECS: `<prefix>.ecs.<task definition>`), the callback completes the task, and
/// the history has AWS's TaskSubmitted with the service's answer.
@Suite(.serialized) struct ServiceCallbackFlowTests {
    @Test func snsEventBridgeAndECSCallbacksRunAsDefinitionsFromAWS() async throws {
        let system = try await SystemFixture(label: "service-callbacks")
        try await system.run {
            try await system.withClient { client in
                let prefix = system.names.prefix
                let definition = """
                    {"StartAt":"Notify","States":{
                      "Notify":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken",
                        "Parameters":{"TopicArn":"arn:aws:sns:us-east-1:123456789012:\(prefix).orders",
                          "Message":{"TaskToken.$":"$$.Task.Token","order.$":"$.order"}},
                        "ResultPath":"$.notified","Next":"Announce"},
                      "Announce":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents.waitForTaskToken",
                        "Parameters":{"Entries":[{"EventBusName":"arn:aws:events:us-east-1:1:event-bus/\(prefix).bus",
                          "Detail":{"TaskToken.$":"$$.Task.Token"},"DetailType":"order","Source":"shop"}]},
                        "ResultPath":"$.announced","Next":"Render"},
                      "Render":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken",
                        "Parameters":{"TaskDefinition":"arn:aws:ecs:us-east-1:1:task-definition/\(prefix)-render:3",
                          "Overrides":{"ContainerOverrides":[{"Environment":[
                            {"Name":"TASK_TOKEN","Value.$":"$$.Task.Token"}]}]}},
                        "ResultPath":"$.rendered","End":true}}}
                    """
                let machine = try await client.createStateMachine("service-callbacks", definition: definition)
                let execution = try await client.startExecution(machine, input: #"{"order":5}"#)
                try await TaskInbox.with("\(prefix).orders", on: system) { inbox in
                    let body = try JSON(parsing: try await inbox.next().body)
                    #expect(body["Message"]?["order"] == 5)
                    let token = try #require(body["Message"]?["TaskToken"]?.stringValue)
                    #expect(try await client.succeed(token, output: #"{"sent":true}"#) == nil)
                }
                try await TaskInbox.with("\(prefix).bus", on: system) { inbox in
                    let body = try JSON(parsing: try await inbox.next().body)
                    let token = try #require(body["Entries"]?.arrayValue?.first?["Detail"]?["TaskToken"]?.stringValue)
                    #expect(try await client.succeed(token, output: #"{"seen":1}"#) == nil)
                }
                try await TaskInbox.with("\(prefix).ecs.\(prefix)-render:3", on: system) { inbox in
                    let body = try JSON(parsing: try await inbox.next().body)
                    let environment = body["Overrides"]?["ContainerOverrides"]?.arrayValue?.first?["Environment"]?
                        .arrayValue?.first
                    let token = try #require(environment?["Value"]?.stringValue)
                    #expect(try await client.succeed(token, output: #"{"frames":24}"#) == nil)
                }
                let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
                #expect(end["status"] == "SUCCEEDED")
                #expect(
                    try JSON(parsing: try #require(end["output"]?.stringValue))
                        == [
                            "order": 5, "notified": ["sent": true], "announced": ["seen": 1],
                            "rendered": ["frames": 24],
                        ])
                let request = JSON.object(["executionArn": .string(execution)]).serialized
                let history = try JSON(parsing: try await client.command("GetExecutionHistory", request: request))
                let events = history["events"]?.arrayValue ?? []
                let submitted = events.filter { $0["type"] == "TaskSubmitted" }.compactMap {
                    $0["taskSubmittedEventDetails"]
                }
                #expect(submitted.map { $0["resourceType"] } == ["sns", "events", "ecs"])
                let outputs = try submitted.map { try JSON(parsing: try #require($0["output"]?.stringValue)) }
                #expect(outputs[0]["MessageId"] != nil)
                #expect(outputs[1]["FailedEntryCount"] == 0)
                #expect(outputs.allSatisfy { $0["SdkHttpMetadata"]?["HttpStatusCode"] == 200 })
            }
        }
    }
}
