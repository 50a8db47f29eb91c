import Foundation
import GRDB
import StoreTestSupport
import Testing

@testable import ExecutionStore

/// The SQLite file itself: skipped when the suites run on PostgreSQL (its migrations: PostgresDatabaseTests).
@Suite(.enabled(if: !TemporaryDirectory.isPostgres)) struct MigrationTests {
    @Test func emptyDirectoryIsMigratedToTheCurrentSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("baton.sqlite").path))
        let applied = try store.sqlite.pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrationIdentifiers))
        let tables = try store.sqlite.pool.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in [
            "state_machine", "state_machine_revision", "execution", "history", "open_task", "timer",
            "outbox", "setting",
        ] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        #expect(!tables.contains("history_event"), "v2 replaces history_event with history")
        let journal = try store.sqlite.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test func reopeningAnExistingStoreKeepsItsDataAndSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try directory.open()
        try await first.createStateMachine(Fixture.stateMachine())
        let execution = try await first.transition { tx in try tx.insertExecution(Fixture.execution("one")) }
        try first.close()

        let second = try directory.open()
        defer { try? second.close() }
        let applied = try await second.sqlite.pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrationIdentifiers))
        #expect(try await second.stateMachine(arn: Fixture.machineArn)?.name == "Demo")
        #expect(try await second.execution(arn: execution.arn) == execution)
        #expect(try await second.executionState(id: execution.id) == Data("state-of-one".utf8))
    }

    /// A store written by an earlier Baton (schema v1: one history row per event) opens with its history intact:
    /// the same events, ids, causes, times and details, and the next transition appends after them.
    @Test func aVersionOneStoreKeepsItsHistoryWhenItsEventsMoveToOneRowPerTransition() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent(ExecutionStore.fileName).path
        do {
            let queue = try DatabaseQueue(path: path)
            var v1 = DatabaseMigrator()
            v1.registerMigration("v1", migrate: Schema.createV1)
            try v1.migrate(queue)
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO execution (id, arn, name, state_machine_arn, state_machine_revision, status, input,
                            start_date, state, next_event_id)
                        VALUES (7, 'arn:old', 'old', 'arn:machine', 1, 'RUNNING', '{}', 1000, x'', 4);
                        INSERT INTO history_event VALUES (7, 1, 0, 'ExecutionStarted', 1000, '{"a":1}');
                        INSERT INTO history_event VALUES (7, 2, 1, 'TaskStateEntered', 1001, '{}');
                        INSERT INTO history_event VALUES (7, 3, 1, 'TaskScheduled', -5, '{"b":"é"}');
                        """)
            }
            try queue.close()
        }
        let store = try directory.open()
        defer { try? store.close() }
        let events = try await store.history(executionID: 7).items
        #expect(events.map(\.id) == [1, 2, 3])
        #expect(events.map(\.previousEventID) == [0, 1, 1])
        #expect(events.map(\.type) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled"])
        #expect(events.map(\.timestamp) == [1000, 1001, -5].map { Date(timeIntervalSince1970: Double($0) / 1000) })
        #expect(events.map { String(decoding: $0.details, as: UTF8.self) } == [#"{"a":1}"#, "{}", #"{"b":"é"}"#])
        try await store.transition { tx in _ = try tx.appendHistory([Fixture.event("Later")], executionID: 7) }
        #expect(try await store.history(executionID: 7, reverse: true, limit: 1).items.map(\.id) == [4])
    }

    @Test func powerLossDurabilitySetsSynchronousFull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = ExecutionStoreConfiguration()
        configuration.durability = .powerLoss
        let store = try directory.open(configuration)
        defer { try? store.close() }
        // synchronous: 1 = NORMAL, 2 = FULL; only the writer's setting matters.
        let level = try await store.sqlite.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }
}
