import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// The callback hazards `StateMachineDefinition.warnings(type:)` reports: no timeout, no task token passed, a
/// waiting pattern in an EXPRESS machine; at any depth, in both query languages, and none for the seed machines.
@Suite struct DefinitionWarningTests {
    /// Each warning as `pointer CODE`.
    static func warnings(_ text: String, type: StateMachineType = .standard) throws -> [String] {
        try StateMachineDefinition.parse(text).warnings(type: type).map { "\($0.pointer) \($0.code.name)" }
    }

    /// A one-state machine whose only state is `state` (a JSON object's members), named `Work`.
    static func machine(_ state: String, queryLanguage: String = "JSONPath") -> String {
        #"{"QueryLanguage": "\#(queryLanguage)", "StartAt": "Work", "States": {"Work": {"Type": "Task", \#(state), "End": true}}}"#
    }

    static let callback = #""Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken""#

    @Test func callbackWithoutTimeoutOrHeartbeatIsReportedAtTheState() throws {
        let text = Self.machine(
            Self.callback + #", "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}"#)
        #expect(try Self.warnings(text) == ["/States/Work CALLBACK_WITHOUT_TIMEOUT"])
        let warning = try #require(try StateMachineDefinition.parse(text).warnings().first)
        #expect(warning.message.contains("neither TimeoutSeconds nor HeartbeatSeconds"))
        #expect(warning.description.hasPrefix("/States/Work: CALLBACK_WITHOUT_TIMEOUT "))
    }

    @Test(arguments: [
        #""TimeoutSeconds": 30"#, #""HeartbeatSeconds": 10"#, #""TimeoutSecondsPath": "$.timeout""#,
        #""HeartbeatSecondsPath": "$.beat""#,
    ])
    func anyTimeoutOrHeartbeatCounts(_ field: String) throws {
        let text = Self.machine(
            Self.callback + #", "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "# + field)
        #expect(try Self.warnings(text) == [])
    }

    @Test func callbackThatNeverPassesTheTokenIsReportedAtItsParameters() throws {
        let text = Self.machine(Self.callback + #", "TimeoutSeconds": 5, "Parameters": {"MessageBody.$": "$"}"#)
        #expect(try Self.warnings(text) == ["/States/Work/Parameters CALLBACK_WITHOUT_TASK_TOKEN"])
        let literal = Self.machine(
            Self.callback + #", "TimeoutSeconds": 5, "Parameters": {"token": "$$.Task.Token", "ctx.$": "$$.Execution"}"#
        )
        #expect(try Self.warnings(literal) == ["/States/Work/Parameters CALLBACK_WITHOUT_TASK_TOKEN"])
        let none = Self.machine(Self.callback + #", "HeartbeatSeconds": 5"#)
        #expect(try Self.warnings(none) == ["/States/Work CALLBACK_WITHOUT_TASK_TOKEN"])
    }

    @Test(arguments: [
        #"{"a": {"b": [{"token.$": "$$.Task.Token"}]}}"#, #"{"t.$": "$$['Task']['Token']"}"#,
        #"{"task.$": "$$.Task"}"#, #"{"context.$": "$$"}"#, #"{"any.$": "$$..Token"}"#,
        #"{"body.$": "States.Format('token={}', $$.Task.Token)"}"#,
        #"{"body.$": "States.JsonToString(States.Array($.a, $$.Task.Token))"}"#,
    ])
    func tokenReachedByAnyPathOrIntrinsicArgumentCounts(_ parameters: String) throws {
        let text = Self.machine(Self.callback + #", "TimeoutSeconds": 5, "Parameters": "# + parameters)
        #expect(try Self.warnings(text) == [])
    }

    @Test func tasksThatDoNotWaitForATokenAreNotCallbacks() throws {
        let lambda = Self.machine(#""Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"x.$": "$"}"#)
        #expect(try Self.warnings(lambda) == [])
        let job = Self.machine(#""Resource": "arn:aws:states:::baton:startJob.sync""#)
        #expect(try Self.warnings(job) == [])
    }

    @Test func jsonataCallbacksReadTheTokenFromStatesContextInArguments() throws {
        let passes = Self.machine(
            Self.callback
                + #", "TimeoutSeconds": "{% $states.input.timeout %}", "Arguments": {"MessageBody": {"token": "{% $states.context.Task.Token %}"}}"#,
            queryLanguage: "JSONata")
        #expect(try Self.warnings(passes) == [])
        let whole = Self.machine(
            Self.callback
                + #", "HeartbeatSeconds": 9, "Arguments": "{% $merge([$states.input, {'c': $states.context.Task}]) %}""#,
            queryLanguage: "JSONata")
        #expect(try Self.warnings(whole) == [])
        let missing = Self.machine(
            Self.callback
                + #", "Arguments": {"MessageBody": "{% $states.context.Execution.Id %}", "t": "$$.Task.Token"}"#,
            queryLanguage: "JSONata")
        #expect(
            try Self.warnings(missing) == [
                "/States/Work CALLBACK_WITHOUT_TIMEOUT", "/States/Work/Arguments CALLBACK_WITHOUT_TASK_TOKEN",
            ])
        let lookalike = Self.machine(
            Self.callback + #", "TimeoutSeconds": 5, "Arguments": {"t": "{% $states.context.Tasks.Token %}"}"#,
            queryLanguage: "JSONata")
        #expect(try Self.warnings(lookalike) == ["/States/Work/Arguments CALLBACK_WITHOUT_TASK_TOKEN"])
    }

    @Test func nestedStatesInBranchesAndItemProcessorsAreWalked() throws {
        let bare = #"{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}"#
        let text = """
            {"StartAt": "P", "States": {
              "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                {"StartAt": "B", "States": {"B": \(bare)}}]},
              "M": {"Type": "Map", "Next": "L", "ItemProcessor": {"StartAt": "C", "States": {"C": \(bare)}}},
              "L": {"Type": "Map", "End": true, "Iterator": {"StartAt": "D", "States": {"D": \(bare)}}}}}
            """
        #expect(
            try Self.warnings(text) == [
                "/States/P/Branches/1/States/B CALLBACK_WITHOUT_TIMEOUT",
                "/States/P/Branches/1/States/B CALLBACK_WITHOUT_TASK_TOKEN",
                "/States/M/ItemProcessor/States/C CALLBACK_WITHOUT_TIMEOUT",
                "/States/M/ItemProcessor/States/C CALLBACK_WITHOUT_TASK_TOKEN",
                "/States/L/Iterator/States/D CALLBACK_WITHOUT_TIMEOUT",
                "/States/L/Iterator/States/D CALLBACK_WITHOUT_TASK_TOKEN",
            ])
    }

    @Test func waitingTasksInAnExpressMachineAreReportedAtTheirResource() throws {
        let callback = Self.machine(
            Self.callback + #", "TimeoutSeconds": 5, "Parameters": {"token.$": "$$.Task.Token"}"#)
        #expect(try Self.warnings(callback) == [])
        #expect(try Self.warnings(callback, type: .express) == ["/States/Work/Resource EXPRESS_UNSUPPORTED_PATTERN"])
        let job = Self.machine(#""Resource": "arn:aws:states:::baton:startJob.sync", "TimeoutSeconds": 5"#)
        #expect(try Self.warnings(job, type: .express) == ["/States/Work/Resource EXPRESS_UNSUPPORTED_PATTERN"])
        let lambda = Self.machine(#""Resource": "arn:aws:states:::lambda:invoke""#)
        #expect(try Self.warnings(lambda, type: .express) == [])
    }

    static let seedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/statemachines").standardizedFileURL

    static var seedNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: seedDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".asl.json") }.sorted()
    }

    @Test func everySeedMachineIsChecked() {
        #expect(Self.seedNames.count >= 4, "\(Self.seedDirectory.path)")
    }

    @Test(arguments: DefinitionWarningTests.seedNames)
    func seedMachinesHaveNoWarnings(_ name: String) throws {
        let text = try String(contentsOf: Self.seedDirectory.appendingPathComponent(name), encoding: .utf8)
        #expect(try Self.warnings(text) == [])
    }
}
