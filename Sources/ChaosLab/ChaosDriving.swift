import BatonProtocol
import Foundation

/// What scenarios drive executions with and what the ledger check reads: a client of the orchestrator, the ledger
/// the events queue feeds, and that queue's backlog. The process-based lab (``ChaosContext``) and the one against a
/// compose deployment (``ComposeContext``) both provide it.
protocol ChaosDriving: Sendable {
    var client: BatonClient { get }
    var ledger: ChaosLedger { get }
    /// Messages still waiting in the events queue (-1 when it cannot be asked).
    func eventsBacklog() async -> Int
}

extension ChaosDriving {
    /// CreateStateMachine; returns its ARN.
    func createMachine(_ name: String, definition: String) async throws -> String {
        do {
            return try await client.createStateMachine(
                name, definition: definition, roleArn: "arn:aws:iam::123456789012:role/chaos")
        } catch let error as RemoteError {
            throw ChaosError("CreateStateMachine \(name): \(error)")
        }
    }

    /// Starts `count` executions named `<prefix>-<i>`, `concurrency` at a time, the i-th no earlier than i ×
    /// `spacing` after the first (a paced load that lasts through a fault rather than ending before it hits). A
    /// start that got no reply (the orchestrator may be down) is retried with the same name: StartExecution is
    /// idempotent by name and input.
    func startExecutions(
        _ machine: String, count: Int, namePrefix: String = "run", concurrency: Int = 32,
        spacing: Duration = .zero, deadline: Duration = .seconds(120)
    ) async throws -> [String] {
        let begin = ContinuousClock.now
        return try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0
            var arns: [String] = []
            func add() {
                let index = next
                next += 1
                group.addTask {
                    if spacing > .zero { try await Task.sleep(until: begin.advanced(by: spacing * index)) }
                    return try await startOne(machine, name: "\(namePrefix)-\(index)", deadline: deadline)
                }
            }
            while next < min(concurrency, count) { add() }
            while let arn = try await group.next() {
                arns.append(arn)
                if next < count { add() }
            }
            return arns
        }
    }

    private func startOne(_ machine: String, name: String, deadline: Duration) async throws -> String {
        let end = ContinuousClock.now.advanced(by: deadline)
        while true {
            do {
                let arn = try await client.startExecution(
                    machine, name: name, input: "{\"n\":\"\(name)\"}", timeout: .seconds(5))
                ledger.started(arn)
                return arn
            } catch let error as RemoteError where error.type == "RequestTimeout" {
                guard ContinuousClock.now < end else { throw ChaosError("StartExecution \(name): no reply") }
            } catch let error as RemoteError {
                throw ChaosError("StartExecution \(name): \(error)")
            } catch let error as ChaosError {
                throw error
            } catch {
                // A broker hiccup while publishing; retry within the deadline.
                guard ContinuousClock.now < end else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// DescribeExecution as a JSON object.
    func describe(_ arn: String) async throws -> [String: Any] {
        jsonObject(try await client.describeExecution(arn)) ?? [:]
    }

    /// The history's event types, oldest first.
    func historyTypes(_ arn: String) async throws -> [String] { try await client.historyTypes(arn) }

    /// Status, stop date and history length of each execution: what a scenario compares before and after a fault
    /// to show that nothing changed an execution that had already ended.
    func snapshot(_ arns: [String]) async throws -> [String: String] {
        let states = Locked<[String: String]>([:])
        try await forEach(arns) { arn in
            let description = try await describe(arn)
            let history = try await historyTypes(arn)
            let state = "\(description["status"] ?? "?") \(description["stopDate"] ?? "-") \(history.count) events"
            states.withLock { $0[arn] = state }
        }
        return states.current
    }
}

/// The ledger check of a run, the same for every kind of scenario.
enum ChaosVerifier {
    /// The ledger check: every started execution ends exactly once, as the definition prescribes.
    static func verify(
        _ context: some ChaosDriving, expected: @escaping @Sendable ([String]) -> ChaosExpectation,
        into result: inout ChaosResult
    ) async throws {
        let ledger = context.ledger
        let started = ledger.startedExecutions
        result.executions = started.count
        let deadline = Duration.seconds(60 + started.count / 20)
        do {
            try await chaosWait(deadline: deadline, interval: .milliseconds(100), "every execution to end") {
                ledger.endedCount == started.count
            }
        } catch {
            result.failures.append("\(started.count - ledger.endedCount) executions did not end within \(deadline)")
        }
        ledger.mark("all \(ledger.endedCount) executions ended")
        // Late duplicates would be queued behind the last event: wait until the events queue is drained.
        try? await chaosWait(deadline: .seconds(10), "the events queue to drain") {
            await context.eventsBacklog() == 0
        }
        let checks = try await withThrowingTaskGroup(of: ExecutionCheck.self) { group in
            var checks: [ExecutionCheck] = []
            var next = 0
            func add() {
                let arn = started[next]
                next += 1
                group.addTask { try await check(arn, expected, context) }
            }
            while next < min(16, started.count) { add() }
            while let check = try await group.next() {
                checks.append(check)
                if next < started.count { add() }
            }
            return checks
        }
        for check in checks { result.add(check) }
        result.rejectedByCode = ledger.rejectedByCode
        result.duplicated += ledger.tokensAcceptedTwice
        for verdict in ledger.unexpectedVerdicts { result.failures.append("callback verdict: \(verdict)") }
        result.recoverySeconds = recovery(ledger.timeline)
    }

    private static func check(
        _ arn: String, _ expected: @Sendable ([String]) -> ChaosExpectation, _ context: some ChaosDriving
    ) async throws -> ExecutionCheck {
        let events = context.ledger.events(of: arn)
        let description = try await context.describe(arn)
        let history = try await context.historyTypes(arn)
        let status = description["status"] as? String ?? "?"
        let error = description["error"] as? String
        // A redriven execution stopped once before each redrive: those terminal events are its earlier ends, not
        // duplicates; it must end exactly once more, as it is now.
        let redrives = history.count { $0 == "ExecutionRedriven" }
        var check = ExecutionCheck(
            arn: arn, status: status, error: error, events: events.count, distinctEvents: Set(events).count)
        check.redrives = redrives
        check.succeededTasks = history.count { $0 == "TaskSucceeded" }
        let expected = expected(history)
        if status != expected.status || (expected.status == "FAILED" && error != expected.error) {
            check.problem =
                "\(arn.split(separator: ":").last ?? ""): \(status)/\(error ?? "-"), expected "
                + "\(expected.status)/\(expected.error ?? "-")"
        } else if let event = events.last, event.status != status {
            check.problem = "\(arn): event says \(event.status), DescribeExecution \(status)"
        }
        return check
    }

    /// From the first fault line of the timeline to the last execution's end.
    private static func recovery(_ timeline: [ChaosTimelineEntry]) -> Double? {
        guard let fault = timeline.first(where: { $0.event.hasPrefix("FAULT") }),
            let end = timeline.last(where: { $0.event.hasPrefix("all ") })
        else { return nil }
        return end.seconds - fault.seconds
    }
}
