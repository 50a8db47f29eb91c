// The SQLite schema and its migrations, run by SQLiteDatabase.migrate(): GRDB is imported here, in the other
// Schema*.swift files and in SQLiteDatabase.swift only (the SQLite adapter of StoreDatabase.swift's seam).
import Foundation
import GRDB

/// The database schema, as a chain of migrations. A released migration is never edited: add a new one.
enum Schema {
    /// The migrator that brings any earlier (or empty) database file to the current schema.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: createV1)
        migrator.registerMigration("v2-history-per-transition", migrate: historyPerTransition)
        migrator.registerMigration("v3-open-task-child", migrate: openTaskChild)
        migrator.registerMigration("v3-activities", migrate: activities)
        migrator.registerMigration("v4-versions-aliases-tags", migrate: versionsAliasesTags)
        migrator.registerMigration("v4-redrive", migrate: redrives)
        return migrator
    }

    /// The identifiers of every registered migration, oldest first.
    static var migrationIdentifiers: [String] { migrator.migrations }

    /// v1: state machines and their revisions, executions, history, open tasks, timers, outbox, settings.
    ///
    /// Dates are INTEGER milliseconds since 1970. Invariants: an `open_task` row exists exactly while its task
    /// waits (closing deletes it); a `timer` row exists exactly while the timer is armed; an `outbox` row exists
    /// until the broker confirmed the message.
    static func createV1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE state_machine (
                    arn TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    role_arn TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    creation_date INTEGER NOT NULL,
                    update_date INTEGER NOT NULL
                );
                CREATE TABLE state_machine_revision (
                    state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
                    revision INTEGER NOT NULL,
                    definition TEXT NOT NULL,
                    creation_date INTEGER NOT NULL,
                    PRIMARY KEY (state_machine_arn, revision)
                ) WITHOUT ROWID;
                CREATE TABLE execution (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    arn TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    state_machine_arn TEXT NOT NULL,
                    state_machine_revision INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    input TEXT NOT NULL,
                    output TEXT,
                    error TEXT,
                    cause TEXT,
                    start_date INTEGER NOT NULL,
                    stop_date INTEGER,
                    state BLOB NOT NULL,
                    next_event_id INTEGER NOT NULL DEFAULT 1,
                    trace_parent TEXT
                );
                CREATE INDEX execution_by_machine ON execution(state_machine_arn, id);
                CREATE INDEX execution_by_machine_status ON execution(state_machine_arn, status, id);
                CREATE INDEX execution_by_status ON execution(status, id);
                CREATE TABLE history_event (
                    execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                    id INTEGER NOT NULL,
                    previous_event_id INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    details BLOB NOT NULL,
                    PRIMARY KEY (execution_id, id)
                );
                CREATE TABLE open_task (
                    token_id TEXT PRIMARY KEY NOT NULL,
                    execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    resource TEXT NOT NULL,
                    heartbeat_seconds INTEGER,
                    created_at INTEGER NOT NULL,
                    UNIQUE (execution_id, task_id)
                ) WITHOUT ROWID;
                CREATE TABLE timer (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    fire_at INTEGER NOT NULL,
                    payload BLOB NOT NULL,
                    UNIQUE (execution_id, key)
                );
                CREATE INDEX timer_by_fire_at ON timer(fire_at, id);
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    exchange TEXT NOT NULL,
                    routing_key TEXT NOT NULL,
                    body BLOB NOT NULL,
                    headers BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE setting (
                    key TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
                ) WITHOUT ROWID;
                """
        )
    }

    /// v2: history stored one row per transition (``HistoryChunk``) in `history`, instead of one row per event in
    /// `history_event`; each existing event becomes a chunk of one. Invariant: the rows of an execution cover its
    /// event ids from 1 to `next_event_id - 1` without gaps or overlaps.
    private static func historyPerTransition(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE history (
                    execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                    first_id INTEGER NOT NULL,
                    last_id INTEGER NOT NULL,
                    events BLOB NOT NULL,
                    PRIMARY KEY (execution_id, first_id)
                ) WITHOUT ROWID
                """)
        let insert = try db.makeStatement(
            sql: "INSERT INTO history (execution_id, first_id, last_id, events) VALUES (?, ?, ?, ?)")
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT execution_id, id, previous_event_id, type, timestamp, details FROM history_event
                ORDER BY execution_id, id
                """)
        while let row = try rows.next() {
            let id: Int64 = row[1]
            let event = NewHistoryEvent(
                type: row[3], timestamp: Date(millisecondsSince1970: row[4]), details: row[5],
                previousEventID: row[2])
            try insert.execute(arguments: [
                row[0] as Int64, id, id, Data(HistoryChunk.encode([event], firstID: id)),
            ])
        }
        try db.execute(sql: "DROP TABLE history_event")
    }

    /// v3: an open task remembers the child execution it started (`states:startExecution`), so cancelling a `.sync`
    /// task can stop its child.
    private static func openTaskChild(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE open_task ADD COLUMN child_execution_arn TEXT")
    }

    /// Activities (CreateActivity): their tasks wait in the broker, one durable queue per activity.
    private static func activities(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE activity (
                    arn TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    creation_date INTEGER NOT NULL
                )
                """)
    }
}
