import Foundation
import StatesLanguage

// MARK: - What the console shows

extension ExecutionStore {
    /// How many executions have each status, each count stopping at `cap` so that a store of millions of
    /// executions is counted in bounded time (a count equal to `cap` means "at least `cap`").
    /// - Parameters:
    ///   - stateMachineArn: only executions of this state machine, or all.
    ///   - cap: the largest count reported per status (at least 1).
    /// - Returns: a count for every status, zero included.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func countExecutionsByStatus(stateMachineArn: String? = nil, cap: Int = 100_000) async throws
        -> [ExecutionStatus: Int]
    {
        let cap = max(1, cap)
        // One index range per status (execution_by_status or execution_by_machine_status), read up to the cap. The
        // subquery is named: PostgreSQL (before 16) wants an alias for every subquery in FROM.
        let sql =
            stateMachineArn == nil
            ? "SELECT count(*) FROM (SELECT 1 FROM execution WHERE status = ? LIMIT ?) AS capped"
            : "SELECT count(*) FROM (SELECT 1 FROM execution WHERE state_machine_arn = ? AND status = ? LIMIT ?) AS capped"
        return try await read { db in
            var counts: [ExecutionStatus: Int] = [:]
            for status in ExecutionStatus.allCases {
                let arguments: [SQLValue] =
                    (stateMachineArn.map { [.text($0)] } ?? []) + [.text(status.rawValue), .integer(Int64(cap))]
                counts[status] = try db.value(sql, arguments) ?? 0
            }
            return counts
        }
    }

    /// The id of the newest execution (0 when there is none): it grows with every start, so a watcher learns
    /// that executions were started from one primary-key lookup.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func newestExecutionID() async throws -> Int64 {
        try await read { db in try db.value("SELECT max(id) FROM execution") ?? 0 }
    }

    /// The id of the newest execution started at or before `date`, or `nil` when none was: a binary search over
    /// the ids (executions get increasing ids as they start), a few dozen primary-key reads whatever the size of
    /// the store. The console turns it into a list cursor ("started before").
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func newestExecutionID(startedAtOrBefore date: Date) async throws -> Int64? {
        let limit = date.millisecondsSince1970
        return try await read { db in
            let bounds = try db.row("SELECT min(id), max(id) FROM execution")
            guard let bounds, var low = try bounds[0] as Int64?, var high = try bounds[1] as Int64? else { return nil }
            let probe = "SELECT id, start_date FROM execution WHERE id >= ? AND id <= ? ORDER BY id LIMIT 1"
            guard let first = try db.row(probe, [.integer(low), .integer(high)]), try (first[1] as Int64) <= limit
            else {
                return nil
            }
            low = try first[0]
            // Invariant: `low` started at or before the date; no execution after `high` did.
            while low < high {
                let middle = low + (high - low + 1) / 2
                if let row = try db.row(probe, [.integer(middle), .integer(high)]), try (row[1] as Int64) <= limit {
                    low = try row[0]
                } else {
                    high = middle - 1
                }
            }
            return low
        }
    }

    /// The armed timers of an execution (task timeouts, heartbeats, Wait and Retry timers), earliest first.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func timers(executionID: Int64) async throws -> [PendingTimer] {
        try await read { db in
            try db.rows(
                "SELECT \(PendingTimer.columns) FROM timer WHERE execution_id = ? ORDER BY fire_at, id",
                [.integer(executionID)]
            ).map(PendingTimer.init(row:))
        }
    }
}
