import BatonJSON
import BatonProtocol
import Foundation
import StatesLanguage
import Testing

@testable import OrchestratorCore

@Suite struct IntegrationTests {
    let task = TaskSchedule(
        taskId: TaskID(rawValue: 3), attempt: 1, stateName: "Work", scope: ScopePath(steps: []),
        resource: "arn:aws:states:::lambda:invoke", parameters: ["FunctionName": "echo", "Payload": ["x": 1]],
        taskToken: "tok", timeoutSeconds: 30, heartbeatSeconds: 20)

    @Test func requestResponseLambdaCarriesTheTokenInAHeader() throws {
        let dispatch = try Integration.lambda.dispatch(task, names: Names(prefix: "p"), traceparent: "00-a-b-01")
        #expect(dispatch.queue == "p.function.echo")
        #expect(String(decoding: dispatch.body, as: UTF8.self) == #"{"x":1}"#)
        #expect(dispatch.headers[TaskHeaders.taskToken] == "tok")
        #expect(dispatch.headers[TaskHeaders.attempt] == "1")
        #expect(dispatch.headers[TaskHeaders.traceparent] == "00-a-b-01")
        #expect(dispatch.headers[TaskHeaders.heartbeatSeconds] == "20")
    }

    @Test func scaledTimeSendsRealSecondsSoWorkersPaceHeartbeatsInTime() throws {
        let dispatch = try Integration.lambda.dispatch(task, names: Names(), traceparent: nil, timeScale: 8)
        #expect(dispatch.headers[TaskHeaders.heartbeatSeconds] == "2.5")
        #expect(dispatch.headers[TaskHeaders.timeoutSeconds] == "3.75")
    }

    @Test(arguments: [
        ("arn:aws:states:::sqs:sendMessage", Integration.sqs),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", .sqsWaitForTaskToken),
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", .lambdaWaitForTaskToken),
        ("arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST", .lambda),
        ("arn:aws:states:::baton:startJob.sync", .jobSync),
        ("arn:aws:states:::sns:publish.waitForTaskToken", .serviceWaitForTaskToken),
        ("arn:aws:states:::events:putEvents.waitForTaskToken", .serviceWaitForTaskToken),
        ("arn:aws-cn:states:::ecs:runTask.waitForTaskToken", .serviceWaitForTaskToken),
        ("arn:aws:states:::aws-sdk:glue:startJobRun.waitForTaskToken", .serviceWaitForTaskToken),
        ("arn:aws:states:::states:startExecution", .startExecution),
        ("arn:aws:states:::states:startExecution.sync", .startExecutionSync),
        ("arn:aws:states:::states:startExecution.sync:2", .startExecutionSync2),
        ("arn:aws:states:::states:startExecution.waitForTaskToken", .startExecutionWaitForTaskToken),
        ("arn:aws-us-gov:states:::states:startExecution.sync", .startExecutionSync),
        ("arn:aws:states:::aws-sdk:sfn:sendTaskSuccess", .sfnSendTask),
        ("arn:aws:states:::aws-sdk:sfn:sendTaskFailure", .sfnSendTask),
        ("arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat", .sfnSendTask),
    ])
    func resourcesMapToIntegrations(_ resource: String, _ integration: Integration) {
        #expect(Integration(resource: resource) == integration)
        #expect(Integration.validate(resource: resource) == nil)
    }

    @Test func unknownResourcesGetAClearMessage() {
        #expect(
            Integration.validate(resource: "arn:aws:states:::dynamodb:putItem")?.contains("unsupported resource")
                == true)
        // Step Functions calls Baton does not run are named, with the ones it does.
        for resource in [
            "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess.waitForTaskToken",
            "arn:aws:states:::states:describeExecution.waitForTaskToken",
        ] {
            #expect(
                Integration.validate(resource: resource)?.contains("states:startExecution[.sync|.sync:2|") == true)
        }
        #expect(Integration(resource: "arn:aws:states:::states:startExecution.sync:3") == nil)
        #expect(Integration(resource: "arn:aws:states:::aws-sdk:sfn:startExecution") == nil)
        #expect(Integration(resource: "arn:aws:states:::sns:Publish!.waitForTaskToken") == nil)
        #expect(Integration(resource: "arn:aws:states:::sns.waitForTaskToken") == nil)
    }

    func schedule(_ resource: String, _ parameters: JSON) -> TaskSchedule {
        TaskSchedule(
            taskId: TaskID(rawValue: 1), attempt: 0, stateName: "Call", scope: ScopePath(steps: []),
            resource: resource, parameters: parameters, taskToken: "tok", timeoutSeconds: nil, heartbeatSeconds: nil)
    }

    @Test(
        arguments: [
            ("sns:publish", ["TopicArn": "arn:aws:sns:us-east-1:123456789012:orders", "Message": "m"], "orders"),
            ("sns:publish", ["PhoneNumber": "+1555"], "p.sns.publish"),
            (
                "events:putEvents", ["Entries": [["EventBusName": "arn:aws:events:us-east-1:1:event-bus/audit"]]],
                "audit"
            ),
            ("events:putEvents", ["Entries": [["Detail": "{}"]]], "default"),
            ("ecs:runTask", ["TaskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/render:3"], "p.ecs.render:3"),
            ("glue:startJobRun", ["JobName": "nightly"], "p.glue.nightly"),
            (
                "batch:submitJob", ["JobQueue": "arn:aws:batch:us-east-1:1:job-queue/fast", "JobName": "j"],
                "p.batch.fast"
            ),
            (
                "apigateway:invoke", ["ApiEndpoint": "abc.execute-api.us-east-1.amazonaws.com"],
                "p.apigateway.abc.execute-api.us-east-1.amazonaws.com"
            ),
            ("codebuild:startBuild", [:], "p.codebuild.startBuild"),
        ] as [(String, JSON, String)])
    func serviceCallbacksGoToAQueueNamedAfterTheirResource(_ call: String, _ parameters: JSON, _ queue: String) throws {
        let resource = "arn:aws:states:::\(call).waitForTaskToken"
        let dispatch = try Integration.serviceWaitForTaskToken.dispatch(
            schedule(resource, parameters), names: Names(prefix: "p"), traceparent: nil)
        #expect(dispatch.queue == queue)
        #expect(try JSON(parsing: dispatch.body) == parameters)
        #expect(dispatch.headers[TaskHeaders.taskToken] == nil, "the token travels where the Parameters put it")
    }

    @Test func submittedAnswersHaveAWSShapes() throws {
        let sqs = schedule(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken", ["QueueUrl": "https://x/q", "MessageBody": "hello"])
        let dispatch = try Integration.sqsWaitForTaskToken.dispatch(sqs, names: Names(), traceparent: nil)
        let output = try #require(
            Integration.sqsWaitForTaskToken.submitted(dispatch, resource: sqs.resource, messageID: "7-1-0", at: Date()))
        // md5("hello"), as SQS computes MD5OfMessageBody.
        #expect(output["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592")
        let messageID = try #require(output["MessageId"]?.stringValue)
        #expect(messageID.count == 36 && messageID.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(output["SdkHttpMetadata"]?["HttpStatusCode"] == 200)
        #expect(output["SdkResponseMetadata"]?["RequestId"] != nil)
        let sns = schedule("arn:aws:states:::sns:publish.waitForTaskToken", ["TopicArn": "arn:aws:sns:r:1:t"])
        let snsDispatch = try Integration.serviceWaitForTaskToken.dispatch(sns, names: Names(), traceparent: nil)
        let snsOutput = Integration.serviceWaitForTaskToken.submitted(
            snsDispatch, resource: sns.resource, messageID: "m", at: Date())
        #expect(snsOutput?["MessageId"] != nil)
        let events = schedule("arn:aws:states:::events:putEvents.waitForTaskToken", ["Entries": [[:]]])
        let eventsDispatch = try Integration.serviceWaitForTaskToken.dispatch(events, names: Names(), traceparent: nil)
        let eventsOutput = Integration.serviceWaitForTaskToken.submitted(
            eventsDispatch, resource: events.resource, messageID: "m", at: Date())
        #expect(eventsOutput?["FailedEntryCount"] == 0)
        #expect(eventsOutput?["Entries"]?.arrayValue?.first?["EventId"] != nil)
        #expect(
            Integration.sqs.submitted(
                dispatch, resource: "arn:aws:states:::sqs:sendMessage", messageID: "m", at: Date()) == nil)
        let lambda = Integration.lambdaWaitForTaskToken.submitted(
            dispatch, resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", messageID: "m", at: Date())
        #expect(lambda?["StatusCode"] == 200)
        #expect(lambda?["ExecutedVersion"] == "$LATEST")
    }
}
