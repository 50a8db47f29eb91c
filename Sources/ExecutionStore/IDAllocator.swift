import Synchronization

/// Hands out execution, outbox and timer ids before their rows exist, so a transition planned off the writer can
/// name them (an execution's id goes into its first task token). Every insert takes its id from here, never from
/// the database (SQLite's AUTOINCREMENT), so a reserved id is never given to anyone else; a reserved id whose
/// transition never commits is simply skipped.
final class IDAllocator: Sendable {
    private let executionIDs: Atomic<Int64>
    private let outboxIDs: Atomic<Int64>
    private let timerIDs: Atomic<Int64>

    /// Starts after the largest id ever used in each table (rows, and on SQLite the AUTOINCREMENT high-water mark,
    /// which remembers the ids of deleted rows too).
    init(_ db: any StoreConnection) throws {
        executionIDs = Atomic(try Self.highWaterMark(db, table: "execution"))
        outboxIDs = Atomic(try Self.highWaterMark(db, table: "outbox"))
        timerIDs = Atomic(try Self.highWaterMark(db, table: "timer"))
    }

    func nextExecutionID() -> Int64 { executionIDs.add(1, ordering: .relaxed).newValue }
    func nextOutboxID() -> Int64 { outboxIDs.add(1, ordering: .relaxed).newValue }
    /// Taken on the writer, by each arming of a timer (``Transaction/setTimer(_:)``).
    func nextTimerID() -> Int64 { timerIDs.add(1, ordering: .relaxed).newValue }

    private static func highWaterMark(_ db: any StoreConnection, table: String) throws -> Int64 {
        let rows: Int64 = try db.value("SELECT max(id) FROM \(table)") ?? 0
        guard db.dialect == .sqlite else { return rows }
        // SQLite only: the AUTOINCREMENT counter, past the ids of rows deleted since (confirmed outbox messages).
        let sequence: Int64? = try db.value("SELECT seq FROM sqlite_sequence WHERE name = ?", [.text(table)])
        return max(rows, sequence ?? 0)
    }
}
