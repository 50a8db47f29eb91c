import BatonJSON
import BatonProtocol
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
    ])
    func resourcesMapToIntegrations(_ resource: String, _ integration: Integration) {
        #expect(Integration(resource: resource) == integration)
        #expect(Integration.validate(resource: resource) == nil)
    }

    @Test func unknownResourcesGetAClearMessage() {
        #expect(
            Integration.validate(resource: "arn:aws:states:::dynamodb:putItem")?.contains("unsupported resource")
                == true)
    }
}
