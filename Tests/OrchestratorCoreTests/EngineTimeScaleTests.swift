import ExecutionStore
import Foundation
import Testing

@testable import OrchestratorCore

/// `BATON_TIME_SCALE` shrinks durations, never dates: with a scale of 10 a 30 s timeout fires 3 s later while
/// startDate, stopDate, creationDate and every history timestamp stay the clock's own time.
@Suite struct EngineTimeScaleTests {
    @Test func datesStayWallClockWhileTheTaskTimeoutShrinks() async throws {
        let harness = try EngineTests.Harness(scale: 10)
        let start = harness.clock.now()
        let (arn, _) = try await harness.startWaiting(timeout: 30)
        let record = try #require(try await harness.store.execution(arn: arn))
        #expect(abs(record.startDate.timeIntervalSince(start)) < 0.002)
        let machine = try #require(try await harness.store.stateMachine(arn: record.stateMachineArn))
        #expect(abs(machine.creationDate.timeIntervalSince(start)) < 0.002)
        try await harness.withTimers { timers in
            try await harness.advance(2.9, timers: timers)
            #expect(try await harness.status(arn) == "RUNNING")
            try await harness.advance(0.2, timers: timers)
            try await waitFor { try await harness.status(arn) == "FAILED" }
        }
        let stopped = try #require(try await harness.store.execution(arn: arn))
        #expect(stopped.error == "States.Timeout")
        #expect(abs(try #require(stopped.stopDate).timeIntervalSince(start) - 3.1) < 0.002)
        let history = try await harness.store.history(executionID: stopped.id).items
        #expect(abs(try #require(history.first).timestamp.timeIntervalSince(start)) < 0.002)
        #expect(abs(try #require(history.last).timestamp.timeIntervalSince(start) - 3.1) < 0.002)
    }

    @Test func aHeartbeatMovesTheDeadlineByScaledSeconds() async throws {
        let harness = try EngineTests.Harness(scale: 10)
        let (arn, token) = try await harness.startWaiting(timeout: 600, heartbeat: 30)
        try await harness.withTimers { timers in
            try await harness.advance(2, timers: timers)
            try await harness.engine.sendTaskHeartbeat(taskToken: token)
            try await harness.advance(2.9, timers: timers)  // 2.9 s (29 workflow s) after the heartbeat
            #expect(try await harness.status(arn) == "RUNNING")
            try await harness.advance(0.2, timers: timers)
            try await waitFor { try await harness.status(arn) == "FAILED" }
        }
        #expect(try await harness.store.execution(arn: arn)?.error == "States.Timeout")
    }
}
