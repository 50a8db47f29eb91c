import BatonProtocol
import Foundation
import Logging
import WorkerKit

/// Takes approval requests off the queue and turns decisions into callbacks.
struct ApprovalDesk: Sendable {
    /// A decision.
    enum Decision: Sendable {
        case approve(approver: String, comment: String?)
        case reject(approver: String, reason: String?)
    }

    /// What became of a decision.
    struct Result: Sendable {
        var decision: String
        /// The orchestrator's reply; `nil` when none came in time.
        var reply: CallbackReply?
    }

    /// What `decide` found.
    enum Verdict: Sendable {
        /// The decision was sent; the request is closed with the orchestrator's answer.
        case decided(Result)
        /// The request can no longer be decided (and why).
        case closed(ClosedApproval)
        /// No such request (or one being decided right now).
        case unknown
    }

    let store: ApprovalStore
    let callbacks: CallbackClient
    let logger: Logger

    /// A request message: persist it as pending, then ack.
    func accept(_ task: IncomingTask) async throws {
        guard let token = task.bodyToken ?? task.headerToken else {
            throw TaskRejected("approval request has no taskToken/TaskToken field")
        }
        let object = JSONBody.object(task.body).map(TaskTokenLocator.removingToken(from:)) ?? [:]
        let request = ApprovalRequest(
            id: ApprovalRequest.id(for: token), taskToken: token, request: JSONBody.text(object), receivedAt: Date(),
            stateName: task.stateName, executionArn: task.executionArn, traceparent: TraceContext.traceparent,
            timeoutSeconds: task.header(TaskHeaders.timeoutSeconds).flatMap { Double($0) },
            heartbeatSeconds: task.heartbeatSeconds)
        if try await store.add(request) {
            logger.info("approval pending", metadata: ["approval.id": "\(request.id)"])
        }
        try await task.settle(.ack)
    }

    /// Decides a pending request: SendTaskSuccess `{"approved": true, "approver", "comment"}` or SendTaskFailure
    /// `Rejected`. The request moves to the closed list with the orchestrator's answer: decided when it accepted
    /// the callback (or did not answer in time), closed with the refusal when it refused it (the task had ended).
    /// - Returns: `.unknown` when no such request is pending, `.closed` when it was closed before.
    /// - Throws: when the callback cannot be published (the request stays pending).
    func decide(_ id: String, _ decision: Decision) async throws -> Verdict {
        guard let request = await store.claim(id) else {
            if let closed = await store.closedRequest(id) { return .closed(closed) }
            return .unknown
        }
        let outcome: Callback.Outcome
        let label: ClosedApproval.Outcome
        let who: String
        switch decision {
        case .approve(let approver, let comment):
            var output: [String: Any] = ["approved": true, "approver": approver]
            output["comment"] = comment
            outcome = .success(output: JSONBody.text(output))
            (label, who) = (.approved, approver)
        case .reject(let approver, let reason):
            outcome = .failure(
                error: "Rejected",
                cause: String((reason.map { "\($0) (by \(approver))" } ?? "rejected by \(approver)").prefix(32_768)))
            (label, who) = (.rejected, approver)
        }
        let pending: CallbackClient.PendingReply
        do {
            pending = try await callbacks.publish(
                Callback(taskToken: request.taskToken, outcome: outcome), traceparent: request.traceparent)
        } catch {
            await store.release(id)
            throw error
        }
        let reply = await callbacks.reply(to: pending)
        switch reply {
        case let reply? where !reply.isAccepted:
            let refusal = "\(reply.errorType ?? "refused"): \(reply.message)"
            await store.close(
                id, outcome: .closed, reason: "the orchestrator refused the \(label.rawValue) decision (\(refusal))")
            logger.info(
                "approval closed",
                metadata: ["approval.id": "\(id)", "decision": "\(label.rawValue)", "refusal": "\(refusal)"])
        case let reply:
            let unanswered = reply == nil ? " (the orchestrator did not answer in time)" : ""
            await store.close(id, outcome: label, reason: "\(label.rawValue) by \(who)\(unanswered)")
            logger.info("approval decided", metadata: ["approval.id": "\(id)", "decision": "\(label.rawValue)"])
        }
        return .decided(Result(decision: label.rawValue, reply: reply))
    }

    /// Asks the orchestrator whether a pending request's task is still open, with a heartbeat (only for tasks
    /// without HeartbeatSeconds: there a heartbeat changes nothing but proves the task open). A refusal
    /// (`TaskTimedOut`, `InvalidToken`) closes the request with it.
    /// - Returns: whether the request was closed.
    func probe(_ request: ApprovalRequest) async -> Bool {
        guard request.heartbeatSeconds == nil,
            let reply = try? await callbacks.send(Callback(taskToken: request.taskToken, outcome: .heartbeat)),
            let type = reply.errorType
        else { return false }
        let closed = await store.close(
            request.id, outcome: .closed, reason: "the orchestrator says its task is closed (\(type): \(reply.message))"
        )
        if closed { logger.info("approval closed", metadata: ["approval.id": "\(request.id)", "refusal": "\(type)"]) }
        return closed
    }
}
