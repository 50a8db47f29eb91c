import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

@Suite struct HistoryTests {
    static func encoded(_ event: HistoryEvent) throws -> JSON {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try JSON(parsing: String(decoding: try encoder.encode(event), as: UTF8.self))
    }

    @Test func taskScheduledEncodesToTheGetExecutionHistoryShape() throws {
        let event = HistoryEvent(
            id: 3, previousEventId: 2, timestamp: Date(timeIntervalSince1970: 1_710_119_487.5), type: .taskScheduled,
            details: .task(
                TaskEventDetails(
                    resourceType: "sqs", resource: "sendMessage.waitForTaskToken", region: "us-east-1",
                    parameters: #"{"QueueUrl":"q"}"#, timeoutInSeconds: 60)))
        let json = try Self.encoded(event)
        #expect(
            json == [
                "timestamp": 1_710_119_487.5, "type": "TaskScheduled", "id": 3, "previousEventId": 2,
                "taskScheduledEventDetails": [
                    "resourceType": "sqs", "resource": "sendMessage.waitForTaskToken", "region": "us-east-1",
                    "parameters": #"{"QueueUrl":"q"}"#, "timeoutInSeconds": 60,
                ],
            ])
    }

    @Test(arguments: [
        (HistoryEventType.taskStateEntered, "stateEnteredEventDetails"),
        (.failStateEntered, "stateEnteredEventDetails"),
        (.mapStateExited, "stateExitedEventDetails"),
        (.executionStarted, "executionStartedEventDetails"),
        (.executionTimedOut, "executionTimedOutEventDetails"),
        (.mapIterationStarted, "mapIterationStartedEventDetails"),
        (.mapStateStarted, "mapStateStartedEventDetails"),
        (.taskTimedOut, "taskTimedOutEventDetails"),
    ])
    func detailsMemberIsNamedAsTheAPINamesIt(type: HistoryEventType, key: String) {
        #expect(type.detailsKey == key)
    }

    @Test func eventsWithoutDetailsHaveNoDetailsMember() throws {
        let json = try Self.encoded(
            HistoryEvent(
                id: 5, previousEventId: 4, timestamp: Date(timeIntervalSince1970: 0), type: .parallelStateStarted))
        #expect(json.objectValue?.keys.sorted() == ["id", "previousEventId", "timestamp", "type"])
    }

    @Test func aWholeExecutionHistoryRoundTripsThroughJSON() throws {
        var driver = try InterpreterDriver(InterpreterBranchTests.parallel)
        try driver.start(["x": 1])
        try driver.send(.taskStarted(driver.scheduled[0].taskId, at: driver.now))
        try driver.succeed(driver.scheduled[0].taskId, ["a": 1])
        try driver.fail(driver.scheduled[1].taskId, "E", "C")
        let data = try JSONEncoder().encode(driver.history)
        #expect(try JSONDecoder().decode([HistoryEvent].self, from: data) == driver.history)
        #expect(driver.history.map(\.id) == Array(1...driver.history.count))
        #expect(driver.history.allSatisfy { $0.previousEventId < $0.id })
    }

    @Test func stateEventsCarryNameInputAndOutputAsJSONText() throws {
        var driver = try InterpreterDriver(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":[1],"End":true}}}"#)
        try driver.start(["k": "v"])
        let entered = try Self.encoded(driver.history[1])
        #expect(
            entered["stateEnteredEventDetails"] == [
                "name": "P", "input": #"{"k":"v"}"#, "inputDetails": ["truncated": false],
            ])
        let exited = try Self.encoded(driver.history[2])
        #expect(
            exited["stateExitedEventDetails"] == ["name": "P", "output": "[1]", "outputDetails": ["truncated": false]])
        let started = try Self.encoded(driver.history[0])
        #expect(started["executionStartedEventDetails"]?["input"] == #"{"k":"v"}"#)
        let succeeded = try Self.encoded(driver.history[3])
        #expect(succeeded["executionSucceededEventDetails"]?["output"] == "[1]")
    }

    @Test(arguments: [
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "sqs", "sendMessage.waitForTaskToken"),
        ("arn:aws:states:::lambda:invoke", "lambda", "invoke"),
        ("arn:aws:states:::baton:startJob.sync", "baton", "startJob.sync"),
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "lambda", "invoke"),
        ("arn:aws:states:us-east-1:123456789012:activity:approve", "activity", "approve"),
    ])
    func resourceArnsSplitAsAWSSplitsThem(arn: String, type: String, resource: String) {
        let split = TaskEventDetails.split(resource: arn)
        #expect(split.resourceType == type && split.resource == resource)
    }

    @Test func waitingStateIsCompact() throws {
        var driver = try InterpreterDriver(InterpreterTests.callbackTask)
        try driver.start(["n": 1])
        let bytes = try JSONEncoder().encode(driver.interpreter.state).count
        #expect(bytes < 800, "a waiting execution persists in \(bytes) bytes")
    }

    /// The orchestrator stores `HistoryEvent.json`; GetExecutionHistory and every reader expect the `Codable` shape.
    @Test func directJSONMatchesTheCodableShapeForEveryKindOfDetails() throws {
        let truncation = DataTruncation(truncated: false)
        let details: [(HistoryEventType, HistoryEventDetails?)] = [
            (.executionStarted, .executionStarted(ExecutionStartedEventDetails(input: #"{"a":"\n\""}"#, roleArn: "r"))),
            (.executionStarted, .executionStarted(ExecutionStartedEventDetails(input: nil, inputDetails: nil))),
            (.executionSucceeded, .executionSucceeded(ExecutionDataDetails(output: "[1,2]"))),
            (.executionFailed, .executionError(ErrorEventDetails(error: "E", cause: "tab\there"))),
            (.executionAborted, .executionError(ErrorEventDetails(error: nil, cause: nil))),
            (.passStateEntered, .stateEntered(.entered("P ü", input: ["x": 1.5]))),
            (.passStateExited, .stateExited(.exited("P", output: nil))),
            (
                .taskFailed,
                .task(
                    TaskEventDetails(
                        resourceType: "lambda", resource: "invoke", region: "eu-west-1", parameters: "{}",
                        timeoutInSeconds: 5, heartbeatInSeconds: 2, output: "1", outputDetails: truncation,
                        error: "States.Timeout", cause: "c"))
            ),
            (.mapStateStarted, .mapStateStarted(MapStateStartedEventDetails(length: 7))),
            (.mapIterationFailed, .mapIteration(MapIterationEventDetails(name: "M", index: 3))),
            (.succeedStateEntered, nil),
        ]
        for (offset, (type, details)) in details.enumerated() {
            let event = HistoryEvent(
                id: offset + 2, previousEventId: offset + 1,
                timestamp: Date(timeIntervalSince1970: 1_710_119_487.25 + Double(offset)), type: type,
                details: details)
            #expect(event.json == (try Self.encoded(event)), "\(type)")
            #expect(try JSON(parsing: event.json.serialized) == event.json)
        }
    }
}
