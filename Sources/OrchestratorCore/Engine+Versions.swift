import ExecutionStore
import Foundation
import StatesLanguage

/// The version and alias an execution is started through: the revision it runs and the ARNs it reports.
public struct PinnedVersion: Sendable, Hashable {
    /// The state machine revision it runs (the version's).
    public var revision: Int
    /// The role the version was published with.
    public var roleArn: String
    /// The version ARN.
    public var versionArn: String
    /// The alias ARN, when started through an alias.
    public var aliasArn: String?
}

/// A parsed state machine ARN, unqualified or qualified by a version number or an alias name.
struct StateMachineReference: Hashable {
    /// What follows the state machine's name.
    enum Qualifier: Hashable {
        case version(Int)
        case alias(String)
    }

    /// The unqualified ARN, `arn:aws:states:<region>:<account>:stateMachine:<name>`.
    var base: String
    /// The state machine's name.
    var name: String
    /// The version or alias, if qualified.
    var qualifier: Qualifier?

    /// Parses an ARN; `nil` when it is not a state machine ARN, or its qualifier is neither a version number nor a
    /// valid alias name.
    init?(_ arn: String) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 7 || parts.count == 8, parts[0] == "arn", parts[2] == "states",
            parts[5] == "stateMachine", !parts[6].isEmpty
        else { return nil }
        name = String(parts[6])
        base = parts[0..<7].joined(separator: ":")
        guard parts.count == 8 else { return }
        let text = String(parts[7])
        if let number = Int(text), number > 0, text.allSatisfy(\.isASCII) {
            qualifier = .version(number)
        } else if AliasName.isValid(text) {
            qualifier = .alias(text)
        } else {
            return nil
        }
    }

    var versionNumber: Int? { if case .version(let number) = qualifier { number } else { nil } }
    var aliasName: String? { if case .alias(let name) = qualifier { name } else { nil } }
}

/// AWS's rule for alias names: 1–80 of letters, digits, `_`, `-`, `.`, at least one of them not a digit.
enum AliasName {
    static let pattern = "^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"

    static func isValid(_ name: String) -> Bool {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_-.".unicodeScalars
                    .contains($0)
        }
        return (1...80).contains(name.count) && allowed && name.contains { !$0.isNumber }
    }
}

/// AWS's quotas on versions and aliases.
enum VersionQuota {
    /// Published versions per state machine.
    static let versions = 1000
    /// Aliases per state machine.
    static let aliases = 100
}

extension APIError.Code {
    /// A request that conflicts with the resource's current state (revision, alias routes).
    static let conflict = APIError.Code.named("ConflictException")
    /// A quota (versions, aliases) would be exceeded.
    static let serviceQuotaExceeded = APIError.Code.named("ServiceQuotaExceededException")
    /// A resource the request names does not exist.
    static let resourceNotFound = APIError.Code.named("ResourceNotFound")
    /// A resource would get more than 50 tags.
    static let tooManyTags = APIError.Code.named("TooManyTags")
}

extension Engine {
    /// Publishes the state machine's current revision as a version (AWS PublishStateMachineVersion). Publishing a
    /// revision that the newest version already snapshots (same revision, or same definition and role) answers
    /// that version, as AWS does.
    /// - Parameters:
    ///   - stateMachineArn: the unqualified state machine ARN.
    ///   - revisionId: when given, the revision the caller expects to publish.
    ///   - description: the version description.
    /// - Throws: `APIError` — StateMachineDoesNotExist, ConflictException (another revision),
    ///   ServiceQuotaExceededException.
    public func publishVersion(stateMachineArn: String, revisionId: String?, description: String?)
        async throws(APIError) -> StateMachineVersionRecord
    {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            guard let machine = try tx.stateMachine(arn: stateMachineArn) else {
                throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(stateMachineArn)'")
            }
            let current = String(machine.revision)
            if let revisionId, revisionId != current {
                throw APIError(
                    .conflict,
                    "Failed to publish the State Machine version for revision \(revisionId.prefix(100)). "
                        + "The current State Machine revision is \(current).")
            }
            if let latest = try tx.latestStateMachineVersion(stateMachineArn: stateMachineArn) {
                let sameRevision = latest.revision == machine.revision
                let snapshot = try tx.stateMachineDefinition(arn: stateMachineArn, revision: latest.revision)
                let sameContent = latest.roleArn == machine.roleArn && snapshot == machine.definition
                if sameRevision || sameContent { return latest }
            }
            guard try tx.stateMachineVersionCount(stateMachineArn: stateMachineArn) < VersionQuota.versions else {
                throw APIError(
                    .serviceQuotaExceeded,
                    "The state machine '\(machine.name)' has \(VersionQuota.versions) versions, the most allowed")
            }
            return try tx.publishStateMachineVersion(
                stateMachineArn: stateMachineArn, description: description, at: context.now)
        }
    }

    /// Deletes a version (AWS DeleteStateMachineVersion); deleting one that does not exist succeeds.
    /// - Throws: `APIError` — ConflictException when an alias routes to it.
    public func deleteVersion(stateMachineArn: String, version: Int) async throws(APIError) {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            let aliases = try tx.aliasNames(routingTo: version, stateMachineArn: stateMachineArn)
            guard aliases.isEmpty else {
                throw APIError(
                    .conflict,
                    "Version to be deleted must not be referenced by an alias. Current list of aliases referencing "
                        + "this version: [\(aliases.joined(separator: ", "))]")
            }
            try tx.deleteStateMachineVersion(stateMachineArn: stateMachineArn, version: version)
        }
    }

    /// Creates an alias (AWS CreateStateMachineAlias); creating one that exists with the same description and
    /// routes answers the existing one.
    /// - Parameters:
    ///   - alias: the alias; its routes were checked (one or two distinct versions of its state machine, weights
    ///     summing to 100).
    /// - Returns: the stored alias.
    /// - Throws: `APIError` — ResourceNotFound (state machine or version), ConflictException (same name, other
    ///   routes or description), ServiceQuotaExceededException.
    public func createAlias(_ alias: StateMachineAliasRecord) async throws(APIError) -> StateMachineAliasRecord {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            try Self.checkRoutes(alias.routes, stateMachineArn: alias.stateMachineArn, in: tx)
            if let existing = try tx.stateMachineAlias(arn: alias.arn) {
                guard existing.routes == alias.routes, existing.description == alias.description else {
                    throw APIError(
                        .conflict,
                        "Failed to create alias because an alias with the same name and a different routing "
                            + "configuration already exists.")
                }
                return existing
            }
            guard try tx.stateMachineAliasCount(stateMachineArn: alias.stateMachineArn) < VersionQuota.aliases else {
                throw APIError(
                    .serviceQuotaExceeded,
                    "The state machine already has \(VersionQuota.aliases) aliases, the most allowed")
            }
            var stored = alias
            stored.creationDate = context.now.wholeMilliseconds
            stored.updateDate = stored.creationDate
            try tx.saveStateMachineAlias(stored)
            return stored
        }
    }

    /// Updates an alias's description and/or routes (AWS UpdateStateMachineAlias).
    /// - Returns: the update date.
    /// - Throws: `APIError` — ResourceNotFound (alias or version).
    public func updateAlias(arn: String, description: String?, routes: [StateMachineAliasRecord.Route]?)
        async throws(APIError) -> Date
    {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            guard var alias = try tx.stateMachineAlias(arn: arn) else {
                throw APIError(.resourceNotFound, "Request references a resource that does not exist.")
            }
            if let routes {
                try Self.checkRoutes(routes, stateMachineArn: alias.stateMachineArn, in: tx)
                alias.routes = routes
            }
            if let description { alias.description = description }
            alias.updateDate = context.now.wholeMilliseconds
            try tx.saveStateMachineAlias(alias)
            return alias.updateDate
        }
    }

    /// Deletes an alias (AWS DeleteStateMachineAlias); deleting one that does not exist succeeds.
    /// - Throws: `APIError` — InternalFailure.
    public func deleteAlias(arn: String) async throws(APIError) {
        try await apiTransition(.writer) { context in
            _ = try context.tx.transaction().deleteStateMachineAlias(arn: arn)
        }
    }

    /// Adds or replaces tags of a state machine or an activity (AWS TagResource).
    /// - Throws: `APIError` — ResourceNotFound, TooManyTags (more than 50 after the change).
    public func tagResource(arn: String, tags: [ResourceTag]) async throws(APIError) {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            guard try tx.taggableResourceExists(arn: arn) else {
                throw APIError(.resourceNotFound, "Resource not found: '\(arn)'")
            }
            let keys = Set(try tx.tags(resourceArn: arn).map(\.key)).union(tags.map(\.key))
            guard keys.count <= ResourceTagRules.maximumCount else {
                throw APIError(
                    .tooManyTags,
                    "Too many tags: a resource has at most \(ResourceTagRules.maximumCount) tags, this request "
                        + "would leave \(keys.count) on '\(arn)'")
            }
            try tx.addTags(tags, resourceArn: arn)
        }
    }

    /// Removes tags of a state machine or an activity by key (AWS UntagResource).
    /// - Throws: `APIError` — ResourceNotFound.
    public func untagResource(arn: String, keys: [String]) async throws(APIError) {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            guard try tx.taggableResourceExists(arn: arn) else {
                throw APIError(.resourceNotFound, "Resource not found: '\(arn)'")
            }
            try tx.removeTags(keys: keys, resourceArn: arn)
        }
    }

    /// Removes the tags a deleted activity left (state machines lose theirs in their own deletion).
    /// - Throws: `APIError` — InternalFailure.
    func removeTagsOfDeletedActivity(arn: String) async throws(APIError) {
        try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            guard try !tx.taggableResourceExists(arn: arn) else { return }
            try tx.removeTags(resourceArn: arn)
        }
    }

    /// Checks that every route names an existing version of the state machine.
    private static func checkRoutes(
        _ routes: [StateMachineAliasRecord.Route], stateMachineArn: String, in tx: Transaction
    ) throws {
        guard try tx.stateMachine(arn: stateMachineArn) != nil else {
            throw APIError(.resourceNotFound, "Request references a resource that does not exist.")
        }
        for route in routes
        where try tx.stateMachineVersion(stateMachineArn: stateMachineArn, version: route.version)
            == nil
        {
            throw APIError(.resourceNotFound, "Request references a resource that does not exist.")
        }
    }
}

/// AWS's rules for tags.
enum ResourceTagRules {
    static let maximumCount = 50
    static let keyLength = 1...128
    static let valueLength = 0...256
}

extension Date {
    /// The date rounded down to whole milliseconds, as the store keeps it.
    fileprivate var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
