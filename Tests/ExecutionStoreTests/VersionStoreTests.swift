import Foundation
import GRDB
import StoreTestSupport
import Testing

@testable import ExecutionStore

/// Versions, aliases and tags in the store (migration v4).
@Suite struct VersionStoreTests {
    static let later = Fixture.epoch.addingTimeInterval(60)

    @Test func versionsSnapshotTheirRevisionAndRoleAndTheirNumbersAreNeverReused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        try await store.createStateMachine(Fixture.stateMachine())
        let arn = Fixture.machineArn
        let first = try await store.transition { tx in
            try tx.publishStateMachineVersion(stateMachineArn: arn, description: "one", at: Fixture.epoch)
        }
        try await store.transition { tx in
            _ = try tx.updateStateMachine(arn: arn, definition: #"{"changed":1}"#, roleArn: "role-2", at: Self.later)
        }
        let second = try await store.transition { tx in
            try tx.publishStateMachineVersion(stateMachineArn: arn, description: nil, at: Self.later)
        }
        #expect(
            (first.version, first.revision, first.roleArn, first.description) == (
                1, 1, Fixture.stateMachine().roleArn, "one"
            ))
        #expect((second.version, second.revision, second.roleArn, second.description) == (2, 2, "role-2", nil))
        #expect(second.arn == "\(arn):2")
        #expect(
            try await store.stateMachineDefinition(arn: arn, revision: first.revision)
                == Fixture.stateMachine().definition)
        #expect(try await store.stateMachineRevisionRole(arn: arn, revision: 2) == "role-2")

        try await store.transition { tx in _ = try tx.deleteStateMachineVersion(stateMachineArn: arn, version: 2) }
        let third = try await store.transition { tx in
            try tx.publishStateMachineVersion(stateMachineArn: arn, description: nil, at: Self.later)
        }
        #expect(third.version == 3)

        // Newest first, one page at a time.
        let page1 = try await store.listStateMachineVersions(stateMachineArn: arn, limit: 1)
        let page2 = try await store.listStateMachineVersions(stateMachineArn: arn, limit: 1, after: page1.nextCursor)
        #expect(page1.items.map(\.version) == [3] && page2.items.map(\.version) == [1] && page2.nextCursor == nil)
        await #expect(throws: ExecutionStoreError.self) {
            _ = try await store.listStateMachineVersions(stateMachineArn: arn, after: "nope")
        }
    }

    @Test func aliasesRouteToVersionsAndGoWithTheirStateMachine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        try await store.createStateMachine(Fixture.stateMachine())
        let arn = Fixture.machineArn
        for _ in 0..<2 {
            _ = try await store.transition { tx in
                try tx.publishStateMachineVersion(stateMachineArn: arn, description: nil, at: Fixture.epoch)
            }
        }
        let split = StateMachineAliasRecord(
            stateMachineArn: arn, name: "split", description: "canary",
            routes: [.init(version: 1, weight: 80), .init(version: 2, weight: 20)], creationDate: Fixture.epoch)
        let single = StateMachineAliasRecord(
            stateMachineArn: arn, name: "one", description: nil, routes: [.init(version: 1, weight: 100)],
            creationDate: Fixture.epoch)
        try await store.transition { tx in
            try tx.saveStateMachineAlias(split)
            try tx.saveStateMachineAlias(single)
        }
        #expect(try await store.stateMachineAlias(arn: "\(arn):split") == split)
        #expect(try await store.transition { tx in try tx.aliasNames(routingTo: 2, stateMachineArn: arn) } == ["split"])
        #expect(
            try await store.transition { tx in try tx.aliasNames(routingTo: 1, stateMachineArn: arn) } == [
                "split", "one",
            ])
        #expect(try await store.listStateMachineAliases(stateMachineArn: arn, version: 2).items == [split])

        // An update keeps the creation date and the alias's place in the list.
        var moved = split
        moved.routes = [.init(version: 2, weight: 100)]
        moved.updateDate = Self.later
        try await store.transition { [moved] tx in try tx.saveStateMachineAlias(moved) }
        let first = try await store.listStateMachineAliases(stateMachineArn: arn, limit: 1)
        #expect(first.items == [moved])
        #expect(
            try await store.listStateMachineAliases(stateMachineArn: arn, after: first.nextCursor).items == [single])

        _ = try await store.deleteStateMachine(arn: arn)
        #expect(try await store.stateMachineAlias(arn: "\(arn):split") == nil)
        #expect(try await store.stateMachineVersion(stateMachineArn: arn, version: 1) == nil)
    }

    @Test func tagsAreAddedReplacedAndRemovedInTheirOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        let arn = Fixture.machineArn
        #expect(try await store.tags(resourceArn: arn) == nil)
        try await store.createStateMachine(Fixture.stateMachine())
        try await store.transition { tx in
            try tx.addTags([.init(key: "a", value: "1"), .init(key: "b", value: "")], resourceArn: arn)
            try tx.addTags([.init(key: "a", value: "2"), .init(key: "c", value: "3")], resourceArn: arn)
            try tx.removeTags(keys: ["b", "zz"], resourceArn: arn)
        }
        #expect(try await store.tags(resourceArn: arn) == [.init(key: "a", value: "2"), .init(key: "c", value: "3")])
        try await store.transition { tx in try tx.removeTags(resourceArn: arn) }
        #expect(try await store.tags(resourceArn: arn) == [])
    }

    @Test func executionsKeepTheVersionAndAliasTheyStartedThroughAndListByThem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        try await store.createStateMachine(Fixture.stateMachine())
        var byAlias = Fixture.execution("alias")
        byAlias.stateMachineVersionArn = "\(Fixture.machineArn):1"
        byAlias.stateMachineAliasArn = "\(Fixture.machineArn):live"
        var byVersion = Fixture.execution("version")
        byVersion.stateMachineVersionArn = "\(Fixture.machineArn):1"
        let records = try await store.transition { [byAlias, byVersion] tx in
            [
                try tx.insertExecution(byAlias), try tx.insertExecution(byVersion),
                try tx.insertExecution(Fixture.execution("plain")),
            ]
        }
        #expect(try await store.execution(arn: records[0].arn) == records[0])
        #expect(records[0].stateMachineAliasArn == "\(Fixture.machineArn):live")
        let version = try await store.listExecutions(versionArn: "\(Fixture.machineArn):1").items.map(\.name)
        #expect(version == ["version", "alias"])
        #expect(try await store.listExecutions(aliasArn: "\(Fixture.machineArn):live").items.map(\.name) == ["alias"])
    }

    /// A store made before v4 opens with its state machines, revisions and executions, and can publish versions.
    @Test(.enabled(if: !TemporaryDirectory.isPostgres)) func aVersionTwoStoreMigratesAndPublishes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent(ExecutionStore.fileName).path
        do {
            let queue = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1", migrate: Schema.createV1)
            migrator.registerMigration("v2-history-per-transition") { _ in }
            try migrator.migrate(queue)
            try await queue.write { db in
                try db.execute(
                    sql: """
                        DROP TABLE history_event;
                        CREATE TABLE history (execution_id INTEGER NOT NULL, first_id INTEGER NOT NULL,
                            last_id INTEGER NOT NULL, events BLOB NOT NULL, PRIMARY KEY (execution_id, first_id))
                            WITHOUT ROWID;
                        INSERT INTO state_machine VALUES ('arn:m', 'm', 'STANDARD', 'role', '{"d":1}', 1, 1000, 1000);
                        INSERT INTO state_machine_revision VALUES ('arn:m', 1, '{"d":1}', 1000);
                        INSERT INTO execution (id, arn, name, state_machine_arn, state_machine_revision, status, input,
                            start_date, state, next_event_id)
                        VALUES (7, 'arn:old', 'old', 'arn:m', 1, 'RUNNING', '{}', 1000, x'', 1);
                        """)
            }
            try queue.close()
        }
        let store = try directory.open()
        defer { try? store.close() }
        let old = try #require(try await store.execution(arn: "arn:old"))
        #expect(old.stateMachineVersionArn == nil && old.stateMachineAliasArn == nil)
        #expect(try await store.stateMachineRevisionRole(arn: "arn:m", revision: 1) == nil)
        let version = try await store.transition { tx in
            try tx.publishStateMachineVersion(stateMachineArn: "arn:m", description: nil, at: Fixture.epoch)
        }
        #expect((version.version, version.revision, version.roleArn) == (1, 1, "role"))
    }
}
