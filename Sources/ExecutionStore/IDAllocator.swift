import Synchronization

/// Hands out execution, outbox and timer ids before their rows exist, so a transition planned off the writer can
/// name them (an execution's id goes into its first task token). Every insert takes its id from here, never from
/// the database (SQLite's AUTOINCREMENT), so a reserved id is never given to anyone else; a reserved id whose
/// transition never commits is simply skipped.
final class IDAllocator: Sendable {
    private let executionIDs: Atomic<Int64>
    private let outboxIDs: Atomic<Int64>
    private let timerIDs: Atomic<Int64>
    /// PostgreSQL only: raises a table's id mark (see ``leaseSize``); `nil` on SQLite.
    private let raiseMark: (@Sendable (_ table: String, _ value: Int64) -> Void)?

    /// On PostgreSQL, which has no AUTOINCREMENT high-water mark, the ids of deleted rows (confirmed outbox
    /// messages, fired timers) would be given again after a restart. The store keeps a mark per table in
    /// `baton_id_mark` instead, always at least this far ahead of the ids handed out: set on open, raised (without
    /// waiting, on the writer) every `leaseStep` ids. A restart starts after the mark, skipping what was leased.
    static let leaseSize: Int64 = 1 << 20
    static let leaseStep: Int64 = 1 << 16

    /// Starts after the largest id ever used in each table (rows, and the AUTOINCREMENT high-water mark on SQLite —
    /// which remembers the ids of deleted rows too — or the id mark on PostgreSQL, which is leased ahead here).
    /// - Parameters:
    ///   - db: the writer, outside a transaction.
    ///   - raise: on PostgreSQL, how to raise a mark later (an autocommit write on the writer's queue).
    init(_ db: any StoreConnection, raise: (@Sendable (_ table: String, _ value: Int64) -> Void)? = nil) throws {
        let postgres = db.dialect == .postgresql
        var starts: [String: Int64] = [:]
        for table in ["execution", "outbox", "timer"] {
            let start = try Self.highWaterMark(db, table: table)
            starts[table] = start
            if postgres { try Self.writeMark(db, table: table, value: start + Self.leaseSize) }
        }
        executionIDs = Atomic(starts["execution"]!)
        outboxIDs = Atomic(starts["outbox"]!)
        timerIDs = Atomic(starts["timer"]!)
        raiseMark = postgres ? raise : nil
    }

    func nextExecutionID() -> Int64 { leased("execution", executionIDs.add(1, ordering: .relaxed).newValue) }
    func nextOutboxID() -> Int64 { leased("outbox", outboxIDs.add(1, ordering: .relaxed).newValue) }
    /// Taken on the writer, by each arming of a timer (``Transaction/setTimer(_:)``).
    func nextTimerID() -> Int64 { leased("timer", timerIDs.add(1, ordering: .relaxed).newValue) }

    private func leased(_ table: String, _ id: Int64) -> Int64 {
        if let raiseMark, id % Self.leaseStep == 0 { raiseMark(table, id + Self.leaseSize) }
        return id
    }

    /// Sets the mark of `table` to `value` unless it is already higher (PostgreSQL).
    static func writeMark(_ db: any StoreConnection, table: String, value: Int64) throws {
        try db.execute(
            "INSERT INTO baton_id_mark (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET value = greatest(baton_id_mark.value, excluded.value)",
            [.text(table), .integer(value)])
    }

    private static func highWaterMark(_ db: any StoreConnection, table: String) throws -> Int64 {
        let rows: Int64 = try db.value("SELECT max(id) FROM \(table)") ?? 0
        switch db.dialect {
        case .sqlite:
            // The AUTOINCREMENT counter, past the ids of rows deleted since (confirmed outbox messages).
            let sequence: Int64? = try db.value("SELECT seq FROM sqlite_sequence WHERE name = ?", [.text(table)])
            return max(rows, sequence ?? 0)
        case .postgresql:
            let mark: Int64? = try db.value("SELECT value FROM baton_id_mark WHERE name = ?", [.text(table)])
            return max(rows, mark ?? 0)
        }
    }
}
