import BatonJSON
import ExecutionStore
import Foundation
import StatesLanguage

/// A transition's store for executions: reads come from a reader `Snapshot` (or from what the engine already knows),
/// writes are recorded into a `WritePlan` that the writer applies after the plan is made, so the interpreter, JSON
/// encoding and token signing run off the single writer, on as many cores as there are. Reads after a write see it
/// through a small overlay.
///
/// The writes carry their own guards for what exactly-once depends on (``ExactlyOnce``): a stale plan never
/// commits. The engine runs the transitions of one execution one at a time (`ExecutionLanes`), so conflicts are a
/// safety net, not a path.
final class PlannedTransitionStore: TransitionStore {
    private let snapshot: Snapshot
    /// The writes recorded, apart from the executions' own rows and history.
    private var steps = WritePlan()
    /// Per execution, its row and history changes, applied as one write each (``Transaction/write(_:)``), and the
    /// order in which the executions were first touched.
    private var executionWrites: [Int64: ExecutionWrite] = [:]
    private var writeOrder: [Int64] = []
    // The overlay: what this transition's own planned writes changed.
    private var inserted: [Int64: ExecutionRecord] = [:]
    private var finished: Set<Int64> = []
    private var nextEventIDs: [Int64: Int64] = [:]
    private var openedTasks: [String: OpenTask] = [:]
    private var closedTasks: Set<String> = []
    private var deletedTimers: Set<Int64> = []
    /// Per execution, the timer keys this plan armed and cancelled; and whether a timer was claimed by id (whose
    /// key is not known here, so which timers remain armed is not known either).
    private var armedTimers: [Int64: Set<String>] = [:]
    private var cancelledTimers: [Int64: Set<String>] = [:]
    private var timerFiredByID = false
    /// What the engine knew of the execution before this transition, answering its reads.
    private let known: KnownExecution?
    /// State machine rows, for starts planned without a snapshot.
    private let machines: MachineCache?
    private let machineGeneration: Int
    /// For a new execution planned without a snapshot: an ARN nobody has yet is assumed free (the insert's
    /// unique index refuses it otherwise, and the engine plans again on a snapshot).
    private let assumesNewName: Bool

    init(_ snapshot: Snapshot, known: KnownExecution? = nil, machines: MachineCache? = nil, newExecution: Bool = false)
    {
        self.snapshot = snapshot
        self.known = known
        self.machines = machines
        self.machineGeneration = machines?.generation ?? 0
        self.assumesNewName = newExecution && snapshot.isDetached
    }

    /// The writes of a planned transition, in the order they apply: each execution's row and history first (a new
    /// execution's row must exist before its tasks and timers reference it), then the other writes in the order they
    /// were made, then the clean-up of the executions that ended (their remaining tasks and timers).
    var plan: WritePlan {
        var plan = WritePlan()
        for id in writeOrder {
            guard let write = executionWrites[id] else { continue }
            plan.add { tx in try tx.write(write) }
        }
        plan.append(steps)
        for id in writeOrder where finished.contains(id) {
            // A finished execution keeps no open task and no armed timer; when this plan knows it has none left,
            // there is nothing to delete.
            let tasksLeft = openTasksAfter(executionID: id).map { !$0.isEmpty } ?? true
            let timersLeft = timersAfter(executionID: id).map { !$0.isEmpty } ?? true
            if tasksLeft { plan.add { tx in try tx.deleteTasks(executionID: id) } }
            if timersLeft { plan.add { tx in _ = try tx.cancelTimers(executionID: id) } }
        }
        return plan
    }

    /// The execution's open tasks after this plan, when everything about it is known (it was inserted here, or the
    /// engine knew it); `nil` otherwise.
    private func openTasksAfter(executionID: Int64) -> [String: OpenTask]? {
        var tasks: [String: OpenTask]
        if inserted[executionID] != nil {
            tasks = [:]
        } else if let known, known.record.id == executionID {
            tasks = known.openTasks
        } else {
            return nil
        }
        for tokenID in closedTasks { tasks.removeValue(forKey: tokenID) }
        for (tokenID, task) in openedTasks where task.executionID == executionID { tasks[tokenID] = task }
        return tasks
    }

    /// The keys of the execution's armed timers after this plan, when known; `nil` otherwise.
    private func timersAfter(executionID: Int64) -> Set<String>? {
        guard !timerFiredByID else { return nil }
        var timers: Set<String>
        if inserted[executionID] != nil {
            timers = []
        } else if let known, known.record.id == executionID, let knownTimers = known.timers {
            timers = knownTimers
        } else {
            return nil
        }
        timers.subtract(cancelledTimers[executionID] ?? [])
        timers.formUnion(armedTimers[executionID] ?? [])
        return timers
    }

    /// The pending write of an existing execution's row, created on first use with the history position the plan
    /// reads now.
    private func withWrite(of executionID: Int64, _ change: (inout ExecutionWrite) -> Void) throws {
        if executionWrites[executionID] == nil {
            let next = try nextEventID(of: executionID)
            executionWrites[executionID] = ExecutionWrite(
                executionID: executionID, row: ExactlyOnce.rowUpdate(readAt: next))
            writeOrder.append(executionID)
        }
        change(&executionWrites[executionID]!)
    }

    /// The id the execution's next history event gets, as this plan sees it.
    private func nextEventID(of executionID: Int64) throws -> Int64 {
        if let next = nextEventIDs[executionID] { return next }
        if let known, known.record.id == executionID { return known.record.nextEventID }
        guard let record = try snapshot.execution(id: executionID) else {
            throw ExecutionStoreError(.executionNotFound, message: "no execution with id \(executionID)")
        }
        return record.nextEventID
    }

    /// Whether this transition ends the execution.
    func finishes(executionID: Int64) -> Bool { finished.contains(executionID) }

    /// What is known of an execution after this transition's writes, when everything about it was known before
    /// (it was inserted here, or the engine knew it): its row and its open tasks. `nil` when unknown or finished.
    func knownAfter(executionID: Int64) -> KnownExecution? {
        guard !finished.contains(executionID) else { return nil }
        var base: KnownExecution
        if let record = inserted[executionID] {
            base = KnownExecution(record: record, openTasks: [:])
        } else if let known, known.record.id == executionID {
            base = known
        } else {
            return nil
        }
        if let next = nextEventIDs[executionID] { base.record.nextEventID = next }
        for tokenID in closedTasks { base.openTasks.removeValue(forKey: tokenID) }
        for (tokenID, task) in openedTasks where task.executionID == executionID {
            var stored = task
            // As the store keeps it: whole milliseconds.
            stored.createdAt = Date(
                timeIntervalSince1970: (task.createdAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            base.openTasks[tokenID] = stored
        }
        base.timers = timersAfter(executionID: executionID)
        return base
    }

    func transaction() throws -> Transaction {
        throw ExecutionStoreError(.database, message: "this operation needs a direct transition")
    }

    // MARK: Executions

    func insertExecution(_ execution: NewExecution) throws -> ExecutionRecord {
        let id = snapshot.reserveExecutionID()
        executionWrites[id] = ExecutionWrite(executionID: id, row: .insert(execution))
        writeOrder.append(id)
        let record = ExecutionRecord(inserting: execution, id: id)
        inserted[id] = record
        nextEventIDs[id] = 1
        return record
    }

    func execution(id: Int64) throws -> ExecutionRecord? {
        if let record = inserted[id] { return record }
        if let known, known.record.id == id { return known.record }
        return try snapshot.execution(id: id)
    }

    func execution(arn: String) throws -> ExecutionRecord? {
        if let record = inserted.values.first(where: { $0.arn == arn }) { return record }
        if let known, known.record.arn == arn { return known.record }
        if assumesNewName { return nil }
        return try snapshot.execution(arn: arn)
    }

    func executionState(id: Int64) throws -> Data? {
        inserted[id] != nil ? Data() : try snapshot.executionState(id: id)
    }

    func saveState(_ state: Data, executionID: Int64) throws {
        try withWrite(of: executionID) { $0.state = state }
    }

    /// Ends a RUNNING execution; `false` (nothing changed) if it is not RUNNING.
    func finishExecution(
        _ executionID: Int64, status: ExecutionStatus, output: String?, error: String?, cause: String?,
        state: Data?, at date: Date
    ) throws -> Bool {
        guard !finished.contains(executionID), try execution(id: executionID)?.status == .running else {
            return false
        }
        try withWrite(of: executionID) { write in
            write.finish = ExecutionFinish(status: status, output: output, error: error, cause: cause, date: date)
            if let state { write.state = state }
        }
        finished.insert(executionID)
        return true
    }

    // MARK: History

    func appendHistory(_ events: [NewHistoryEvent], executionID: Int64) throws {
        guard !events.isEmpty else { return }
        let first = try nextEventID(of: executionID)
        try withWrite(of: executionID) { $0.events += events }
        nextEventIDs[executionID] = first + Int64(events.count)
    }

    // MARK: Open tasks

    func insertOpenTask(_ task: OpenTask) throws {
        openedTasks[task.tokenID] = task
        closedTasks.remove(task.tokenID)
        // A new execution's first tasks replace nothing: no delete first.
        let replacing = inserted[task.executionID] == nil
        steps.add { tx in _ = try tx.insertOpenTask(task, replacing: replacing) }
    }

    func openTask(tokenID: String) throws -> OpenTask? {
        if closedTasks.contains(tokenID) { return nil }
        if let task = openedTasks[tokenID] { return task }
        if let known, Engine.executionID(ofTokenID: tokenID) == known.record.id {
            return known.openTasks[tokenID]
        }
        return try snapshot.openTask(tokenID: tokenID)
    }

    /// Closes a task; a task that was open in the store when read must still be open when applied.
    func closeTask(tokenID: String) throws {
        let wasOpen = try openTask(tokenID: tokenID) != nil
        let openedHere = openedTasks.removeValue(forKey: tokenID) != nil
        closedTasks.insert(tokenID)
        let mustExist = wasOpen && !openedHere
        steps.add { tx in try ExactlyOnce.closeTask(tokenID, mustExist: mustExist, in: tx) }
    }

    // MARK: Timers

    func setTimer(_ timer: NewTimer) throws {
        armedTimers[timer.executionID, default: []].insert(timer.key)
        cancelledTimers[timer.executionID]?.remove(timer.key)
        steps.add { tx in _ = try tx.setTimer(timer) }
    }

    func cancelTimer(executionID: Int64, key: String) throws {
        // Known not to be armed (e.g. the heartbeat of a task without HeartbeatSeconds): nothing to delete.
        let armed = timersAfter(executionID: executionID).map { $0.contains(key) } ?? true
        armedTimers[executionID]?.remove(key)
        cancelledTimers[executionID, default: []].insert(key)
        if armed { steps.add { tx in _ = try tx.cancelTimer(executionID: executionID, key: key) } }
    }

    /// Claims a due timer; `false` if it was cancelled or re-armed since it was read.
    func deleteTimer(id: Int64) throws -> Bool {
        guard !deletedTimers.contains(id), try snapshot.timerExists(id: id) else { return false }
        deletedTimers.insert(id)
        timerFiredByID = true
        steps.add { tx in try ExactlyOnce.claimTimer(id: id, in: tx) }
        return true
    }

    // MARK: Outbox

    func enqueueOutbox(_ message: NewOutboxMessage, at date: Date) throws -> Int64 {
        let id = snapshot.reserveOutboxID()
        steps.add { tx in _ = try tx.enqueueOutbox(message, id: id, at: date) }
        return id
    }

    func deleteOutbox(ids: [Int64]) throws {
        steps.add { tx in _ = try tx.deleteOutbox(ids: ids) }
    }

    // MARK: State machines

    func stateMachine(arn: String) throws -> StateMachineRecord? {
        if let machine = machines?.get(arn) { return machine }
        let machine = try snapshot.stateMachine(arn: arn)
        if let machine { machines?.put(machine, readIn: machineGeneration) }
        return machine
    }

    func stateMachineDefinition(arn: String, revision: Int) throws -> String? {
        try snapshot.stateMachineDefinition(arn: arn, revision: revision)
    }
}
