import BatonJSON
import Foundation
import Testing

/// DescribeStateMachine returns `variableReferences` for a machine whose JSONata states read variables, and
/// leaves it out otherwise.
@Suite struct VariableReferencesTests {
    static let definition = """
        {"QueryLanguage":"JSONata","StartAt":"A","States":{
          "A":{"Type":"Pass","Assign":{"limit":3},"Next":"B"},
          "B":{"Type":"Succeed","Output":"{% $states.input.n > $limit %}"}}}
        """

    @Test func describeListsTheVariablesEachStateReads() async throws {
        let api = try APIHarness()
        let created = try await api.ok(
            "CreateStateMachine",
            [
                "name": "vars", "definition": .string(Self.definition),
                "roleArn": "arn:aws:iam::123456789012:role/test",
            ])
        let arn = try #require(created["stateMachineArn"]?.stringValue)
        let described = try await api.ok("DescribeStateMachine", ["stateMachineArn": .string(arn)])
        #expect(described["variableReferences"] == ["B": ["limit"]])
        let seed = try await api.createSeed()
        let plain = try await api.ok("DescribeStateMachine", ["stateMachineArn": .string(seed)])
        #expect(plain["variableReferences"] == nil)
    }
}
