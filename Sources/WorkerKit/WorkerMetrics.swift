import Metrics

/// The worker runtime's metrics (every worker process: worker-function, legacy-system, approver), reported
/// through swift-metrics — Prometheus `/metrics` when the executable bootstraps it, a no-op otherwise. Names and
/// labels are listed in docs/operations.md; label values are queue names, actions, outcomes and AWS error types.
package enum WorkerMetrics {
    /// A task message was taken from `queue`.
    static func taskReceived(queue: String) {
        Counter(label: "baton_worker_tasks_received_total", dimensions: [("queue", queue)]).increment()
    }

    /// Tasks taken from `queue` and answered at once by a batch handler, each after its own `durations` entry.
    package static func tasksAnswered(queue: String, durations: [Duration]) {
        guard !durations.isEmpty else { return }
        Counter(label: "baton_worker_tasks_received_total", dimensions: [("queue", queue)])
            .increment(by: durations.count)
        let timer = Timer(
            label: "baton_worker_handler_duration_seconds", dimensions: [("queue", queue), ("outcome", "ok")])
        for duration in durations { timer.record(duration: duration) }
    }

    /// A handler finished with `outcome` (`ok`, `refused`, `requeued`, `abandoned`) after `duration`.
    static func taskHandled(queue: String, outcome: String, duration: Duration) {
        Timer(label: "baton_worker_handler_duration_seconds", dimensions: [("queue", queue), ("outcome", outcome)])
            .record(duration: duration)
    }

    /// The orchestrator answered a callback: `accepted`, `rejected` (with its error type) or `unanswered`.
    static func callbackAnswered(action: String, outcome: String, errorType: String? = nil) {
        Counter(label: "baton_worker_callbacks_sent_total", dimensions: [("action", action), ("outcome", outcome)])
            .increment()
        if let errorType {
            Counter(
                label: "baton_worker_callbacks_rejected_total", dimensions: [("action", action), ("error", errorType)]
            ).increment()
        }
    }

    /// A callback could not be published (broker away, no callback queue).
    static func callbackNotPublished(action: String) {
        Counter(
            label: "baton_worker_callbacks_sent_total", dimensions: [("action", action), ("outcome", "unpublished")]
        )
        .increment()
    }

    /// A heartbeat was published for a task in progress.
    static func heartbeatSent() {
        Counter(label: "baton_worker_heartbeats_sent_total").increment()
    }
}
