import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// TestState on the pure interpreter: each state type's output, next state and status, the inspection data of
/// DEBUG, mocked task results and errors through Retry and Catch, as AWS's recorded TestState answers show them.
@Suite struct StateTestTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// A test of one state's JSON (wrapped as AWS wraps it), at DEBUG unless told otherwise.
    static func test(
        _ state: String, input: JSON = [:], mock: StateTest.Mock? = nil, level: StateTest.InspectionLevel = .debug
    ) throws -> StateTest {
        let machine = try StateMachineDefinition.parse(json: StateTest.machine(forState: try JSON(parsing: state)))
        var test = StateTest(definition: machine, stateName: StateTest.singleStateName, input: input)
        test.mock = mock
        test.inspectionLevel = level
        return test
    }

    static func data(_ result: StateTestResult, _ field: String) throws -> JSON? {
        try result.inspectionData?[field]?.stringValue.map { try JSON(parsing: $0) }
    }

    @Test func passWithParametersAndResultPathShowsEachStep() throws {
        let input: JSON = [
            "initialData": ["fieldFromInput": "value from input", "otherField": "other"],
            "unrelatedData": ["someOtherField": 1234],
        ]
        let result = try Self.test(
            """
            {"Type": "Pass", "InputPath": "$.initialData",
             "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
             "ResultPath": "$.modifiedData", "End": true}
            """, input: input
        ).run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.nextState == nil)
        let modified: JSON = ["staticValue": "some value", "inputValue": "value from input"]
        #expect(try Self.data(result, "input") == input)
        #expect(
            try Self.data(result, "afterInputPath") == ["fieldFromInput": "value from input", "otherField": "other"])
        #expect(try Self.data(result, "afterParameters") == modified)
        #expect(try Self.data(result, "afterResultSelector") == modified)
        var expected = input.objectValue!
        expected["modifiedData"] = modified
        #expect(try Self.data(result, "afterResultPath") == .object(expected))
        #expect(result.output == .object(expected))
        #expect(try Self.data(result, "result") == nil)
        #expect(result.response["status"] == "SUCCEEDED")
        #expect(result.response["output"]?.stringValue.map { try? JSON(parsing: $0) } == .object(expected))
    }

    @Test func aPassResultIsReportedAsTheResultWithoutInputPathOrParameters() throws {
        let result = try Self.test(
            #"{"Type": "Pass", "Result": {"resultKey": "result value"}, "End": true}"#, input: ["Value": "HelloWorld"]
        ).run(at: Self.now)
        #expect(result.output == ["resultKey": "result value"])
        #expect(result.inspectionData?.keys.sorted() == ["afterResultPath", "afterResultSelector", "input", "result"])
    }

    @Test func infoShowsNoInspectionData() throws {
        let result = try Self.test(#"{"Type": "Pass", "End": true}"#, input: ["a": 1], level: .info).run(at: Self.now)
        #expect(result.inspectionData == nil)
        #expect(result.response.objectValue?.keys.sorted() == ["output", "status"])
    }

    @Test func choiceAnswersTheMatchedRulesNextState() throws {
        let choice = """
            {"Type": "Choice", "Choices": [
              {"And": [{"Variable": "$.type", "StringEquals": "Private"}, {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                       {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"}],
             "Default": "DefaultState"}
            """
        let twenties = try Self.test(choice, input: ["type": "Private", "value": 22]).run(at: Self.now)
        #expect(twenties.status == .succeeded)
        #expect(twenties.nextState == "ValueInTwenties")
        #expect(twenties.output == ["type": "Private", "value": 22])
        #expect(twenties.inspectionData?.keys.sorted() == ["afterInputPath", "input"])
        let other = try Self.test(choice, input: ["type": "Public", "value": 22]).run(at: Self.now)
        #expect(other.nextState == "DefaultState")
    }

    @Test func waitReturnsAtOnceWithItsNextState() throws {
        let result = try Self.test(#"{"Type": "Wait", "Seconds": 3600, "Next": "After"}"#, input: ["a": 1])
            .run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.nextState == "After")
        #expect(result.output == ["a": 1])
    }

    @Test func failAnswersItsErrorAndCause() throws {
        let result = try Self.test(
            #"{"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}"#,
            input: ["Value": "HelloWorld"]
        ).run(at: Self.now)
        #expect(result.status == .failed)
        #expect(result.error == "SomeFailure")
        #expect(result.cause == "This state machines raises a 'SomeFailure' failure.")
        #expect(result.output == nil)
    }

    static let callbackTask = """
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/q",
                        "MessageBody": {"Message": "Hello", "TaskToken.$": "$$.Task.Token"}},
         "ResultPath": "$.SQS", "Next": "NEXT_STATE",
         "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}],
         "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "HandleRejection"}]}
        """

    @Test func aMockedCallbackTaskRunsItsResultThroughResultPath() throws {
        let result = try Self.test(Self.callbackTask, input: ["order": 7], mock: .result(["approved": true]))
            .run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.nextState == "NEXT_STATE")
        #expect(result.output == ["order": 7, "SQS": ["approved": true]])
        let parameters = try #require(try Self.data(result, "afterParameters"))
        #expect(parameters["MessageBody"]?["TaskToken"]?.stringValue?.isEmpty == false)
        #expect(try Self.data(result, "result") == ["approved": true])
        #expect(try Self.data(result, "afterResultPath") == ["order": 7, "SQS": ["approved": true]])
    }

    @Test func aMockedSyncJobTakesTheMockAsTheJobsEnd() throws {
        let job = """
            {"Type": "Task", "Resource": "arn:aws:states:::baton:startJob.sync",
             "Parameters": {"JobName": "nightly", "Input.$": "$"}, "ResultSelector": {"status.$": "$.Status"},
             "ResultPath": "$.job", "TimeoutSeconds": 60, "Next": "Report"}
            """
        let result = try Self.test(job, input: ["day": 3], mock: .result(["Status": "SUCCEEDED", "Rows": 10]))
            .run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.nextState == "Report")
        #expect(result.output == ["day": 3, "job": ["status": "SUCCEEDED"]])
        #expect(try Self.data(result, "afterParameters") == ["JobName": "nightly", "Input": ["day": 3]])
        #expect(try Self.data(result, "afterResultSelector") == ["status": "SUCCEEDED"])
    }

    @Test func aMockedActivityTaskTakesTheMockAsTheWorkersAnswer() throws {
        let activity = """
            {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:review",
             "ResultPath": "$.review", "End": true}
            """
        let result = try Self.test(activity, input: ["doc": 1], mock: .result(["ok": true])).run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.output == ["doc": 1, "review": ["ok": true]])
    }

    @Test func aMockedErrorACatcherTakesIsCaughtWithTheCatchersNextState() throws {
        let result = try Self.test(
            Self.callbackTask, input: ["order": 7], mock: .error(error: "Rejected", cause: "no budget")
        ).run(at: Self.now)
        #expect(result.status == .caughtError)
        #expect(result.nextState == "HandleRejection")
        #expect(result.error == "Rejected")
        #expect(result.cause == "no budget")
        #expect(result.output == ["order": 7, "error": ["Error": "Rejected", "Cause": "no budget"]])
        #expect(result.inspectionData?["errorDetails"] == ["catchIndex": 0])
    }

    @Test func aMockedErrorARetrierTakesIsRetriableWithItsBackoff() throws {
        var test = try Self.test(Self.callbackTask, mock: .error(error: "Transient", cause: "try again"))
        let first = try test.run(at: Self.now)
        #expect(first.status == .retriable)
        #expect(first.error == "Transient")
        #expect(first.nextState == nil)
        #expect(first.output == nil)
        #expect(first.inspectionData?["errorDetails"] == ["retryIndex": 0, "retryBackoffIntervalSeconds": 1])
        test.retrierRetryCount = 4
        let fifth = try test.run(at: Self.now)
        #expect(fifth.status == .retriable)
        #expect(fifth.inspectionData?["errorDetails"] == ["retryIndex": 0, "retryBackoffIntervalSeconds": 16])
        test.retrierRetryCount = 5
        let exhausted = try test.run(at: Self.now)
        #expect(exhausted.status == .failed)
        #expect(exhausted.error == "Transient")
        #expect(exhausted.inspectionData?["errorDetails"] == ["retryIndex": 0])
    }

    @Test func anUnhandledMockedErrorFailsTheState() throws {
        let result = try Self.test(Self.callbackTask, mock: .error(error: "Other", cause: nil)).run(at: Self.now)
        #expect(result.status == .failed)
        #expect(result.error == "Other")
        #expect(result.cause == nil)
    }

    @Test func aJSONataTaskShowsItsArgumentsAndResult() throws {
        let task = """
            {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "foo", "Payload": "{% $states.input.name %}"},
             "Output": {"greeting": "{% 'hello ' & $states.result.Payload %}"},
             "Assign": {"greeted": "{% $states.result.Payload %}"}, "End": true}
            """
        let result = try Self.test(task, input: ["name": "ada"], mock: .result(["Payload": "ada"])).run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.output == ["greeting": "hello ada"])
        #expect(try Self.data(result, "afterArguments") == ["FunctionName": "foo", "Payload": "ada"])
        #expect(try Self.data(result, "result") == ["Payload": "ada"])
        #expect(try Self.data(result, "variables") == ["greeted": "ada"])
        #expect(result.inspectionData?["afterInputPath"] == nil)
    }

    @Test func variablesGivenToTheTestAreVisibleAndReported() throws {
        var test = try Self.test(
            #"{"QueryLanguage": "JSONata", "Type": "Pass", "Output": "{% $limit * 2 %}", "End": true}"#)
        test.variables = ["limit": 21]
        let result = try test.run(at: Self.now)
        #expect(result.output == 42)
        #expect(try Self.data(result, "variables") == ["limit": 21])
    }

    @Test func aJSONataCatcherPassesItsOutputOn() throws {
        let task = """
            {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "foo", "Payload": "bar"},
             "Catch": [{"ErrorEquals": ["Other"], "Next": "A"},
                       {"ErrorEquals": ["MockException"], "Output": "{% $states.errorOutput %}", "Next": "HandleMockError"}],
             "End": true}
            """
        let result = try Self.test(task, mock: .error(error: "MockException", cause: "Mock the cause of the error."))
            .run(at: Self.now)
        #expect(result.status == .caughtError)
        #expect(result.nextState == "HandleMockError")
        #expect(result.output == ["Error": "MockException", "Cause": "Mock the cause of the error."])
        #expect(result.inspectionData?["errorDetails"] == ["catchIndex": 1])
        #expect(try Self.data(result, "afterArguments") == ["FunctionName": "foo", "Payload": "bar"])
    }

    static let parallel = """
        {"Type": "Parallel", "ResultPath": "$.parallelResult", "End": true, "Branches": [
          {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Result": {"branch1": "result"}, "End": true}}},
          {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Result": {"branch2": "result"}, "End": true}}}]}
        """

    @Test func aMockedParallelTakesTheMockAsItsBranchesResults() throws {
        let result = try Self.test(
            Self.parallel, input: ["parallelInput": ["data": "input_value"]],
            mock: .result([["branch1": "result"], ["branch2": "result"]])
        ).run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(
            result.output == [
                "parallelInput": ["data": "input_value"],
                "parallelResult": [["branch1": "result"], ["branch2": "result"]],
            ])
    }

    @Test func parallelAndMapNeedAMockOfTheRightShape() throws {
        #expect(throws: StateTestError(.invalidDefinition, Self.unsupported)) {
            try Self.test(Self.parallel).run(at: Self.now)
        }
        #expect(
            throws: StateTestError(
                .validation, "Mocked result must contain the same number of items as number of Parallel branches.")
        ) { try Self.test(Self.parallel, mock: .result([1])).run(at: Self.now) }
        #expect(throws: StateTestError(.validation, "Mocked result must be an array.")) {
            try Self.test(Self.parallel, mock: .result(["a": 1])).run(at: Self.now)
        }
    }

    static let unsupported =
        "TestState API does not support Map or Parallel states. Supported state types include: "
        + "[Task, Wait, Pass, Succeed, Fail, Choice]"

    @Test func aMockedMapReportsItsItemsAndConcurrency() throws {
        let map = """
            {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrency": 1, "ToleratedFailureCount": 1, "End": true,
             "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}
            """
        let result = try Self.test(map, input: ["Values": [1, 2, 3]], mock: .result([1, 4, 9])).run(at: Self.now)
        #expect(result.status == .succeeded)
        #expect(result.output == [1, 4, 9])
        #expect(try Self.data(result, "afterItemsPath") == [1, 2, 3])
        #expect(result.inspectionData?["maxConcurrency"] == 1)
        #expect(result.inspectionData?["toleratedFailureCount"] == 1)
    }

    @Test func mocksAreRefusedWhereAWSRefusesThem() throws {
        #expect(throws: StateTestError(.validation, "State type 'Pass' is not supported when a mock is specified")) {
            try Self.test(#"{"Type": "Pass", "End": true}"#, mock: .result(1)).run(at: Self.now)
        }
        #expect(throws: StateTestError(.validation, "RoleArn must be specified when testing a Task state")) {
            try Self.test(Self.callbackTask).run(at: Self.now)
        }
        var withRole = try Self.test(Self.callbackTask)
        withRole.roleArn = "arn:aws:iam::111111111111:role/r"
        #expect(throws: StateTestError.self) { try withRole.run(at: Self.now) }
    }

    @Test func aStateOfAWholeMachineIsNamedByStateName() throws {
        let machine = try StateMachineDefinition.parse(
            """
            {"StartAt": "State0", "States": {
              "State0": {"Type": "Pass", "Next": "State1"},
              "State1": {"Type": "Fail", "Error": "SomeFailure", "Cause": "boom"}}}
            """)
        let first = try StateTest(definition: machine, stateName: "State0", input: ["Value": "HelloWorld"])
            .run(at: Self.now)
        #expect(first.status == .succeeded)
        #expect(first.nextState == "State1")
        #expect(first.output == ["Value": "HelloWorld"])
        let second = try StateTest(definition: machine, stateName: "State1", input: [:]).run(at: Self.now)
        #expect(second.status == .failed)
        #expect(second.error == "SomeFailure")
        #expect(throws: StateTestError(.validation, "State not found in definition")) {
            try StateTest(definition: machine, stateName: "Nope", input: [:]).run(at: Self.now)
        }
    }

    @Test func aGivenContextObjectReplacesTheBuiltOne() throws {
        var test = try Self.test(
            """
            {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "f", "Payload.$": "$$.Execution.Input.values"},
             "ResultSelector": {"ContextObjectValue.$": "$$.Execution.Name", "Out.$": "$"}, "End": true}
            """, mock: .result(["ok": true]))
        test.context = ["Execution": ["Name": "execution-name-12345", "Input": ["values": ["a", "b"]]]]
        let result = try test.run(at: Self.now)
        #expect(try Self.data(result, "afterParameters") == ["FunctionName": "f", "Payload": ["a", "b"]])
        #expect(result.output == ["ContextObjectValue": "execution-name-12345", "Out": ["ok": true]])
        test.context = ["Map": [:]]
        #expect(throws: StateTestError.self) { try test.run(at: Self.now) }
    }
}
