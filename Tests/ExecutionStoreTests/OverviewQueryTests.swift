import Foundation
import Testing

@testable import ExecutionStore

/// The reads behind the web console: counts per status (capped), the newest execution id and an execution's
/// timers.
@Suite struct OverviewQueryTests {
    @Test func countsPerStatusStopAtTheCapAndFollowTheStateMachineFilter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        #expect(try await store.newestExecutionID() == 0)
        let other = "arn:aws:states:us-east-1:000000000000:stateMachine:Other"
        let last = try await store.transition { tx in
            var last: Int64 = 0
            for index in 0..<12 {
                let execution = try tx.insertExecution(
                    Fixture.execution("c\(index)", machine: index < 9 ? Fixture.machineArn : other))
                if index % 3 == 0 {
                    try tx.finishExecution(execution.id, status: .failed, error: "E", cause: "c", at: Fixture.epoch)
                }
                last = execution.id
            }
            return last
        }
        #expect(try await store.newestExecutionID() == last)
        let all = try await store.countExecutionsByStatus()
        #expect(all == [.running: 8, .failed: 4, .succeeded: 0, .timedOut: 0, .aborted: 0])
        let capped = try await store.countExecutionsByStatus(cap: 5)
        #expect(capped[.running] == 5 && capped[.failed] == 4)
        let filtered = try await store.countExecutionsByStatus(stateMachineArn: other)
        #expect(filtered[.running] == 2 && filtered[.failed] == 1)
    }

    @Test func timersOfOneExecutionComeEarliestFirst() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        let (first, second) = try await store.transition { tx in
            let first = try tx.insertExecution(Fixture.execution("t1"))
            let second = try tx.insertExecution(Fixture.execution("t2"))
            for (execution, key, offset) in [(first, "to:1", 30.0), (first, "hb:1", 10.0), (second, "to:1", 5.0)] {
                _ = try tx.setTimer(
                    NewTimer(
                        executionID: execution.id, key: key, kind: "task", fireAt: Fixture.epoch + offset))
            }
            return (first, second)
        }
        #expect(try await store.timers(executionID: first.id).map(\.key) == ["hb:1", "to:1"])
        #expect(try await store.timers(executionID: second.id).map(\.key) == ["to:1"])
    }
}
