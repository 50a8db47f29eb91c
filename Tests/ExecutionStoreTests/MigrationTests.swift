import Foundation
import GRDB
import Testing

@testable import ExecutionStore

@Suite struct MigrationTests {
    @Test func emptyDirectoryIsMigratedToTheCurrentSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("baton.sqlite").path))
        let applied = try store.pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrationIdentifiers))
        let tables = try store.pool.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in [
            "state_machine", "state_machine_revision", "execution", "history_event", "open_task", "timer",
            "outbox", "setting",
        ] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let journal = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
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
        let applied = try await second.pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrationIdentifiers))
        #expect(try await second.stateMachine(arn: Fixture.machineArn)?.name == "Demo")
        #expect(try await second.execution(arn: execution.arn) == execution)
        #expect(try await second.executionState(id: execution.id) == Data("state-of-one".utf8))
    }

    @Test func powerLossDurabilitySetsSynchronousFull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = ExecutionStoreConfiguration()
        configuration.durability = .powerLoss
        let store = try directory.open(configuration)
        defer { try? store.close() }
        // synchronous: 1 = NORMAL, 2 = FULL; only the writer's setting matters.
        let level = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }
}
