import Foundation

/// The store's schema on PostgreSQL: the schema SQLite reaches through every migration of ``Schema`` (v1 to
/// v4-redrive), written as one migration, with later ones added by name after it. A released migration is never
/// edited: add a new one. `baton_schema_migrations` records each applied migration (its identifier and when, in
/// milliseconds since 1970).
///
/// The translation keeps every table, column, constraint and index name, and every column's order. INTEGER is
/// BIGINT, BLOB is BYTEA, TEXT stays TEXT. `WITHOUT ROWID` has no meaning here. Ids of executions and outbox rows
/// and timers come from the store's ``IDAllocator`` and are plain BIGINT keys (the timer's identity column only
/// numbers rows inserted by hand); `baton_id_mark` keeps the allocator's leased high-water marks, which SQLite's
/// AUTOINCREMENT keeps there, so the ids of deleted rows are never given again after a restart.
///
/// Tables whose SQLite `rowid` the store reads or orders by (pagination of ListStateMachines, ListActivities,
/// ListStateMachineAliases; tags in the order they were set) get a column named `rowid`, an identity that numbers
/// rows in insertion order as SQLite's does, so the same SQL (`WHERE rowid > ? ORDER BY rowid`) runs on both:
/// `state_machine`, `activity`, `state_machine_alias`, `resource_tag`.
enum PostgresSchema {
    /// The migrations, oldest first: an identifier and the SQL that applies it.
    static let migrations: [(identifier: String, sql: String)] = [
        ("v1", v1)
    ]

    /// Applies the migrations the database lacks, in one transaction on `connection` (the writer, outside any
    /// transaction), under a transaction-level advisory lock keyed by the schema, so that two shards starting at
    /// once do not race (the second waits, then finds everything applied). Migrations the database records but this
    /// program does not know (a newer one ran) are left alone.
    /// - Parameters:
    ///   - connection: the writer.
    ///   - schema: the schema to create if missing and migrate (the connection's `search_path` names it), or `nil`.
    /// - Throws: ``StoreDatabaseError``; nothing is applied then.
    static func migrate(_ connection: any StoreConnection, schema: String?) throws {
        guard let connection = connection as? PostgresConnection else {
            throw StoreDatabaseError(.other, message: "PostgreSQL migrations need a PostgreSQL connection")
        }
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(\(lockKey(schema)))")
            if let schema {
                try connection.execute("CREATE SCHEMA IF NOT EXISTS \(PostgresConnection.quoteIdentifier(schema))")
            }
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS baton_schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT)")
            let applied = Set(
                try connection.rows("SELECT version FROM baton_schema_migrations").map { row -> String in try row[0] })
            for migration in migrations where !applied.contains(migration.identifier) {
                try connection.execute(migration.sql)
                try connection.execute(
                    "INSERT INTO baton_schema_migrations (version, applied_at) VALUES (?, ?)",
                    arguments: [migration.identifier, Date().millisecondsSince1970])
            }
            try connection.commit()
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// The identifiers of the migrations applied to the database `connection` reads, oldest first.
    /// - Throws: ``StoreDatabaseError`` (also when the database was never migrated).
    static func appliedMigrations(_ connection: any StoreConnection) throws -> [String] {
        try connection.rows("SELECT version FROM baton_schema_migrations ORDER BY applied_at, version").map {
            try $0[0]
        }
    }

    /// The advisory lock of `schema`'s migrations: a 64-bit FNV-1a hash of its name, so that shards of different
    /// schemas on one server do not wait for each other.
    static func lockKey(_ schema: String?) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "baton_schema_migrations:\(schema ?? "")".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// The whole schema, as SQLite's migrations v1 … v4-redrive left it (see ``Schema``, ``Schema/versionsAliasesTags``,
    /// ``Schema/redrives``), for an empty database. Dates are BIGINT milliseconds since 1970.
    static let v1 = """
        CREATE TABLE state_machine (
            arn TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            role_arn TEXT NOT NULL,
            definition TEXT NOT NULL,
            revision BIGINT NOT NULL,
            creation_date BIGINT NOT NULL,
            update_date BIGINT NOT NULL,
            last_version BIGINT NOT NULL DEFAULT 0,
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
        );
        CREATE TABLE state_machine_revision (
            state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
            revision BIGINT NOT NULL,
            definition TEXT NOT NULL,
            creation_date BIGINT NOT NULL,
            role_arn TEXT,
            PRIMARY KEY (state_machine_arn, revision)
        );
        CREATE TABLE execution (
            id BIGINT PRIMARY KEY,
            arn TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            state_machine_arn TEXT NOT NULL,
            state_machine_revision BIGINT NOT NULL,
            status TEXT NOT NULL,
            input TEXT NOT NULL,
            output TEXT,
            error TEXT,
            cause TEXT,
            start_date BIGINT NOT NULL,
            stop_date BIGINT,
            state BYTEA NOT NULL,
            next_event_id BIGINT NOT NULL DEFAULT 1,
            trace_parent TEXT,
            state_machine_version_arn TEXT,
            state_machine_alias_arn TEXT
        );
        CREATE INDEX execution_by_machine ON execution(state_machine_arn, id);
        CREATE INDEX execution_by_machine_status ON execution(state_machine_arn, status, id);
        CREATE INDEX execution_by_status ON execution(status, id);
        CREATE INDEX execution_by_version ON execution(state_machine_version_arn, id)
            WHERE state_machine_version_arn IS NOT NULL;
        CREATE INDEX execution_by_alias ON execution(state_machine_alias_arn, id)
            WHERE state_machine_alias_arn IS NOT NULL;
        CREATE TABLE history (
            execution_id BIGINT NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
            first_id BIGINT NOT NULL,
            last_id BIGINT NOT NULL,
            events BYTEA NOT NULL,
            PRIMARY KEY (execution_id, first_id)
        );
        CREATE TABLE open_task (
            token_id TEXT PRIMARY KEY NOT NULL,
            execution_id BIGINT NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
            task_id TEXT NOT NULL,
            attempt BIGINT NOT NULL,
            resource TEXT NOT NULL,
            heartbeat_seconds BIGINT,
            created_at BIGINT NOT NULL,
            child_execution_arn TEXT,
            UNIQUE (execution_id, task_id)
        );
        CREATE TABLE timer (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            execution_id BIGINT NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            fire_at BIGINT NOT NULL,
            payload BYTEA NOT NULL,
            UNIQUE (execution_id, key)
        );
        CREATE INDEX timer_by_fire_at ON timer(fire_at, id);
        CREATE TABLE outbox (
            id BIGINT PRIMARY KEY,
            exchange TEXT NOT NULL,
            routing_key TEXT NOT NULL,
            body BYTEA NOT NULL,
            headers BYTEA NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE TABLE setting (
            key TEXT PRIMARY KEY NOT NULL,
            value BYTEA NOT NULL
        );
        CREATE TABLE baton_id_mark (
            name TEXT PRIMARY KEY NOT NULL,
            value BIGINT NOT NULL
        );
        CREATE TABLE activity (
            arn TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE,
            creation_date BIGINT NOT NULL,
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
        );
        CREATE TABLE state_machine_version (
            state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
            version BIGINT NOT NULL,
            revision BIGINT NOT NULL,
            role_arn TEXT NOT NULL,
            description TEXT,
            creation_date BIGINT NOT NULL,
            PRIMARY KEY (state_machine_arn, version)
        );
        CREATE TABLE state_machine_alias (
            arn TEXT NOT NULL UNIQUE,
            state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT,
            first_version BIGINT NOT NULL,
            first_weight BIGINT NOT NULL,
            second_version BIGINT,
            second_weight BIGINT,
            creation_date BIGINT NOT NULL,
            update_date BIGINT NOT NULL,
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
        );
        CREATE INDEX state_machine_alias_by_machine ON state_machine_alias(state_machine_arn);
        CREATE TABLE resource_tag (
            resource_arn TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
            UNIQUE (resource_arn, key)
        );
        CREATE TABLE redrive (
            execution_id BIGINT NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
            number BIGINT NOT NULL,
            date BIGINT NOT NULL,
            client_token TEXT,
            PRIMARY KEY (execution_id, number)
        );
        """
}
