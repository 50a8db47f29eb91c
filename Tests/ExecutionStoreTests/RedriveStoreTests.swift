import Foundation
import StatesLanguage
import StoreTestSupport
import Testing

@testable import ExecutionStore

/// The store's side of RedriveExecution: a stopped execution keeps its final state, reopens to RUNNING once per
/// redrive, and the redrive rows give the count, date, client tokens and `redriveFilter`.
@Suite struct RedriveStoreTests {
    @Test func aStoppedExecutionReopensAndItsRedrivesAreCountedAndFiltered() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        let (failed, running) = try await store.transition { tx in
            let failed = try tx.insertExecution(Fixture.execution("failed"))
            let running = try tx.insertExecution(Fixture.execution("running"))
            try tx.finishExecution(
                failed.id, status: .failed, error: "States.Timeout", state: Data("final".utf8), at: Fixture.epoch)
            return (failed, running)
        }
        #expect(try await store.executionState(id: failed.id) == Data("final".utf8), "the final state is kept")
        #expect(try await store.redrives(executionID: failed.id) == .none)
        let later = Fixture.epoch.addingTimeInterval(60)
        let counts = try await store.transition { tx in
            [
                try tx.reopenExecution(running.id, at: later, clientToken: nil),
                try tx.reopenExecution(failed.id, at: later, clientToken: "token-1"),
            ]
        }
        #expect(counts == [nil, 1], "only a stopped execution reopens")
        let reopened = try #require(try await store.execution(id: failed.id))
        #expect(reopened.status == .running && reopened.stopDate == nil && reopened.error == nil)
        let summary = try await store.redrives(executionID: failed.id)
        #expect(summary.count == 1 && summary.lastDate == later)
        #expect(summary.recentTokens.map(\.token) == ["token-1"])
        #expect(
            try await store.transition { tx in try tx.reopenExecution(failed.id, at: later, clientToken: nil) } == nil)
        try await store.transition { tx in
            try tx.finishExecution(failed.id, status: .timedOut, at: later)
            _ = try tx.reopenExecution(failed.id, at: later.addingTimeInterval(1), clientToken: nil)
        }
        #expect(try await store.redrives(executionID: failed.id).count == 2)
        let redriven = try await store.listExecutions(redriven: true).items.map(\.id)
        let notRedriven = try await store.listExecutions(redriven: false).items.map(\.id)
        #expect(redriven == [failed.id] && notRedriven == [running.id])
        let listed = try await store.redriveCounts(executionIDs: [failed.id, running.id])
        #expect(listed[failed.id]?.count == 2 && listed[running.id] == nil)
    }
}
