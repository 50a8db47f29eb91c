import Foundation

extension ExecutionStore {
    /// Whether `url` names a PostgreSQL server (`postgres://` or `postgresql://`) rather than an SQLite directory.
    public static func isPostgresURL(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    /// Opens the store that `url` names (`BATON_STORE_URL`):
    /// - `postgres://user:password@host:port/database` (or `postgresql://`): PostgreSQL, the tables in `schema`
    ///   (created and migrated on open; shards of one deployment each take their own schema of one database);
    /// - `sqlite:PATH` or a plain path: the embedded SQLite store in the directory PATH (`baton.sqlite` in it).
    /// - Parameters:
    ///   - url: where the store is.
    ///   - schema: the PostgreSQL schema (ignored for SQLite).
    ///   - configuration: batching and, for SQLite, durability and connection settings.
    /// - Throws: ``ExecutionStoreError`` with code `database` when the store cannot be opened or migrated.
    public static func open(
        url: String, schema: String = "baton", configuration: ExecutionStoreConfiguration = .init()
    ) throws -> ExecutionStore {
        guard isPostgresURL(url) else {
            let path = url.hasPrefix("sqlite:") ? String(url.dropFirst("sqlite:".count)) : url
            return try ExecutionStore(directory: URL(fileURLWithPath: path), configuration: configuration)
        }
        var settings = PostgresDatabase.Configuration(url: url)
        settings.schema = schema
        settings.readerCount = max(1, configuration.maximumReaderCount)
        let database: PostgresDatabase
        do {
            database = try PostgresDatabase(settings)
        } catch {
            throw ExecutionStoreError(.database, message: "cannot reach the PostgreSQL store", underlying: error)
        }
        return try ExecutionStore(database: database, configuration: configuration)
    }

    /// Drops a PostgreSQL schema and everything in it (tests, and `baton` tooling that discards a shard's data).
    /// - Throws: ``StoreDatabaseError`` when the server cannot be reached or refuses.
    public static func dropPostgresSchema(url: String, schema: String) throws {
        let database = try PostgresDatabase(PostgresDatabase.Configuration(url: url))
        defer { try? database.close { _ in } }
        let quoted = PostgresConnection.quoteIdentifier(schema)
        try database.syncWrite { db in try db.execute("DROP SCHEMA IF EXISTS \(quoted) CASCADE") }
    }
}
