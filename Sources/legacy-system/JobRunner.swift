import BatonProtocol
import Foundation
import Logging
import ServiceLifecycle
import WorkerKit

/// Accepts jobs from task messages, works them with heartbeats and progress checkpoints, and reports them.
struct JobRunner: Sendable {
    let store: JobStore
    let callbacks: CallbackClient
    let defaultDuration: Double
    let defaultHeartbeat: Double?
    let logger: Logger

    /// A task message: persist the job, ack (hand-off; never hold a delivery for a whole job), then work it.
    func accept(_ task: IncomingTask) async throws {
        guard let token = task.headerToken ?? task.bodyToken else {
            throw TaskRejected("job message has no task token (header \(TaskHeaders.taskToken) or body field)")
        }
        let id = Job.id(for: token)
        if store.contains(id) {
            logger.info("job already accepted; ignoring the redelivery", metadata: ["job.id": "\(id)"])
            try await task.settle(.ack)
            return
        }
        guard let object = JSONBody.object(task.body) else { throw TaskRejected("job input is not a JSON object") }
        let input = TaskTokenLocator.removingToken(from: object)
        let fields = (input["input"] as? [String: Any]) ?? input
        let duration = JSONBody.number(fields["durationSeconds"] ?? input["durationSeconds"]) ?? defaultDuration
        let job = Job(
            id: id, taskToken: token, input: JSONBody.text(input), durationSeconds: max(0, duration),
            heartbeatSeconds: task.heartbeatSeconds.map { $0 * 0.8 } ?? defaultHeartbeat, workedSeconds: 0,
            acceptedAt: Date(), integration: task.integration ?? (task.headerToken != nil ? "job.sync" : "callback"),
            stateName: task.stateName, traceparent: TraceContext.traceparent)
        try store.save(job)
        try await task.settle(.ack)
        logger.info(
            "job accepted",
            metadata: [
                "job.id": "\(id)", "duration.s": "\(NumberText.decimal(job.durationSeconds))",
                "heartbeat.s": "\(job.heartbeatSeconds.map { NumberText.decimal($0) } ?? "none")",
            ])
        await work(job)
    }

    /// Works a job to its end and reports it; on graceful shutdown it stops at once (its checkpoint stays on
    /// disk and the next start resumes it).
    func work(_ job: Job) async {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "token.id"] = "\(CallbackClient.shortID(job.taskToken))"
        if let traceparent = job.traceparent { logger[metadataKey: "traceparent"] = "\(traceparent)" }
        do {
            // Heartbeats carry the task's trace context too, also for a job resumed after a restart.
            try await TraceContext.$traceparent.withValue(job.traceparent) {
                try await cancelWhenGracefulShutdown {
                    try await callbacks.withHeartbeats(
                        token: job.taskToken, every: job.heartbeatSeconds.map { .seconds($0) }
                    ) {
                        try await progress(job)
                    }
                }
            }
        } catch {
            logger.notice("job suspended; it resumes when legacy-system restarts", metadata: ["error": "\(error)"])
            return
        }
        let (output, error, cause) = job.completion(at: Date())
        let callback = Callback(
            taskToken: job.taskToken,
            outcome: output.map { .success(output: $0) } ?? .failure(error: error, cause: cause))
        while true {
            do {
                let pending = try await callbacks.publish(callback, traceparent: job.traceparent)
                store.remove(job.id)
                logger.info("job reported", metadata: ["callback.action": "\(callback.action)"])
                await callbacks.reply(to: pending)
                return
            } catch {
                logger.warning("job report not sent; retrying", metadata: ["error": "\(error)"])
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }

    /// Sleeps the job's remaining time in short steps, checkpointing the work done after each one.
    private func progress(_ job: Job) async throws {
        var job = job
        let clock = ContinuousClock()
        let start = clock.now, base = job.workedSeconds
        while job.workedSeconds < job.durationSeconds {
            try await Task.sleep(for: .seconds(min(0.25, job.durationSeconds - job.workedSeconds)))
            let elapsed = DurationText.seconds(clock.now - start)
            job.workedSeconds = min(job.durationSeconds, base + elapsed)
            try store.save(job)
        }
    }
}

/// Resumes the jobs a previous run left on disk, then stays up until shutdown (a finished service would end
/// the process's `ServiceGroup`).
struct JobResumer: Service {
    let runner: JobRunner
    let logger: Logger

    func run() async throws {
        let (jobs, skipped) = runner.store.all()
        for name in skipped { logger.warning("unreadable job file skipped", metadata: ["file": "\(name)"]) }
        if !jobs.isEmpty { logger.info("resuming jobs", metadata: ["count": "\(jobs.count)"]) }
        await withDiscardingTaskGroup { group in
            for job in jobs {
                logger.info(
                    "job resumed",
                    metadata: ["job.id": "\(job.id)", "worked.s": "\(NumberText.decimal(job.workedSeconds))"])
                group.addTask { await runner.work(job) }
            }
        }
        try? await gracefulShutdown()
    }
}
