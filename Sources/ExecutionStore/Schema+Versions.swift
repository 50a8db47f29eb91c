// The SQLite schema and its migrations, run by SQLiteDatabase.migrate(): GRDB is imported here, in the other
// Schema*.swift files and in SQLiteDatabase.swift only (the SQLite adapter of StoreDatabase.swift's seam).
import GRDB

extension Schema {
    /// v4: published versions and aliases of state machines, resource tags, the version and alias an execution
    /// was started through, and the role of each revision (NULL for revisions made before v4).
    ///
    /// Invariants: a version snapshots a row of `state_machine_revision` (its definition) and keeps the role it was
    /// published with; `state_machine.last_version` is the highest version number ever given, so numbers are never
    /// reused; an alias routes to one or two versions of its own state machine (`second_*` both NULL or both set)
    /// whose weights sum to 100. Versions and aliases go with their state machine (ON DELETE CASCADE); tags carry
    /// no foreign key (state machines and activities both own tags) and are deleted with their resource by the engine.
    static func versionsAliasesTags(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE state_machine ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE state_machine_revision ADD COLUMN role_arn TEXT;
                CREATE TABLE state_machine_version (
                    state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    revision INTEGER NOT NULL,
                    role_arn TEXT NOT NULL,
                    description TEXT,
                    creation_date INTEGER NOT NULL,
                    PRIMARY KEY (state_machine_arn, version)
                ) WITHOUT ROWID;
                CREATE TABLE state_machine_alias (
                    arn TEXT NOT NULL UNIQUE,
                    state_machine_arn TEXT NOT NULL REFERENCES state_machine(arn) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT,
                    first_version INTEGER NOT NULL,
                    first_weight INTEGER NOT NULL,
                    second_version INTEGER,
                    second_weight INTEGER,
                    creation_date INTEGER NOT NULL,
                    update_date INTEGER NOT NULL
                );
                CREATE INDEX state_machine_alias_by_machine ON state_machine_alias(state_machine_arn);
                CREATE TABLE resource_tag (
                    resource_arn TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    UNIQUE (resource_arn, key)
                );
                ALTER TABLE execution ADD COLUMN state_machine_version_arn TEXT;
                ALTER TABLE execution ADD COLUMN state_machine_alias_arn TEXT;
                CREATE INDEX execution_by_version ON execution(state_machine_version_arn, id)
                    WHERE state_machine_version_arn IS NOT NULL;
                CREATE INDEX execution_by_alias ON execution(state_machine_alias_arn, id)
                    WHERE state_machine_alias_arn IS NOT NULL;
                """)
    }
}
