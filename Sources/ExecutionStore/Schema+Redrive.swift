// The SQLite schema and its migrations, run by SQLiteDatabase.migrate(): GRDB is imported here, in the other
// Schema*.swift files and in SQLiteDatabase.swift only (the SQLite adapter of StoreDatabase.swift's seam).
import Foundation
import GRDB

extension Schema {
    /// v4: RedriveExecution. One row per redrive of an execution, numbered from 1: the count and last date
    /// DescribeExecution and ListExecutions show, and the client tokens that make a repeated request idempotent.
    /// The interpreter state a stopped execution keeps (`execution.state`) holds where it resumes.
    static func redrives(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE redrive (
                    execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    date INTEGER NOT NULL,
                    client_token TEXT,
                    PRIMARY KEY (execution_id, number)
                ) WITHOUT ROWID
                """)
    }
}
