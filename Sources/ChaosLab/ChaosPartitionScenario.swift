import BatonRuntime
import Foundation
import LocalProcesses

/// (j) A network partition between one worker and the broker. A worker-function runs inside a network namespace
/// the scenario creates (``NetworkPartition``) and reaches the scenario's own node only through a veth pair; a
/// second worker runs outside. Under load, once the inner worker holds its prefetch of tasks (heartbeating every
/// second), every packet on the pair is dropped. Its heartbeats stop arriving, so each held attempt fails with
/// `States.HeartbeatTimeout` and Retry opens a new attempt — with a new token — that the outside worker answers.
/// Both AMQP ends notice the silence after about two heartbeat intervals: the broker closes the worker's
/// connections, cancelling its consumer and requeueing its unacked tasks (stale attempts, refused `TaskTimedOut`
/// when the outside worker answers them), and the worker starts reconnecting. Then the link is healed: the inner
/// worker reconnects and, its work done, calls back for the attempts it held — every such late callback must be
/// refused `TaskTimedOut` and change nothing.
struct NetworkPartitionScenario: ChaosScenario {
    let name = "network-partition"
    let summary =
        "worker in a netns cut off from the broker (veth, packets dropped) → HeartbeatTimeout → Retry on the other "
        + "worker; healed, its late callbacks are refused TaskTimedOut"
    /// HeartbeatSeconds 30 lasts 3 s of real time.
    let timeScale = 10.0
    let defaultExecutions = 200
    let needsOwnBroker = true
    /// The AMQP heartbeat timeout the scenario's node proposes (clients take the lower one): a silent peer is
    /// noticed after about twice this on either end.
    static let amqpHeartbeatSeconds = 3
    /// How long the inner worker works on each task: longer than cut, detection (~2 AMQP heartbeats), heal and
    /// reconnect (a connect attempt lasts up to 5 s) together, so its callbacks arrive after the heal.
    static let workSeconds = 30

    func prepare(_ ledger: ChaosLedger) async throws -> (any ChaosFixture)? {
        let partition = try await NetworkPartition.create(heartbeatSeconds: Self.amqpHeartbeatSeconds)
        ledger.mark(
            "namespace \(partition.namespace): veth \(partition.hostInterface) \(partition.hostAddress)/30 ↔ "
                + "\(partition.namespaceInterface) \(partition.namespaceAddress)/30; the node also listens on "
                + "\(partition.hostAddress), AMQP heartbeat \(Self.amqpHeartbeatSeconds) s")
        return partition
    }

    func run(_ context: ChaosContext) async throws {
        guard let partition = context.fixture as? NetworkPartition, let node = context.broker else {
            throw ChaosError("network-partition needs its network namespace and its own node")
        }
        let system = context.system
        let ledger = context.ledger
        let retry = """
            "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            """
        let machine = try await context.createMachine(
            "partition", definition: chaosDefinition(queue: system.taskQueue, heartbeat: 30, retry: retry))
        let n = context.executions
        let held = min(16, max(1, n / 4))
        let inner = WorkerLog(
            try system.startWorker(
                [
                    "--prefetch", "\(held)", "--latency", "fixed:\(Self.workSeconds)s", "--heartbeat-interval", "1s",
                    "--log-level", "debug", "--log-format", "json",
                ],
                seed: Int(context.seed), url: "amqp://guest:guest@\(partition.hostAddress):\(node.port)/%2f",
                launcher: partition.launcher))
        try await system.waitForConsumers(1)
        let outside = WorkerLog(
            try system.startWorker(
                ["--latency", "fixed:20ms", "--heartbeat-interval", "1s", "--log-format", "json"],
                seed: Int(context.seed) + 1))
        try await system.waitForConsumers(2)
        ledger.mark(
            "worker pid \(inner.process.pid) inside the namespace (prefetch \(held), \(Self.workSeconds) s per task, "
                + "heartbeat every 1 s); worker pid \(outside.process.pid) outside (20 ms per task)")

        let first = n / 2
        _ = try await context.startExecutions(machine, count: first, namePrefix: "before", concurrency: 8)
        try await chaosWait(
            deadline: .seconds(60), interval: .milliseconds(50), "the inner worker to hold \(held) tasks"
        ) {
            let events = inner.events()
            return events.count { $0.message == "task received" } >= held
                && events.contains { $0.message == "callback accepted" && $0.action == "SendTaskHeartbeat" }
        }
        try await partition.cut()
        let cut = ContinuousClock.now
        ledger.mark(
            "FAULT: link cut (every packet on the veth pair dropped); the inner worker holds \(held) heartbeating "
                + "tasks; \(ledger.startedExecutions.count) started, \(ledger.endedCount) ended; starting "
                + "\(n - first) more during the partition")
        async let started = context.startExecutions(machine, count: n - first, namePrefix: "during", concurrency: 8)

        // Detection on each side, marked as it is seen; ends when every execution has ended and both AMQP ends
        // gave up on each other.
        var seen: Set<String> = []
        func once(_ key: String, _ condition: Bool, _ what: @autoclosure () -> String) {
            guard condition, seen.insert(key).inserted else { return }
            ledger.mark(String(format: "+%.1f s after the cut: ", seconds(since: cut)) + what())
        }
        try await chaosWait(deadline: .seconds(180), interval: .milliseconds(100), "detection and recovery") {
            let events = inner.events()
            once(
                "worker", events.contains { $0.message == "AMQP connection lost" },
                "the inner worker's AMQP client "
                    + "declared its connections dead (missed broker heartbeats) and started reconnecting")
            let consumers = await system.consumers(system.taskQueue)
            let ready = await system.depth(system.taskQueue)
            once(
                "broker", consumers == 1,
                "the broker closed the inner worker's connections (missed AMQP heartbeats): its consumer is "
                    + "cancelled and its \(held) unacked tasks requeued (\(ready) ready now)")
            let ended = ledger.endedCount
            once("half", ended >= n / 2, "\(ended) executions ended")
            once(
                "all", ended == n && ledger.startedExecutions.count == n,
                "all \(n) executions ended (the held ones after HeartbeatTimeout and a retry on the outside worker)")
            return seen.isSuperset(of: ["worker", "broker", "all"])
        }
        _ = try await started
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(100), "the requeued stale tasks to drain") {
            await system.depth(system.taskQueue) == 0
        }
        let arns = ledger.startedExecutions
        let cutOff = try await executionsWithHeartbeatTimeout(arns, context)
        // The requeued copies of the timed-out attempts reach the outside worker; its verdicts follow shortly.
        try? await chaosWait(deadline: .seconds(10), "the outside worker's verdicts on the stale attempts") {
            outside.events().count { $0.isVerdict && $0.errorType != nil } >= cutOff.count
        }
        let stale = outside.events().filter { $0.isVerdict && $0.errorType != nil }
        for verdict in stale {
            ledger.verdict(
                token: "outside-worker:\(verdict.correlationID ?? UUID().uuidString)", errorType: verdict.errorType,
                expected: .rejected("TaskTimedOut"))
        }
        ledger.mark(
            "task queue drained; \(cutOff.count) executions went through a HeartbeatTimeout (held by the inner "
                + "worker: \(held)); the outside worker's answers to the requeued stale attempts: "
                + ChaosResult.counts(Self.tally(stale)))
        guard (1...held).contains(cutOff.count) else {
            throw ChaosError(
                "\(cutOff.count) executions timed out a heartbeat; expected 1…\(held) (the tasks the inner worker held)"
            )
        }
        let before = try await context.snapshot(cutOff)

        let beforeHeal = inner.events().count
        let dropped = try await partition.heal()
        ledger.mark(String(format: "+%.1f s: link healed (%d packets had been dropped)", seconds(since: cut), dropped))
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(100), "the inner worker to reconnect") {
            let consumers = await system.consumers(system.taskQueue)
            return inner.events().count { $0.message == "AMQP connection re-established" } >= 2 && consumers >= 2
        }
        ledger.mark(String(format: "+%.1f s: the inner worker reconnected and consumes again", seconds(since: cut)))

        // Its work ends `workSeconds` after it took each task; then it calls back with the stale tokens.
        try await chaosWait(
            deadline: .seconds(Self.workSeconds + 60), interval: .milliseconds(200), "\(held) late callbacks' verdicts"
        ) {
            inner.events().dropFirst(beforeHeal).count { $0.action == "SendTaskSuccess" && $0.isVerdict } >= held
        }
        let verdicts = inner.events().dropFirst(beforeHeal).filter(\.isVerdict)
        for verdict in verdicts {
            ledger.verdict(
                token: "inner-worker:\(verdict.correlationID ?? UUID().uuidString)", errorType: verdict.errorType,
                expected: .rejected("TaskTimedOut"))
        }
        let successes = verdicts.filter { $0.action == "SendTaskSuccess" }
        let heartbeats = verdicts.count - successes.count
        ledger.mark(
            String(format: "+%.1f s: ", seconds(since: cut))
                + "late callbacks from the healed worker: \(successes.count) SendTaskSuccess "
                + "(\(ChaosResult.counts(Self.tally(successes)))), \(heartbeats) SendTaskHeartbeat "
                + "(\(ChaosResult.counts(Self.tally(verdicts.filter { $0.action != "SendTaskSuccess" }))))")
        try await chaosWait(deadline: .seconds(10), "the events queue to drain") {
            await system.depth(system.eventsQueue) == 0
        }
        let after = try await context.snapshot(cutOff)
        for (arn, state) in before where after[arn] != state {
            throw ChaosError("\(arn) changed after the late callbacks: \(state) → \(after[arn] ?? "?")")
        }
        ledger.mark("the \(cutOff.count) cut-off executions are unchanged (status, stop date, history length)")
    }

    func expected(history: [String]) -> ChaosExpectation {
        // Cut off or not, the definition retries a HeartbeatTimeout, and the retry succeeds on the outside worker.
        .succeeded
    }

    private static func tally(_ verdicts: [WorkerLog.Event]) -> [String: Int] {
        verdicts.reduce(into: [:]) { counts, verdict in counts[verdict.errorType ?? "accepted", default: 0] += 1 }
    }

    /// The executions whose history has a TaskTimedOut (here: a HeartbeatTimeout) and more than one attempt.
    private func executionsWithHeartbeatTimeout(_ arns: [String], _ context: ChaosContext) async throws -> [String] {
        let found = Locked<[String]>([])
        try await forEach(arns, concurrency: 16) { arn in
            let history = try await context.historyTypes(arn)
            guard history.contains("TaskTimedOut") else { return }
            guard history.count(where: { $0 == "TaskScheduled" }) >= 2 else {
                throw ChaosError("\(arn) timed out without a retry: \(history)")
            }
            found.withLock { $0.append(arn) }
        }
        return found.current
    }

}

/// Seconds from `start` until now.
private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// A worker-function's JSON log (`--log-format json`), read back as events.
struct WorkerLog: Sendable {
    let process: ChaosProcess

    init(_ process: ChaosProcess) { self.process = process }

    /// One log line.
    struct Event: Sendable {
        var message: String
        var action: String?
        var errorType: String?
        var correlationID: String?

        /// The orchestrator's answer to a callback was read (accepted or refused).
        var isVerdict: Bool { message == "callback accepted" || message == "callback rejected" }
    }

    /// Every event logged so far (lines that are not JSON are skipped).
    func events() -> [Event] {
        process.log().split(separator: "\n").compactMap { line in
            guard let object = jsonObject(String(line)), let message = object["msg"] as? String else { return nil }
            return Event(
                message: message, action: object["callback.action"] as? String,
                errorType: message == "callback rejected" ? object["error.type"] as? String : nil,
                correlationID: object["correlation.id"] as? String)
        }
    }
}
