import Foundation
import StatesLanguage
import StoreTestSupport
import Testing

@testable import ExecutionStore

@Suite struct QueryTests {
    @Test func listingExecutionsPagesNewestFirstWithFiltersAndStableCursors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let other = "arn:aws:states:us-east-1:000000000000:stateMachine:Other"
        let executions = try await store.transition { tx in
            try (0..<25).map { index in
                let execution = try tx.insertExecution(
                    Fixture.execution("p\(index)", machine: index % 5 == 4 ? other : Fixture.machineArn))
                if index % 2 == 1 {
                    try tx.finishExecution(execution.id, status: .succeeded, output: "{}", at: Fixture.epoch)
                }
                return execution
            }
        }
        let expected = executions.filter { $0.stateMachineArn == Fixture.machineArn }
            .filter { executions.firstIndex(of: $0)! % 2 == 1 }.map(\.id).reversed()

        var seen: [Int64] = []
        var cursor: String?
        repeat {
            let page = try await store.listExecutions(
                stateMachineArn: Fixture.machineArn, status: .succeeded, limit: 3, after: cursor)
            #expect(page.items.count <= 3)
            #expect(page.items.allSatisfy { $0.status == .succeeded && $0.stateMachineArn == Fixture.machineArn })
            seen += page.items.map(\.id)
            cursor = page.nextCursor
            // Executions started while paging come before the cursor and do not disturb it.
            if seen.count == 3 {
                try await store.transition { tx in _ = try tx.insertExecution(Fixture.execution("late")) }
            }
        } while cursor != nil
        #expect(seen == Array(expected))

        let all = try await store.listExecutions(limit: 100)
        #expect(all.items.count == 26)
        #expect(all.nextCursor == nil)
        #expect(try await store.listExecutions(status: .running, limit: 100).items.count == 13 + 1)
        await #expect {
            try await store.listExecutions(after: "not-a-cursor")
        } throws: { error in
            (error as? ExecutionStoreError)?.code == .invalidCursor
        }
    }

    @Test func historyPagesForwardAndInReverse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in try tx.insertExecution(Fixture.execution("h")) }
        for batch in 0..<3 {
            try await store.transition { tx in
                _ = try tx.appendHistory(
                    (0..<4).map { Fixture.event("E\(batch * 4 + $0 + 1)") }, executionID: execution.id)
            }
        }
        var forward: [Int64] = []
        var cursor: String?
        repeat {
            let page = try await store.history(executionID: execution.id, limit: 5, after: cursor)
            forward += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(forward == Array(1...12))

        var backward: [Int64] = []
        repeat {
            let page = try await store.history(executionID: execution.id, reverse: true, limit: 5, after: cursor)
            backward += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(backward == Array((1...12).reversed()))

        let first = try await store.history(executionID: execution.id, limit: 2).items
        #expect(first.map(\.type) == ["E1", "E2"])
        #expect(first.map(\.previousEventID) == [0, 1])
        #expect(first[0].details == Data(#"{"type":"E1"}"#.utf8))
        #expect(try await store.execution(id: execution.id)?.nextEventID == 13)
    }

    @Test func stateMachinesAreCreatedUpdatedByRevisionListedAndDeleted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let created = try await store.createStateMachine(Fixture.stateMachine())
        #expect(created.revision == 1)
        await #expect {
            try await store.createStateMachine(Fixture.stateMachine(arn: "arn:other", name: "Demo"))
        } throws: { error in
            (error as? ExecutionStoreError)?.code == .stateMachineAlreadyExists
        }
        let updated = try await store.transition { tx in
            try tx.updateStateMachine(arn: created.arn, definition: "{}", at: Fixture.epoch + 1)
        }
        #expect(updated.revision == 2)
        #expect(try await store.stateMachine(name: "Demo") == updated)
        #expect(try await store.stateMachineDefinition(arn: created.arn, revision: 1) == created.definition)
        #expect(try await store.stateMachineDefinition(arn: created.arn, revision: 2) == "{}")

        for index in 0..<4 {
            try await store.createStateMachine(Fixture.stateMachine(arn: "arn:m\(index)", name: "M\(index)"))
        }
        let first = try await store.listStateMachines(limit: 3)
        let second = try await store.listStateMachines(limit: 3, after: first.nextCursor)
        #expect((first.items + second.items).map(\.name) == ["Demo", "M0", "M1", "M2", "M3"])
        #expect(second.nextCursor == nil)

        #expect(try await store.deleteStateMachine(arn: created.arn))
        #expect(try await store.stateMachine(arn: created.arn) == nil)
        #expect(try await store.stateMachineDefinition(arn: created.arn, revision: 1) == nil)
    }

    @Test func aGeneratedSettingIsStoredOnceAndKeptAcrossReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try directory.open()
        let key = try await first.setting("token-key") { Data((0..<32).map { _ in UInt8.random(in: 0...255) }) }
        let again = try await first.setting("token-key") { Data([0]) }
        #expect(key.count == 32)
        #expect(again == key)
        try first.close()

        let second = try directory.open()
        defer { try? second.close() }
        #expect(try await second.setting("token-key") == key)
        #expect(try await second.setting("absent") == nil)
    }
}
