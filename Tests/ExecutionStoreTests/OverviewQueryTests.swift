import Foundation
import StatesLanguage
import StoreTestSupport
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

/// The console pages a million executions without loading them: every list and count it runs walks an index in
/// order and stops at its LIMIT — SQLite's plan has no temporary sort (which would read every matching row first).
@Suite(.enabled(if: !TemporaryDirectory.isPostgres)) struct ConsoleQueryPlanTests {
    static func plan(_ store: ExecutionStore, _ sql: String, _ arguments: [any SQLArgument]) async throws -> String {
        let values = arguments.map(\.sqlValue)
        return try await store.read { db in
            try db.rows("EXPLAIN QUERY PLAN " + sql, values)
                .map { try $0["detail"] as String? ?? "" }.joined(separator: "; ")
        }
    }

    @Test func listsAndCountsWalkAnIndexWithoutSorting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        let columns = ExecutionRecord.columns
        let cases: [(String, [any SQLArgument])] = [
            ("SELECT \(columns) FROM execution ORDER BY id DESC LIMIT 51", []),
            ("SELECT \(columns) FROM execution WHERE status = ? AND id < ? ORDER BY id DESC LIMIT 51", ["RUNNING", 9]),
            (
                "SELECT \(columns) FROM execution WHERE state_machine_arn = ? AND id < ? ORDER BY id DESC LIMIT 51",
                [Fixture.machineArn, 9]
            ),
            (
                "SELECT \(columns) FROM execution WHERE state_machine_arn = ? AND status = ? ORDER BY id DESC LIMIT 51",
                [Fixture.machineArn, "FAILED"]
            ),
            (
                "SELECT count(*) FROM (SELECT 1 FROM execution WHERE status = ? LIMIT ?) AS capped",
                ["RUNNING", 100_000]
            ),
            (
                "SELECT count(*) FROM (SELECT 1 FROM execution WHERE state_machine_arn = ? AND status = ? LIMIT ?) AS capped",
                [Fixture.machineArn, "RUNNING", 100_000]
            ),
        ]
        for (sql, arguments) in cases {
            let plan = try await Self.plan(store, sql, arguments)
            #expect(!plan.contains("TEMP B-TREE"), "\(sql): \(plan)")
            if sql.contains("WHERE") { #expect(plan.contains("USING"), "\(sql): \(plan)") }
        }
    }
}

@Suite struct StartedBeforeTests {
    @Test func theNewestExecutionStartedByADateIsFoundByBinarySearch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        defer { try? store.close() }
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch) == nil)
        // 100 executions one second apart, some at the same second.
        let ids = try await store.transition { tx in
            try (0..<100).map { index in
                try tx.insertExecution(Fixture.execution("b\(index)", at: Fixture.epoch + Double(index / 2 * 2))).id
            }
        }
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch - 1) == nil)
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch) == ids[1])
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch + 41) == ids[41])
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch + 42.5) == ids[43])
        #expect(try await store.newestExecutionID(startedAtOrBefore: Fixture.epoch + 1_000) == ids[99])
    }
}
