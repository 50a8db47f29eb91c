import BatonJSON
import Foundation
import OrchestratorCore
import Testing

/// Generative fuzzing of every action the API serves, with a fixed seed: request bodies built from each action's
/// plausible fields, then mutated (a member's type swapped, a member removed or added, a value made huge or empty,
/// the body truncated). Every answer must be an AWS-shaped client error (4xx with `__type`) or a success — never a
/// 500, never a trap. GetActivityTask may also answer 503: the harness runs no broker.
@Suite struct RequestFuzzTests {
    /// Values a member may take, of every JSON type and of the shapes the API checks (ARNs, names, tokens).
    static let values: [JSON] = [
        "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        "arn:aws:states:us-east-1:123456789012:stateMachine:m:1",
        "arn:aws:states:us-east-1:123456789012:stateMachine:m:prod",
        "arn:aws:states:us-east-1:123456789012:execution:m:e", "arn:aws:states:us-east-1:123456789012:activity:a",
        "name-1", "", " ", "{}", "[]", #"{"a":1}"#, "not json", .string(String(repeating: "x", count: 70_000)),
        "STANDARD", "EXPRESS", "INFO", "DEBUG", "TRACE", "FAILED", "REDRIVEN", 0, -1, 1, 1001, 3.5, true, false, .null,
        [:], [], ["k": "v"], [["key": "k", "value": "v"]], ["weird"], [["stateMachineVersionArn": "x", "weight": 100]],
        .string(APIHarness.seedDefinition),
        #"{"Type":"Pass","End":true}"#, #"{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}"#,
    ]

    /// The members the actions read, each with a value the API accepts (so a body can get past the first checks);
    /// unknown members are ignored, as AWS does.
    static let members: [(String, JSON)] = [
        ("stateMachineArn", "arn:aws:states:us-east-1:123456789012:stateMachine:m"),
        ("executionArn", "arn:aws:states:us-east-1:123456789012:execution:m:e"),
        ("activityArn", "arn:aws:states:us-east-1:123456789012:activity:a"),
        ("name", "fuzzed"), ("definition", .string(APIHarness.seedDefinition)), ("roleArn", "arn:aws:iam::1:role/r"),
        ("type", "STANDARD"), ("input", "{}"), ("output", "{}"), ("taskToken", "token"), ("error", "E"),
        ("cause", "C"), ("maxResults", 10), ("statusFilter", "RUNNING"), ("reverseOrder", true), ("revisionId", "1"),
        ("publish", true), ("versionDescription", "d"),
        ("stateMachineVersionArn", "arn:aws:states:us-east-1:123456789012:stateMachine:m:1"),
        ("stateMachineAliasArn", "arn:aws:states:us-east-1:123456789012:stateMachine:m:prod"),
        (
            "routingConfiguration",
            [["stateMachineVersionArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m:1", "weight": 100]]
        ),
        ("description", "d"), ("resourceArn", "arn:aws:states:us-east-1:123456789012:stateMachine:m"),
        ("tags", [["key": "k", "value": "v"]]), ("tagKeys", ["k"]), ("inspectionLevel", "DEBUG"),
        ("mock", ["result": "{}"]), ("stateName", "Approve"), ("variables", "{}"), ("clientToken", "c"),
        ("workerName", "w"), ("includedData", "ALL_DATA"), ("traceHeader", "t"), ("redriveFilter", "REDRIVEN"),
        ("severity", "ERROR"),
    ]

    @Test func everyActionAnswersMalformedRequestsWithAClientError() async throws {
        let api = try APIHarness()
        // Something to find: a state machine, an execution, an activity.
        _ = try await api.call(
            "CreateStateMachine",
            JSON.object([
                "name": "m", "definition": .string(APIHarness.seedDefinition),
                "roleArn": "arn:aws:iam::1:role/r",
            ]).serialized)
        _ = try await api.call(
            "StartExecution", #"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","name":"e"}"#)
        _ = try await api.call("CreateActivity", #"{"name":"a"}"#)
        _ = try await api.call(
            "PublishStateMachineVersion", #"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"}"#
        )
        var random = SeededRandom(seed: 0xF022_0008)
        var answered = 0
        var succeeded = Set<String>()
        for action in StepFunctionsOperations.actions.sorted() {
            for _ in 0..<60 {
                // Plausible members, then most bodies get one or two of them replaced by anything at all.
                var body = JSONObject()
                for _ in 0..<Int.random(in: 0...8, using: &random) {
                    let (member, value) = Self.members.randomElement(using: &random)!
                    body[member] = value
                }
                for _ in 0..<Int.random(in: 0...2, using: &random) {
                    let (member, _) = Self.members.randomElement(using: &random)!
                    body[member] = Self.values.randomElement(using: &random)!
                }
                var text = JSON.object(body).serialized
                if Int.random(in: 0..<6, using: &random) == 0 {
                    text = String(text.prefix(Int.random(in: 0...max(0, text.count), using: &random)))
                }
                let answer = try await api.call(action, text)
                answered += 1
                if answer.status == 200 { succeeded.insert(action) }
                let allowed = answer.status < 500 || (action == "GetActivityTask" && answer.status == 503)
                #expect(
                    allowed, "\(action) \(text.prefix(300)) → \(answer.status) \(answer.body.serialized.prefix(300))")
                if answer.status >= 400 {
                    #expect(answer.errorType?.isEmpty == false, "\(action) \(text.prefix(200)): no __type")
                }
            }
        }
        #expect(answered == StepFunctionsOperations.actions.count * 60)
        // The bodies reach past the first checks: a good share of the actions accepted one of them.
        #expect(succeeded.count >= StepFunctionsOperations.actions.count / 4, "accepted by \(succeeded.sorted())")
    }
}
