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
            stateName: task.stateName, executionArn: task.executionArn, traceparent: TraceContext.traceparent)
        if try await store.add(request) {
            logger.info("approval pending", metadata: ["approval.id": "\(request.id)"])
        }
        try await task.settle(.ack)
    }

    /// Decides a pending request: SendTaskSuccess `{"approved": true, "approver", "comment"}` or SendTaskFailure
    /// `Rejected`. The request leaves the store once the callback is confirmed by the broker.
    /// - Returns: `nil` when no such request is pending.
    /// - Throws: when the callback cannot be published (the request stays pending).
    func decide(_ id: String, _ decision: Decision) async throws -> Result? {
        guard let request = await store.claim(id) else { return nil }
        let outcome: Callback.Outcome
        let label: String
        switch decision {
        case .approve(let approver, let comment):
            var output: [String: Any] = ["approved": true, "approver": approver]
            output["comment"] = comment
            outcome = .success(output: JSONBody.text(output))
            label = "approved"
        case .reject(let approver, let reason):
            outcome = .failure(
                error: "Rejected",
                cause: String((reason.map { "\($0) (by \(approver))" } ?? "rejected by \(approver)").prefix(32_768)))
            label = "rejected"
        }
        let pending: CallbackClient.PendingReply
        do {
            pending = try await callbacks.publish(
                Callback(taskToken: request.taskToken, outcome: outcome), traceparent: request.traceparent)
        } catch {
            await store.release(id)
            throw error
        }
        await store.remove(id)
        logger.info("approval decided", metadata: ["approval.id": "\(id)", "decision": "\(label)"])
        return Result(decision: label, reply: await callbacks.reply(to: pending))
    }
}
