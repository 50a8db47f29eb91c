import Foundation
import StatesLanguage
import StoreTestSupport
import Testing

@testable import ExecutionStore

@Suite struct GroupCommitTests {
    @Test func concurrentTransitionsShareCommitsAndAreAllDurableAfterReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()

        let count = 5000
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await store.transition { tx in
                        let execution = try tx.insertExecution(Fixture.execution("g\(index)"))
                        try tx.appendHistory([Fixture.event("ExecutionStarted")], executionID: execution.id)
                        try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "q", body: Data([1])))
                        return execution.id
                    }
                }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(ids.count == count)
        #expect(store.committedTransitionCount == count)
        // Far fewer commits than transitions: arrivals queue while a batch commits.
        print("group commit: \(count) transitions in \(store.commitCount) commits")
        #expect(store.commitCount <= count / 5, "commits: \(store.commitCount)")
        try store.close()

        let reopened = try directory.open()
        defer { try? reopened.close() }
        #expect(try await reopened.countExecutions(status: .running) == count)
        #expect(try await reopened.pendingOutbox(limit: count + 1).count == count)
    }

    @Test func aLoneTransitionIsCommittedWithoutWaitingForOthers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        for index in 0..<3 {
            try await store.transition { tx in try tx.setSetting("k\(index)", to: Data([UInt8(index)])) }
        }
        #expect(store.commitCount == 3)
    }
}
