import BatonJSON
import Foundation
import StatesLanguage
import Testing

@testable import BatonConsole

@Suite struct StateGraphTests {
    static let definition = """
        {"StartAt": "Check", "States": {
          "Check": {"Type": "Choice", "Choices": [
              {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Fan"},
              {"Not": {"Variable": "$.ok", "BooleanEquals": true}, "Next": "Broken \\"quoted\\""}],
            "Default": "Each"},
          "Fan": {"Type": "Parallel", "Branches": [
              {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 4}], "End": true}}},
              {"StartAt": "Call", "States": {"Call": {"Type": "Pass", "End": true}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken \\"quoted\\""}], "Next": "Done"},
          "Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}},
            "Next": "Done"},
          "Broken \\"quoted\\"": {"Type": "Fail", "Error": "E"},
          "Done": {"Type": "Succeed"}}}
        """

    @Test func choiceBranchesNestingCatchAndRetryAreDrawn() throws {
        let graph = StateGraph(try StateMachineDefinition.parse(Self.definition))
        let dot = graph.dot
        let ids = graph.nodeIDs
        let check = try #require(ids["Check"]?.first)
        let fan = try #require(ids["Fan"]?.first)
        let each = try #require(ids["Each"]?.first)
        let broken = try #require(ids["Broken \"quoted\""]?.first)
        // A name used in both branches is two nodes.
        #expect(ids["Call"]?.count == 2)
        let call = try #require(ids["Call"]?.first)
        #expect(dot.contains("start -> \(check);"))
        #expect(dot.contains("\(check) -> \(fan) [label=\"$.n NumericGreaterThan 5\"]"))
        #expect(dot.contains("\(check) -> \(broken) [label=\"not($.ok BooleanEquals true)\"]"))
        #expect(dot.contains("\(check) -> \(each) [label=\"Default\", style=dashed]"))
        #expect(dot.contains("subgraph cluster_\(fan) {"))
        #expect(dot.contains("subgraph cluster_\(fan)_b0 {"))
        #expect(dot.contains("subgraph cluster_\(fan)_b1 {"))
        #expect(dot.contains("subgraph cluster_\(each) {"))
        #expect(dot.contains("\(fan) -> \(call) [style=dashed]"))
        #expect(dot.contains("\(call) -> \(call) [label=\"Retry States.Timeout ×4\""))
        #expect(dot.contains("\(fan) -> \(broken) [label=\"Catch States.ALL\""))
        // Quotes in names are escaped for DOT.
        #expect(dot.contains(#"label="Broken \"quoted\"\nFail""#))
        #expect(ids["Done"].flatMap(\.first).map { dot.contains("\($0) -> end;") } == true)
    }

    @Test func graphvizLaysTheGraphOutAsSVGWithTheNodeIDs() async throws {
        let graph = StateGraph(try StateMachineDefinition.parse(Self.definition))
        #expect(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/dot"),
            "Graphviz is missing: apt-get install graphviz (scripts/test.sh installs it)")
        let svg = try await Graphviz().svg(graph.dot, key: "test")
        #expect(svg.hasPrefix("<svg"))
        for id in graph.nodeIDs.values.joined() { #expect(svg.contains("id=\"\(id)\"")) }
        #expect(svg.contains("cluster"))
        await #expect(throws: Graphviz.Failure.self) {
            try await Graphviz(executable: "/nonexistent/dot").svg(graph.dot, key: "missing")
        }
    }

    @Test func choiceSummariesAreCut() {
        let long = ChoiceCondition.comparison(
            ChoiceComparison(variable: "$.a.very.long.path.into.the.input", operator: .stringEquals, operand: "value"))
        let summary = StateGraph.summary(long)
        #expect(summary.count == 40)
        #expect(summary.hasSuffix("…"))
    }
}
