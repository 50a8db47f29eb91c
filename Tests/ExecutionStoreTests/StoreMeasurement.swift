import Foundation
import StoreTestSupport
import Testing

@testable import ExecutionStore

/// Prints store figures for docs/store.md; asserts nothing about time (STYLE rule 12). Off unless
/// `BATON_STORE_MEASURE=1` (`BATON_STORE_MEASURE_WAITING` sets the number of waiting executions, default 100000):
///
///     BATON_STORE_MEASURE=1 swift test -c release -Xswiftc -enable-testing --filter StoreMeasurement
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BATON_STORE_MEASURE"] != nil), .serialized)
struct StoreMeasurement {
    static let state = Data(repeating: 0x5A, count: 300)
    static let details =
        Data(#"{"taskScheduledEventDetails":{"resource":"sqs:sendMessage.waitForTaskToken","#.utf8)
        + Data(repeating: 0x20, count: 150) + Data("}}".utf8)

    @Test func commitThroughputWithAndWithoutGroupCommit() async throws {
        let transitions = 20_000
        for durability in [ExecutionStoreConfiguration.Durability.processCrash, .powerLoss] {
            for (label, batch) in [("one transaction per transition", 1), ("group commit", 512)] {
                for concurrency in [1, 16, 128] where !(batch == 1 && concurrency == 16) {
                    let directory = try TemporaryDirectory()
                    defer { directory.remove() }
                    var configuration = ExecutionStoreConfiguration()
                    configuration.durability = durability
                    configuration.maximumBatchSize = batch
                    let store = try directory.open(configuration)
                    let ids = try await seed(store, executions: concurrency)
                    let count = concurrency == 1 && durability == .powerLoss ? transitions / 10 : transitions
                    let start = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for worker in 0..<concurrency {
                            group.addTask {
                                for step in 0..<(count / concurrency) {
                                    try await Self.callbackTransition(store, executionID: ids[worker], step: step)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let elapsed = ContinuousClock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    let done = store.committedTransitionCount - concurrency / 64 - 1
                    print(
                        "MEASURE throughput durability=\(durability) mode=\(label) concurrency=\(concurrency): "
                            + "\(Int(Double(done) / seconds)) transitions/s, \(done) transitions in "
                            + "\(store.commitCount) commits, \(String(format: "%.3f", seconds)) s"
                    )
                    try store.close()
                }
            }
        }
    }

    @Test func fileSizeAndOpenTimeWithManyWaitingExecutions() async throws {
        let waiting = Int(ProcessInfo.processInfo.environment["BATON_STORE_MEASURE_WAITING"] ?? "") ?? 100_000
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try directory.open()
        let seedStart = ContinuousClock.now
        let perTransition = 1000
        for chunk in stride(from: 0, to: waiting, by: perTransition) {
            try await store.transition { tx in
                for index in chunk..<min(chunk + perTransition, waiting) {
                    let execution = try tx.insertExecution(Fixture.execution("w\(index)"))
                    try tx.saveState(Self.state, executionID: execution.id)
                    try tx.appendHistory(
                        ["ExecutionStarted", "TaskStateEntered", "TaskScheduled"].map {
                            NewHistoryEvent(type: $0, timestamp: Fixture.epoch, details: Self.details)
                        }, executionID: execution.id)
                    try tx.insertOpenTask(
                        OpenTask(
                            tokenID: "tok-\(index)", executionID: execution.id, taskID: "Wait",
                            attempt: 0, resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                            heartbeatSeconds: 60,
                            createdAt: Fixture.epoch))
                    try tx.setTimer(
                        NewTimer(
                            executionID: execution.id, key: "timeout:Wait", kind: "taskTimeout",
                            fireAt: Fixture.epoch + 3600 + Double(index % 3600)))
                }
            }
        }
        let seeded = ContinuousClock.now - seedStart
        try store.close()
        let bytes = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
        print(
            "MEASURE seed waiting=\(waiting): \(seeded), file \(bytes / 1_048_576) MiB, \(bytes / waiting) bytes/execution"
        )

        let openStart = ContinuousClock.now
        let reopened = try directory.open()
        let opened = ContinuousClock.now - openStart
        let queryStart = ContinuousClock.now
        let due = try await reopened.dueTimers(before: Fixture.epoch + 3600 + 10, limit: 1000)
        let next = try await reopened.nextTimerFireDate()
        let task = try await reopened.openTask(tokenID: "tok-\(waiting / 2)")
        let recoveryQueries = ContinuousClock.now - queryStart
        let countStart = ContinuousClock.now
        let count = try await reopened.countWaiting()
        let counted = ContinuousClock.now - countStart
        print(
            "MEASURE reopen waiting=\(waiting): open+migrate check \(opened), first due-timer page + next fire date + "
                + "token lookup \(recoveryQueries) (\(due.count) due, next \(next.map { "\($0)" } ?? "-"), "
                + "task \(task != nil)), countWaiting \(count) in \(counted), RSS \(Self.residentMiB()) MiB"
        )
        try reopened.close()
    }

    /// A callback transition as the engine will make it: close the token, save state, two events, open the next
    /// task, re-arm its timeout and enqueue the next task message.
    static func callbackTransition(_ store: ExecutionStore, executionID: Int64, step: Int) async throws {
        try await store.transition { tx in
            _ = try tx.closeTask(tokenID: "tok-\(executionID)-\(step)")
            try tx.saveState(state, executionID: executionID)
            try tx.appendHistory(
                [
                    NewHistoryEvent(type: "TaskSucceeded", timestamp: Fixture.epoch, details: details),
                    NewHistoryEvent(type: "TaskScheduled", timestamp: Fixture.epoch, details: details),
                ],
                executionID: executionID)
            try tx.insertOpenTask(
                OpenTask(
                    tokenID: "tok-\(executionID)-\(step + 1)", executionID: executionID,
                    taskID: "A", attempt: 0, resource: "r", createdAt: Fixture.epoch))
            try tx.setTimer(
                NewTimer(
                    executionID: executionID, key: "timeout:A", kind: "taskTimeout",
                    fireAt: Fixture.epoch + Double(step)))
            try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "tasks", body: details))
        }
    }

    private func seed(_ store: ExecutionStore, executions: Int) async throws -> [Int64] {
        try await store.transition { tx in
            try (0..<executions).map { index in
                let execution = try tx.insertExecution(Fixture.execution("x\(index)"))
                try tx.insertOpenTask(
                    OpenTask(
                        tokenID: "tok-\(execution.id)-0", executionID: execution.id,
                        taskID: "A", attempt: 0, resource: "r", createdAt: Fixture.epoch))
                return execution.id
            }
        }
    }

    static func residentMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kB = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return kB / 1024
    }
}
