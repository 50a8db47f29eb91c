import Foundation
import GRDB
import StatesLanguage
import StoreTestSupport
import Testing

@testable import ExecutionStore

@Suite struct TransitionTests {
    @Test func everythingInOneTransitionCommitsTogether() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let (execution, outboxID) = try await store.transition { tx in
            let execution = try tx.insertExecution(Fixture.execution("a"))
            try tx.appendHistory(
                [Fixture.event("ExecutionStarted"), Fixture.event("TaskStateEntered")],
                executionID: execution.id)
            try tx.insertOpenTask(
                OpenTask(
                    tokenID: "t1", executionID: execution.id, taskID: "A", attempt: 0, resource: "r",
                    createdAt: Fixture.epoch))
            try tx.setTimer(
                NewTimer(
                    executionID: execution.id, key: "timeout:A", kind: "taskTimeout",
                    fireAt: Fixture.epoch + 60))
            let outboxID = try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "q", body: Data("m".utf8)))
            return (execution, outboxID)
        }
        #expect(try await store.execution(id: execution.id)?.nextEventID == 3)
        #expect(
            try await store.history(executionID: execution.id).items.map(\.type)
                == ["ExecutionStarted", "TaskStateEntered"])
        #expect(try await store.openTask(tokenID: "t1")?.executionID == execution.id)
        #expect(try await store.dueTimers(before: Fixture.epoch + 60).count == 1)
        #expect(try await store.pendingOutbox().map(\.id) == [outboxID])
    }

    @Test func aThrowingTransitionLeavesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        await #expect(throws: DeliberateFailure.self) {
            try await store.transition { tx in
                let execution = try tx.insertExecution(Fixture.execution("doomed"))
                try tx.appendHistory([Fixture.event("ExecutionStarted")], executionID: execution.id)
                try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "q", body: Data()))
                try tx.setSetting("k", to: Data([1]))
                throw DeliberateFailure()
            }
        }
        #expect(try await store.execution(arn: Fixture.execution("doomed").arn) == nil)
        #expect(try await store.pendingOutbox().isEmpty)
        #expect(try await store.setting("k") == nil)
        let events: Int? = try await store.read { db in try db.value("SELECT count(*) FROM history") }
        #expect(events == 0)
    }

    @Test func failingTransitionsRollBackAloneWhileTheRestOfTheirBatchCommits() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let count = 600
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        try await store.transition { tx in
                            let execution = try tx.insertExecution(Fixture.execution("e\(index)"))
                            try tx.appendHistory([Fixture.event("ExecutionStarted")], executionID: execution.id)
                            if index % 3 == 0 { throw DeliberateFailure() }
                        }
                        return (index, true)
                    } catch is DeliberateFailure {
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(store.commitCount < count, "transitions were batched")
        for index in 0..<count {
            let stored = try await store.execution(arn: Fixture.execution("e\(index)").arn)
            #expect((stored != nil) == (index % 3 != 0))
            #expect(outcomes[index] == (index % 3 != 0))
        }
        #expect(store.committedTransitionCount == count - count / 3)
    }

    @Test func duplicateExecutionArnIsReportedAndTheTransitionCanRecover() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let first = try await store.transition { tx in try tx.insertExecution(Fixture.execution("same")) }
        let existing = try await store.transition { tx -> ExecutionRecord? in
            do {
                try tx.insertExecution(Fixture.execution("same"))
                return nil
            } catch let error as ExecutionStoreError where error.code == .executionAlreadyExists {
                return try tx.execution(arn: Fixture.execution("same").arn)
            }
        }
        #expect(existing == first)
    }

    @Test func finishingAnExecutionHappensOnceAndClosesItsTasksAndTimers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in
            let execution = try tx.insertExecution(Fixture.execution("f"))
            try tx.insertOpenTask(
                OpenTask(
                    tokenID: "tok", executionID: execution.id, taskID: "A", attempt: 0,
                    resource: "r", createdAt: Fixture.epoch))
            try tx.setTimer(NewTimer(executionID: execution.id, key: "x", kind: "wait", fireAt: Fixture.epoch))
            return execution
        }
        let stop = Fixture.epoch + 5
        let finished = try await store.transition { tx in
            try tx.finishExecution(execution.id, status: .aborted, error: "Stopped", cause: "by test", at: stop)
        }
        let again = try await store.transition { tx in
            try tx.finishExecution(execution.id, status: .succeeded, output: "{}", at: stop)
        }
        #expect(finished)
        #expect(!again)
        let stored = try #require(try await store.execution(id: execution.id))
        #expect(stored.status == .aborted)
        #expect(stored.error == "Stopped")
        #expect(stored.stopDate == stop)
        #expect(try await store.openTask(tokenID: "tok") == nil)
        #expect(try await store.nextTimerFireDate() == nil)
        #expect(try await store.countWaiting() == 0)
    }

    @Test func transitionsAfterCloseFailWithClosed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        try store.close()
        await #expect {
            try await store.transition { _ in 1 }
        } throws: { error in
            (error as? ExecutionStoreError)?.code == .closed
        }
    }
}
