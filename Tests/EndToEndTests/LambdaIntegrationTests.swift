import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// `lambda:invoke` request-response through the real orchestrator and a real worker-function process.
@Suite struct LambdaIntegrationTests {
    @Test func requestResponseInvokeWrapsTheResultAndFunctionErrorsAreCatchable() async throws {
        let system = try await SystemFixture(label: "lambda")
        do {
            try system.start("worker-function", arguments: ["--functions", "echo,fail"])
            system.track(queue: system.names.functionQueue("echo"))
            system.track(queue: system.names.functionQueue("fail"))
            try await system.withClient { client in
                let definition = """
                    {"StartAt": "Echo", "States": {
                      "Echo": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "echo", "Payload": {"x.$": "$.x"}}, "ResultPath": "$.echo",
                        "Next": "Fail"},
                      "Fail": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail",
                        "Parameters": {"error": "CardDeclined", "cause": "insufficient funds"},
                        "Catch": [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.failure", "Next": "Done"}],
                        "End": true},
                      "Done": {"Type": "Succeed"}}}
                    """
                let machine = try await client.createStateMachine("lambda", definition: definition)
                let execution = try await client.startExecution(machine, input: #"{"x": 1}"#)
                let end = try await client.waitForEnd(execution, deadline: .seconds(30))
                #expect(end["status"]?.stringValue == "SUCCEEDED")
                let output = try JSON(parsing: end["output"]?.stringValue ?? "")
                #expect(output["echo"] == ["ExecutedVersion": "$LATEST", "Payload": ["x": 1], "StatusCode": 200])
                #expect(output["failure"]?["Error"] == "CardDeclined")
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
