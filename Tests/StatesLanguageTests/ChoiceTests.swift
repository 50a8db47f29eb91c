import BatonJSON
import Testing

@testable import StatesLanguage

/// One Choice rule case: the rule (without Next), the input and whether it matches.
struct ChoiceCase: CustomTestStringConvertible, Sendable {
    let rule: String
    let input: String
    let matches: Bool
    var testDescription: String { "\(rule) on \(input) → \(matches)" }

    init(_ rule: String, _ input: String, _ matches: Bool) {
        self.rule = rule
        self.input = input
        self.matches = matches
    }
}

enum ChoiceFixtures {
    static let context: JSON = ["Execution": ["Name": "test-42"], "State": ["Name": "Decide"]]

    /// Parses a Choice state holding `rules` (each without Next; rule i goes to `R<i>`) through the real parser.
    static func choiceState(_ rules: [String], default fallback: String? = nil) throws -> ChoiceState {
        var choices: [JSON] = []
        var states = JSONObject()
        for (index, text) in rules.enumerated() {
            guard case .object(var rule) = try JSON(parsing: text) else { throw ParseFailure() }
            rule["Next"] = .string("R\(index)")
            choices.append(.object(rule))
            states["R\(index)"] = .object(JSONObject([("Type", "Succeed")]))
        }
        var choice = JSONObject([("Type", "Choice"), ("Choices", .array(choices))])
        if let fallback {
            choice["Default"] = .string(fallback)
            states[fallback] = .object(JSONObject([("Type", "Succeed")]))
        }
        states["Decide"] = .object(choice)
        let definition = try StateMachineDefinition.parse(json: ["StartAt": "Decide", "States": .object(states)])
        guard case .choice(let state)? = definition.states["Decide"]?.kind else { throw ParseFailure() }
        return state
    }

    static func evaluate(_ rule: String, on input: String) throws -> Bool {
        let state = try choiceState([rule])
        return try state.choices[0].evaluate(input: try JSON(parsing: input), context: context)
    }

    struct ParseFailure: Error {}
}

@Suite struct ChoiceTests {
    static let cases: [ChoiceCase] = [
        // Strings: ordering by UTF-16 code units, wrong type is false.
        .init(#"{"Variable":"$.s","StringEquals":"abc"}"#, #"{"s":"abc"}"#, true),
        .init(#"{"Variable":"$.s","StringEquals":"abc"}"#, #"{"s":"abd"}"#, false),
        .init(#"{"Variable":"$.s","StringEquals":"1"}"#, #"{"s":1}"#, false),
        .init(#"{"Variable":"$.s","StringLessThan":"b"}"#, #"{"s":"a"}"#, true),
        .init(#"{"Variable":"$.s","StringLessThan":"b"}"#, #"{"s":"b"}"#, false),
        .init(#"{"Variable":"$.s","StringGreaterThan":"B"}"#, #"{"s":"a"}"#, true),
        .init(#"{"Variable":"$.s","StringGreaterThan":"b"}"#, #"{"s":"a"}"#, false),
        .init(#"{"Variable":"$.s","StringLessThanEquals":"b"}"#, #"{"s":"b"}"#, true),
        .init(#"{"Variable":"$.s","StringLessThanEquals":"b"}"#, #"{"s":"c"}"#, false),
        .init(#"{"Variable":"$.s","StringGreaterThanEquals":"b"}"#, #"{"s":"b"}"#, true),
        .init(#"{"Variable":"$.s","StringGreaterThanEquals":"b"}"#, #"{"s":"a"}"#, false),
        .init(#"{"Variable":"$.s","StringLessThan":"\uffff"}"#, #"{"s":"😀"}"#, true),
        .init(#"{"Variable":"$.s","StringEqualsPath":"$.t"}"#, #"{"s":"x","t":"x"}"#, true),
        .init(#"{"Variable":"$.s","StringEqualsPath":"$.t"}"#, #"{"s":"x","t":"y"}"#, false),
        .init(#"{"Variable":"$.s","StringLessThanPath":"$.t"}"#, #"{"s":"a","t":"b"}"#, true),
        .init(#"{"Variable":"$.s","StringGreaterThanPath":"$.t"}"#, #"{"s":"a","t":"b"}"#, false),
        .init(#"{"Variable":"$.s","StringLessThanEqualsPath":"$.t"}"#, #"{"s":"b","t":"b"}"#, true),
        .init(#"{"Variable":"$.s","StringGreaterThanEqualsPath":"$.t"}"#, #"{"s":"a","t":"b"}"#, false),
        // StringMatches: * wildcard, \* literal star, \\ literal backslash, whole-string match.
        .init(#"{"Variable":"$.s","StringMatches":"log-*.txt"}"#, #"{"s":"log-2024.txt"}"#, true),
        .init(#"{"Variable":"$.s","StringMatches":"log-*.txt"}"#, #"{"s":"log-2024.txt.bak"}"#, false),
        .init(#"{"Variable":"$.s","StringMatches":"*"}"#, #"{"s":""}"#, true),
        .init(#"{"Variable":"$.s","StringMatches":"a*b*c"}"#, #"{"s":"aXbYbZc"}"#, true),
        .init(#"{"Variable":"$.s","StringMatches":"a*b*c"}"#, #"{"s":"aXcYb"}"#, false),
        .init(#"{"Variable":"$.s","StringMatches":"a\\*"}"#, #"{"s":"a*"}"#, true),
        .init(#"{"Variable":"$.s","StringMatches":"a\\*"}"#, #"{"s":"ab"}"#, false),
        .init(#"{"Variable":"$.s","StringMatches":"a\\\\*"}"#, #"{"s":"a\\bc"}"#, true),
        .init(#"{"Variable":"$.s","StringMatches":"*"}"#, #"{"s":3}"#, false),
        // Numbers: integers exact, mixed integer/double, wrong type false.
        .init(#"{"Variable":"$.n","NumericEquals":1}"#, #"{"n":1.0}"#, true),
        .init(#"{"Variable":"$.n","NumericEquals":9007199254740993}"#, #"{"n":9007199254740992}"#, false),
        .init(#"{"Variable":"$.n","NumericEquals":1}"#, #"{"n":"1"}"#, false),
        .init(#"{"Variable":"$.n","NumericLessThan":2}"#, #"{"n":1.5}"#, true),
        .init(#"{"Variable":"$.n","NumericLessThan":2}"#, #"{"n":2}"#, false),
        .init(#"{"Variable":"$.n","NumericGreaterThan":2}"#, #"{"n":2.5}"#, true),
        .init(#"{"Variable":"$.n","NumericGreaterThan":2}"#, #"{"n":-3}"#, false),
        .init(#"{"Variable":"$.n","NumericLessThanEquals":2}"#, #"{"n":2}"#, true),
        .init(#"{"Variable":"$.n","NumericLessThanEquals":2}"#, #"{"n":3}"#, false),
        .init(#"{"Variable":"$.n","NumericGreaterThanEquals":2}"#, #"{"n":2.0}"#, true),
        .init(#"{"Variable":"$.n","NumericGreaterThanEquals":2}"#, #"{"n":1}"#, false),
        .init(#"{"Variable":"$.n","NumericEqualsPath":"$.m"}"#, #"{"n":4,"m":4}"#, true),
        .init(#"{"Variable":"$.n","NumericLessThanPath":"$.m"}"#, #"{"n":4,"m":3}"#, false),
        .init(#"{"Variable":"$.n","NumericGreaterThanPath":"$.m"}"#, #"{"n":4,"m":3}"#, true),
        .init(#"{"Variable":"$.n","NumericLessThanEqualsPath":"$.m"}"#, #"{"n":3,"m":3}"#, true),
        .init(#"{"Variable":"$.n","NumericGreaterThanEqualsPath":"$.m"}"#, #"{"n":2,"m":3}"#, false),
        .init(#"{"Variable":"$.n","NumericEqualsPath":"$.m"}"#, #"{"n":4,"m":"4"}"#, false),
        // Booleans.
        .init(#"{"Variable":"$.b","BooleanEquals":true}"#, #"{"b":true}"#, true),
        .init(#"{"Variable":"$.b","BooleanEquals":true}"#, #"{"b":"true"}"#, false),
        .init(#"{"Variable":"$.b","BooleanEqualsPath":"$.c"}"#, #"{"b":false,"c":false}"#, true),
        .init(#"{"Variable":"$.b","BooleanEqualsPath":"$.c"}"#, #"{"b":false,"c":true}"#, false),
        // Timestamps: offsets and fractions compare as instants; non-timestamps are false.
        .init(
            #"{"Variable":"$.t","TimestampEquals":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T03:59:00+02:00"}"#, true
        ),
        .init(
            #"{"Variable":"$.t","TimestampEquals":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T01:59:00.001Z"}"#, false
        ),
        .init(#"{"Variable":"$.t","TimestampEquals":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14 01:59:00Z"}"#, false),
        .init(
            #"{"Variable":"$.t","TimestampLessThan":"2016-03-14T01:59:00Z"}"#,
            #"{"t":"2016-03-14T01:58:59.999999999Z"}"#, true),
        .init(
            #"{"Variable":"$.t","TimestampLessThan":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T01:59:00Z"}"#, false),
        .init(
            #"{"Variable":"$.t","TimestampGreaterThan":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T01:59:00-00:01"}"#,
            true),
        .init(
            #"{"Variable":"$.t","TimestampGreaterThan":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T01:59:00Z"}"#,
            false),
        .init(
            #"{"Variable":"$.t","TimestampLessThanEquals":"2016-03-14T01:59:00Z"}"#, #"{"t":"2016-03-14T01:59:00Z"}"#,
            true),
        .init(
            #"{"Variable":"$.t","TimestampGreaterThanEquals":"2016-03-14T01:59:00Z"}"#,
            #"{"t":"2016-02-29T00:00:00Z"}"#, false),
        .init(
            #"{"Variable":"$.t","TimestampEqualsPath":"$.u"}"#,
            #"{"t":"2020-01-01T00:00:00Z","u":"2020-01-01T00:00:00.000Z"}"#, true),
        .init(
            #"{"Variable":"$.t","TimestampLessThanPath":"$.u"}"#,
            #"{"t":"2020-01-01T00:00:00Z","u":"2019-12-31T23:59:59Z"}"#, false),
        .init(
            #"{"Variable":"$.t","TimestampGreaterThanPath":"$.u"}"#,
            #"{"t":"2020-01-01T00:00:00Z","u":"2019-12-31T23:59:59Z"}"#, true),
        .init(
            #"{"Variable":"$.t","TimestampLessThanEqualsPath":"$.u"}"#,
            #"{"t":"2020-01-01T00:00:00Z","u":"2020-01-01T00:00:00Z"}"#, true),
        .init(
            #"{"Variable":"$.t","TimestampGreaterThanEqualsPath":"$.u"}"#,
            #"{"t":"2020-01-01T00:00:00Z","u":"not a time"}"#, false),
        // Type tests.
        .init(#"{"Variable":"$.v","IsNull":true}"#, #"{"v":null}"#, true),
        .init(#"{"Variable":"$.v","IsNull":true}"#, #"{"v":0}"#, false),
        .init(#"{"Variable":"$.v","IsNull":false}"#, #"{"v":0}"#, true),
        .init(#"{"Variable":"$.v","IsPresent":true}"#, #"{"v":null}"#, true),
        .init(#"{"Variable":"$.v","IsPresent":true}"#, #"{}"#, false),
        .init(#"{"Variable":"$.v","IsPresent":false}"#, #"{}"#, true),
        .init(#"{"Variable":"$.v.w","IsPresent":false}"#, #"{"v":[1]}"#, true),
        .init(#"{"Variable":"$.v","IsNumeric":true}"#, #"{"v":1.5}"#, true),
        .init(#"{"Variable":"$.v","IsNumeric":true}"#, #"{"v":"1"}"#, false),
        .init(#"{"Variable":"$.v","IsString":true}"#, #"{"v":"1"}"#, true),
        .init(#"{"Variable":"$.v","IsString":false}"#, #"{"v":"1"}"#, false),
        .init(#"{"Variable":"$.v","IsBoolean":true}"#, #"{"v":false}"#, true),
        .init(#"{"Variable":"$.v","IsBoolean":true}"#, #"{"v":0}"#, false),
        .init(#"{"Variable":"$.v","IsTimestamp":true}"#, #"{"v":"2016-03-14T01:59:00Z"}"#, true),
        .init(#"{"Variable":"$.v","IsTimestamp":true}"#, #"{"v":"2016-02-30T01:59:00Z"}"#, false),
        // And / Or / Not, nested; the context object.
        .init(
            #"{"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.n","NumericLessThan":3}]}"#, #"{"n":2}"#,
            true),
        .init(
            #"{"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.n","NumericLessThan":3}]}"#, #"{"n":3}"#,
            false),
        .init(
            #"{"Or":[{"Variable":"$.n","NumericEquals":1},{"Not":{"Variable":"$.s","StringEquals":"x"}}]}"#,
            #"{"n":2,"s":"y"}"#, true),
        .init(
            #"{"Or":[{"Variable":"$.n","NumericEquals":1},{"Not":{"Variable":"$.s","StringEquals":"x"}}]}"#,
            #"{"n":2,"s":"x"}"#, false),
        .init(
            #"{"Not":{"And":[{"Variable":"$.a","IsPresent":true},{"Or":[{"Variable":"$.a","IsNull":true},{"Variable":"$.a","IsString":true}]}]}}"#,
            #"{"a":1}"#, true),
        .init(#"{"Or":[{"Variable":"$.n","IsPresent":false},{"Variable":"$.n","NumericEquals":1}]}"#, #"{}"#, true),
        .init(#"{"Variable":"$$.Execution.Name","StringMatches":"test-*"}"#, #"{}"#, true),
        .init(#"{"Variable":"$.xs[1].name","StringEquals":"b"}"#, #"{"xs":[{"name":"a"},{"name":"b"}]}"#, true),
    ]

    @Test(arguments: cases)
    func ruleEvaluatesAsAWSDoes(_ example: ChoiceCase) throws {
        #expect(try ChoiceFixtures.evaluate(example.rule, on: example.input) == example.matches)
    }

    @Test func everyOperatorIsCovered() throws {
        let used = Set(Self.cases.map(\.rule))
        for choiceOperator in ChoiceOperator.allCases {
            #expect(used.contains { $0.contains("\"\(choiceOperator.rawValue)\"") }, "\(choiceOperator.rawValue)")
        }
    }

    @Test(arguments: [
        (#"{"Variable":"$.missing","NumericEquals":1}"#, "$.missing"),
        (#"{"Variable":"$.missing","IsNull":true}"#, "$.missing"),
        (#"{"Variable":"$.n","NumericEqualsPath":"$.missing"}"#, "$.missing"),
        (#"{"Not":{"Variable":"$.a.b","StringEquals":"x"}}"#, "$.a.b"),
    ])
    func unresolvedPathIsStatesRuntime(_ rule: String, _ path: String) throws {
        let error = #expect(throws: StatesError.self) { try ChoiceFixtures.evaluate(rule, on: #"{"n":1,"a":{}}"#) }
        #expect(error?.error == "States.Runtime")
        #expect(
            error?.cause == "Invalid path '\(path)': The choice state's condition path references an invalid value.")
    }

    @Test func firstMatchingRuleWinsThenDefault() throws {
        let state = try ChoiceFixtures.choiceState(
            [#"{"Variable":"$.n","NumericGreaterThan":10}"#, #"{"Variable":"$.n","NumericGreaterThan":5}"#],
            default: "Small")
        #expect(try state.nextState(for: ["n": 20], context: .null) == "R0")
        #expect(try state.nextState(for: ["n": 7], context: .null) == "R1")
        #expect(try state.nextState(for: ["n": 1], context: .null) == "Small")
    }

    @Test func noMatchWithoutDefaultIsNoChoiceMatched() throws {
        let state = try ChoiceFixtures.choiceState([#"{"Variable":"$.status","StringEquals":"success"}"#])
        let error = #expect(throws: StatesError.self) {
            try state.nextState(for: ["status": "failure"], context: .null)
        }
        #expect(error == StatesError("States.NoChoiceMatched", cause: "No Matches!"))
    }

    @Test func seedCallbackChoiceRoutesOnStatus() throws {
        let definition = try StateMachineDefinition.parse(try DefinitionFixtures.text("valid-callback-choice.asl.json"))
        guard case .choice(let choice)? = definition.states["IsApproved"]?.kind else {
            Issue.record("IsApproved is not a Choice state")
            return
        }
        #expect(try choice.nextState(for: ["status": "success"], context: .null) == "Approved")
        #expect(try choice.nextState(for: ["status": "rejected"], context: .null) == "Rejected")
        #expect(throws: StatesError.self) { try choice.nextState(for: [:], context: .null) }
    }
}
