import Foundation

// MARK: - State machines

extension ExecutionStore {
    /// Registers a state machine at revision 1.
    /// - Parameter stateMachine: the state machine.
    /// - Returns: the stored record.
    /// - Throws: ``ExecutionStoreError`` `stateMachineAlreadyExists`.
    @discardableResult
    public func createStateMachine(_ stateMachine: StateMachineRecord) async throws -> StateMachineRecord {
        try await transition { tx in try tx.insertStateMachine(stateMachine) }
    }

    /// Deletes a state machine and its revisions.
    /// - Returns: whether it existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteStateMachine(arn: String) async throws -> Bool {
        try await transition { tx in try tx.deleteStateMachine(arn: arn) }
    }

    /// The state machine with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachine(arn: String) async throws -> StateMachineRecord? {
        try await read { db in try StateMachineRecord.fetch(db, arn: arn) }
    }

    /// The state machine with this name, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachine(name: String) async throws -> StateMachineRecord? {
        try await read { db in try StateMachineRecord.fetch(db, name: name) }
    }

    /// The definition of one revision of a state machine, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineDefinition(arn: String, revision: Int) async throws -> String? {
        try await read { db in try StateMachineRecord.definition(db, arn: arn, revision: revision) }
    }

    /// State machines in creation order.
    /// - Parameters:
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil`.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func listStateMachines(limit: Int = 100, after cursor: String? = nil) async throws -> Page<
        StateMachineRecord
    > {
        let after = try Page<StateMachineRecord>.decode(cursor) ?? 0
        let limit = max(1, limit)
        let rows = try await read { db in
            try db.rows(
                "SELECT \(StateMachineRecord.columns), rowid FROM state_machine WHERE rowid > ? ORDER BY rowid LIMIT ?",
                arguments: [after, limit + 1]
            ).map { try (record: StateMachineRecord(row: $0), rowID: $0[8] as Int64) }
        }
        let page = Page<RowWithID>.make(rows.map(RowWithID.init), limit: limit, cursor: \.rowID)
        return Page(items: page.items.map(\.record), nextCursor: page.nextCursor)
    }

    /// A state machine with its rowid, the pagination key.
    private struct RowWithID: Sendable {
        var record: StateMachineRecord
        var rowID: Int64
    }
}

// MARK: - Settings

extension ExecutionStore {
    /// The value of a setting, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func setting(_ key: String) async throws -> Data? {
        try await read { db in try db.value("SELECT value FROM setting WHERE key = ?", [.text(key)]) }
    }

    /// The value of a setting, storing `makeValue()` first if it has none: e.g. the token signing key, generated
    /// once and then the same for the life of the store.
    /// - Parameters:
    ///   - key: the setting's name.
    ///   - makeValue: makes the value when there is none; called at most once.
    /// - Returns: the stored value.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func setting(_ key: String, insertingIfMissing makeValue: @escaping @Sendable () -> Data) async throws
        -> Data
    {
        try await transition { tx in
            if let value = try tx.setting(key) { return value }
            let value = makeValue()
            try tx.setSetting(key, to: value)
            return value
        }
    }
}
