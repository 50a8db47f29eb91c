import Foundation

// MARK: - Versions, aliases and tags (reads)

extension ExecutionStore {
    /// The version of a state machine with this number, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineVersion(stateMachineArn: String, version: Int) async throws -> StateMachineVersionRecord? {
        try await read { db in
            try StateMachineVersionRecord.fetch(db, stateMachineArn: stateMachineArn, version: version)
        }
    }

    /// A state machine's versions, newest first.
    /// - Parameters:
    ///   - stateMachineArn: the state machine.
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil`.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func listStateMachineVersions(stateMachineArn: String, limit: Int = 100, after cursor: String? = nil)
        async throws -> Page<StateMachineVersionRecord>
    {
        let before = try Page<StateMachineVersionRecord>.decode(cursor)
        let limit = max(1, limit)
        let rows = try await read { db in
            try StateMachineVersionRecord.page(db, stateMachineArn: stateMachineArn, limit: limit + 1, before: before)
        }
        return Page.make(rows, limit: limit) { Int64($0.version) }
    }

    /// The alias with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineAlias(arn: String) async throws -> StateMachineAliasRecord? {
        try await read { db in try StateMachineAliasRecord.fetch(db, arn: arn) }
    }

    /// A state machine's aliases, or only those routing to one version, in creation order.
    /// - Parameters:
    ///   - stateMachineArn: the state machine.
    ///   - version: only aliases routing to this version, or all.
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil`.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func listStateMachineAliases(
        stateMachineArn: String, version: Int? = nil, limit: Int = 100, after cursor: String? = nil
    ) async throws -> Page<StateMachineAliasRecord> {
        let after = try Page<StateMachineAliasRecord>.decode(cursor) ?? 0
        let limit = max(1, limit)
        let rows = try await read { db in
            try StateMachineAliasRecord.page(
                db, stateMachineArn: stateMachineArn, version: version, limit: limit + 1, after: after
            ).map { AliasRow(record: $0.record, rowID: $0.rowID) }
        }
        let page = Page<AliasRow>.make(rows, limit: limit, cursor: \.rowID)
        return Page(items: page.items.map(\.record), nextCursor: page.nextCursor)
    }

    /// The tags of a resource, oldest key first; `nil` when no state machine or activity has this ARN.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func tags(resourceArn: String) async throws -> [ResourceTag]? {
        try await read { db in
            let exists = try ResourceTag.resourceExists(db, arn: resourceArn)
            return exists ? try ResourceTag.fetchAll(db, resourceArn: resourceArn) : nil
        }
    }

    /// When a revision of a state machine was made, or `nil` if there is no such revision.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineRevisionDate(arn: String, revision: Int) async throws -> Date? {
        try await read { db in try StateMachineRecord.revisionDate(db, arn: arn, revision: revision) }
    }

    /// The role a revision of a state machine had, or `nil` if unknown (no such revision, or made before the
    /// store kept revisions' roles).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineRevisionRole(arn: String, revision: Int) async throws -> String? {
        try await read { db in try StateMachineRecord.revisionRole(db, arn: arn, revision: revision) }
    }

    /// An alias with its rowid, the pagination key.
    private struct AliasRow: Sendable {
        var record: StateMachineAliasRecord
        var rowID: Int64
    }
}
