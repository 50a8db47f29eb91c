import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import StatesLanguage
import Testing

/// State machine versions and aliases through the broker's command door and the real orchestrator processes: a
/// version's execution keeps its definition across an update and a restart, and versions and aliases reach every
/// shard.
@Suite struct VersionFlowTests {
    /// Waits for a callback on `queue`, then adds `marker` as `$.version`, so the output says which definition ran.
    static func markedCallback(queue: String, marker: String) -> String {
        """
        {"StartAt": "Wait", "States": {
          "Wait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                           "MessageBody": {"TaskToken.$": "$$.Task.Token"}},
            "Next": "Mark"},
          "Mark": {"Type": "Pass", "Result": "\(marker)", "ResultPath": "$.version", "End": true}}}
        """
    }

    static func marked(_ marker: String) -> String {
        #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"version": "\#(marker)"}, "End": true}}}"#
    }

    @Test func aVersionsExecutionKeepsItsDefinitionAcrossAnUpdateAndARestart() async throws {
        try await withTaskSystem("versions") { system, client, inbox, queue in
            let created = try await client.call(
                "CreateStateMachine",
                [
                    "name": "pinned", "definition": .string(Self.markedCallback(queue: queue, marker: "v1")),
                    "roleArn": "arn:aws:iam::123456789012:role/baton", "publish": true,
                ])
            let machine = try #require(created["stateMachineArn"]?.stringValue)
            #expect(created["stateMachineVersionArn"]?.stringValue == "\(machine):1")
            let alias = try await client.call(
                "CreateStateMachineAlias",
                [
                    "name": "prod",
                    "routingConfiguration": [["stateMachineVersionArn": .string("\(machine):1"), "weight": 100]],
                ])["stateMachineAliasArn"]?.stringValue
            let aliasArn = try #require(alias)

            // Started through the alias by the command door (its batched start path).
            let execution = try await client.startExecution(aliasArn, input: #"{"n": 1}"#)
            let token = try #require(try await inbox.next().token)

            let updated = try await client.call(
                "UpdateStateMachine",
                [
                    "stateMachineArn": .string(machine),
                    "definition": .string(Self.markedCallback(queue: queue, marker: "v2")), "publish": true,
                ])
            #expect(updated["stateMachineVersionArn"]?.stringValue == "\(machine):2")
            _ = try await client.call(
                "UpdateStateMachineAlias",
                [
                    "stateMachineAliasArn": .string(aliasArn),
                    "routingConfiguration": [["stateMachineVersionArn": .string("\(machine):2"), "weight": 100]],
                ])
            try await system.restartOrchestrator(crash: true)

            let running = try await client.call(
                "DescribeStateMachineForExecution", ["executionArn": .string(execution)])
            #expect(running["definition"]?.stringValue?.contains(#""Result": "v1""#) == true)
            #expect(try await client.succeed(token, output: #"{"called": "back"}"#) == nil)
            let end = try await client.waitForEnd(execution)
            #expect(end["status"]?.stringValue == "SUCCEEDED")
            #expect(try JSON(parsing: end["output"]?.stringValue ?? "") == ["called": "back", "version": "v1"])
            #expect(end["stateMachineVersionArn"]?.stringValue == "\(machine):1")
            #expect(end["stateMachineAliasArn"]?.stringValue == aliasArn)

            // The alias, moved before the restart, now starts version 2.
            let next = try await client.startExecution(aliasArn)
            #expect(try await client.succeed(try #require(try await inbox.next().token)) == nil)
            let nextEnd = try await client.waitForEnd(next)
            #expect(try JSON(parsing: nextEnd["output"]?.stringValue ?? "") == ["version": "v2"])
            #expect(nextEnd["stateMachineVersionArn"]?.stringValue == "\(machine):2")
        }
    }

    /// Every shard keeps its own copy of the versions and aliases: a start through an alias or a version on any
    /// shard runs that version, and ListExecutions by alias gathers them from all shards.
    @Test func versionsAndAliasesReachEveryShard() async throws {
        let shards = try await ShardedSystem(label: "shard-versions")
        let system = shards.system
        do {
            try await system.withClient { client in
                let created = try await client.call(
                    "CreateStateMachine",
                    [
                        "name": "sharded", "definition": .string(Self.marked("v1")),
                        "roleArn": "arn:aws:iam::123456789012:role/baton", "publish": true,
                        "tags": [["key": "team", "value": "core"]],
                    ])
                let machine = try #require(created["stateMachineArn"]?.stringValue)
                _ = try await client.call(
                    "UpdateStateMachine",
                    ["stateMachineArn": .string(machine), "definition": .string(Self.marked("v2")), "publish": true])
                let alias = try #require(
                    try await client.call(
                        "CreateStateMachineAlias",
                        [
                            "name": "live",
                            "routingConfiguration": [
                                ["stateMachineVersionArn": .string("\(machine):1"), "weight": 100]
                            ],
                        ])["stateMachineAliasArn"]?.stringValue)
                let names = (0..<12).map { "a\($0)" }
                #expect(Set(names.map(shards.map.shard(ofExecutionName:))) == [0, 1, 2])
                var byAlias: [String] = []
                var byVersion: [String] = []
                for name in names {
                    byAlias.append(try await client.startExecution(alias, name: name))
                    byVersion.append(try await client.startExecution("\(machine):2", name: "v-\(name)"))
                }
                for execution in byAlias {
                    let end = try await client.waitForEnd(execution)
                    #expect(try JSON(parsing: end["output"]?.stringValue ?? "") == ["version": "v1"])
                    #expect(end["stateMachineAliasArn"]?.stringValue == alias)
                }
                for execution in byVersion {
                    let end = try await client.waitForEnd(execution)
                    #expect(try JSON(parsing: end["output"]?.stringValue ?? "") == ["version": "v2"])
                    #expect(end["stateMachineVersionArn"]?.stringValue == "\(machine):2")
                }
                let listed = try await client.call("ListExecutions", ["stateMachineArn": .string(alias)])
                #expect(
                    Set((listed["executions"]?.arrayValue ?? []).compactMap { $0["executionArn"]?.stringValue })
                        == Set(byAlias))
                let tags = try await client.call("ListTagsForResource", ["resourceArn": .string(machine)])
                #expect(tags["tags"] == [["key": "team", "value": "core"]])
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}

extension BatonClient {
    /// One AWS action through the command queue, with a JSON request and answer.
    func call(_ action: String, _ request: JSONObject) async throws -> JSON {
        try JSON(parsing: try await command(action, request: JSON.object(request).serialized))
    }
}
