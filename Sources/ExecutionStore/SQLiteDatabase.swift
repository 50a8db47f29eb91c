// The SQLite adapter of the store's database seam (StoreDatabase.swift). GRDB is imported here and in the
// Schema*.swift files (the SQLite schema and its migrations) only: every other file of the module reaches the
// database through `StoreDatabase`, `StoreConnection` and `StoreStatement`.
import Foundation
import GRDB
import GRDBSQLite

/// The store's database in one SQLite file (WAL) through GRDB's `DatabasePool`: one writer connection, on which
/// the group committer runs its transactions, and up to ``ExecutionStoreConfiguration/maximumReaderCount`` readers,
/// each reading a snapshot of the last commit without waiting for the writer.
final class SQLiteDatabase: StoreDatabase {
    /// The database file's path.
    let path: String
    /// GRDB's pool: the writer's serial queue and the readers.
    let pool: DatabasePool

    /// Opens (creating if needed) the database file at `path` with the store's connection settings; the schema is
    /// left as it is until ``migrate()``.
    /// - Parameters:
    ///   - path: the file; its directory must exist.
    ///   - configuration: durability, busy timeout, readers and WAL checkpoint settings.
    /// - Throws: ``StoreDatabaseError`` when SQLite cannot open or configure the file.
    init(path: String, configuration: ExecutionStoreConfiguration) throws {
        self.path = path
        var grdb = Configuration()
        grdb.busyMode = .timeout(Self.seconds(configuration.busyTimeout))
        grdb.maximumReaderCount = max(1, configuration.maximumReaderCount)
        grdb.foreignKeysEnabled = true
        grdb.label = "ExecutionStore"
        let synchronous = configuration.durability.synchronousPragma
        let autoCheckpoint = max(0, configuration.walAutoCheckpointPages)
        grdb.prepareDatabase { db in
            // Readers ignore these; the writer is the connection they matter for.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(autoCheckpoint)")
            // After a checkpoint, shrink a WAL that grew under a long reader back to 64 MiB.
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
            // Each transition of a group commit runs in a savepoint, whose statement journal (the pages it
            // changed, for a rollback of that transition alone) spilled to a temporary file beyond 64 KiB:
            // ~20 page writes per commit at one execution in flight. In memory it costs no system call.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        pool = try Self.converting { try DatabasePool(path: path, configuration: grdb) }
        // GRDB sets synchronous = NORMAL when it switches the writer to WAL; set the chosen level after it.
        try Self.converting {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        }
    }

    var dialect: SQLDialect { .sqlite }

    var location: String { path }

    /// Runs GRDB's migrator (``Schema/migrator``) on the pool.
    func migrate() throws {
        try Self.converting { try Schema.migrator.migrate(pool) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreConnection) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(SQLiteConnection(db)) }
        } catch let error as DatabaseError {
            throw error.storeDatabaseError
        }
    }

    func asyncWrite(_ body: @escaping @Sendable (any StoreConnection) -> Void) {
        pool.asyncWriteWithoutTransaction { db in body(SQLiteConnection(db)) }
    }

    func syncWrite<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try Self.converting { try pool.writeWithoutTransaction { db in try body(SQLiteConnection(db)) } }
    }

    /// `BEGIN IMMEDIATE`: the writer takes SQLite's write lock now, not at its first write.
    func beginTransaction(_ connection: any StoreConnection) throws {
        let db = Self.database(of: connection)
        try Self.converting { try db.beginTransaction(.immediate) }
    }

    /// `COMMIT`, after checking that SQLite did not roll the transaction back itself (a full disk, an I/O error):
    /// that is reported as an aborted transaction, not as SQLite's "cannot commit - no transaction is active".
    func commitTransaction(_ connection: any StoreConnection) throws {
        let db = Self.database(of: connection)
        guard db.isInsideTransaction else {
            throw StoreDatabaseError(.other, message: "SQLite rolled the transaction back before its commit")
        }
        try Self.converting { try db.commit() }
    }

    /// `ROLLBACK`, unless SQLite already rolled the transaction back; a failing rollback is ignored (the caller
    /// reports the error that made it roll back).
    func rollbackTransaction(_ connection: any StoreConnection) {
        try? Self.database(of: connection).rollback()
    }

    /// Runs `body` in a barrier on the writer (after every write already queued), truncates the WAL into the
    /// database file, and closes every connection.
    func close(_ body: (any StoreConnection) throws -> Void) throws {
        try Self.converting {
            try pool.barrierWriteWithoutTransaction { db in
                try body(SQLiteConnection(db))
                _ = try db.checkpoint(.truncate)
            }
            try pool.close()
        }
    }

    /// The GRDB connection under one of this database's connections.
    private static func database(of connection: any StoreConnection) -> Database {
        guard let connection = connection as? SQLiteConnection else {
            preconditionFailure("an SQLite database was handed a connection of another database")
        }
        return connection.db
    }

    /// Runs `body`, turning the GRDB errors it throws into ``StoreDatabaseError``; other errors pass through.
    static func converting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw error.storeDatabaseError
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// One GRDB connection of an ``SQLiteDatabase`` (the writer or a reader), for the duration of one read or write
/// closure.
final class SQLiteConnection: StoreConnection {
    /// The GRDB connection; valid only within the closure that received it.
    let db: Database

    /// Wraps `db` for the closure GRDB handed it to.
    init(_ db: Database) {
        self.db = db
    }

    var dialect: SQLDialect { .sqlite }

    /// GRDB's cached statement for `sql` (prepared once per connection), bound and stepped through SQLite's C API.
    /// - Throws: ``StoreDatabaseError`` when SQLite cannot prepare it; ``ExecutionStoreError`` `closed` after the
    ///   database was closed.
    func statement(_ sql: String) throws -> any StoreStatement {
        guard let connection = db.sqliteConnection else {
            throw ExecutionStoreError(.closed, message: "the execution store is closed")
        }
        do {
            return SQLiteStatement(try db.cachedStatement(sql: sql), connection: connection)
        } catch let error as DatabaseError {
            throw error.storeDatabaseError
        }
    }

    func execute(_ sql: String) throws {
        try SQLiteDatabase.converting { try db.execute(sql: sql) }
    }

    /// GRDB's savepoint (`SAVEPOINT grdb … RELEASE`, or `ROLLBACK TO` and `RELEASE` when `body` throws); outside a
    /// transaction GRDB opens one instead.
    func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try SQLiteDatabase.converting {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        }
        guard let result else {
            throw StoreDatabaseError(.other, message: "the savepoint was released without running its body")
        }
        return result
    }

    var isInsideTransaction: Bool { db.isInsideTransaction }
}

/// One of a connection's cached statements, bound and stepped through SQLite's C API: the store's hot writes (a
/// few per transition, thousands of transitions a second) skip GRDB's argument conversion, which cost more than the
/// statements themselves. GRDB still owns the statement (its cache prepares and finalizes it); this only uses the
/// handle, on the connection's thread, within the read or write that fetched it.
final class SQLiteStatement: StoreStatement {
    /// GRDB's statement, kept alive while this is used.
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    /// SQLite copies the bytes of text and blob arguments before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Wraps GRDB's `statement` of the SQLite `connection`.
    init(_ statement: Statement, connection: OpaquePointer) {
        self.statement = statement
        handle = statement.sqliteStatement
        self.connection = connection
    }

    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, bytes: UnsafeRawBufferPointer) {
        // A zero-length blob, not NULL: columns declared NOT NULL take empty states and bodies.
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
        _ = sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient)
    }

    /// Runs the statement to completion and resets it; returns how many rows it changed.
    /// - Throws: ``StoreDatabaseError`` with SQLite's extended result code and message (a constraint, a full
    ///   disk…).
    @discardableResult
    func run() throws -> Int {
        let code = sqlite3_step(handle)
        let failure: StoreDatabaseError? = code == SQLITE_DONE || code == SQLITE_ROW ? nil : error()
        reset()
        if let failure { throw failure }
        return Int(sqlite3_changes(connection))
    }

    /// Steps the statement to its end, copying each row's columns; resets it.
    /// - Throws: ``StoreDatabaseError`` as ``run()``.
    func rows() throws -> [StoreRow] {
        defer { reset() }
        var rows: [StoreRow] = []
        var names: [String] = []
        var code = sqlite3_step(handle)
        if code == SQLITE_ROW { names = statement.columnNames }  // cached by GRDB's statement
        while code == SQLITE_ROW {
            let count = sqlite3_column_count(handle)
            var values: [SQLValue] = []
            values.reserveCapacity(Int(count))
            for column in 0..<count { values.append(value(column)) }
            rows.append(StoreRow(names: names, values: values))
            code = sqlite3_step(handle)
        }
        guard code == SQLITE_DONE else { throw error() }
        return rows
    }

    /// The current row's value of `column`, by its storage class.
    private func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            // The text first, then its length (SQLite's recommended order).
            guard let text = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        default:
            guard let blob = sqlite3_column_blob(handle, column) else { return .blob(Data()) }
            return .blob(Data(bytes: blob, count: Int(sqlite3_column_bytes(handle, column))))
        }
    }

    /// The error of the last step, from the connection's extended result code and message.
    private func error() -> StoreDatabaseError {
        StoreDatabaseError(
            sqliteCode: sqlite3_extended_errcode(connection), message: String(cString: sqlite3_errmsg(connection)),
            sql: statement.sql)
    }

    /// Leaves the statement ready for its next use, with no argument bound.
    private func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}

extension StoreDatabaseError {
    /// The error for an SQLite result code: a UNIQUE or PRIMARY KEY constraint is a ``Kind/uniqueViolation``,
    /// anything else ``Kind/other``; the message keeps SQLite's code and text.
    init(sqliteCode code: Int32, message: String, sql: String?) {
        let kind: Kind =
            switch ResultCode(rawValue: code) {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY: .uniqueViolation
            default: .other
            }
        self.init(kind, message: "SQLite error \(ResultCode(rawValue: code)): \(message)", sql: sql)
    }
}

extension DatabaseError: StoreDatabaseErrorConvertible {
    /// The error with its extended result code, message and statement.
    public var storeDatabaseError: StoreDatabaseError {
        StoreDatabaseError(sqliteCode: extendedResultCode.rawValue, message: message ?? "", sql: sql)
    }
}

extension ExecutionStore {
    /// The SQLite database under the store, for tests and tools that inspect the file directly.
    /// - Precondition: the store was opened on an SQLite database (``init(directory:configuration:)``).
    var sqlite: SQLiteDatabase {
        guard let database = database as? SQLiteDatabase else {
            preconditionFailure("the execution store is not on SQLite")
        }
        return database
    }
}
