import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Variables (`Assign`) in JSONata states: set when a state succeeds, read as `$name` by later states, every
/// assignment of a state seeing the values from before it, kept in the persisted execution state.
@Suite struct JSONataVariableTests {
    @Test func assignedVariablesAreReadByLaterStates() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Pass","Assign":{"a":1,"b":"{% $states.input.b %}"},"Next":"B"},
              "B":{"Type":"Pass","Assign":{"a":"{% $b %}","b":"{% $a %}"},"Output":{"a":"{% $a %}"},"Next":"C"},
              "C":{"Type":"Succeed","Output":{"a":"{% $a %}","b":"{% $b %}"}}}}
            """)
        try driver.start(["b": "two"])
        // B's Output and both of B's assignments see the values from before B: a = 1, b = "two".
        #expect(driver.outcome == .succeeded(output: ["a": "two", "b": 1]))
    }

    @Test func variablesSurviveAWaitingTaskAndSeeItsResult() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"Set","States":{
              "Set":{"Type":"Pass","Assign":{"customer":"{% $states.input.customer %}"},"Next":"Work"},
              "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Arguments":{"who":"{% $customer %}","token":"{% $states.context.Task.Token %}"},
                "Assign":{"status":"{% $states.result.status %}"},"Output":"{% $states.input %}","Next":"Route"},
              "Route":{"Type":"Choice","Choices":[
                {"Condition":"{% $status = 'ok' %}","Assign":{"route":"accepted"},"Next":"Done"}],
                "Default":"Done"},
              "Done":{"Type":"Succeed","Output":{"customer":"{% $customer %}","status":"{% $status %}","route":"{% $route %}"}}}}
            """)
        try driver.start(["customer": "c-1"])
        #expect(driver.lastTask.parameters["who"] == "c-1")
        // The driver persists and restores the execution state after every event, so the variables went through
        // the stored form before the callback arrives.
        try driver.succeed(driver.lastTask.taskId, ["status": "ok"])
        #expect(driver.outcome == .succeeded(output: ["customer": "c-1", "status": "ok", "route": "accepted"]))
    }

    @Test func anUnknownVariableHasNoValueWhichFailsTheStateAsOnAWS() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Succeed","Output":{"x":"{% $missing %}","y":1}}}}
            """)
        try driver.start([:])
        let cause =
            "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression "
            + "'$missing' specified for the field 'Output/x' returned nothing (undefined)."
        #expect(driver.outcome == .failed(error: "States.QueryEvaluationError", cause: cause))
        #expect(driver.types == ["ExecutionStarted", "SucceedStateEntered", "EvaluationFailed", "ExecutionFailed"])
        guard case .evaluationFailed(let details)? = driver.history[2].details else {
            Issue.record("no EvaluationFailed details")
            return
        }
        #expect(
            details
                == EvaluationFailedEventDetails(
                    error: "States.QueryEvaluationError", cause: cause, location: "Output/x", state: "A"))
    }

    @Test func invalidVariableNamesAndExpressionsAreRefused() {
        let issues = DefinitionFixtures.issues(
            of: """
                {"QueryLanguage":"JSONata","StartAt":"A","States":{
                  "A":{"Type":"Pass","Assign":{"1x":1,"states":2,"ok":"{% ( %}"},"End":true}}}
                """)
        #expect(
            issues == [
                "/States/A/Assign/1x: is not a valid variable name (a letter or _, then letters, digits or _; at most 80 characters)",
                "/States/A/Assign/states: is reserved",
                "/States/A/Assign/ok: the JSONata expression '(' is invalid: S0203 expected \")\" before the end of the expression",
            ])
    }
}

/// AWS records the variables a state assigned in its `…StateExited` event.
@Suite struct AssignedVariablesHistoryTests {
    @Test func stateExitedEventsCarryTheAssignedVariables() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Pass","Assign":{"x":{"k":[1,"s"]},"y":"{% 1 + 1 %}"},"Next":"B"},
              "B":{"Type":"Succeed"}}}
            """)
        try driver.start([:])
        let exits = driver.history.compactMap { event -> StateEventDetails? in
            if case .stateExited(let details)? = event.details { return details }
            return nil
        }
        #expect(exits.count == 2)
        #expect(exits[0].assignedVariables == ["x": #"{"k":[1,"s"]}"#, "y": "2"])
        #expect(exits[0].assignedVariablesDetails == DataTruncation())
        #expect(exits[1].assignedVariables == nil)
    }
}

/// Variable scopes: a branch or iteration reads outer variables and may not assign them.
@Suite struct VariableScopeTests {
    @Test func branchesReadOuterVariablesAndKeepTheirOwn() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"Set","States":{
              "Set":{"Type":"Pass","Assign":{"base":10},"Next":"P"},
              "P":{"Type":"Parallel","Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"inner":1},"Next":"A2"},
                  "A2":{"Type":"Pass","Output":"{% $base + $inner %}","End":true}}}],
                "Output":{"r":"{% $states.result %}","inner":"{% $exists($inner) %}"},"End":true}}}
            """)
        try driver.start([:])
        // The branch sees `base`; its own `inner` stays in the branch.
        #expect(driver.outcome == .succeeded(output: ["r": [11], "inner": false]))
    }

    @Test func assigningAnOuterVariableInsideABranchIsRefused() {
        let issues = DefinitionFixtures.issues(
            of: """
                {"QueryLanguage":"JSONata","StartAt":"Set","States":{
                  "Set":{"Type":"Pass","Assign":{"total":0},"Next":"M"},
                  "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
                    "I":{"Type":"Pass","Assign":{"total":1},"End":true}}},"End":true}}}
                """)
        #expect(
            issues == [
                "/States/M/ItemProcessor/States/I/Assign/total: is assigned by an enclosing state machine; "
                    + "a Parallel branch or Map iteration cannot assign it"
            ])
    }
}

/// `Assign` on Parallel and Map states sees `$states.result`.
@Suite struct ParallelMapAssignTests {
    @Test func parallelAndMapAssignFromTheirResults() throws {
        var driver = try InterpreterDriver(
            """
            {"QueryLanguage":"JSONata","StartAt":"P","States":{
              "P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Output":1,"End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","Output":2,"End":true}}}],
                "Assign":{"branches":"{% $count($states.result) %}"},"Next":"M"},
              "M":{"Type":"Map","Items":[1,2,3],"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
                "Assign":{"total":"{% $sum($states.result) %}"},"Next":"D"},
              "D":{"Type":"Succeed","Output":{"branches":"{% $branches %}","total":"{% $total %}"}}}}
            """)
        try driver.start([:])
        #expect(driver.outcome == .succeeded(output: ["branches": 2, "total": 6]))
    }
}

/// DescribeStateMachine's `variableReferences`: the variables each JSONata state reads.
@Suite struct VariableReferencesTests {
    @Test func referencesAreListedByStateNestedStatesIncluded() throws {
        let definition = try StateMachineDefinition.parse(
            """
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Pass","Assign":{"x":1,"y":"{% $states.input.y %}"},"Next":"P"},
              "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{
                "B":{"Type":"Pass","Output":"{% $x + $uuid() %}","End":true}}}],"Next":"C"},
              "C":{"Type":"Choice","Choices":[{"Condition":"{% $y > $limit %}","Next":"D"}],"Default":"D"},
              "D":{"Type":"Succeed","Output":{"v":"{% ($z := 2; $z * $x) %}"}}}}
            """)
        #expect(definition.variableReferences == ["B": ["x"], "C": ["limit", "y"], "D": ["x"]])
    }
}
