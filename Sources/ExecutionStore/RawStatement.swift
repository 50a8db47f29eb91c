import Foundation
import GRDB
import GRDBSQLite

/// One of the writer's cached statements, bound and stepped through SQLite's C API: the store's hot writes (a few
/// per transition, thousands of transitions a second) skip GRDB's argument conversion, which cost more than the
/// statements themselves. GRDB still owns the statement (its cache prepares and finalizes it); this only uses the
/// handle, on the writer's thread, within the write that fetched it.
struct RawStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private let sql: String

    /// The writer's cached statement for `sql` (prepared once per connection).
    init(_ db: Database, _ sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        guard let connection = db.sqliteConnection else {
            throw ExecutionStoreError(.closed, message: "the execution store is closed")
        }
        self.connection = connection
        self.sql = sql
    }

    /// SQLite copies the bytes of text and blob arguments before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(handle, index, Int64(value)) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Data) {
        value.withUnsafeBytes { bytes in
            // A zero-length blob, not NULL: columns declared NOT NULL take empty states and bodies.
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
            _ = sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ value: [UInt8]) {
        value.withUnsafeBytes { bytes in
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
            _ = sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ value: Data?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Runs the statement to completion and resets it; returns how many rows it changed.
    /// - Throws: `DatabaseError` with SQLite's extended result code (a constraint, a full disk…).
    @discardableResult
    func run() throws -> Int {
        let code = sqlite3_step(handle)
        let failure: DatabaseError? =
            code == SQLITE_DONE || code == SQLITE_ROW
            ? nil
            : DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        if let failure { throw failure }
        return Int(sqlite3_changes(connection))
    }
}
