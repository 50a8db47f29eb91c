import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Synchronization
import Testing

/// Verdict counts shared by concurrent callback tasks.
final class Tally: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func add(_ verdict: String?) { counts.withLock { $0[verdict ?? "accepted", default: 0] += 1 } }
    var snapshot: [String: Int] { counts.withLock { $0 } }
    var total: Int { snapshot.values.reduce(0, +) }
}

/// Exactly-once under concurrency and crashes, through the real orchestrator process and the real broker.
@Suite(.serialized) struct OrchestratorScaleTests {
    /// Runs `work` for every element with at most `width` running at once.
    func concurrently<T: Sendable>(
        _ items: [T], width: Int, _ work: @escaping @Sendable (T) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for item in items {
                if running >= width {
                    try await group.next()
                    running -= 1
                }
                group.addTask { try await work(item) }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    /// Counts the executions of a state machine with a status, paging through ListExecutions.
    func executions(_ client: BatonClient, machine: String, status: String) async throws -> Int {
        var total = 0
        var next: String?
        repeat {
            var request: JSONObject = [
                "stateMachineArn": .string(machine), "statusFilter": .string(status), "maxResults": 1000,
            ]
            if let next { request["nextToken"] = .string(next) }
            let page = try JSON(
                parsing: try await client.command("ListExecutions", request: JSON.object(request).serialized))
            total += page["executions"]?.arrayValue?.count ?? 0
            next = page["nextToken"]?.stringValue
        } while next != nil
        return total
    }

    /// 5,000 executions; each task gets a heartbeat and two racing SendTaskSuccess callbacks: exactly one of the
    /// two is applied, the other answers TaskTimedOut, and every execution succeeds exactly once.
    @Test func fiveThousandExecutionsWithRacingCallbacksEndExactlyOnce() async throws {
        let system = try await SystemFixture(label: "load")
        do {
            try await system.withClient { client in
                let queue = "\(system.names.prefix).tasks"
                try await TaskInbox.with(queue, on: system) { inbox in
                    let machine = try await client.createStateMachine(
                        "m", definition: Definitions.waitForCallback(queue: queue, timeout: 3600, heartbeat: 600))
                    let count = 5_000
                    try await concurrently(Array(0..<count), width: 128) { index in
                        _ = try await client.startExecution(machine, name: "e\(index)", input: #"{"n": \#(index)}"#)
                    }
                    try await waitUntil(deadline: .seconds(120), interval: .milliseconds(200), "\(count) task messages")
                    {
                        inbox.all.count >= count
                    }
                    let tokens = Array(Set(inbox.all.compactMap(\.token)))
                    #expect(tokens.count == count)
                    let verdicts = Tally()
                    try await concurrently(tokens, width: 256) { token in
                        let heartbeat = try await client.heartbeat(token)
                        #expect(heartbeat == nil)
                        async let first = client.succeed(token, output: #"{"done": true}"#)
                        async let second = client.succeed(token, output: #"{"done": true}"#)
                        for verdict in [try await first, try await second] { verdicts.add(verdict) }
                    }
                    #expect(verdicts.snapshot == ["accepted": count, "TaskTimedOut": count])
                    try await waitUntil(deadline: .seconds(60), interval: .milliseconds(200), "all executions to end") {
                        try await executions(client, machine: machine, status: "RUNNING") == 0
                    }
                    #expect(try await executions(client, machine: machine, status: "SUCCEEDED") == count)
                    for index in stride(from: 0, to: count, by: 250) {
                        let execution = "arn:aws:states:us-east-1:123456789012:execution:m:e\(index)"
                        let types = try await client.historyTypes(execution)
                        #expect(types.filter { $0 == "TaskSucceeded" }.count == 1)
                        #expect(types.filter { $0 == "ExecutionSucceeded" }.count == 1)
                    }
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// kill -9 of the orchestrator while 1,000 executions wait and their callbacks are in flight: after the
    /// restart every execution reaches SUCCEEDED exactly once; each callback is answered either as applied or,
    /// when its commit beat the crash but its answer did not, as TaskTimedOut — never applied twice.
    @Test func killNineWithCallbacksInFlightLosesAndDoublesNothing() async throws {
        let system = try await SystemFixture(label: "crash")
        do {
            try await system.withClient { client in
                let queue = "\(system.names.prefix).tasks"
                try await TaskInbox.with(queue, on: system) { inbox in
                    let machine = try await client.createStateMachine(
                        "m", definition: Definitions.waitForCallback(queue: queue, timeout: 3600))
                    let count = 1_000
                    try await concurrently(Array(0..<count), width: 128) { index in
                        _ = try await client.startExecution(machine, name: "e\(index)")
                    }
                    try await waitUntil(deadline: .seconds(60), "\(count) task messages") { inbox.all.count >= count }
                    let tokens = Array(Set(inbox.all.compactMap(\.token)))
                    #expect(tokens.count == count)
                    let verdicts = Tally()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await concurrently(tokens, width: 64) { token in
                                verdicts.add(try await client.succeed(token))
                            }
                        }
                        group.addTask {
                            try await waitUntil(deadline: .seconds(30), interval: .milliseconds(5), "callbacks to flow")
                            {
                                verdicts.total >= 200
                            }
                            try await system.restartOrchestrator(crash: true)
                        }
                        try await group.waitForAll()
                    }
                    let tally = verdicts.snapshot
                    print("crash test verdicts: \(tally)")
                    #expect(tally.values.reduce(0, +) == count)
                    #expect(Set(tally.keys).isSubset(of: ["accepted", "TaskTimedOut"]))
                    try await waitUntil(deadline: .seconds(60), interval: .milliseconds(200), "all executions to end") {
                        try await executions(client, machine: machine, status: "RUNNING") == 0
                    }
                    #expect(try await executions(client, machine: machine, status: "SUCCEEDED") == count)
                    try await concurrently(Array(0..<count), width: 64) { index in
                        let types = try await client.historyTypes(
                            "arn:aws:states:us-east-1:123456789012:execution:m:e\(index)")
                        #expect(types.filter { $0 == "TaskSucceeded" }.count == 1)
                        #expect(types.filter { $0 == "ExecutionSucceeded" }.count == 1)
                    }
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
