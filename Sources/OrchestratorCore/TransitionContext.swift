import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage

/// One transition inside the store's write transaction: it feeds events to an execution's interpreter and turns
/// the resulting actions into rows — history, open tasks, timers, outbox — all committed together.
///
/// Synchronous and never waits for the broker. For an execution it runs off the writer, on a snapshot, and its
/// writes are recorded and applied afterwards (`PlannedTransitionStore`); for state machine operations
/// it runs on the writer itself.
struct TransitionContext {
    let engine: Engine
    let tx: any TransitionStore
    let now: Date
    /// What this transition produced, handed to the services after the commit.
    var produced = Produced()
    /// The execution's current state when the engine has it cached (see `StateCache`).
    var preloadedState: (executionID: Int64, state: ExecutionState)?

    struct Produced: Sendable {
        var outbox: [OutboxRow] = []
        var earliestTimer: Date?
        var finished: [FinishedExecution] = []
        /// The state saved for a still-running execution, for the engine's cache.
        var savedState: (executionID: Int64, state: ExecutionState)?
        /// What the engine caches after the commit (the saved state and, when complete, the row and open tasks).
        var cacheEntry: CacheEntry?
    }

    init(engine: Engine, tx: any TransitionStore, now: Date) {
        self.engine = engine
        self.tx = tx
        self.now = now
    }

    /// Loads an execution's interpreter, feeds it `events` (and the follow-ups its actions cause), applies
    /// everything and saves the new state.
    /// - Throws: `InterpreterRejection` if the first event does not apply (nothing is then changed).
    mutating func run(_ events: [ExecutionEvent], executionID: Int64, record: ExecutionRecord? = nil) throws {
        guard let record = try record ?? tx.execution(id: executionID) else {
            throw InterpreterRejection(.executionNotRunning, message: "no execution with id \(executionID)")
        }
        // A finished execution is never run again (a succeeded one keeps the state it last waited in, a stopped one
        // its final state, which RedriveExecution resumes after reopening it).
        guard record.status == .running else {
            throw InterpreterRejection(.executionNotRunning, message: "execution \(executionID) is not running")
        }
        guard
            let definition = try engine.definitions.definition(
                arn: record.stateMachineArn, revision: record.stateMachineRevision,
                text: {
                    try tx.stateMachineDefinition(arn: record.stateMachineArn, revision: record.stateMachineRevision)
                }
            )
        else {
            throw InterpreterRejection(.executionNotRunning, message: "the execution's state machine is gone")
        }
        let state: ExecutionState
        if let preloaded = preloadedState, preloaded.executionID == executionID {
            state = preloaded.state
        } else if let data = try tx.executionState(id: executionID), !data.isEmpty {
            state = try StateCoding.decoder.decode(ExecutionState.self, from: data)
        } else {
            state = ExecutionState()
        }
        let signer = engine.signer
        let shard = engine.configuration.shard
        var configuration = InterpreterConfiguration(
            region: engine.configuration.region, timeScale: engine.clock.scale
        ) { request in
            signer.issue(
                TaskToken(
                    shard: shard, executionID: executionID, taskID: String(request.taskId.rawValue),
                    attempt: request.attempt))
        }
        let activities = engine.activities
        configuration.activityExists = { activities.contains($0) }
        var interpreter = Interpreter(definition: definition, state: state, configuration: configuration)
        var random = SystemRandomNumberGenerator()
        var queue = events
        var first = true
        var finished = false
        while !queue.isEmpty {
            let event = queue.removeFirst()
            let actions: [InterpreterAction]
            do {
                actions = try interpreter.handle(event, using: &random)
            } catch {
                if first { throw error }
                continue  // a follow-up that no longer applies (e.g. the execution ended meanwhile)
            }
            first = false
            for action in actions {
                queue += try apply(
                    action, cause: event, record: record, interpreter: interpreter, finished: &finished)
            }
        }
        if !finished {
            try tx.saveState(Data(interpreter.state.storedJSONBytes), executionID: executionID)
            produced.savedState = (executionID, interpreter.state)
        }
    }

    /// Performs one action; returns follow-up events (the task's `TaskStarted`, or its failure to dispatch).
    private mutating func apply(
        _ action: InterpreterAction, cause event: ExecutionEvent, record: ExecutionRecord, interpreter: Interpreter,
        finished: inout Bool
    ) throws -> [ExecutionEvent] {
        switch action {
        case .appendHistory(let events):
            try tx.appendHistory(events.map(HistoryCoding.stored), executionID: record.id)
            return []
        case .scheduleTask(let task):
            return try schedule(task, record: record)
        case .closeTask(let id):
            let tokenID = Engine.tokenID(executionID: record.id, taskID: String(id.rawValue))
            if !event.reportsOutcome(of: id) { try stopChild(ofTask: tokenID) }
            try tx.closeTask(tokenID: tokenID)
            try tx.cancelTimer(executionID: record.id, key: TimerKey.taskTimeout(id.rawValue))
            try tx.cancelTimer(executionID: record.id, key: TimerKey.heartbeat(id.rawValue))
            return []
        case .startTimer(let request):
            try arm(executionID: record.id, key: TimerKey.interpreter(request.timerId.rawValue), at: request.fireAt)
            return []
        case .cancelTimer(let id):
            try tx.cancelTimer(executionID: record.id, key: TimerKey.interpreter(id.rawValue))
            return []
        case .finish(let outcome):
            // A stopped execution keeps its final state: where RedriveExecution resumes it.
            let kept: Data? = if case .succeeded = outcome { nil } else { Data(interpreter.state.storedJSONBytes) }
            try finish(outcome, record: record, parent: interpreter.state.start?.parent, state: kept)
            finished = true
            return []
        }
    }

    private mutating func schedule(_ task: TaskSchedule, record: ExecutionRecord) throws -> [ExecutionEvent] {
        guard let integration = Integration(resource: task.resource) else {
            return [
                .taskFailed(
                    task.taskId, error: StatesError.Name.runtime,
                    cause: "unsupported resource '\(task.resource)'", at: now)
            ]
        }
        let dispatch: TaskDispatch
        do {
            dispatch = try integration.dispatch(
                task, names: engine.names, traceparent: record.traceParent, timeScale: engine.clock.scale,
                configuration: engine.configuration)
        } catch {
            return [.taskFailed(task.taskId, error: error.error, cause: error.cause, at: now)]
        }
        let taskID = String(task.taskId.rawValue)
        let tokenID = Engine.tokenID(executionID: record.id, taskID: taskID)
        try tx.insertOpenTask(
            OpenTask(
                tokenID: tokenID, executionID: record.id, taskID: taskID, attempt: task.attempt,
                resource: task.resource, heartbeatSeconds: task.heartbeatSeconds, createdAt: now,
                childExecutionArn: dispatch.child?.executionArn))
        if let timeout = task.timeoutSeconds {
            try arm(
                executionID: record.id, key: TimerKey.taskTimeout(task.taskId.rawValue),
                at: engine.clock.deadline(after: Double(timeout), from: now))
        }
        if let heartbeat = task.heartbeatSeconds {
            try arm(
                executionID: record.id, key: TimerKey.heartbeat(task.taskId.rawValue),
                at: engine.clock.deadline(after: Double(heartbeat), from: now))
        }
        var headers = dispatch.headers
        let messageID = "\(record.id)-\(taskID)-\(task.attempt)"
        headers[TaskHeaders.executionArn] = record.arn
        headers[OutboxHeaders.messageID] = messageID
        if !integration.waitsForCallback { headers[OutboxHeaders.completesTask] = tokenID }
        try enqueue(
            NewOutboxMessage(exchange: "", routingKey: dispatch.queue, body: Data(dispatch.body), headers: headers))
        // The message is committed to the outbox in this transaction, so the call is submitted: AWS's TaskSubmitted
        // with the service's answer follows TaskStarted for every task that waits.
        // An activity task starts when a poller takes it (GetActivityTask records ActivityStarted).
        if integration == .activity { return [] }
        guard engine.configuration.recordsTaskSubmitted,
            let submitted = integration.submitted(dispatch, resource: task.resource, messageID: messageID, at: now)
        else {
            return [.taskStarted(task.taskId, at: now)]
        }
        return [.taskStarted(task.taskId, at: now), .taskSubmitted(task.taskId, output: submitted, at: now)]
    }

    /// Asks a `.sync` child execution to stop when the parent task that waits for it is closed by anything but
    /// the child's own report (the parent stopped, timed out, or a sibling branch failed), as AWS stops the job of a
    /// cancelled `.sync` task.
    private mutating func stopChild(ofTask tokenID: String) throws {
        guard let task = try tx.openTask(tokenID: tokenID), let child = task.childExecutionArn,
            let integration = Integration(resource: task.resource),
            integration == .startExecutionSync || integration == .startExecutionSync2
        else { return }
        try enqueue(
            NewOutboxMessage(
                exchange: "", routingKey: engine.names.commandQueue,
                body: Data(NestedExecution.stopCommand(executionArn: child)),
                headers: [OutboxHeaders.messageID: "stop \(child)"]))
    }

    private mutating func finish(
        _ outcome: ExecutionOutcome, record: ExecutionRecord, parent: ExecutionStart.ParentTask?, state: Data?
    ) throws {
        var output: String?
        var error: String?
        var cause: String?
        switch outcome {
        case .succeeded(let value): output = value.serialized
        case .failed(let e, let c), .timedOut(let e, let c), .aborted(let e, let c):
            error = e
            cause = c
        }
        let status = outcome.status
        let applied = try tx.finishExecution(
            record.id, status: status, output: output, error: error, cause: cause,
            state: state, at: now)
        guard applied else { return }
        produced.finished.append(
            FinishedExecution(
                executionArn: record.arn, status: status, error: error, startDate: record.startDate, stopDate: now))
        var event = JSONObject()
        event["executionArn"] = .string(record.arn)
        event["stateMachineArn"] = .string(record.stateMachineArn)
        event["name"] = .string(record.name)
        event["status"] = .string(status.rawValue)
        event["startDate"] = .number(record.startDate.timeIntervalSince1970)
        event["stopDate"] = .number(now.timeIntervalSince1970)
        if let output { event["output"] = .string(output) }
        if let error { event["error"] = .string(error) }
        if let cause { event["cause"] = .string(cause) }
        try enqueue(
            NewOutboxMessage(
                exchange: engine.names.eventsExchange, routingKey: "execution.\(status)",
                body: Data(JSON.object(event).serialized.utf8), headers: [:]))
        if let parent,
            let report = NestedExecution.finishedCallback(
                parent: parent, record: record, status: status, output: output, error: error, cause: cause,
                stopDate: now)
        {
            try enqueue(NestedExecution.outboxMessage(report, names: engine.names, messageID: "end \(record.arn)"))
        }
    }

    mutating func arm(executionID: Int64, key: String, at date: Date) throws {
        try tx.setTimer(NewTimer(executionID: executionID, key: key, kind: TimerKey.kind(of: key), fireAt: date))
        if produced.earliestTimer.map({ date < $0 }) ?? true { produced.earliestTimer = date }
    }

    mutating func enqueue(_ message: NewOutboxMessage) throws {
        let id = try tx.enqueueOutbox(message, at: now)
        produced.outbox.append(
            OutboxRow(
                id: id, exchange: message.exchange, routingKey: message.routingKey, body: message.body,
                headers: message.headers))
    }
}

extension ExecutionEvent {
    /// Whether the event is the task's own outcome (its callback's success or failure), as opposed to something
    /// that cancels it.
    func reportsOutcome(of task: TaskID) -> Bool {
        switch self {
        case .taskSucceeded(let id, _, _), .taskFailed(let id, _, _, _): id == task
        default: false
        }
    }
}

/// Internal outbox headers: read by the dispatcher, never published.
enum OutboxHeaders {
    /// The AMQP message id to publish with.
    static let messageID = "x-baton-internal-message-id"
    /// Set on plain `sqs:sendMessage` tasks: the task (by token id) completes once the broker confirms.
    static let completesTask = "x-baton-internal-completes-task"
}

/// Timer keys in the store: `t:<id>` interpreter timers, `to:<task>` task timeouts, `hb:<task>` heartbeats.
enum TimerKey {
    static func interpreter(_ id: Int) -> String { "t:\(id)" }
    static func taskTimeout(_ task: Int) -> String { "to:\(task)" }
    static func heartbeat(_ task: Int) -> String { "hb:\(task)" }

    static func kind(of key: String) -> String {
        if key.hasPrefix("to:") { return "taskTimeout" }
        if key.hasPrefix("hb:") { return "heartbeat" }
        return "timer"
    }

    /// The event a fired timer feeds the interpreter.
    static func event(for key: String, at date: Date) -> ExecutionEvent? {
        let parts = key.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let number = Int(parts[1]) else { return nil }
        switch parts[0] {
        case "t": return .timerFired(TimerID(rawValue: number), at: date)
        case "to": return .taskTimedOut(TaskID(rawValue: number), at: date)
        case "hb": return .heartbeatTimedOut(TaskID(rawValue: number), at: date)
        default: return nil
        }
    }
}

/// How interpreter state is stored: JSON, dates as epoch seconds (written by `ExecutionState.storedJSONBytes`).
enum StateCoding {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}

/// History events are stored in the exact JSON shape GetExecutionHistory returns, timestamps as epoch seconds.
enum HistoryCoding {
    static func stored(_ event: StatesLanguage.HistoryEvent) -> NewHistoryEvent {
        let details = Data(event.json.serializedBytes)
        return NewHistoryEvent(
            type: event.type.rawValue, timestamp: event.timestamp, details: details,
            previousEventID: Int64(event.previousEventId))
    }
}

extension Engine {
    /// The store's key for an open task: execution id and task id (each attempt has its own task id).
    static func tokenID(executionID: Int64, taskID: String) -> String { "\(executionID):\(taskID)" }

    /// The execution an open task's store key (``tokenID(executionID:taskID:)``) belongs to.
    static func executionID(ofTokenID tokenID: String) -> Int64? {
        tokenID.split(separator: ":", maxSplits: 1).first.flatMap { Int64($0) }
    }
}
