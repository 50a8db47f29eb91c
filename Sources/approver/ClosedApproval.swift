import Foundation
import WorkerKit

/// An approval request that can no longer be decided: decided already, or closed under the approver because its
/// task or execution ended (the orchestrator's `execution.*` event, the task's deadline, or the orchestrator's
/// refusal of a decision or of a liveness heartbeat).
struct ClosedApproval: Codable, Sendable, Hashable {
    /// How it left the pending list.
    enum Outcome: String, Codable, Sendable {
        /// Approved, the callback accepted.
        case approved
        /// Rejected, the callback accepted.
        case rejected
        /// Closed without a decision that counted.
        case closed
    }

    var request: ApprovalRequest
    var outcome: Outcome
    /// Why, in a sentence (`approved by ann`, `its execution ended: ABORTED`, `its task timed out …`).
    var reason: String
    var closedAt: Date
    /// The execution's end (`FAILED ApprovalTimeout`) when its event came after the request was closed.
    var executionEnd: String?

    var id: String { request.id }

    /// The JSON shape `GET /approvals/closed` lists.
    var listed: [String: Any] {
        var object = request.listed
        object["outcome"] = outcome.rawValue
        object["reason"] = reason
        object["closedAt"] = closedAt.formatted(.iso8601)
        object["executionEnd"] = executionEnd
        return object
    }
}
