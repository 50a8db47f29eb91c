import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Variables in JSONPath states: `Assign` as a payload template, `$name` roots in every path a state reads
/// (not ResultPath), every path of a state seeing the values from before it, and the errors for names and paths.
@Suite struct JSONPathVariableTests {
    @Test func pathsParseAVariableRoot() throws {
        let path = try JSONPath("$order.items[0].sku")
        #expect(path.root == .variable("order"))
        #expect(path.normalized == "$order['items'][0]['sku']")
        #expect(path.evaluate(.null, variables: ["order": ["items": [["sku": "A-1"]]]]) == "A-1")
        #expect(path.evaluate(.null, variables: [:]) == nil)
        #expect(try JSONPath("$_x1").root == .variable("_x1"))
        #expect(try JSONPath("$").root == .input)
        #expect(try JSONPath("$$.Execution.Id").root == .context)
        #expect(throws: JSONPathSyntaxError.self) { try JSONPath("$1abc") }
    }

    @Test func everyPathOfAStateSeesTheValuesFromBeforeIt() throws {
        // State B reads `$n` in InputPath, Parameters, an intrinsic and OutputPath, and assigns `n` itself.
        var driver = try InterpreterDriver(
            """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":{"n":1,"list":[10,20]},"Assign":{"n.$":"$.n","list.$":"$.list"},"Next":"B"},
              "B":{"Type":"Pass","InputPath":"$list","Parameters":{"first.$":"$[0]","n.$":"$n",
                   "text.$":"States.Format('n={}', $n)"},"ResultPath":"$.copy","OutputPath":"$n",
                   "Assign":{"n":2,"seen.$":"$n"},"Next":"C"},
              "C":{"Type":"Pass","Parameters":{"n.$":"$n","seen.$":"$seen","input.$":"$"},"End":true}}}
            """)
        try driver.start([:])
        #expect(driver.outcome == .succeeded(output: ["n": 2, "seen": 1, "input": 1]))
    }

    @Test func assignSeesTheRawResultOfATaskAndTheErrorOutputInACatcher() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"TaskToken.$":"$$.Task.Token"},
                "ResultSelector":{"picked.$":"$.a"},"Assign":{"raw.$":"$"},"ResultPath":"$.r","Next":"U"},
              "U":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"TaskToken.$":"$$.Task.Token"},
                "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"why.$":"$.Cause","raw2.$":"$raw.b"},
                  "ResultPath":"$.error","Next":"Done"}],"End":true},
              "Done":{"Type":"Pass","Parameters":{"raw.$":"$raw","why.$":"$why","b.$":"$raw2","r.$":"$.r"},"End":true}}}
            """)
        try driver.start([:])
        try driver.succeed(driver.lastTask.taskId, ["a": 1, "b": 2])
        try driver.fail(driver.lastTask.taskId, "Boom", "it broke")
        #expect(
            driver.outcome
                == .succeeded(output: ["raw": ["a": 1, "b": 2], "why": "it broke", "b": 2, "r": ["picked": 1]]))
    }

    @Test func choiceRulesAndWaitPathsReadVariables() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Set","States":{
              "Set":{"Type":"Pass","Assign":{"limit":5,"delay":30,"at":"2023-11-14T22:14:00Z"},"Next":"Check"},
              "Check":{"Type":"Choice","Choices":[
                  {"Variable":"$.n","NumericGreaterThanPath":"$limit","Assign":{"verdict":"big"},"Next":"Pause"}],
                "Default":"Pause","Assign":{"verdict":"small","checked.$":"$.n"}},
              "Pause":{"Type":"Wait","SecondsPath":"$delay","Assign":{"waited.$":"$delay"},"Next":"Until"},
              "Until":{"Type":"Wait","TimestampPath":"$at","Next":"Done"},
              "Done":{"Type":"Pass","Parameters":{"verdict.$":"$verdict","checked.$":"$checked","waited.$":"$waited"},
                "End":true}}}
            """)
        try driver.start(["n": 9])
        try driver.advance(30)
        try driver.advance(24 * 3600)
        // The state's own Assign, then the taken rule's: the rule wins for `verdict`.
        #expect(driver.outcome == .succeeded(output: ["verdict": "big", "checked": 9, "waited": 30]))
    }

    @Test func aVariableThatIsNotSetIsARuntimeErrorNamingIt() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$nowhere"},"End":true}}}
            """)
        try driver.start([:])
        #expect(
            driver.outcome
                == .failed(
                    error: "States.Runtime",
                    cause: "An error occurred while executing the state 'A' (entered at the event id #2). "
                        + "The JSONPath '$nowhere' specified for the field 'x.$' could not be found: the variable "
                        + "'nowhere' is not set"))
    }

    @Test func invalidAssignmentsAreRefused() {
        let issues = DefinitionFixtures.issues(
            of: """
                {"StartAt":"A","States":{
                  "A":{"Type":"Pass","Assign":{"1x":1,"states":2,"a":1,"a.$":"$.a","p.$":"$.[","q":{"r.$":"nope"}},
                    "ResultPath":"$v","Next":"B"},
                  "B":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true,"Assign":{"x":1}},
                    "Next":"C"}],"Default":"C"},
                  "C":{"Type":"Succeed","Assign":{"x":1}}}}
                """)
        #expect(
            issues.contains(
                "/States/A/Assign/1x: is not a valid variable name (a letter or _, then letters, digits or _; at most 80 characters)"
            ))
        #expect(issues.contains("/States/A/Assign/states: is reserved"))
        #expect(issues.contains("/States/A/Assign/a.$: assigns the variable 'a' a second time"))
        #expect(issues.contains { $0.hasPrefix("/States/A/Assign/p.$: ") })
        #expect(issues.contains { $0.hasPrefix("/States/A/Assign/q/r.$: ") })
        #expect(issues.contains("/States/A/ResultPath: The value '$v' must not refer to a variable"))
        #expect(issues.contains("/States/B/Choices/0/Not/Assign: Assign is only allowed in top-level Choice rules"))
        #expect(issues.contains("/States/C/Assign: is not a field of a Succeed state"))
    }

    @Test func aBranchCannotAssignAVariableOfTheMachineItRunsIn() {
        let issues = DefinitionFixtures.issues(
            of: """
                {"StartAt":"Set","States":{
                  "Set":{"Type":"Pass","Assign":{"total":0},"Next":"Fan"},
                  "Fan":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"B","States":{
                    "B":{"Type":"Pass","Assign":{"total.$":"$total","mine":1},"End":true}}}]}}}
                """)
        #expect(
            issues == [
                "/States/Fan/Branches/0/States/B/Assign/total: is assigned by an enclosing state machine; a Parallel branch or Map iteration cannot assign it"
            ])
    }

    @Test func describeListsTheVariablesJSONPathStatesRead() throws {
        let definition = try StateMachineDefinition.parse(
            """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Assign":{"a":1,"b":[1]},"Next":"B"},
              "B":{"Type":"Pass","InputPath":"$a","Parameters":{"x":{"y.$":"States.ArrayGetItem($b, 0)"}},"Next":"C"},
              "C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$a","NumericEqualsPath":"$limit"},"Next":"D"}],
                "Default":"D"},
              "D":{"Type":"Map","ItemsPath":"$b","ItemProcessor":{"StartAt":"E","States":{
                "E":{"Type":"Pass","Parameters":{"v.$":"$a"},"End":true}}},"End":true}}}
            """)
        #expect(
            definition.variableReferences == ["B": ["a", "b"], "C": ["a", "limit"], "D": ["b"], "E": ["a"]])
    }
}
