import Foundation

/// An activity (AWS CreateActivity): a named source of tasks that workers poll with GetActivityTask.
public struct ActivityRecord: Sendable, Hashable {
    /// `arn:aws:states:<region>:<account>:activity:<name>`.
    public var arn: String
    /// The activity's name.
    public var name: String
    /// When it was created.
    public var creationDate: Date

    /// Creates a record.
    public init(arn: String, name: String, creationDate: Date) {
        self.arn = arn
        self.name = name
        self.creationDate = creationDate
    }

    init(row: StoreRow) throws {
        try self.init(arn: row[0], name: row[1], creationDate: Date(millisecondsSince1970: row[2]))
    }
}

extension ExecutionStore {
    /// Creates an activity, or answers the one of that name that exists (CreateActivity is idempotent by name).
    /// - Returns: the stored record.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func createActivity(_ activity: ActivityRecord) async throws -> ActivityRecord {
        try await transition { tx in
            if let existing = try tx.db.row(
                "SELECT arn, name, creation_date FROM activity WHERE arn = ?", [.text(activity.arn)])
            {
                return try ActivityRecord(row: existing)
            }
            try tx.db.execute(
                "INSERT INTO activity (arn, name, creation_date) VALUES (?, ?, ?)",
                arguments: [activity.arn, activity.name, activity.creationDate.millisecondsSince1970])
            return ActivityRecord(
                arn: activity.arn, name: activity.name,
                creationDate: Date(millisecondsSince1970: activity.creationDate.millisecondsSince1970))
        }
    }

    /// Deletes an activity.
    /// - Returns: whether it existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteActivity(arn: String) async throws -> Bool {
        try await transition { tx in
            try tx.db.execute("DELETE FROM activity WHERE arn = ?", [.text(arn)]) > 0
        }
    }

    /// The activity with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func activity(arn: String) async throws -> ActivityRecord? {
        try await read { db in
            try db.row("SELECT arn, name, creation_date FROM activity WHERE arn = ?", [.text(arn)])
                .map(ActivityRecord.init(row:))
        }
    }

    /// Activities in creation order.
    /// - Parameters:
    ///   - limit: the page size (at least 1).
    ///   - cursor: the `nextCursor` of the previous page, or `nil`.
    /// - Returns: one page.
    /// - Throws: ``ExecutionStoreError`` `invalidCursor`, or on a database failure.
    public func listActivities(limit: Int = 100, after cursor: String? = nil) async throws -> Page<ActivityRecord> {
        let after = try Page<ActivityRecord>.decode(cursor) ?? 0
        let limit = max(1, limit)
        let rows = try await read { db in
            try db.rows(
                "SELECT arn, name, creation_date, rowid FROM activity WHERE rowid > ? ORDER BY rowid LIMIT ?",
                arguments: [after, limit + 1]
            ).map { try (record: ActivityRecord(row: $0), rowID: $0[3] as Int64) }
        }
        let page = Page<ActivityRow>.make(rows.map(ActivityRow.init), limit: limit, cursor: \.rowID)
        return Page(items: page.items.map(\.record), nextCursor: page.nextCursor)
    }

    /// An activity with its rowid, the pagination key.
    private struct ActivityRow: Sendable {
        var record: ActivityRecord
        var rowID: Int64
    }
}
