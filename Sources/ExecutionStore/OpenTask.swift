import Foundation

/// A task waiting for its callback. Its row exists exactly while the task is open, so "is this token still
/// valid" is one primary-key lookup of ``tokenID``.
public struct OpenTask: Sendable, Hashable {
    /// The short id of the task token (not the token itself), unique in the store.
    public var tokenID: String
    /// The execution the task belongs to.
    public var executionID: Int64
    /// The engine's id of the task within the execution (e.g. state name plus Map/Parallel position); at most
    /// one task per execution and task id is open at a time.
    public var taskID: String
    /// The attempt number (0 for the first; each Retry opens the next with a new token).
    public var attempt: Int
    /// The Resource ARN of the task state.
    public var resource: String
    /// HeartbeatSeconds of the task state, if it has one.
    public var heartbeatSeconds: Int?
    /// When the task was opened.
    public var createdAt: Date
    /// The child execution the task started (`states:startExecution`), so a cancelled `.sync` task can stop it.
    public var childExecutionArn: String?

    /// Creates an open task value.
    /// - Parameters:
    ///   - tokenID: the token's short id.
    ///   - executionID: the execution's id.
    ///   - taskID: the task's id within the execution.
    ///   - attempt: the attempt number.
    ///   - resource: the Resource ARN.
    ///   - heartbeatSeconds: HeartbeatSeconds, if any.
    ///   - createdAt: when the task was opened.
    ///   - childExecutionArn: the child execution it started, if any.
    public init(
        tokenID: String,
        executionID: Int64,
        taskID: String,
        attempt: Int,
        resource: String,
        heartbeatSeconds: Int? = nil,
        createdAt: Date,
        childExecutionArn: String? = nil
    ) {
        self.tokenID = tokenID
        self.executionID = executionID
        self.taskID = taskID
        self.attempt = attempt
        self.resource = resource
        self.heartbeatSeconds = heartbeatSeconds
        self.createdAt = createdAt
        self.childExecutionArn = childExecutionArn
    }
}

extension OpenTask {
    static let columns =
        "token_id, execution_id, task_id, attempt, resource, heartbeat_seconds, created_at, child_execution_arn"

    init(row: StoreRow) throws {
        try self.init(
            tokenID: row[0],
            executionID: row[1],
            taskID: row[2],
            attempt: row[3],
            resource: row[4],
            heartbeatSeconds: row[5],
            createdAt: Date(millisecondsSince1970: row[6]),
            childExecutionArn: row[7]
        )
    }

    static func fetch(_ db: any StoreConnection, tokenID: String) throws -> OpenTask? {
        try db.row("SELECT \(columns) FROM open_task WHERE token_id = ?", [.text(tokenID)]).map(OpenTask.init(row:))
    }

    static func fetchAll(_ db: any StoreConnection, executionID: Int64) throws -> [OpenTask] {
        try db.rows("SELECT \(columns) FROM open_task WHERE execution_id = ? ORDER BY task_id", [.integer(executionID)])
            .map(OpenTask.init(row:))
    }
}
