import Foundation
import GRDB

// MARK: - What the console shows

extension ExecutionStore {
    /// How many executions have each status, each count stopping at `cap` so that a store of millions of
    /// executions is counted in bounded time (a count equal to `cap` means "at least `cap`").
    /// - Parameters:
    ///   - stateMachineArn: only executions of this state machine, or all.
    ///   - cap: the largest count reported per status (at least 1).
    /// - Returns: a count for every status, zero included.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func countExecutionsByStatus(stateMachineArn: String? = nil, cap: Int = 100_000) async throws
        -> [ExecutionStatus: Int]
    {
        let cap = max(1, cap)
        // One index range per status (execution_by_status or execution_by_machine_status), read up to the cap.
        let sql =
            stateMachineArn == nil
            ? "SELECT count(*) FROM (SELECT 1 FROM execution WHERE status = ? LIMIT ?)"
            : "SELECT count(*) FROM (SELECT 1 FROM execution WHERE state_machine_arn = ? AND status = ? LIMIT ?)"
        return try await read { db in
            let statement = try db.cachedStatement(sql: sql)
            var counts: [ExecutionStatus: Int] = [:]
            for status in ExecutionStatus.allCases {
                let arguments: StatementArguments =
                    stateMachineArn.map { [$0, status.rawValue, cap] } ?? [status.rawValue, cap]
                counts[status] = try Int.fetchOne(statement, arguments: arguments) ?? 0
            }
            return counts
        }
    }

    /// The id of the newest execution (0 when there is none): it grows with every start, so a watcher learns
    /// that executions were started from one primary-key lookup.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func newestExecutionID() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM execution") ?? 0 }
    }

    /// The armed timers of an execution (task timeouts, heartbeats, Wait and Retry timers), earliest first.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func timers(executionID: Int64) async throws -> [PendingTimer] {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(PendingTimer.columns) FROM timer WHERE execution_id = ? ORDER BY fire_at, id")
            return try Row.fetchAll(statement, arguments: [executionID]).map(PendingTimer.init(row:))
        }
    }
}
