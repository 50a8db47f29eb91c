import ExecutionStore
import Foundation
import StatesLanguage

/// The store as one transition sees it, so `TransitionContext` runs the same code on either implementation:
/// - ``PlannedTransitionStore`` (executions): reads from a snapshot, writes recorded into a plan that the writer
///   applies later, guarded by the ``ExactlyOnce`` rules;
/// - ``DirectTransitionStore`` (state machine operations, which are rare and not tied to one execution): reads and
///   writes straight on the writer's transaction.
protocol TransitionStore: AnyObject {
    /// Whether this transition ends the execution.
    func finishes(executionID: Int64) -> Bool
    /// What is known of an execution after this transition, when everything about it was known before; `nil` when
    /// unknown or finished (and always for direct transitions).
    func knownAfter(executionID: Int64) -> KnownExecution?
    /// The writer's transaction, for operations that only run directly (state machines).
    func transaction() throws -> Transaction

    func insertExecution(_ execution: NewExecution) throws -> ExecutionRecord
    func execution(id: Int64) throws -> ExecutionRecord?
    func execution(arn: String) throws -> ExecutionRecord?
    func executionState(id: Int64) throws -> Data?
    func saveState(_ state: Data, executionID: Int64) throws
    /// Ends a RUNNING execution; `false` (nothing changed) if it is not RUNNING.
    func finishExecution(
        _ executionID: Int64, status: ExecutionStatus, output: String?, error: String?, cause: String?,
        state: Data?, at date: Date
    ) throws -> Bool
    func appendHistory(_ events: [NewHistoryEvent], executionID: Int64) throws

    func insertOpenTask(_ task: OpenTask) throws
    func openTask(tokenID: String) throws -> OpenTask?
    func closeTask(tokenID: String) throws

    func setTimer(_ timer: NewTimer) throws
    func cancelTimer(executionID: Int64, key: String) throws
    /// Claims a due timer; `false` if it was cancelled or re-armed since it was read.
    func deleteTimer(id: Int64) throws -> Bool

    func enqueueOutbox(_ message: NewOutboxMessage, at date: Date) throws -> Int64
    func deleteOutbox(ids: [Int64]) throws

    func stateMachine(arn: String) throws -> StateMachineRecord?
    func stateMachineDefinition(arn: String, revision: Int) throws -> String?
}

/// A transition applied straight on the writer's transaction: every call is the store's own.
final class DirectTransitionStore: TransitionStore {
    private let tx: Transaction

    init(_ tx: Transaction) { self.tx = tx }

    func finishes(executionID: Int64) -> Bool { false }
    func knownAfter(executionID: Int64) -> KnownExecution? { nil }
    func transaction() throws -> Transaction { tx }

    func insertExecution(_ execution: NewExecution) throws -> ExecutionRecord { try tx.insertExecution(execution) }
    func execution(id: Int64) throws -> ExecutionRecord? { try tx.execution(id: id) }
    func execution(arn: String) throws -> ExecutionRecord? { try tx.execution(arn: arn) }
    func executionState(id: Int64) throws -> Data? { try tx.executionState(id: id) }
    func saveState(_ state: Data, executionID: Int64) throws { try tx.saveState(state, executionID: executionID) }
    func finishExecution(
        _ executionID: Int64, status: ExecutionStatus, output: String?, error: String?, cause: String?,
        state: Data?, at date: Date
    ) throws -> Bool {
        try tx.finishExecution(
            executionID, status: status, output: output, error: error, cause: cause, state: state, at: date)
    }
    func appendHistory(_ events: [NewHistoryEvent], executionID: Int64) throws {
        try tx.appendHistory(events, executionID: executionID)
    }

    func insertOpenTask(_ task: OpenTask) throws { _ = try tx.insertOpenTask(task) }
    func openTask(tokenID: String) throws -> OpenTask? { try tx.openTask(tokenID: tokenID) }
    func closeTask(tokenID: String) throws { try tx.deleteTask(tokenID: tokenID) }

    func setTimer(_ timer: NewTimer) throws { _ = try tx.setTimer(timer) }
    func cancelTimer(executionID: Int64, key: String) throws {
        _ = try tx.cancelTimer(executionID: executionID, key: key)
    }
    func deleteTimer(id: Int64) throws -> Bool { try tx.deleteTimer(id: id) }

    func enqueueOutbox(_ message: NewOutboxMessage, at date: Date) throws -> Int64 {
        try tx.enqueueOutbox(message, at: date)
    }
    func deleteOutbox(ids: [Int64]) throws { _ = try tx.deleteOutbox(ids: ids) }

    func stateMachine(arn: String) throws -> StateMachineRecord? { try tx.stateMachine(arn: arn) }
    func stateMachineDefinition(arn: String, revision: Int) throws -> String? {
        try tx.stateMachineDefinition(arn: arn, revision: revision)
    }
}
