import Foundation

/// What the store keeps of an execution's redrives (RedriveExecution): how many, the last one's date, and the
/// client tokens of the recent ones.
public struct RedriveSummary: Sendable, Hashable {
    /// How many times the execution was redriven; 0 if never.
    public var count: Int
    /// When it was last redriven, if ever.
    public var lastDate: Date?
    /// The most recent redrives that carried a client token, newest first (at most 10).
    public var recentTokens: [ClientToken]

    /// A redrive's client token and date.
    public struct ClientToken: Sendable, Hashable {
        /// The token the request carried.
        public var token: String
        /// When that redrive happened.
        public var date: Date
    }

    /// No redrive.
    public static let none = RedriveSummary(count: 0, lastDate: nil, recentTokens: [])

    static func fetch(_ db: any StoreConnection, executionID: Int64) throws -> RedriveSummary {
        let rows = try db.rows(
            "SELECT number, date, client_token FROM redrive WHERE execution_id = ? ORDER BY number DESC",
            [.integer(executionID)])
        guard let newest = rows.first else { return .none }
        var tokens: [ClientToken] = []
        for row in rows where tokens.count < 10 {
            if let token: String = try row[2] {
                tokens.append(try ClientToken(token: token, date: Date(millisecondsSince1970: row[1])))
            }
        }
        return try RedriveSummary(
            count: newest[0], lastDate: Date(millisecondsSince1970: newest[1]), recentTokens: tokens)
    }
}

extension ExecutionReader {
    /// An execution's redrives (``RedriveSummary/none`` if it was never redriven).
    public func redrives(executionID: Int64) throws -> RedriveSummary {
        try RedriveSummary.fetch(readConnection.db, executionID: executionID)
    }
}

extension Transaction {
    /// Moves a stopped (FAILED, TIMED_OUT or ABORTED) execution back to RUNNING for RedriveExecution: its stop
    /// date, error and cause are cleared and the redrive is recorded; the caller then runs the interpreter's
    /// `.redriven` event and saves its state in the same transaction.
    /// - Parameters:
    ///   - executionID: the execution.
    ///   - date: the redrive date.
    ///   - clientToken: the request's client token, if any, for idempotent retries.
    /// - Returns: the new redrive count, or `nil` if the execution is not stopped (nothing is changed).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func reopenExecution(_ executionID: Int64, at date: Date, clientToken: String?) throws -> Int? {
        let update = try db.statement(
            """
            UPDATE execution SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stop_date = NULL
            WHERE id = ? AND status IN ('FAILED', 'TIMED_OUT', 'ABORTED')
            """)
        update.bind(1, executionID)
        guard try update.run() == 1 else { return nil }
        let count = try redrives(executionID: executionID).count + 1
        let insert = try db.statement(
            "INSERT INTO redrive (execution_id, number, date, client_token) VALUES (?, ?, ?, ?)")
        insert.bind(1, executionID)
        insert.bind(2, Int64(count))
        insert.bind(3, date.millisecondsSince1970)
        insert.bind(4, clientToken)
        try insert.run()
        return count
    }
}

extension ExecutionStore {
    /// An execution's redrives.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func redrives(executionID: Int64) async throws -> RedriveSummary {
        try await read { db in try RedriveSummary.fetch(db, executionID: executionID) }
    }

    /// The redrive count and last date of each of these executions that was redriven (absent: never).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func redriveCounts(executionIDs: [Int64]) async throws -> [Int64: (count: Int, lastDate: Date)] {
        guard !executionIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: executionIDs.count).joined(separator: ",")
        let sql = """
            SELECT execution_id, max(number), max(date) FROM redrive WHERE execution_id IN (\(marks))
            GROUP BY execution_id
            """
        return try await read { db in
            var result: [Int64: (count: Int, lastDate: Date)] = [:]
            for row in try db.rows(sql, executionIDs.map(SQLValue.integer)) {
                let executionID: Int64 = try row[0]
                let count: Int = try row[1]
                result[executionID] = (count, Date(millisecondsSince1970: try row[2]))
            }
            return result
        }
    }
}
