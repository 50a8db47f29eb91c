import Foundation
import StatesLanguage

// MARK: - Executions and history

extension ExecutionStore {
    /// The execution with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func execution(arn: String) async throws -> ExecutionRecord? {
        try await read { db in try ExecutionRecord.fetch(db, arn: arn) }
    }

    /// The execution with this id, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func execution(id: Int64) async throws -> ExecutionRecord? {
        try await read { db in try ExecutionRecord.fetch(db, id: id) }
    }

    /// The interpreter state last committed for this execution, or `nil` if there is no such execution.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func executionState(id: Int64) async throws -> Data? {
        try await read { db in try ExecutionRecord.state(db, id: id) }
    }

    /// Executions, newest first, optionally of one state machine and/or one status.
    /// - Parameters:
    ///   - stateMachineArn: only executions of this state machine, or all.
    ///   - status: only executions with this status, or all.
    ///   - versionArn: only executions started through this version (directly or by an alias), or all.
    ///   - aliasArn: only executions started through this alias, or all.
    ///   - redriven: only executions redriven at least once (`true`), never redriven (`false`), or all (`nil`).
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil` for the first page. Cursors stay valid
    ///     while executions are added: a page never repeats or skips an execution that existed when the first
    ///     page was read.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func listExecutions(
        stateMachineArn: String? = nil,
        status: ExecutionStatus? = nil,
        versionArn: String? = nil,
        aliasArn: String? = nil,
        redriven: Bool? = nil,
        limit: Int = 100,
        after cursor: String? = nil
    ) async throws -> Page<ExecutionRecord> {
        let before = try Page<ExecutionRecord>.decode(cursor)
        let limit = max(1, limit)
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let stateMachineArn {
            conditions.append("state_machine_arn = ?")
            arguments.append(.text(stateMachineArn))
        }
        if let status {
            conditions.append("status = ?")
            arguments.append(.text(status.rawValue))
        }
        if let versionArn {
            conditions.append("state_machine_version_arn = ?")
            arguments.append(.text(versionArn))
        }
        if let aliasArn {
            conditions.append("state_machine_alias_arn = ?")
            arguments.append(.text(aliasArn))
        }
        if let redriven {
            conditions.append((redriven ? "" : "NOT ") + "EXISTS (SELECT 1 FROM redrive WHERE execution_id = id)")
        }
        if let before {
            conditions.append("id < ?")
            arguments.append(.integer(before))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(ExecutionRecord.columns) FROM execution \(filter) ORDER BY id DESC LIMIT \(limit + 1)"
        let rows = try await read { [arguments] db in
            try db.rows(sql, arguments).map { try ExecutionRecord(row: $0) }
        }
        return Page.make(rows, limit: limit, cursor: \.id)
    }

    /// An execution's history, oldest first (or newest first when `reverse`).
    /// - Parameters:
    ///   - executionID: the execution.
    ///   - reverse: newest first.
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil` for the first page.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func history(
        executionID: Int64,
        reverse: Bool = false,
        limit: Int = 1000,
        after cursor: String? = nil
    ) async throws -> Page<HistoryEvent> {
        let after = try Page<HistoryEvent>.decode(cursor)
        let limit = max(1, limit)
        let start = after ?? (reverse ? Int64.max : 0)
        let rows = try await read { db in
            try Self.historyEvents(db, executionID: executionID, reverse: reverse, from: start, count: limit + 1)
        }
        return Page.make(rows, limit: limit, cursor: \.id)
    }

    /// Up to `count` events of an execution with ids after `start` (before it when `reverse`), in that order,
    /// decoded from the history rows (``HistoryChunk``) that hold them — a few rows at a time.
    static func historyEvents(
        _ db: any StoreConnection, executionID: Int64, reverse: Bool, from start: Int64, count: Int
    ) throws -> [HistoryEvent] {
        var events: [HistoryEvent] = []
        func take(_ row: StoreRow) throws {
            let firstID: Int64 = try row[0]
            let blob: Data = try row[1]
            let decoded = try HistoryChunk.decode(Array(blob), executionID: executionID, firstID: firstID)
            if reverse {
                events += decoded.reversed().lazy.filter { $0.id < start }.prefix(count - events.count)
            } else {
                events += decoded.lazy.filter { $0.id > start }.prefix(count - events.count)
            }
        }
        var bound = start
        if !reverse {
            // The row holding the first event wanted starts at or before it.
            let containing =
                "SELECT first_id, events FROM history WHERE execution_id = ? AND first_id <= ? "
                + "ORDER BY first_id DESC LIMIT 1"
            if let row = try db.row(containing, [.integer(executionID), .integer(start + 1)]) {
                try take(row)
                bound = try row[0]
            }
        }
        let next =
            reverse
            ? "SELECT first_id, events FROM history WHERE execution_id = ? AND first_id < ? "
                + "ORDER BY first_id DESC LIMIT 64"
            : "SELECT first_id, events FROM history WHERE execution_id = ? AND first_id > ? "
                + "ORDER BY first_id LIMIT 64"
        while events.count < count {
            let rows = try db.rows(next, [.integer(executionID), .integer(bound)])
            for row in rows where events.count < count { try take(row) }
            guard let last = rows.last, rows.count == 64 else { break }
            bound = try last[0]
        }
        return events
    }

    /// How many executions have this status (e.g. RUNNING), counted on an index.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func countExecutions(status: ExecutionStatus) async throws -> Int {
        try await read { db in
            try db.value("SELECT count(*) FROM execution WHERE status = ?", [.text(status.rawValue)]) ?? 0
        }
    }

    /// How many tasks wait for a callback (open tasks), counted on an index.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func countWaiting() async throws -> Int {
        try await read { db in try db.value("SELECT count(*) FROM open_task") ?? 0 }
    }
}

// MARK: - Tasks and timers

extension ExecutionStore {
    /// The open task with this token id, or `nil` if the token is unknown, stale or used. A hint only: the
    /// transition applying a callback must close the task with ``Transaction/closeTask(tokenID:)``.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func openTask(tokenID: String) async throws -> OpenTask? {
        try await read { db in try OpenTask.fetch(db, tokenID: tokenID) }
    }

    /// The open tasks of an execution, by task id.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func openTasks(executionID: Int64) async throws -> [OpenTask] {
        try await read { db in try OpenTask.fetchAll(db, executionID: executionID) }
    }

    /// Timers due at or before `deadline`, earliest first (ties by id). After a restart this returns the
    /// overdue timers, which fire at once.
    /// - Parameters:
    ///   - deadline: the current time, typically.
    ///   - limit: the most timers to return.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func dueTimers(before deadline: Date, limit: Int = 1000) async throws -> [PendingTimer] {
        try await read { db in
            try db.rows(
                "SELECT \(PendingTimer.columns) FROM timer WHERE fire_at <= ? ORDER BY fire_at, id LIMIT ?",
                arguments: [deadline.millisecondsSince1970, max(0, limit)]
            ).map(PendingTimer.init(row:))
        }
    }

    /// When the earliest armed timer fires, or `nil` if none is armed; the timer service sleeps until then.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func nextTimerFireDate() async throws -> Date? {
        try await read { db in
            let fireAt: Int64? = try db.value("SELECT min(fire_at) FROM timer")
            return fireAt.map(Date.init(millisecondsSince1970:))
        }
    }
}

// MARK: - Outbox

extension ExecutionStore {
    /// Outbox messages not yet confirmed, in enqueue order; after a restart, all of them are republished.
    /// - Parameters:
    ///   - id: only messages after this outbox id (the last one already handed to the publisher), or all.
    ///   - limit: the most messages to return.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func pendingOutbox(after id: Int64? = nil, limit: Int = 1000) async throws -> [OutboxMessage] {
        try await read { db in
            try db.rows(
                "SELECT \(OutboxMessage.columns) FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id ?? 0, max(0, limit)]
            ).map { try OutboxMessage(row: $0) }
        }
    }

    /// Deletes outbox rows in the next group commit without waiting for it (the dispatcher's path once the broker
    /// confirmed a message): see ``GroupCommitter``. A deletion lost to a crash republishes the row after restart.
    public func deleteOutboxSoon(ids: [Int64]) {
        committer.deleteOutboxSoon(ids)
    }

    /// Deletes outbox rows the broker confirmed (group-committed like any transition).
    /// - Parameter ids: the confirmed outbox ids.
    /// - Returns: how many rows existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteOutbox(ids: [Int64]) async throws -> Int {
        try await transition { tx in try tx.deleteOutbox(ids: ids) }
    }
}
