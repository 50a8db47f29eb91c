import ExecutionStore
import Testing

@testable import OrchestratorCore

/// Qualified state machine ARNs and how an alias's weights pick a version.
@Suite struct VersionRoutingTests {
    static let base = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"

    @Test func qualifiedArnsNameAVersionOrAnAlias() {
        #expect(StateMachineReference(Self.base)?.qualifier == nil)
        #expect(StateMachineReference("\(Self.base):3")?.versionNumber == 3)
        #expect(StateMachineReference("\(Self.base):3")?.base == Self.base)
        #expect(StateMachineReference("\(Self.base):prod")?.aliasName == "prod")
        #expect(StateMachineReference("\(Self.base):v1.2-rc_1")?.aliasName == "v1.2-rc_1")
        for invalid in [
            "\(Self.base):", "\(Self.base):0", "\(Self.base):has space", "\(Self.base):a:b", "\(Self.base):é",
            "arn:aws:states:us-east-1:123456789012:execution:orders:x", "orders",
        ] {
            #expect(StateMachineReference(invalid) == nil, "\(invalid)")
        }
    }

    @Test func aliasNamesNeedANonDigitAndAllowedCharactersOnly() {
        #expect(AliasName.isValid("prod") && AliasName.isValid("1a") && AliasName.isValid("."))
        #expect(
            !AliasName.isValid("123") && !AliasName.isValid("") && !AliasName.isValid(String(repeating: "a", count: 81))
        )
        #expect(!AliasName.isValid("a@b") && !AliasName.isValid("a b"))
    }

    @Test func rollsBelowTheFirstWeightPickTheFirstVersionAndTheRestTheSecond() {
        let routes = [StateMachineAliasRecord.Route(version: 1, weight: 70), .init(version: 2, weight: 30)]
        let picks = (0..<100).map { StepFunctionsOperations.route(routes, roll: $0) }
        #expect(picks.filter { $0 == 1 }.count == 70 && picks.filter { $0 == 2 }.count == 30)
        let all = [StateMachineAliasRecord.Route(version: 4, weight: 100), .init(version: 5, weight: 0)]
        #expect((0..<100).allSatisfy { StepFunctionsOperations.route(all, roll: $0) == 4 })
        let none = [StateMachineAliasRecord.Route(version: 4, weight: 0), .init(version: 5, weight: 100)]
        #expect((0..<100).allSatisfy { StepFunctionsOperations.route(none, roll: $0) == 5 })
    }
}

/// The engine's version rules on a temporary store.
@Suite struct EngineVersionTests {
    static func pass(_ marker: Int) -> String {
        #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": \#(marker), "End": true}}}"#
    }

    @Test func theThousandAndFirstVersionExceedsTheQuota() async throws {
        let harness = try EngineTests.Harness()
        let engine = harness.engine
        let machine = try await engine.createStateMachine(name: "many", definition: Self.pass(0))
        for index in 1...VersionQuota.versions {
            if index > 1 {
                _ = try await engine.updateStateMachine(arn: machine.arn, definition: Self.pass(index), roleArn: nil)
            }
            let version = try await engine.publishVersion(
                stateMachineArn: machine.arn, revisionId: nil, description: nil)
            #expect(version.version == index)
        }
        _ = try await engine.updateStateMachine(arn: machine.arn, definition: Self.pass(-1), roleArn: nil)
        await #expect {
            _ = try await engine.publishVersion(stateMachineArn: machine.arn, revisionId: nil, description: nil)
        } throws: { ($0 as? APIError)?.code.name == "ServiceQuotaExceededException" }
    }

    @Test func publishingAnUnchangedRevisionAnswersTheLatestVersion() async throws {
        let harness = try EngineTests.Harness()
        let engine = harness.engine
        let machine = try await engine.createStateMachine(name: "same", definition: Self.pass(1))
        let first = try await engine.publishVersion(stateMachineArn: machine.arn, revisionId: "1", description: "a")
        #expect(
            try await engine.publishVersion(stateMachineArn: machine.arn, revisionId: nil, description: "b") == first)
        // An update that changes nothing makes a new revision with the same content: still the same version.
        _ = try await engine.updateStateMachine(arn: machine.arn, definition: Self.pass(1), roleArn: nil)
        #expect(
            try await engine.publishVersion(stateMachineArn: machine.arn, revisionId: nil, description: nil) == first)
        await #expect {
            _ = try await engine.publishVersion(stateMachineArn: machine.arn, revisionId: "1", description: nil)
        } throws: { ($0 as? APIError)?.code.name == "ConflictException" }
    }
}
