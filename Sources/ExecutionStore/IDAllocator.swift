import GRDB
import Synchronization

/// Hands out execution and outbox ids before their rows exist, so a transition planned off the writer can name
/// them (an execution's id goes into its first task token). Every insert takes its id from here, never from
/// SQLite's AUTOINCREMENT, so a reserved id is never given to anyone else; a reserved id whose transition never
/// commits is simply skipped.
final class IDAllocator: Sendable {
    private let executionIDs: Atomic<Int64>
    private let outboxIDs: Atomic<Int64>

    /// Starts after the largest id ever used in either table (rows or AUTOINCREMENT high-water mark).
    init(_ db: Database) throws {
        executionIDs = Atomic(try Self.highWaterMark(db, table: "execution"))
        outboxIDs = Atomic(try Self.highWaterMark(db, table: "outbox"))
    }

    func nextExecutionID() -> Int64 { executionIDs.add(1, ordering: .relaxed).newValue }
    func nextOutboxID() -> Int64 { outboxIDs.add(1, ordering: .relaxed).newValue }

    private static func highWaterMark(_ db: Database, table: String) throws -> Int64 {
        let rows = try Int64.fetchOne(db, sql: "SELECT max(id) FROM \(table)") ?? 0
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table])
        return max(rows, sequence ?? 0)
    }
}
