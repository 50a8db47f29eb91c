import BatonJSON
import ExecutionStore
import Foundation
import StatesLanguage

/// TagResource, UntagResource and ListTagsForResource for state machines and activities, tags on
/// CreateActivity, and DescribeStateMachineForExecution.
extension StepFunctionsOperations {
    func handleTags(_ action: String, _ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("resourceArn")
        if StatesARN.activityName(arn) == nil {
            guard let reference = StateMachineReference(arn) else {
                // Another Step Functions resource (an execution, a Map Run) carries no tags.
                if arn.hasPrefix("arn:"), arn.split(separator: ":", omittingEmptySubsequences: false).count >= 7,
                    arn.contains(":states:")
                {
                    throw APIError(.resourceNotFound, "Resource not found: '\(arn)'")
                }
                throw APIError(.invalidArn, "Invalid Arn: '\(arn)'")
            }
            // Versions and aliases carry no tags of their own.
            guard reference.qualifier == nil else {
                throw APIError(.resourceNotFound, "Resource not found: '\(arn)'")
            }
        }
        switch action {
        case "TagResource":
            guard let tags = try fields.tags() else {
                throw RequestFields.constraint("tags", "Member must not be null")
            }
            try await engine.tagResource(arn: arn, tags: tags)
            return .object(JSONObject())
        case "UntagResource":
            guard let keys = try fields.optionalStrings("tagKeys") else {
                throw RequestFields.constraint("tagKeys", "Member must not be null")
            }
            for (index, key) in keys.enumerated() {
                guard ResourceTagRules.keyLength.contains(key.count) else {
                    throw RequestFields.constraint(
                        "tagKeys.\(index + 1).member", "Member must have length between 1 and 128")
                }
            }
            try await engine.untagResource(arn: arn, keys: keys)
            return .object(JSONObject())
        default:
            guard let tags = try await read({ try await engine.store.tags(resourceArn: arn) }) else {
                throw APIError(.resourceNotFound, "Resource not found: '\(arn)'")
            }
            return ["tags": .array(tags.map { ["key": .string($0.key), "value": .string($0.value)] })]
        }
    }

    /// CreateActivity with `tags` (kept for a new activity; an existing one's are left as they are, as AWS ignores
    /// the tags of an idempotent repeat) and DeleteActivity (its tags go with it); `nil` for the base action alone.
    func handleActivityTags(action: String, _ fields: RequestFields) async throws(APIError) -> JSON? {
        switch action {
        case "CreateActivity":
            guard let tags = try fields.tags(), !tags.isEmpty else { return nil }
            if Set(tags.map(\.key)).count > ResourceTagRules.maximumCount {
                throw APIError(
                    .tooManyTags, "Too many tags: a resource has at most \(ResourceTagRules.maximumCount) tags")
            }
            let name = try fields.string("name")
            let arn = engine.configuration.activityArn(name: name)
            let existed = try await read { try await engine.store.activity(arn: arn) } != nil
            let response = try await handleActivity(action: action, fields)
            if !existed { try await engine.tagResource(arn: arn, tags: tags) }
            return response
        case "DeleteActivity":
            let response = try await handleActivity(action: action, fields)
            try await engine.removeTagsOfDeletedActivity(arn: try fields.arn("activityArn"))
            return response
        default: return nil
        }
    }

    /// DescribeStateMachineForExecution: the state machine as the execution runs it — the definition of the
    /// revision it started on (a version's, when started through one), the role it started with (the version's, or
    /// the revision's), and when that
    /// revision was made as `updateDate`. An execution of a state machine since deleted answers
    /// StateMachineDoesNotExist (its definition went with it).
    func describeStateMachineForExecution(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("executionArn")
        _ = try fields.optionalEnum("includedData", Self.includedData)
        guard StatesARN.executionNames(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard let execution = try await read({ try await engine.store.execution(arn: arn) }) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(arn)'")
        }
        let machineArn = execution.stateMachineArn
        let revision = execution.stateMachineRevision
        guard let machine = try await read({ try await engine.store.stateMachine(arn: machineArn) }),
            let definition = try await read({
                try await engine.store.stateMachineDefinition(arn: machineArn, revision: revision)
            })
        else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(machineArn)'")
        }
        var roleArn =
            try await read { try await engine.store.stateMachineRevisionRole(arn: machineArn, revision: revision) }
            ?? machine.roleArn
        if let versionArn = execution.stateMachineVersionArn,
            let number = StateMachineReference(versionArn)?
                .versionNumber,
            let version = try await read({
                try await engine.store.stateMachineVersion(stateMachineArn: machineArn, version: number)
            })
        {
            roleArn = version.roleArn
        }
        let updated =
            try await read { try await engine.store.stateMachineRevisionDate(arn: machineArn, revision: revision) }
            ?? machine.updateDate
        var snapshot = machine
        snapshot.definition = definition
        guard case .object(let described) = Self.describe(snapshot) else { return Self.describe(snapshot) }
        var response: JSONObject = [
            "stateMachineArn": .string(machineArn), "name": .string(machine.name),
            "definition": .string(definition), "roleArn": .string(roleArn),
            "updateDate": .number(updated.timeIntervalSince1970), "revisionId": .string(String(revision)),
        ]
        if let references = described["variableReferences"] { response["variableReferences"] = references }
        return .object(response)
    }
}
