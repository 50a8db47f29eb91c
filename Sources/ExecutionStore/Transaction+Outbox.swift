import Foundation

// MARK: - Outbox

extension Transaction {
    /// Adds a message to the outbox; the dispatcher publishes it after the commit and deletes it once the broker
    /// confirmed it (see ``ExecutionStore/pendingOutbox(after:limit:)``).
    /// - Parameters:
    ///   - message: the message.
    ///   - id: the id reserved with ``Snapshot/reserveOutboxID()``; a fresh one when `nil`.
    ///   - date: when it was enqueued.
    /// - Returns: the outbox id.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func enqueueOutbox(_ message: NewOutboxMessage, id: Int64? = nil, at date: Date = Date()) throws -> Int64 {
        let id = id ?? ids.nextOutboxID()
        let statement = try db.statement(
            "INSERT INTO outbox (id, exchange, routing_key, body, headers, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        statement.bind(1, id)
        statement.bind(2, message.exchange)
        statement.bind(3, message.routingKey)
        statement.bind(4, message.body)
        statement.bind(5, try OutboxMessage.encode(headers: message.headers))
        statement.bind(6, date.millisecondsSince1970)
        try statement.run()
        return id
    }

    /// Deletes confirmed outbox rows.
    /// - Parameter ids: the outbox ids the broker confirmed.
    /// - Returns: how many rows existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteOutbox(ids: [Int64]) throws -> Int {
        try Self.deleteOutbox(ids: ids, db)
    }

    /// Deletes outbox rows on `db` (also the group committer's queued deletions); returns how many existed.
    @discardableResult
    static func deleteOutbox(ids: [Int64], _ db: any StoreConnection) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let statement = try db.statement("DELETE FROM outbox WHERE id = ?")
        var deleted = 0
        for id in ids {
            statement.bind(1, id)
            deleted += try statement.run()
        }
        return deleted
    }
}

// MARK: - Settings

extension Transaction {
    /// The value of a setting, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func setting(_ key: String) throws -> Data? {
        try db.value("SELECT value FROM setting WHERE key = ?", [.text(key)])
    }

    /// Sets (or replaces) a setting.
    /// - Parameters:
    ///   - key: the setting's name.
    ///   - value: its value.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func setSetting(_ key: String, to value: Data) throws {
        try db.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [.text(key), .blob(value)])
    }
}

// MARK: - State machines

extension Transaction {
    /// Registers a state machine at revision 1.
    /// - Parameter stateMachine: the state machine (its `revision` and `updateDate` are ignored).
    /// - Returns: the stored record.
    /// - Throws: ``ExecutionStoreError`` `stateMachineAlreadyExists` if the ARN or the name is taken.
    @discardableResult
    public func insertStateMachine(_ stateMachine: StateMachineRecord) throws -> StateMachineRecord {
        var record = stateMachine
        let created = record.creationDate.millisecondsSince1970
        record.revision = 1
        record.creationDate = Date(millisecondsSince1970: created)
        record.updateDate = record.creationDate
        // ON CONFLICT rather than catching the violation (ARN or name taken): on PostgreSQL a failed statement
        // aborts the whole transaction.
        let inserted = try db.execute(
            "INSERT INTO state_machine (\(StateMachineRecord.columns)) VALUES (?, ?, ?, ?, ?, 1, ?, ?) "
                + "ON CONFLICT DO NOTHING",
            arguments: [record.arn, record.name, record.type, record.roleArn, record.definition, created, created]
        )
        guard inserted == 1 else {
            throw ExecutionStoreError(.stateMachineAlreadyExists, message: "state machine '\(record.name)' exists")
        }
        try insertRevision(
            arn: record.arn, revision: 1, definition: record.definition, roleArn: record.roleArn,
            at: record.creationDate)
        return record
    }

    /// Updates a state machine's definition and/or role, raising its revision; running executions keep the
    /// revision they started with.
    /// - Parameters:
    ///   - arn: the state machine.
    ///   - definition: the new definition, or `nil` to keep it.
    ///   - roleArn: the new role ARN, or `nil` to keep it.
    ///   - date: the update date.
    /// - Returns: the updated record.
    /// - Throws: ``ExecutionStoreError`` `stateMachineNotFound`.
    @discardableResult
    public func updateStateMachine(
        arn: String,
        definition: String? = nil,
        roleArn: String? = nil,
        at date: Date
    ) throws -> StateMachineRecord {
        guard var record = try StateMachineRecord.fetch(db, arn: arn) else {
            throw ExecutionStoreError(.stateMachineNotFound, message: "no state machine with this ARN")
        }
        record.revision += 1
        record.definition = definition ?? record.definition
        record.roleArn = roleArn ?? record.roleArn
        record.updateDate = Date(millisecondsSince1970: date.millisecondsSince1970)
        try db.execute(
            "UPDATE state_machine SET definition = ?, role_arn = ?, revision = ?, update_date = ? WHERE arn = ?",
            arguments: [record.definition, record.roleArn, record.revision, date.millisecondsSince1970, arn]
        )
        try insertRevision(
            arn: arn, revision: record.revision, definition: record.definition, roleArn: record.roleArn, at: date)
        return record
    }

    /// Deletes a state machine and its revisions (its executions and their history stay).
    /// - Returns: whether it existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteStateMachine(arn: String) throws -> Bool {
        try db.execute("DELETE FROM state_machine WHERE arn = ?", [.text(arn)]) > 0
    }

    private func insertRevision(arn: String, revision: Int, definition: String, roleArn: String, at date: Date)
        throws
    {
        try db.execute(
            """
            INSERT INTO state_machine_revision (state_machine_arn, revision, definition, creation_date, role_arn)
            VALUES (?, ?, ?, ?, ?)
            """,
            arguments: [arn, revision, definition, date.millisecondsSince1970, roleArn]
        )
    }
}
