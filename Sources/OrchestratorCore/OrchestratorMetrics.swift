import Foundation
import Metrics
import StatesLanguage

/// The orchestrator's metrics, reported through swift-metrics (Prometheus `/metrics` when the executable
/// bootstraps it; a no-op otherwise). Names and labels are listed in docs/operations.md; label values come from
/// small closed sets (actions, AWS statuses and error types, operation names), never ARNs or tokens.
///
/// Create it after `MetricsSystem.bootstrap`: its instruments bind to the factory current at creation.
public struct OrchestratorMetrics: Sendable {
    /// Where a callback came in: the broker's callback queue or the HTTP API (SendTask* actions).
    public enum Door: String, Sendable {
        case broker, api
    }

    private let factory: any MetricsFactory
    private let started: Counter
    private let heartbeats: Counter
    private let outboxDepth: Gauge
    private let tasksInFlight: Gauge
    private let published: Counter
    private let publishFailures: Counter
    private let timersFired: Counter

    /// Creates the instruments on `factory` (default: the bootstrapped one).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        started = Counter(label: "baton_executions_started_total", factory: factory)
        heartbeats = Counter(label: "baton_heartbeats_received_total", factory: factory)
        outboxDepth = Gauge(label: "baton_outbox_depth", factory: factory)
        tasksInFlight = Gauge(label: "baton_tasks_in_flight", factory: factory)
        published = Counter(label: "baton_outbox_published_total", factory: factory)
        publishFailures = Counter(label: "baton_outbox_publish_failures_total", factory: factory)
        timersFired = Counter(label: "baton_timers_fired_total", factory: factory)
    }

    /// A StartExecution answered successfully (either door; a repeated start of a running execution with the same
    /// name and input answers the original and counts again).
    func executionStarted() { started.increment() }

    /// An execution reached a terminal status: counts it by status and records its duration (workflow time, as
    /// its history shows it: scaled under `--time-scale`).
    public func executionFinished(_ finished: FinishedExecution) {
        let status = [("status", finished.status.rawValue)]
        Counter(label: "baton_executions_finished_total", dimensions: status, factory: factory).increment()
        let seconds = max(0, finished.stopDate.timeIntervalSince(finished.startDate))
        Timer(label: "baton_execution_duration_seconds", dimensions: status, factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// A callback was received and answered (`errorType` nil when accepted), after `duration` of handling.
    func callback(action: String, door: Door, errorType: String?, duration: Duration) {
        let labels = [("action", action), ("door", door.rawValue)]
        Counter(label: "baton_callbacks_received_total", dimensions: labels, factory: factory).increment()
        if let errorType {
            Counter(
                label: "baton_callbacks_rejected_total", dimensions: labels + [("error", errorType)],
                factory: factory
            ).increment()
        } else {
            Counter(label: "baton_callbacks_accepted_total", dimensions: labels, factory: factory).increment()
            if action == "SendTaskHeartbeat" { heartbeats.increment() }
        }
        Timer(label: "baton_callback_duration_seconds", dimensions: labels, factory: factory).record(duration: duration)
    }

    /// Callbacks of one batch, received and answered (each `errorType` nil when accepted), after `duration` of
    /// handling the batch: counted per action and outcome with one increment each.
    func callbacks(_ outcomes: [(action: String, errorType: String?)], door: Door, duration: Duration) {
        var counts: [String: [String?: Int]] = [:]
        for (action, errorType) in outcomes { counts[action, default: [:]][errorType, default: 0] += 1 }
        for (action, byError) in counts {
            let labels = [("action", action), ("door", door.rawValue)]
            let total = byError.values.reduce(0, +)
            Counter(label: "baton_callbacks_received_total", dimensions: labels, factory: factory).increment(by: total)
            for (errorType, count) in byError {
                if let errorType {
                    Counter(
                        label: "baton_callbacks_rejected_total", dimensions: labels + [("error", errorType)],
                        factory: factory
                    ).increment(by: count)
                } else {
                    Counter(label: "baton_callbacks_accepted_total", dimensions: labels, factory: factory)
                        .increment(by: count)
                    if action == "SendTaskHeartbeat" { heartbeats.increment(by: count) }
                }
            }
            let timer = Timer(label: "baton_callback_duration_seconds", dimensions: labels, factory: factory)
            for _ in 0..<total { timer.record(duration: duration) }
        }
    }

    /// A callback message that was not a callback at all (dead-lettered).
    func malformedCallback() {
        let labels = [("action", "unknown"), ("door", Door.broker.rawValue)]
        Counter(label: "baton_callbacks_received_total", dimensions: labels, factory: factory).increment()
        Counter(
            label: "baton_callbacks_rejected_total", dimensions: labels + [("error", "MalformedCallback")],
            factory: factory
        ).increment()
    }

    /// The same duration for each of `count` operations committed together in one batch (each waited as long).
    func commits(_ operation: String, count: Int, duration: Duration) {
        guard count > 0 else { return }
        let timer = Timer(
            label: "baton_store_commit_duration_seconds", dimensions: [("operation", operation)], factory: factory)
        for _ in 0..<count { timer.record(duration: duration) }
    }

    /// How long one engine operation that commits a transition took, measured around the engine call: the
    /// transition's planning, the store transaction and its (group) commit.
    func commit(_ operation: String, duration: Duration) {
        Timer(label: "baton_store_commit_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .record(duration: duration)
    }

    /// Times `body` as a commit of `operation` when it succeeds (a refused request, e.g. a forged token, may never
    /// reach the store, so it is not a commit).
    func timeCommit<T, Failure: Error>(_ operation: String, _ body: () async throws(Failure) -> T) async throws(Failure)
        -> T
    {
        let start = ContinuousClock.now
        let value = try await body()
        commit(operation, duration: ContinuousClock.now - start)
        return value
    }

    /// An outbox row was confirmed by the broker (`true`) or a publish attempt failed (`false`).
    func outboxPublished(_ confirmed: Bool, count: Int = 1) {
        (confirmed ? published : publishFailures).increment(by: count)
    }

    /// Timers fired in one pass of the timer service.
    func timersFired(_ count: Int) {
        if count > 0 { timersFired.increment(by: count) }
    }

    /// Sets the gauges read on demand (before each scrape).
    /// - Parameters:
    ///   - outboxDepth: outbox rows handed to publishers and not yet confirmed.
    ///   - tasksInFlight: open tasks waiting for a callback.
    public func sample(outboxDepth depth: Int, tasksInFlight inFlight: Int) {
        outboxDepth.record(depth)
        tasksInFlight.record(inFlight)
    }
}
