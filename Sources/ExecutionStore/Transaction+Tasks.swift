import Foundation

// MARK: - Open tasks

extension Transaction {
    /// Opens a task: from now on its token is valid. An open task of the same execution and task id (an earlier
    /// attempt) is closed, so its token turns stale.
    /// - Parameter task: the task to open.
    /// - Returns: whether an earlier attempt was closed.
    /// - Throws: ``ExecutionStoreError`` on a database failure (including a reused token id).
    @discardableResult
    public func insertOpenTask(_ task: OpenTask) throws -> Bool {
        try insertOpenTask(task, replacing: true)
    }

    /// Opens a task, like ``insertOpenTask(_:)``; with `replacing` false the caller knows no earlier attempt of
    /// it is open (a new execution's first task), and no delete is tried first.
    /// - Returns: whether an earlier attempt was closed.
    /// - Throws: ``ExecutionStoreError`` on a database failure (including a reused token id or, without
    ///   `replacing`, an earlier attempt still open).
    @discardableResult
    public func insertOpenTask(_ task: OpenTask, replacing: Bool) throws -> Bool {
        var replaced = false
        if replacing {
            let delete = try db.statement("DELETE FROM open_task WHERE execution_id = ? AND task_id = ?")
            delete.bind(1, task.executionID)
            delete.bind(2, task.taskID)
            replaced = try delete.run() > 0
        }
        let insert = try db.statement(
            """
            INSERT INTO open_task (token_id, execution_id, task_id, attempt, resource, heartbeat_seconds, created_at,
                child_execution_arn)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(1, task.tokenID)
        insert.bind(2, task.executionID)
        insert.bind(3, task.taskID)
        insert.bind(4, task.attempt)
        insert.bind(5, task.resource)
        insert.bind(6, task.heartbeatSeconds)
        insert.bind(7, task.createdAt.millisecondsSince1970)
        insert.bind(8, task.childExecutionArn)
        try insert.run()
        return replaced
    }

    /// Closes the task with this token id; call it first when applying a callback.
    /// - Parameter tokenID: the token's short id.
    /// - Returns: the task that was open, or `nil` if none was (stale, duplicate or late callback).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func closeTask(tokenID: String) throws -> OpenTask? {
        try db.rows("DELETE FROM open_task WHERE token_id = ? RETURNING \(OpenTask.columns)", [.text(tokenID)]).first
            .map { try OpenTask(row: $0) }
    }

    /// Closes the task with this token id, like ``closeTask(tokenID:)``, without reading the row back: a
    /// `DELETE … RETURNING` makes SQLite build (and free) a temporary table per statement, which the engine's
    /// hot path does not need.
    /// - Returns: whether the task was open.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteTask(tokenID: String) throws -> Bool {
        let statement = try db.statement("DELETE FROM open_task WHERE token_id = ?")
        statement.bind(1, tokenID)
        return try statement.run() == 1
    }

    /// Closes every open task of an execution (when it finishes), without reading them back.
    /// - Returns: how many were open.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteTasks(executionID: Int64) throws -> Int {
        let statement = try db.statement("DELETE FROM open_task WHERE execution_id = ?")
        statement.bind(1, executionID)
        return try statement.run()
    }
}

// MARK: - Timers

extension Transaction {
    /// Arms a timer, replacing the execution's timer with the same key if there is one (e.g. a heartbeat
    /// re-arming the heartbeat deadline). Each arming gets a new id (from the store's ``IDAllocator``, so the
    /// statement needs no `RETURNING`), so a firing read before the re-arm can no longer claim it with
    /// ``deleteTimer(id:)``.
    /// - Parameter timer: the timer.
    /// - Returns: the timer's id.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func setTimer(_ timer: NewTimer) throws -> Int64 {
        let id = ids.nextTimerID()
        // The re-armed row takes the new id: what `INSERT OR REPLACE` did (delete the old row, insert a new one),
        // in the form PostgreSQL accepts too.
        let statement = try db.statement(
            """
            INSERT INTO timer (id, execution_id, key, kind, fire_at, payload) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (execution_id, key) DO UPDATE SET id = excluded.id, kind = excluded.kind,
                fire_at = excluded.fire_at, payload = excluded.payload
            """)
        statement.bind(1, id)
        statement.bind(2, timer.executionID)
        statement.bind(3, timer.key)
        statement.bind(4, timer.kind)
        statement.bind(5, timer.fireAt.millisecondsSince1970)
        statement.bind(6, timer.payload)
        try statement.run()
        return id
    }

    /// Disarms the execution's timer with this key.
    /// - Returns: whether a timer was armed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func cancelTimer(executionID: Int64, key: String) throws -> Bool {
        let statement = try db.statement("DELETE FROM timer WHERE execution_id = ? AND key = ?")
        statement.bind(1, executionID)
        statement.bind(2, key)
        return try statement.run() > 0
    }

    /// Disarms every timer of an execution.
    /// - Returns: how many were armed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func cancelTimers(executionID: Int64) throws -> Int {
        let statement = try db.statement("DELETE FROM timer WHERE execution_id = ?")
        statement.bind(1, executionID)
        return try statement.run()
    }

    /// Claims a due timer for firing: the transition handling a ``PendingTimer`` starts with this.
    /// - Parameter id: the timer's id from ``ExecutionStore/dueTimers(before:limit:)``.
    /// - Returns: `false` if it was cancelled or re-armed since it was read: then it must not fire.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func deleteTimer(id: Int64) throws -> Bool {
        let statement = try db.statement("DELETE FROM timer WHERE id = ?")
        statement.bind(1, id)
        return try statement.run() > 0
    }
}
