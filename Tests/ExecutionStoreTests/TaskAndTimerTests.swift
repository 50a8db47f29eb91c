import Foundation
import StoreTestSupport
import Testing

@testable import ExecutionStore

@Suite struct TaskAndTimerTests {
    private func task(_ token: String, _ execution: Int64, attempt: Int = 0) -> OpenTask {
        OpenTask(
            tokenID: token, executionID: execution, taskID: "Approve", attempt: attempt,
            resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken", heartbeatSeconds: 30,
            createdAt: Fixture.epoch)
    }

    @Test func openTaskIsFoundByTokenUntilClosedAndThenIsGone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in try tx.insertExecution(Fixture.execution("t")) }
        try await store.transition { tx in _ = try tx.insertOpenTask(task("tok-1", execution.id)) }
        #expect(try await store.openTask(tokenID: "tok-1") == task("tok-1", execution.id))
        #expect(try await store.countWaiting() == 1)

        let closed = try await store.transition { tx in try tx.closeTask(tokenID: "tok-1") }
        let duplicate = try await store.transition { tx in try tx.closeTask(tokenID: "tok-1") }
        #expect(closed == task("tok-1", execution.id))
        #expect(duplicate == nil)
        #expect(try await store.openTask(tokenID: "tok-1") == nil)
        #expect(try await store.countWaiting() == 0)

        // The engine's form, which does not read the row back: the same exactly-once answer.
        try await store.transition { tx in _ = try tx.insertOpenTask(task("tok-2", execution.id)) }
        #expect(try await store.transition { tx in try tx.deleteTask(tokenID: "tok-2") })
        #expect(try await !store.transition { tx in try tx.deleteTask(tokenID: "tok-2") })
        #expect(try await store.openTask(tokenID: "tok-2") == nil)
    }

    @Test func aRetryOpensTheNextAttemptAndTheEarlierTokenTurnsStale() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in try tx.insertExecution(Fixture.execution("r")) }
        try await store.transition { tx in _ = try tx.insertOpenTask(task("tok-a0", execution.id)) }
        let replaced = try await store.transition { tx in
            try tx.insertOpenTask(task("tok-a1", execution.id, attempt: 1))
        }
        #expect(replaced)  // the earlier attempt was open and is closed now
        #expect(try await store.openTask(tokenID: "tok-a0") == nil)
        #expect(try await store.openTask(tokenID: "tok-a1")?.attempt == 1)
        #expect(try await store.openTasks(executionID: execution.id).map(\.tokenID) == ["tok-a1"])
    }

    @Test func dueTimersComeEarliestFirstAndOnlyWhenDue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in try tx.insertExecution(Fixture.execution("w")) }
        let offsets: [(String, TimeInterval)] = [("c", 30), ("a", 10), ("d", 40), ("b", 20), ("b2", 20)]
        try await store.transition { tx in
            for (key, offset) in offsets {
                try tx.setTimer(
                    NewTimer(
                        executionID: execution.id, key: key, kind: "wait",
                        fireAt: Fixture.epoch + offset, payload: Data(key.utf8)))
            }
        }
        #expect(try await store.nextTimerFireDate() == Fixture.epoch + 10)
        #expect(try await store.dueTimers(before: Fixture.epoch + 5).isEmpty)
        let due = try await store.dueTimers(before: Fixture.epoch + 20)
        #expect(due.map(\.key) == ["a", "b", "b2"])
        #expect(due.map(\.payload) == [Data("a".utf8), Data("b".utf8), Data("b2".utf8)])
        #expect(try await store.dueTimers(before: Fixture.epoch + 100, limit: 2).map(\.key) == ["a", "b"])

        let claimed = try await store.transition { tx in try tx.deleteTimer(id: due[0].id) }
        let claimedAgain = try await store.transition { tx in try tx.deleteTimer(id: due[0].id) }
        #expect(claimed)
        #expect(!claimedAgain)
        #expect(try await store.nextTimerFireDate() == Fixture.epoch + 20)
    }

    @Test func reArmingATimerReplacesItSoAnEarlierReadCannotFireIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let execution = try await store.transition { tx in try tx.insertExecution(Fixture.execution("h")) }
        let first = NewTimer(
            executionID: execution.id, key: "heartbeat:A", kind: "heartbeatTimeout",
            fireAt: Fixture.epoch + 30)
        var second = first
        second.fireAt = Fixture.epoch + 60
        try await store.transition { tx in _ = try tx.setTimer(first) }
        let read = try #require(try await store.dueTimers(before: Fixture.epoch + 30).first)
        // A heartbeat arrives before the timer service handles the firing it read.
        try await store.transition { [second] tx in _ = try tx.setTimer(second) }
        #expect(try await store.transition { tx in try tx.deleteTimer(id: read.id) } == false)
        #expect(try await store.nextTimerFireDate() == Fixture.epoch + 60)
        #expect(try await store.transition { tx in try tx.cancelTimer(executionID: execution.id, key: "heartbeat:A") })
        #expect(try await store.nextTimerFireDate() == nil)
    }

    @Test func outboxHeadersRoundTripWhateverTheyHold() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        let headers = [
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "quote\"d": "back\\slash",
            "ctl": "tab\tnew\nline\u{01}", "ünï": "😀 中文", "": "",
        ]
        _ = try await store.transition { tx in
            try tx.enqueueOutbox(NewOutboxMessage(exchange: "x", routingKey: "k", body: Data(), headers: headers))
        }
        #expect(try await store.pendingOutbox().first?.headers == headers)
    }

    @Test func outboxIsPendingInEnqueueOrderUntilDeleted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }

        let ids = try await store.transition { tx in
            try (0..<5).map { index in
                try tx.enqueueOutbox(
                    NewOutboxMessage(
                        exchange: "", routingKey: "q\(index)", body: Data([UInt8(index)]),
                        headers: index == 0 ? ["correlation-id": "c-1", "reply-to": "r"] : [:]),
                    at: Fixture.epoch)
            }
        }
        let pending = try await store.pendingOutbox()
        #expect(pending.map(\.id) == ids)
        #expect(pending.map(\.routingKey) == ["q0", "q1", "q2", "q3", "q4"])
        #expect(pending[0].headers == ["correlation-id": "c-1", "reply-to": "r"])
        #expect(pending[1].headers.isEmpty)
        #expect(pending[0].createdAt == Fixture.epoch)
        #expect(try await store.pendingOutbox(after: ids[1], limit: 2).map(\.id) == [ids[2], ids[3]])

        #expect(try await store.deleteOutbox(ids: [ids[0], ids[2], 999_999]) == 2)
        #expect(try await store.pendingOutbox().map(\.id) == [ids[1], ids[3], ids[4]])
    }

    @Test func idsOfDeletedOutboxRowsAreNotGivenAgainAfterAReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        let message = NewOutboxMessage(exchange: "", routingKey: "q", body: Data([1]))
        let first = try await store.transition { tx in try (0..<3).map { _ in try tx.enqueueOutbox(message) } }
        #expect(try await store.deleteOutbox(ids: first) == 3)
        try store.close()

        // No row is left to say which ids were used: SQLite's AUTOINCREMENT and PostgreSQL's id mark remember.
        let reopened = try directory.open()
        defer { try? reopened.close() }
        let next = try await reopened.transition { tx in try tx.enqueueOutbox(message) }
        #expect(next > first.max()!)
    }
}
