import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import Logging
import ServiceLifecycle
import StatesLanguage
import StoreTestSupport
import Synchronization
import Testing

@testable import OrchestratorCore

/// The engine on a temporary store and a manual clock: no broker, no real time.
@Suite struct EngineTests {
    /// An engine, its store and clock, and the outbox rows it committed.
    final class Harness: Sendable {
        let directory: URL
        let store: ExecutionStore
        let clock: ManualWallClock
        let engine: Engine

        /// - Parameter scale: the clock's time scale (workflow seconds per real second).
        init(scale: Double = 1, configuration: OrchestratorConfiguration = OrchestratorConfiguration()) throws {
            clock = ManualWallClock(scale: scale)
            let temporary = try TemporaryDirectory(label: "engine")
            directory = temporary.url
            store = try temporary.open()
            engine = Engine(
                store: store, signer: TaskTokenSigner(keyBytes: Array(repeating: 1, count: 32)),
                configuration: configuration, names: Names(prefix: "t"), clock: clock,
                logger: Logger(label: "test.engine"))
        }

        deinit {
            try? store.close()
            try? FileManager.default.removeItem(at: directory)
        }

        /// Creates the seed-1 machine and starts one execution; returns its ARN and task token.
        func startWaiting(timeout: Int = 30, heartbeat: Int? = nil) async throws -> (String, String) {
            let heartbeatField = heartbeat.map { ", \"HeartbeatSeconds\": \($0)" } ?? ""
            let definition = """
                {"StartAt": "W", "States": {"W": {"Type": "Task",
                  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"QueueUrl": "http://q/tasks", "MessageBody": {"token.$": "$$.Task.Token"}},
                  "TimeoutSeconds": \(timeout)\(heartbeatField), "End": true}}}
                """
            let machine = try await engine.createStateMachine(name: "m", definition: definition)
            let started = try await engine.startExecution(stateMachineArn: machine.arn, name: UUID().uuidString)
            let record = try #require(try await store.execution(arn: started.executionArn))
            let tasks = try await store.openTasks(executionID: record.id)
            #expect(tasks.count == 1)
            let outbox = try await store.pendingOutbox()
            let body = try JSON(parsing: try #require(outbox.last).body)
            return (started.executionArn, try #require(body["token"]?.stringValue))
        }

        func status(_ arn: String) async throws -> String {
            try await store.execution(arn: arn)?.status.rawValue ?? "?"
        }

        /// Runs the timer service while `body` drives the clock.
        func withTimers(_ body: (TimerService) async throws -> Void) async throws {
            let timers = TimerService(engine: engine, logger: Logger(label: "test.timers"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await timers.run() }
                defer { group.cancelAll() }
                try await body(timers)
            }
        }

        /// Waits until the timer service sleeps on the clock (it has swept and found nothing more due).
        func timersIdle() async throws {
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            while clock.sleeperCount == 0 {
                guard ContinuousClock.now < deadline else { throw CancellationError() }
                await Task.yield()
            }
        }

        /// Advances the clock and lets the timer service fire what fell due.
        func advance(_ seconds: TimeInterval, timers: TimerService) async throws {
            try await timersIdle()
            clock.advance(by: seconds)
            try await Task.sleep(for: .milliseconds(1))
            try await timersIdle()
        }
    }

    @Test func aTaskTimesOutExactlyAtItsTimeoutSeconds() async throws {
        let harness = try Harness()
        let (arn, _) = try await harness.startWaiting(timeout: 30)
        try await harness.withTimers { timers in
            try await harness.advance(29, timers: timers)
            #expect(try await harness.status(arn) == "RUNNING")
            try await harness.advance(2, timers: timers)
            try await waitFor { try await harness.status(arn) == "FAILED" }
            #expect(try await harness.store.execution(arn: arn)?.error == "States.Timeout")
        }
    }

    /// A waiting task records TaskSubmitted after TaskStarted, as AWS does, unless BATON_TASK_SUBMITTED is off.
    @Test(arguments: [true, false])
    func waitingTasksRecordTaskSubmittedUnlessTurnedOff(_ records: Bool) async throws {
        var configuration = OrchestratorConfiguration()
        configuration.recordsTaskSubmitted = records
        let harness = try Harness(configuration: configuration)
        let (arn, _) = try await harness.startWaiting()
        let record = try #require(try await harness.store.execution(arn: arn))
        let types = try await harness.store.history(executionID: record.id).items.map(\.type)
        #expect(
            types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"]
                + (records ? ["TaskSubmitted"] : []))
    }

    @Test func heartbeatsPushTheHeartbeatDeadlineAndSilenceTripsIt() async throws {
        let harness = try Harness()
        let (arn, token) = try await harness.startWaiting(timeout: 600, heartbeat: 30)
        try await harness.withTimers { timers in
            try await harness.advance(20, timers: timers)
            try await harness.engine.sendTaskHeartbeat(taskToken: token)
            try await harness.advance(25, timers: timers)  // t = 45: 25 s after the heartbeat, within 30
            #expect(try await harness.status(arn) == "RUNNING")
            try await harness.advance(6, timers: timers)  // t = 51: 31 s of silence
            try await waitFor { try await harness.status(arn) == "FAILED" }
            // AWS names a missed heartbeat States.Timeout (recorded executions show it).
            #expect(try await harness.store.execution(arn: arn)?.error == "States.Timeout")
        }
        await #expect(throws: APIError.self) { try await harness.engine.sendTaskHeartbeat(taskToken: token) }
    }

    @Test func aCallbackClosesTheTaskAndDisarmsItsTimers() async throws {
        let harness = try Harness()
        let (arn, token) = try await harness.startWaiting(timeout: 30, heartbeat: 10)
        #expect(try await harness.store.nextTimerFireDate() != nil)
        try await harness.engine.sendTaskSuccess(taskToken: token, output: #"{"ok": 1}"#)
        #expect(try await harness.status(arn) == "SUCCEEDED")
        #expect(try await harness.store.nextTimerFireDate() == nil)
        #expect(try await harness.store.countWaiting() == 0)
        await #expect {
            try await harness.engine.sendTaskSuccess(taskToken: token, output: "{}")
        } throws: { ($0 as? APIError)?.code == .taskTimedOut }
    }

    @Test func tokensOfAnotherShardOrKeyAreInvalid() async throws {
        let harness = try Harness()
        let (_, token) = try await harness.startWaiting()
        let decoded = try TaskTokenSigner(keyBytes: Array(repeating: 1, count: 32)).verify(token)
        var otherShard = decoded
        otherShard.shard = 3
        let foreign = TaskTokenSigner(keyBytes: Array(repeating: 1, count: 32)).issue(otherShard)
        await #expect {
            try await harness.engine.sendTaskSuccess(taskToken: foreign, output: "{}")
        } throws: { ($0 as? APIError)?.code == .invalidToken }
        let forged = TaskTokenSigner(keyBytes: Array(repeating: 2, count: 32)).issue(decoded)
        await #expect {
            try await harness.engine.sendTaskSuccess(taskToken: forged, output: "{}")
        } throws: { ($0 as? APIError)?.code == .invalidToken }
    }

    @Test func startingCommitsTheTaskMessageToTheOutboxWithItsHeaders() async throws {
        let harness = try Harness()
        let (arn, token) = try await harness.startWaiting(timeout: 30, heartbeat: 10)
        let row = try #require(try await harness.store.pendingOutbox().last)
        #expect(row.routingKey == "tasks")
        #expect(row.headers[TaskHeaders.executionArn] == arn)
        #expect(row.headers[TaskHeaders.heartbeatSeconds] == "10")
        #expect(row.headers[TaskHeaders.timeoutSeconds] == "30")
        #expect(row.headers[TaskHeaders.taskToken] == nil)  // waitForTaskToken: the token is in the body
        #expect(!token.isEmpty)
    }
}

/// Polls a condition for up to five seconds.
func waitFor(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(5))
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 5 s")
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
