import CLibPQ
import Foundation

/// One connection to a PostgreSQL server over libpq's synchronous API (one `PGconn`), as the store's writer or one
/// of its readers. Not thread-safe: ``PostgresDatabase`` hands it to one thread at a time.
///
/// Every libpq result goes through one funnel, ``check(_:_:sql:transactionWasOpen:)``, which clears a failed result
/// and maps it: SQLSTATE 23505 → ``StoreDatabaseError/Kind/uniqueViolation``; a connection libpq reports bad, or a
/// SQLSTATE of class 08 (connection exception) or 57P01–57P03 (the server shutting down or starting) →
/// ``StoreDatabaseError/Kind/connectionLost``; anything else → ``StoreDatabaseError/Kind/other`` with the server's
/// message.
///
/// Losing the connection: the operation that meets a dead connection fails with `.connectionLost` and the `PGconn`
/// is closed. The next operation connects again — at once the first time; after a failed attempt, only once the
/// back-off delay has passed (doubling from ``Settings/reconnectDelay`` up to ``Settings/maximumReconnectDelay``),
/// failing fast with `.connectionLost` until then. Nothing here sleeps or loops: the engine above retries. When the
/// connection was lost inside a transaction, every operation but `ROLLBACK` (a no-op then) or a new `BEGIN` fails
/// with `.connectionLost`, so the statements that follow in the caller's transaction can never run in autocommit on
/// a fresh session.
final class PostgresConnection: StoreConnection {
    /// How to reach the server; the same for every connection of a database.
    struct Settings: Sendable {
        /// `postgres://` or `postgresql://` URL, given to libpq as it is.
        var url: String
        /// The schema the connection's `search_path` names, when not the server's default.
        var schema: String?
        /// How long one connection attempt may take (libpq's `connect_timeout`, whole seconds, at least 2).
        var connectTimeout: Duration
        /// How long to wait after a failed connection attempt before the next one; doubles at each failure.
        var reconnectDelay: Duration
        /// The longest wait between two attempts.
        var maximumReconnectDelay: Duration
        /// How many prepared statements the connection keeps; past it, the cache starts again empty.
        var statementCacheLimit: Int
    }

    let dialect = SQLDialect.postgresql
    private let settings: Settings
    /// Monotonic time, for the reconnection back-off.
    private let now: @Sendable () -> Duration

    /// The libpq connection, or `nil` before the first connection and after a loss.
    private var handle: OpaquePointer?
    private var isClosed = false
    /// The connection was lost while a transaction was open: refuse work until it is rolled back or a new one
    /// begins.
    private var lostInsideTransaction = false
    /// Failed connection attempts in a row, when the next may be made, and why the last one failed.
    private var failedAttempts = 0
    private var nextAttempt = Duration.zero
    private var lastConnectionError = ""

    /// Changes whenever the server may have forgotten the prepared statements (a new session, a cleared cache);
    /// a statement prepared in an earlier epoch is prepared again before it runs.
    private(set) var preparationEpoch = 0
    /// The number in the last prepared statement's name (`s1`, `s2`…; never reused within a connection).
    private var statementNumber = 0
    private var statements: [String: PostgresStatement] = [:]
    /// How many savepoints are open (their names are `s1`, `s2`… by depth).
    private var savepointDepth = 0

    /// A connection that connects on first use.
    init(_ settings: Settings, now: @escaping @Sendable () -> Duration) {
        self.settings = settings
        self.now = now
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Connects now if not connected.
    /// - Throws: ``StoreDatabaseError`` (`.connectionLost`) when the server cannot be reached.
    func connect() throws {
        _ = try open()
    }

    /// Closes the connection for good: every later operation fails.
    func close() {
        isClosed = true
        statements.removeAll()
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: StoreConnection

    func statement(_ sql: String) throws -> any StoreStatement {
        if let statement = statements[sql] { return statement }
        let handle = try open()
        if statements.count >= settings.statementCacheLimit {
            // DEALLOCATE is not transactional, so it works inside the writer's transaction; when it fails (an aborted
            // transaction) the old statements stay on the server until the session ends, under names never reused.
            PQclear(PQexec(handle, "DEALLOCATE ALL"))
            statements.removeAll()
            preparationEpoch += 1
        }
        let statement = PostgresStatement(sql, connection: self)
        try prepare(statement, handle)
        statements[sql] = statement
        return statement
    }

    func execute(_ sql: String) throws {
        let command = Self.transactionCommand(sql)
        if command == .rollback, handle == nil || lostInsideTransaction {
            // Nothing left to roll back: the transaction went with the connection.
            lostInsideTransaction = false
            return
        }
        let handle = try open(beginning: command == .begin)
        let transactionWasOpen = Self.isOpen(handle)
        PQclear(try check(PQexec(handle, sql), handle, sql: sql, transactionWasOpen: transactionWasOpen))
    }

    /// Runs `body` in a savepoint (`SAVEPOINT sN` … `RELEASE SAVEPOINT sN`, or `ROLLBACK TO SAVEPOINT sN` then
    /// `RELEASE` when it throws; N is the nesting depth). Outside a transaction, where PostgreSQL refuses savepoints,
    /// `body` runs in a transaction of its own instead (`BEGIN` … `COMMIT`, or `ROLLBACK`), as SQLite's autocommit
    /// savepoint does.
    func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        if try PQtransactionStatus(open()) == PQTRANS_IDLE {
            try execute("BEGIN")
            do {
                let value = try body()
                try commit()
                return value
            } catch {
                rollback()
                throw error
            }
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "s\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            // Back to the savepoint (which also ends the aborted state a failed statement left), then drop it. When
            // this fails too the connection is gone or the transaction unusable, which isInsideTransaction tells.
            try? execute("ROLLBACK TO SAVEPOINT \(name)")
            try? execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    /// Whether a transaction is open and usable. An aborted one (`PQTRANS_INERROR`: a statement failed outside any
    /// savepoint, and PostgreSQL refuses everything but ROLLBACK until it ends) counts as not open, like a SQLite
    /// transaction a failure rolled back: the group committer then fails the whole batch.
    var isInsideTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_ACTIVE
    }

    // MARK: Transactions

    /// Commits the open transaction.
    /// - Throws: ``StoreDatabaseError``: `.connectionLost` when the connection was lost (during the COMMIT itself,
    ///   the outcome is unknown, as with any database); `.other` when no transaction is open, or when it had been
    ///   aborted by a failed statement (it is rolled back: PostgreSQL would answer the COMMIT with ROLLBACK).
    func commit() throws {
        let handle = try open()
        switch PQtransactionStatus(handle) {
        case PQTRANS_INERROR:
            rollback()
            throw StoreDatabaseError(
                .other, message: "the transaction was aborted by a failed statement; it was rolled back, not committed",
                sql: "COMMIT")
        case PQTRANS_IDLE:
            throw StoreDatabaseError(.other, message: "no transaction is open: nothing to commit", sql: "COMMIT")
        default:
            break
        }
        let result: OpaquePointer
        do {
            result = try check(PQexec(handle, "COMMIT"), handle, sql: "COMMIT", transactionWasOpen: true)
        } catch let error as StoreDatabaseError where error.kind == .connectionLost {
            throw StoreDatabaseError(
                .connectionLost,
                message: "the connection was lost during COMMIT; the transaction may or may not have committed ("
                    + error.message + ")",
                sql: "COMMIT")
        }
        defer { PQclear(result) }
        let tag = String(cString: PQcmdStatus(result))
        guard tag == "COMMIT" else {
            throw StoreDatabaseError(.other, message: "COMMIT answered \(tag): the transaction did not commit")
        }
    }

    /// Rolls back the open transaction, if any; ignores failures (a lost connection took the transaction with it).
    func rollback() {
        lostInsideTransaction = false
        guard let handle, !isClosed, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        if let result = try? check(PQexec(handle, "ROLLBACK"), handle, sql: "ROLLBACK", transactionWasOpen: false) {
            PQclear(result)
        }
    }

    // MARK: Statements

    /// Runs `call` (which executes `statement`: `PQexecPrepared`) on the connection, preparing the statement first
    /// if this session does not have it; returns the successful result, which the caller clears.
    /// - Throws: ``StoreDatabaseError`` from ``check(_:_:sql:transactionWasOpen:)``.
    func execute(_ statement: PostgresStatement, _ call: (OpaquePointer) -> OpaquePointer?) throws -> OpaquePointer {
        let handle = try open()
        if statement.preparedEpoch != preparationEpoch { try prepare(statement, handle) }
        let transactionWasOpen = Self.isOpen(handle)
        return try check(call(handle), handle, sql: statement.sql, transactionWasOpen: transactionWasOpen)
    }

    /// Prepares `statement` under a fresh name (`PQprepare`, no parameter types: the server infers them) and, the
    /// first time, asks what the server inferred (`PQdescribePrepared`).
    func prepare(_ statement: PostgresStatement, _ handle: OpaquePointer) throws {
        statementNumber += 1
        let name = "s\(statementNumber)"
        let transactionWasOpen = Self.isOpen(handle)
        let prepared = PQprepare(handle, name, statement.numberedSQL, Int32(statement.parameterCount), nil)
        PQclear(try check(prepared, handle, sql: statement.sql, transactionWasOpen: transactionWasOpen))
        if !statement.isDescribed {
            let description = try check(
                PQdescribePrepared(handle, name), handle, sql: statement.sql, transactionWasOpen: transactionWasOpen)
            defer { PQclear(description) }
            statement.describe(description)
        }
        statement.prepared(as: name, epoch: preparationEpoch)
    }

    // MARK: The funnel

    /// `result` when it succeeded (a command, rows, an empty query); otherwise clears it and throws what it means.
    /// A lost connection is closed here (see the type's documentation).
    /// - Parameters:
    ///   - result: what a libpq call returned (`nil`: libpq could not even build a result).
    ///   - handle: the connection it ran on.
    ///   - sql: the statement, for the error.
    ///   - transactionWasOpen: whether a transaction was open before the call (a loss then poisons the connection
    ///     until ROLLBACK or BEGIN).
    /// - Throws: ``StoreDatabaseError``.
    func check(
        _ result: OpaquePointer?, _ handle: OpaquePointer, sql: String?, transactionWasOpen: Bool
    ) throws -> OpaquePointer {
        if let result {
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return result }
        }
        var sqlState: String?
        var message = ""
        if let result {
            sqlState = PQresultErrorField(result, Self.sqlStateField).map { String(cString: $0) }
            message = String(cString: PQresultErrorMessage(result))
            if message.isEmpty { message = "unexpected result \(String(cString: PQresStatus(PQresultStatus(result))))" }
            PQclear(result)
        } else {
            message = String(cString: PQerrorMessage(handle))
        }
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if let sqlState { message += " (SQLSTATE \(sqlState))" }
        if PQstatus(handle) == CONNECTION_BAD || sqlState.map(Self.meansConnectionLost) == true {
            drop(transactionWasOpen: transactionWasOpen)
            throw StoreDatabaseError(.connectionLost, message: "PostgreSQL connection lost: \(message)", sql: sql)
        }
        throw StoreDatabaseError(sqlState == "23505" ? .uniqueViolation : .other, message: message, sql: sql)
    }

    /// `PQresultErrorField`'s code for the SQLSTATE (`PG_DIAG_SQLSTATE`, the character 'C').
    private static let sqlStateField = Int32(UInt8(ascii: "C"))

    /// Whether a SQLSTATE means the session is over: class 08 (connection exception), 57P01 admin_shutdown,
    /// 57P02 crash_shutdown, 57P03 cannot_connect_now.
    private static func meansConnectionLost(_ sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// Whether a transaction block is open (or aborted) on `handle`.
    private static func isOpen(_ handle: OpaquePointer) -> Bool {
        PQtransactionStatus(handle) != PQTRANS_IDLE
    }

    // MARK: Connecting

    /// The live connection: the current one, or a new one (see the type's documentation for when).
    /// - Parameter beginning: the caller begins a transaction, which ends the refusal after a loss inside one.
    /// - Throws: ``StoreDatabaseError``: `.other` once closed, `.connectionLost` when not connected and connecting
    ///   fails or must wait.
    func open(beginning: Bool = false) throws -> OpaquePointer {
        guard !isClosed else { throw StoreDatabaseError(.other, message: "the PostgreSQL connection is closed") }
        if lostInsideTransaction {
            guard beginning else {
                throw StoreDatabaseError(
                    .connectionLost,
                    message: "the PostgreSQL connection was lost inside a transaction, which did not commit; "
                        + "roll it back before using the connection again")
            }
            lostInsideTransaction = false
        }
        if let handle { return handle }
        let time = now()
        guard time >= nextAttempt else {
            throw StoreDatabaseError(
                .connectionLost,
                message: "cannot reach the PostgreSQL server (\(lastConnectionError)); next attempt in "
                    + "\(Self.milliseconds(nextAttempt - time)) ms")
        }
        do {
            let handle = try Self.connect(settings)
            failedAttempts = 0
            self.handle = handle
            preparationEpoch += 1
            return handle
        } catch let error as StoreDatabaseError {
            failedAttempts += 1
            let delay = settings.reconnectDelay * (1 << min(failedAttempts - 1, 20))
            nextAttempt = time + min(delay, settings.maximumReconnectDelay)
            lastConnectionError = error.message
            throw error
        }
    }

    /// Opens a session (`PQconnectdbParams`: the URL, a connect timeout and an application name the URL may
    /// override), silences notices (libpq prints them on standard error), and sets `bytea_output` (hex, which
    /// ``PostgresType/decodeText(_:type:)`` reads) and the `search_path`.
    /// - Throws: ``StoreDatabaseError`` (`.connectionLost`) with libpq's or the server's message.
    private static func connect(_ settings: Settings) throws -> OpaquePointer {
        let timeout = max(2, Int((settings.connectTimeout + .milliseconds(999)).components.seconds))
        let keywordNames: [String] = ["connect_timeout", "application_name", "dbname"]
        let valueTexts: [String] = ["\(timeout)", "baton", settings.url]
        let keywords = keywordNames.map { name in strdup(name) }
        let values = valueTexts.map { text in strdup(text) }
        defer { (keywords + values).forEach { free($0) } }
        // expand_dbname = 1: the URL's own parameters override the ones before it.
        let keywordPointers: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw StoreDatabaseError(.connectionLost, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw StoreDatabaseError(.connectionLost, message: "cannot connect to PostgreSQL: \(message)")
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        var setup = "SET bytea_output = 'hex'"
        if let schema = settings.schema { setup += "; SET search_path TO \(quoteIdentifier(schema))" }
        let result = PQexec(handle, setup)
        guard let result, PQresultStatus(result) == PGRES_COMMAND_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQclear(result)
            PQfinish(handle)
            throw StoreDatabaseError(.connectionLost, message: "cannot set up the PostgreSQL session: \(message)")
        }
        PQclear(result)
        return handle
    }

    /// Closes a connection found dead (or left in no known state); a transaction that was open went with it.
    func drop(transactionWasOpen: Bool) {
        if let handle { PQfinish(handle) }
        handle = nil
        if transactionWasOpen { lostInsideTransaction = true }
    }

    /// A duration in whole milliseconds, rounded up.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }

    /// `name` as a double-quoted SQL identifier.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Commands

    /// The transaction-control statements ``execute(_:)`` treats apart.
    private enum TransactionCommand { case begin, rollback, other }

    /// `BEGIN`/`START TRANSACTION` → `.begin`; `ROLLBACK`/`ABORT` (not `ROLLBACK [WORK|TRANSACTION] TO …`) →
    /// `.rollback`.
    private static func transactionCommand(_ sql: String) -> TransactionCommand {
        let words = sql.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).prefix(3).map { $0.uppercased() }
        switch words.first {
        case "BEGIN", "START": return .begin
        case "ROLLBACK", "ABORT": return words.contains("TO") ? .other : .rollback
        default: return .other
        }
    }
}
