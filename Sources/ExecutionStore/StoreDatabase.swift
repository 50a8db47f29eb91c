import Foundation

// The seam between the store's logic (transitions, queries, recovery, written once) and the database under it:
// the embedded SQLite file (GRDB, `SQLiteDatabase.swift`) or a PostgreSQL server (libpq, `PostgresDatabase.swift`).
// The store speaks SQL that both accept, with `?` placeholders (a PostgreSQL connection numbers them `$1`, `$2`…),
// through the few operations below; what differs between the two — how a transaction begins, how ids are reserved,
// the schema's column types, which error is a unique violation — lives behind them.

/// A value bound to a statement's placeholder or read from a row's column.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// Which SQL the connection speaks, for the few statements the two write differently.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql
}

/// A failure of the database itself (not of the store's logic), with the kinds the store reacts to.
public struct StoreDatabaseError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// A UNIQUE or PRIMARY KEY constraint refused an insert or update.
        case uniqueViolation
        /// The connection is gone (closed, server down, network): the transaction did not commit.
        case connectionLost
        /// The database refused or failed for another reason (full disk, I/O error, syntax…).
        case other
    }

    public let kind: Kind
    public let message: String
    /// The statement that failed, when known.
    public let sql: String?

    public init(_ kind: Kind, message: String, sql: String? = nil) {
        self.kind = kind
        self.message = message
        self.sql = sql
    }

    public var description: String {
        sql.map { "\(message) (in \($0.prefix(200)))" } ?? message
    }
}

/// A driver's own error that knows which ``StoreDatabaseError`` it is (GRDB's `DatabaseError`, a libpq failure): the
/// store treats one that escapes a connection without being converted like the ``StoreDatabaseError`` it names.
public protocol StoreDatabaseErrorConvertible: Error {
    /// The error as the store sees it: its kind, the driver's message and the statement.
    var storeDatabaseError: StoreDatabaseError { get }
}

/// A type a column decodes to.
public protocol SQLColumnValue {
    /// The value, or `nil` when the column's value cannot be this type (NULL included, for non-optionals).
    static func decode(_ value: SQLValue) -> Self?
}

extension Int64: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value)
        case .text(let text): Int64(text)
        default: nil
        }
    }
}

extension Int: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).flatMap { Int(exactly: $0) } }
}

extension Bool: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Bool? { Int64.decode(value).map { $0 != 0 } }
}

extension Double: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let value): value
        case .integer(let value): Double(value)
        case .text(let text): Double(text)
        default: nil
        }
    }
}

extension String: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> String? {
        switch value {
        case .text(let text): text
        case .blob(let data): String(decoding: data, as: UTF8.self)
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .null: nil
        }
    }
}

extension Data: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let data): data
        case .text(let text): Data(text.utf8)
        default: nil
        }
    }
}

extension Optional: SQLColumnValue where Wrapped: SQLColumnValue {
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// One row of a query's result: columns by position (from 0) or by name.
public struct StoreRow: Sendable {
    /// The column names, shared by every row of one result.
    let names: [String]
    let values: [SQLValue]

    init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The raw value of column `index`.
    public func value(at index: Int) -> SQLValue { values[index] }

    /// Column `index` as `T`.
    /// - Throws: ``StoreDatabaseError`` when the column holds no `T` (NULL for a non-optional, a text for an integer…).
    public subscript<T: SQLColumnValue>(_ index: Int) -> T {
        get throws {
            guard index < values.count else {
                throw StoreDatabaseError(.other, message: "no column \(index) in a row of \(values.count)")
            }
            guard let value = T.decode(values[index]) else {
                throw StoreDatabaseError(
                    .other, message: "column \(index) (\(names[index])) holds \(values[index]), not a \(T.self)")
            }
            return value
        }
    }

    /// Column `name` as `T`.
    public subscript<T: SQLColumnValue>(_ name: String) -> T {
        get throws {
            guard let index = names.firstIndex(of: name) else {
                throw StoreDatabaseError(.other, message: "no column '\(name)' in \(names)")
            }
            return try self[index]
        }
    }
}

/// A prepared statement of one connection, cached by it (``StoreConnection/statement(_:)``): bind the placeholders
/// (numbered from 1), then `run()` or `rows()`, which leave it ready for the next use. Used only on its
/// connection's thread, within the write or read that fetched it.
public protocol StoreStatement: AnyObject {
    func bindNull(_ index: Int32)
    func bind(_ index: Int32, _ value: Int64)
    func bind(_ index: Int32, _ value: Double)
    func bind(_ index: Int32, _ value: String)
    /// Binds a blob (a zero-length one is a blob, not NULL).
    func bind(_ index: Int32, bytes: UnsafeRawBufferPointer)
    /// Runs the statement to completion; returns how many rows it changed.
    @discardableResult func run() throws -> Int
    /// Runs a query; returns every row.
    func rows() throws -> [StoreRow]
}

extension StoreStatement {
    public func bind(_ index: Int32, _ value: Int) { bind(index, Int64(value)) }

    public func bind(_ index: Int32, _ value: Int64?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    public func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    public func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    public func bind(_ index: Int32, _ value: Data) { value.withUnsafeBytes { bind(index, bytes: $0) } }

    public func bind(_ index: Int32, _ value: [UInt8]) { value.withUnsafeBytes { bind(index, bytes: $0) } }

    public func bind(_ index: Int32, _ value: Data?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    public func bind(_ index: Int32, _ value: Bool) { bind(index, Int64(value ? 1 : 0)) }

    public func bind(_ index: Int32, _ value: SQLValue) {
        switch value {
        case .null: bindNull(index)
        case .integer(let value): bind(index, value)
        case .real(let value): bind(index, value)
        case .text(let value): bind(index, value)
        case .blob(let value): bind(index, value)
        }
    }

    /// Binds `arguments` to placeholders 1, 2, ….
    public func bind(_ arguments: [SQLValue]) {
        for (offset, argument) in arguments.enumerated() { bind(Int32(offset + 1), argument) }
    }
}

/// One connection to the store's database, used by one thread at a time: the writer (inside a transaction the
/// group committer began) or a reader (a snapshot of the last commit).
public protocol StoreConnection: AnyObject {
    /// The SQL the database speaks.
    var dialect: SQLDialect { get }
    /// The connection's cached prepared statement for `sql` (`?` placeholders).
    func statement(_ sql: String) throws -> any StoreStatement
    /// Runs SQL that takes no arguments and returns no rows (DDL, BEGIN, COMMIT, PRAGMA, SET); may hold several
    /// statements separated by semicolons.
    func execute(_ sql: String) throws
    /// Runs `body` in a SAVEPOINT: released when it returns, rolled back (alone) when it throws.
    func inSavepoint<T>(_ body: () throws -> T) throws -> T
    /// Whether a transaction is open (a failed statement may have rolled back the whole one on SQLite: full disk,
    /// I/O error; on PostgreSQL the transaction is then aborted until rollback).
    var isInsideTransaction: Bool { get }
}

extension StoreConnection {
    /// Runs a statement with arguments; returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        let statement = try statement(sql)
        statement.bind(arguments)
        return try statement.run()
    }

    /// Every row of a query.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [StoreRow] {
        let statement = try statement(sql)
        statement.bind(arguments)
        return try statement.rows()
    }

    /// The first row of a query, or `nil`.
    public func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> StoreRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row, or `nil` when there is no row or it is NULL.
    public func value<T: SQLColumnValue>(_ sql: String, _ arguments: [SQLValue] = []) throws -> T? {
        guard let row = try row(sql, arguments) else { return nil }
        let value: T? = try row[0]
        return value
    }
}

/// Arguments written as literals: `[id, arn]` for `[.integer(id), .text(arn)]`.
public protocol SQLArgument {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLArgument { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLArgument { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLArgument { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Double: SQLArgument { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLArgument { public var sqlValue: SQLValue { .text(self) } }
extension Data: SQLArgument { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLArgument { public var sqlValue: SQLValue { self } }
extension Optional: SQLArgument where Wrapped: SQLArgument {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension StoreConnection {
    /// ``execute(_:_:)`` with literal arguments.
    @discardableResult
    public func execute(_ sql: String, arguments: [any SQLArgument]) throws -> Int {
        try execute(sql, arguments.map(\.sqlValue))
    }

    /// ``rows(_:_:)`` with literal arguments.
    public func rows(_ sql: String, arguments: [any SQLArgument]) throws -> [StoreRow] {
        try rows(sql, arguments.map(\.sqlValue))
    }

    /// ``row(_:_:)`` with literal arguments.
    public func row(_ sql: String, arguments: [any SQLArgument]) throws -> StoreRow? {
        try row(sql, arguments.map(\.sqlValue))
    }

    /// ``value(_:_:)`` with literal arguments.
    public func value<T: SQLColumnValue>(_ sql: String, arguments: [any SQLArgument]) throws -> T? {
        try value(sql, arguments.map(\.sqlValue))
    }
}

/// Where the store's connections come from: one writer (every transition, group-committed) and readers
/// (snapshots of the last commit, concurrent with the writer and each other).
public protocol StoreDatabase: Sendable {
    /// The SQL the database speaks.
    var dialect: SQLDialect { get }
    /// Where the data lives, for people and tools: the SQLite file's path, the PostgreSQL server and database.
    var location: String { get }
    /// Brings the schema to the current version (creating it in an empty database); run once, on open, before any
    /// other use.
    func migrate() throws
    /// Runs `body` on a reader connection, inside a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreConnection) throws -> T) async throws -> T
    /// Runs `body` on the writer's serial queue, later, outside any transaction (the caller begins one).
    func asyncWrite(_ body: @escaping @Sendable (any StoreConnection) -> Void)
    /// Runs `body` on the writer now, on the caller's thread (waiting for the writer's queue to be free).
    func syncWrite<T>(_ body: (any StoreConnection) throws -> T) throws -> T
    /// Begins the group commit's transaction on the writer (SQLite: BEGIN IMMEDIATE).
    func beginTransaction(_ connection: any StoreConnection) throws
    /// Commits it; returns when it is as durable as configured.
    func commitTransaction(_ connection: any StoreConnection) throws
    /// Rolls it back (after a failure; ignores a transaction already gone).
    func rollbackTransaction(_ connection: any StoreConnection)
    /// Runs `body` once everything queued on the writer ran, then closes every connection.
    func close(_ body: (any StoreConnection) throws -> Void) throws
}
