import BatonBroker
import BatonJSON
import BatonProtocol
import Foundation
import Logging
import ServiceLifecycle
import WorkerKit

/// Keeps the pending list to the requests a decision can still matter for, by moving the others to the closed list
/// with the reason, from three sources:
/// - the orchestrator's terminal events (`<prefix>.events`, `execution.*`, on a queue of the approver's own): every
///   request of an execution that ended is closed with its status (`ABORTED`, `TIMED_OUT`, `FAILED States.Timeout`);
/// - the task's deadline (`x-baton-timeout-seconds`, `x-baton-heartbeat-seconds`, real seconds from when the
///   approver took it): past it the task is closed even if its execution goes on (a Catch);
/// - a liveness probe every `probeInterval`, and once at start (events sent while the approver was down are lost):
///   a SendTaskHeartbeat for each request whose task has no HeartbeatSeconds, which the orchestrator refuses with
///   `TaskTimedOut` once the task is closed.
/// A decision the orchestrator refuses closes its request too (``ApprovalDesk/decide(_:_:)``).
struct ApprovalWatch: Service {
    let desk: ApprovalDesk
    let bus: RabbitBus
    let names: Names
    let probeInterval: Duration
    let logger: Logger
    /// The approver's own event queue (exclusive: it goes with the connection).
    let queue: String

    init(desk: ApprovalDesk, bus: RabbitBus, names: Names, probeInterval: Duration, logger: Logger) {
        self.desk = desk
        self.bus = bus
        self.names = names
        self.probeInterval = probeInterval
        self.logger = logger
        // A reply-queue name (hex), which the approver's broker user may create (deploy/rabbitmq/definitions.json).
        queue = names.replyQueue(UUID().uuidString.lowercased())
    }

    /// Declares the event queue and binds it to the events exchange; call before consuming requests, so no
    /// execution can end unseen between a request's arrival and the watch's start.
    func bind() async throws {
        try await bus.declareExchange(names.eventsExchange, type: "topic")
        try await bus.declare(QueueSpec(queue, exclusive: true))
        try await bus.bind(queue: queue, exchange: names.eventsExchange, routingKey: "execution.*", exclusive: true)
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumeEvents() }
                group.addTask { try await watchDeadlines() }
                group.addTask { try await probe() }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func consumeEvents() async throws {
        for try await delivery in try await bus.consume(queue, prefetch: 256) {
            for event in ExecutionEvents.objects(in: delivery.message) {
                guard let arn = event["executionArn"]?.stringValue else { continue }
                let status = event["status"]?.stringValue ?? "ended"
                let ending = [status, event["error"]?.stringValue].compactMap { $0 }.joined(separator: " ")
                for id in await desk.store.closeExecution(arn, ending: ending) {
                    logger.info("approval closed", metadata: ["approval.id": "\(id)", "execution.status": "\(ending)"])
                }
            }
            try? await delivery.settle(.ack)
        }
    }

    private func watchDeadlines() async throws {
        while true {
            let now = Date()
            for request in await desk.store.list() {
                guard let deadline = request.closesBy, deadline <= now else { continue }
                let seconds = NumberText.decimal(deadline.timeIntervalSince(request.receivedAt))
                let closed = await desk.store.close(
                    request.id, outcome: .closed,
                    reason:
                        "its task's \(request.closingDeadline) passed (\(seconds) s after it arrived) with no decision",
                    at: now)
                if closed {
                    logger.info(
                        "approval closed",
                        metadata: ["approval.id": "\(request.id)", "deadline": "\(request.closingDeadline)"])
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func probe() async throws {
        while true {
            let requests = await desk.store.list().filter { $0.heartbeatSeconds == nil }
            // A few at a time: each waits for the orchestrator's reply.
            for start in stride(from: 0, to: requests.count, by: 16) {
                await withTaskGroup(of: Void.self) { group in
                    for request in requests[start..<min(start + 16, requests.count)] {
                        group.addTask { _ = await desk.probe(request) }
                    }
                }
            }
            try await Task.sleep(for: probeInterval)
        }
    }
}
