import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// States whose QueryLanguage is JSONata: `$states.input`, `$states.context` (with `Task.Token`),
/// `$states.result`, `Arguments`, `Output`, Choice `Condition`, Fail expressions, and
/// States.QueryEvaluationError.
@Suite struct JSONataStateTests {
    static let input: JSON = ["order": ["id": "o-7", "items": [["price": 5], ["price": 2.5]]]]

    func driver() throws -> InterpreterDriver {
        try InterpreterDriver(try DefinitionFixtures.text("valid-jsonata.asl.json"))
    }

    @Test func argumentsAreEvaluatedWithTheInputAndTheTaskToken() throws {
        var driver = try driver()
        try driver.start(Self.input)
        let task = driver.lastTask
        #expect(task.parameters["QueueUrl"] == "https://sqs/q")
        #expect(task.parameters["MessageBody"]?["token"] == .string(task.taskToken))
        #expect(task.parameters["MessageBody"]?["amount"] == 7.5)
        #expect(
            driver.types == [
                "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled",
            ])
    }

    @Test func outputSeesTheResultAndConditionsChooseTheNextState() throws {
        var driver = try driver()
        try driver.start(Self.input)
        try driver.succeed(driver.lastTask.taskId, ["ok": true])
        #expect(driver.outcome == .succeeded(output: 7.5))
        #expect(
            driver.types.suffix(5) == [
                "ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered", "SucceedStateExited",
                "ExecutionSucceeded",
            ])
    }

    @Test func failEvaluatesItsCause() throws {
        var driver = try driver()
        try driver.start(Self.input)
        try driver.succeed(driver.lastTask.taskId, ["ok": false])
        #expect(driver.outcome == .failed(error: "Payment.Refused", cause: "order o-7 was refused"))
    }

    @Test func aFailingExpressionIsAQueryEvaluationError() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Pass","Output":"{% $states.input.n + 'x' %}","End":true}}}
            """)
        try driver.start(["n": 1])
        guard case .failed(let error, let cause)? = driver.outcome else {
            Issue.record("expected a failure, got \(String(describing: driver.outcome))")
            return
        }
        #expect(error == "States.QueryEvaluationError")
        #expect(cause?.contains("T2002") == true)
    }

    @Test func aConditionThatIsNotBooleanFails() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"C","States":{
              "C":{"Type":"Choice","QueryLanguage":"JSONata","Choices":[{"Condition":"{% $states.input.n %}","Next":"D"}]},
              "D":{"Type":"Succeed"}}}
            """)
        try driver.start(["n": 1])
        guard case .failed(let error, _)? = driver.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == "States.QueryEvaluationError")
    }

    @Test func jsonPathStatesBesideJSONataStatesKeepTheirBehaviour() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"P","States":{
              "P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","Next":"J"},
              "J":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"sum":"{% $states.input.r.x + $states.input.y %}"},"End":true}}}
            """)
        try driver.start(["y": 2])
        #expect(driver.outcome == .succeeded(output: ["sum": 3]))
    }
}

/// Catch in JSONata states: `$states.errorOutput`, the catcher's `Output` and `Assign`.
@Suite struct JSONataCatchTests {
    @Test func aCatcherSeesTheErrorOutputAndAssigns() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"Work","States":{
              "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Arguments":{"token":"{% $states.context.Task.Token %}"},
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handle",
                  "Output":{"error":"{% $states.errorOutput.Error %}","input":"{% $states.input.n %}"},
                  "Assign":{"failedWith":"{% $states.errorOutput.Cause %}"}}],"End":true},
              "Handle":{"Type":"Succeed","Output":{"seen":"{% $states.input %}","cause":"{% $failedWith %}"}}}}
            """)
        try driver.start(["n": 3])
        try driver.fail(driver.lastTask.taskId, "Card.Declined", "no funds")
        #expect(
            driver.outcome
                == .succeeded(output: ["seen": ["error": "Card.Declined", "input": 3], "cause": "no funds"]))
    }

    @Test func withoutOutputTheCatcherPassesTheErrorOutput() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"Work","States":{
              "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"End":true},
              "Done":{"Type":"Succeed"}}}
            """)
        try driver.start([:])
        try driver.fail(driver.lastTask.taskId, "E", "c")
        #expect(driver.outcome == .succeeded(output: ["Error": "E", "Cause": "c"]))
    }

    @Test func resultPathInAJSONataCatcherIsRefused() {
        let issues = DefinitionFixtures.issues(
            of: """
                {"QueryLanguage":"JSONata","StartAt":"W","States":{
                  "W":{"Type":"Task","Resource":"arn:x","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"D"}],"End":true},
                  "D":{"Type":"Succeed"}}}
                """)
        #expect(
            issues == ["/States/W/Catch/0/ResultPath: is a JSONPath field; a JSONata state uses Arguments and Output"])
    }
}

/// Wait in JSONata states: `Seconds` and `Timestamp` as literals or expressions, then `Output` and `Assign`.
@Suite struct JSONataWaitTests {
    @Test func secondsFromAnExpressionSetTheTimerAndOutputFollows() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"W","States":{
              "W":{"Type":"Wait","Seconds":"{% $states.input.delay * 2 %}","Output":{"waited":"{% $states.input.delay * 2 %}"},
                "Assign":{"w":true},"Next":"D"},
              "D":{"Type":"Succeed","Output":{"waited":"{% $states.input.waited %}","w":"{% $w %}"}}}}
            """)
        try driver.start(["delay": 5])
        #expect(driver.timers.values.map(\.fireAt) == [InterpreterDriver.epoch.addingTimeInterval(10)])
        #expect(driver.outcome == nil)
        try driver.advance(10)
        #expect(driver.outcome == .succeeded(output: ["waited": 10, "w": true]))
    }

    @Test func aTimestampThatIsNotOneIsAQueryEvaluationError() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"W","States":{
              "W":{"Type":"Wait","Timestamp":"{% 'tomorrow' %}","End":true}}}
            """)
        try driver.start([:])
        guard case .failed(let error, _)? = driver.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == "States.QueryEvaluationError")
    }
}

/// The functions AWS adds to JSONata in state machines.
@Suite struct JSONataAWSFunctionTests {
    static let machine = """
        {"QueryLanguage":"JSONata","StartAt":"F","States":{
          "F":{"Type":"Pass","Output":{
            "partition":"{% $partition([1,2,3,4,5], 2) %}",
            "range":"{% $range(0, 10, 5) %}",
            "hash":"{% $hash('abc', 'SHA-256') %}",
            "parse":"{% $parse('{\\"a\\": [1, true]}') %}",
            "seeded":"{% $random(7) = $random(7) %}",
            "random":"{% $random() %}",
            "uuid":"{% $uuid() %}"},"End":true}}}
        """

    @Test func awsFunctionsGiveAWSResults() throws {
        var driver = try InterpreterDriver(Self.machine)
        try driver.start([:])
        guard case .succeeded(let output)? = driver.outcome else {
            Issue.record("expected success, got \(String(describing: driver.outcome))")
            return
        }
        #expect(output["partition"] == [[1, 2], [3, 4], [5]])
        #expect(output["range"] == [0, 5, 10])
        #expect(output["hash"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(output["parse"] == ["a": [1, true]])
        #expect(output["seeded"] == true)
        let random = try #require(output["random"]?.doubleValue)
        #expect(random >= 0 && random < 1)
        let uuid = try #require(output["uuid"]?.stringValue)
        #expect(UUID(uuidString: uuid) != nil)
        var again = try InterpreterDriver(Self.machine)
        try again.start([:])
        #expect(again.outcome == driver.outcome, "the same execution draws the same values")
    }

    @Test func aFailingAWSFunctionIsAQueryEvaluationError() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Pass","Output":"{% $hash('a', 'CRC') %}","End":true}}}
            """)
        try driver.start([:])
        guard case .failed(let error, let cause)? = driver.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == "States.QueryEvaluationError")
        #expect(cause?.contains("CRC") == true)
    }
}

/// Parallel and Map in JSONata states.
@Suite struct JSONataParallelMapTests {
    @Test func parallelBranchesGetTheArgumentsAndOutputSeesTheirResults() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"P","States":{
              "P":{"Type":"Parallel","Arguments":{"n":"{% $states.input.n * 10 %}"},
                "Branches":[
                  {"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.n + 1 %}","End":true}}},
                  {"StartAt":"B","States":{"B":{"Type":"Pass","Output":"{% $states.input.n + 2 %}","End":true}}}],
                "Output":{"sum":"{% $sum($states.result) %}","results":"{% $states.result %}"},"End":true}}}
            """)
        try driver.start(["n": 1])
        #expect(driver.outcome == .succeeded(output: ["sum": 23, "results": [11, 12]]))
    }

    @Test func mapIteratesItemsThroughItemSelector() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"M","States":{
              "M":{"Type":"Map","Items":"{% $states.input.orders %}","MaxConcurrency":2,
                "ItemSelector":{"id":"{% $states.context.Map.Item.Value.id %}","at":"{% $states.context.Map.Item.Index %}"},
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input.id & '#' & $states.input.at %}","End":true}}},
                "Output":"{% $join($states.result, ',') %}","End":true}}}
            """)
        try driver.start(["orders": [["id": "a"], ["id": "b"], ["id": "c"]]])
        #expect(driver.outcome == .succeeded(output: "a#0,b#1,c#2"))
    }

    @Test func itemsThatAreNotAnArrayFailAsOnAWS() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"M","States":{
              "M":{"Type":"Map","Items":"{% 'x' %}",
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}}}
            """)
        try driver.start([:])
        let cause =
            "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression "
            + "''x'' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was "
            + "'string' for value: \"x\""
        #expect(driver.outcome == .failed(error: "States.QueryEvaluationError", cause: cause))
    }
}

/// TimeoutSeconds, HeartbeatSeconds and MaxConcurrency as JSONata expressions.
@Suite struct JSONataSecondsTests {
    @Test func taskDeadlinesComeFromExpressions() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "TimeoutSeconds":"{% $states.input.t %}","HeartbeatSeconds":"{% $states.input.t / 2 %}","End":true}}}
            """)
        try driver.start(["t": 60])
        #expect(driver.lastTask.timeoutSeconds == 60)
        #expect(driver.lastTask.heartbeatSeconds == 30)
    }

    @Test func aTimeoutThatIsNotAPositiveIntegerFails() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:x","TimeoutSeconds":"{% 1.5 %}","End":true}}}
            """)
        try driver.start([:])
        guard case .failed(let error, _)? = driver.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == "States.QueryEvaluationError")
    }

    @Test func maxConcurrencyFromAnExpressionLimitsIterations() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"M","States":{
              "M":{"Type":"Map","MaxConcurrency":"{% $count($states.input) - 2 %}",
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"arn:x","End":true}}},"End":true}}}
            """)
        try driver.start([1, 2, 3])
        #expect(driver.openTasks.count == 1)
    }
}
