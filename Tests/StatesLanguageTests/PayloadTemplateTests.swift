import BatonJSON
import Testing

@testable import StatesLanguage

@Suite struct PayloadTemplateTests {
    @Test func membersEndingInDollarTakePathsAndLoseTheSuffix() throws {
        let template = try PayloadTemplate(
            ["z": 1, "id.$": "$.id", "nested": ["when.$": "$$.State.EnteredTime", "keep": "$.literal"], "a": true]
        )
        let context: JSON = ["State": ["EnteredTime": "2019-03-26T20:14:13.192Z"]]
        let output = try template.resolve(input: ["id": 7], context: context)
        #expect(
            output == [
                "z": 1, "id": 7, "nested": ["when": "2019-03-26T20:14:13.192Z", "keep": "$.literal"], "a": true,
            ])
        #expect(output.objectValue?.keys == ["z", "id", "nested", "a"])
    }

    @Test func validationReportsEveryBadMemberWithItsPointer() {
        let issues = PayloadTemplate.validate(
            [
                "ok.$": "$.a",
                "number.$": 5,
                "list": [["bad.$": "a.b"]],
                "call.$": "States.Nope()",
                "looksLikePath": "$.x",
                "a/b~c": ["x.$": "States.Array("],
            ],
            at: "/States/Work/Parameters"
        )
        #expect(
            issues.map(\.pointer) == [
                "/States/Work/Parameters/number.$",
                "/States/Work/Parameters/list/0/bad.$",
                "/States/Work/Parameters/call.$",
                "/States/Work/Parameters/a~1b~0c/x.$",
            ]
        )
        #expect(
            issues.first?.message
                == "The value for the field 'number.$' must be a valid JSONPath or a valid intrinsic function call")
    }

    @Test func compilingAnInvalidTemplateThrowsItsIssues() {
        #expect(throws: PayloadTemplate.InvalidTemplate.self) { try PayloadTemplate(["x.$": 1]) }
    }

    @Test func nonObjectTemplatesAreLiterals() throws {
        #expect(try PayloadTemplate("$.x").resolve(input: ["x": 1], context: .null) == "$.x")
        #expect(try PayloadTemplate([1, ["a.$": "$"]]).resolve(input: 2, context: .null) == [1, ["a": 2]])
    }

    @Test func intrinsicsInTemplatesUseTheInjectedRandomSource() throws {
        let template = try PayloadTemplate(["id.$": "States.UUID()", "n.$": "States.MathRandom(1, 10)"])
        var a = SeededRandom(seed: 3)
        var b = SeededRandom(seed: 3)
        #expect(
            try template.resolve(input: [:], context: .null, random: &a)
                == template.resolve(input: [:], context: .null, random: &b))
    }

    @Test func contextPathThatMatchesNothingNamesTheContext() throws {
        let template = try PayloadTemplate(["t.$": "$$.Task.Token"])
        #expect {
            try template.resolve(input: [:], context: ["Execution": [:]])
        } throws: { error in
            (error as? StatesError)?.cause
                == "The JSONPath '$$.Task.Token' specified for the field 't.$' could not be found in the input '{\"Execution\":{}}'"
        }
    }
}
