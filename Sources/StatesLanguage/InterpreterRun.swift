import BatonJSON
import Foundation

/// One `Interpreter.handle` call: a working copy of the state, the actions collected so far and the queue of work
/// still to do. Nothing is committed to the interpreter unless the event is accepted.
///
/// States that finish at once (Pass, Choice, Succeed, Fail, transitions) are processed from a queue rather than by
/// recursion, so long chains of states cannot overflow the stack; a loop is bounded by the history quota.
struct InterpreterRun<Random: RandomNumberGenerator> {
    /// Work left in this run.
    enum Work {
        /// Enter a state in a frame (dropped if the frame with that serial is gone).
        case enter(ScopePath, serial: Int, state: String, input: JSON)
    }

    let definition: StateMachineDefinition
    let configuration: InterpreterConfiguration
    var state: ExecutionState
    var random: Random
    /// The time of the event being handled.
    let now: Date
    var history: [HistoryEvent] = []
    var actions: [InterpreterAction] = []
    var queue: [Work] = []
    /// The variables the state being left just assigned, for its `…StateExited` event.
    var assignedVariables: [String: String]?
    /// TestState's view of the top-level state under test: what it observed and what it mocks; `nil` in an
    /// execution. With a probe, the top level stops at its first transition instead of entering the next state.
    var probe: StateProbe?
    /// Where the execution resumes if the failure being propagated ends it (see `captureRedrivePoint`).
    var redriveCapture: RedrivePoint?
    /// The state a frame fails in after it left its active state (a Fail state, an output over the size limit).
    var leaving: RedrivePoint.Entry?

    init(
        definition: StateMachineDefinition,
        configuration: InterpreterConfiguration,
        state: ExecutionState,
        random: Random,
        now: Date
    ) {
        self.definition = definition
        self.configuration = configuration
        self.state = state
        self.random = random
        self.now = now
    }

    var isRunning: Bool { state.start != nil && state.status == .running }

    /// The date `seconds` of workflow time after `date` (the event's date by default): under a time scale
    /// durations shrink, dates stay wall-clock time.
    func deadline(after seconds: TimeInterval, from date: Date? = nil) -> Date {
        (date ?? now).addingTimeInterval(seconds / configuration.timeScale)
    }

    /// The actions to return: the history first, then the rest in the order they were decided.
    func finishedActions() -> [InterpreterAction] {
        history.isEmpty ? actions : [.appendHistory(history)] + actions
    }

    // MARK: - Events

    mutating func handle(_ event: ExecutionEvent) throws(InterpreterRejection) {
        if case .started(let start) = event {
            guard state.start == nil else {
                throw InterpreterRejection(.executionAlreadyStarted, message: "the execution already started")
            }
            begin(start)
        } else if case .redriven = event {
            guard state.start != nil else {
                throw InterpreterRejection(.executionNotStarted, message: "the execution has not started")
            }
            try redrive()
        } else {
            guard state.start != nil else {
                throw InterpreterRejection(.executionNotStarted, message: "the execution has not started")
            }
            guard state.status == .running else {
                throw InterpreterRejection(.executionNotRunning, message: "the execution is \(state.status.rawValue)")
            }
            switch event {
            case .started, .redriven: break
            case .taskStarted(let id, _): try taskStarted(id)
            case .activityStarted(let id, let worker, _): try activityStarted(id, workerName: worker)
            case .taskSubmitted(let id, let output, _): try taskSubmitted(id, output: output)
            case .taskSucceeded(let id, let output, _): try taskSucceeded(id, output: output)
            case .taskFailed(let id, let error, let cause, _):
                try taskFailed(id, error: .reported(error: error, cause: cause), type: .taskFailed)
            case .taskTimedOut(let id, _):
                try taskFailed(id, error: StatesError(StatesError.Name.timeout, cause: ""), type: .taskTimedOut)
            case .heartbeatTimedOut(let id, _):
                try taskFailed(id, error: .heartbeatTimeout, type: .taskTimedOut)
            case .timerFired(let id, _): try timerFired(id)
            case .stopRequested(let error, let cause, _):
                finishExecution(.aborted(error: error, cause: cause), type: .executionAborted)
            }
        }
        drain()
    }

    mutating func begin(_ start: ExecutionStart) {
        state.start = start
        state.status = .running
        state.frames[.root] = Frame(path: .root, serial: nextFrameSerial(), lastEventId: 0, active: nil)
        let details = ExecutionStartedEventDetails(input: start.input.serialized, roleArn: start.roleArn)
        // AWS: ExecutionStarted has previousEventId 0 and the first state entry also chains from 0.
        record(.executionStarted, .executionStarted(details), in: .root, chain: false)
        if let seconds = start.timeoutSeconds ?? definition.timeoutSeconds {
            let id = nextTimerId()
            state.executionTimer = id
            let fireAt = deadline(after: TimeInterval(seconds), from: start.startDate)
            actions.append(.startTimer(TimerRequest(timerId: id, fireAt: fireAt, purpose: .executionTimeout)))
        }
        queue.append(.enter(.root, serial: state.frames[.root]!.serial, state: definition.startAt, input: start.input))
    }

    private mutating func timerFired(_ id: TimerID) throws(InterpreterRejection) {
        if id == state.executionTimer {
            state.executionTimer = nil
            finishExecution(.timedOut(error: nil, cause: nil), type: .executionTimedOut)
            return
        }
        guard let path = state.timers.removeValue(forKey: id), let active = state.frames[path]?.active else {
            throw InterpreterRejection(.timerNotArmed, message: "timer \(id.rawValue) is not armed")
        }
        switch active.step {
        case .wait(let timer) where timer == id: waitElapsed(in: path)
        case .backoff(let timer) where timer == id: retry(in: path)
        default: throw InterpreterRejection(.timerNotArmed, message: "timer \(id.rawValue) is not armed")
        }
    }

    // MARK: - Work queue

    mutating func drain() {
        while isRunning, !queue.isEmpty {
            let work = queue.removeFirst()
            switch work {
            case .enter(let path, let serial, let name, let input):
                guard state.frames[path]?.serial == serial else { continue }
                enter(name, input: input, in: path)
            }
            if state.lastEventId > configuration.maximumHistoryEvents, isRunning {
                let cause =
                    "The execution reached the maximum number of history events "
                    + "(\(configuration.maximumHistoryEvents))."
                finishExecution(.failed(error: StatesError.Name.runtime, cause: cause), type: .executionFailed)
            }
        }
    }

    // MARK: - Ids and history

    mutating func nextFrameSerial() -> Int {
        state.lastFrameSerial += 1
        return state.lastFrameSerial
    }

    mutating func nextTimerId() -> TimerID {
        state.lastTimerId += 1
        return TimerID(rawValue: state.lastTimerId)
    }

    mutating func nextTaskId() -> TaskID {
        state.lastTaskId += 1
        return TaskID(rawValue: state.lastTaskId)
    }

    /// Records a history event in a scope: it follows the scope's last event, and (with `chain`) becomes it.
    @discardableResult
    mutating func record(
        _ type: HistoryEventType,
        _ details: HistoryEventDetails? = nil,
        in path: ScopePath,
        chain: Bool = true
    ) -> Int {
        var details = details
        if case .stateExited(var exited)? = details, let assigned = assignedVariables {
            exited.assignedVariables = assigned
            exited.assignedVariablesDetails = DataTruncation()
            details = .stateExited(exited)
            assignedVariables = nil
        }
        state.lastEventId += 1
        let id = state.lastEventId
        let previous = state.frames[path]?.lastEventId ?? 0
        if chain { state.frames[path]?.lastEventId = id }
        history.append(HistoryEvent(id: id, previousEventId: previous, timestamp: now, type: type, details: details))
        return id
    }

    /// Starts an interpreter timer for a frame's state.
    mutating func startTimer(at fireAt: Date, purpose: TimerPurpose, for path: ScopePath) -> TimerID {
        let id = nextTimerId()
        state.timers[id] = path
        actions.append(.startTimer(TimerRequest(timerId: id, fireAt: fireAt, purpose: purpose)))
        return id
    }

    // MARK: - The end

    /// Ends the execution: closes every open task, cancels every timer, records the terminal event.
    mutating func finishExecution(_ outcome: ExecutionOutcome, type: HistoryEventType) {
        if case .succeeded = outcome {
            state.redrive = nil
        } else {
            state.redrive = redriveCapture ?? currentRedrivePoint(failing: nil)
        }
        abandon(.root)
        if let timer = state.executionTimer {
            actions.append(.cancelTimer(timer))
            state.executionTimer = nil
        }
        let details: HistoryEventDetails
        switch outcome {
        case .succeeded(let output): details = .executionSucceeded(ExecutionDataDetails(output: output.serialized))
        case .failed(let error, let cause), .timedOut(let error, let cause), .aborted(let error, let cause):
            details = .executionError(ErrorEventDetails(error: error, cause: cause))
        }
        if type == .executionSucceeded || type == .executionFailed {
            record(type, details, in: .root)
        } else {
            // Timeouts and stops interrupt whatever ran last.
            state.lastEventId += 1
            history.append(
                HistoryEvent(
                    id: state.lastEventId, previousEventId: state.lastEventId - 1, timestamp: now, type: type,
                    details: details))
        }
        state.frames = [:]
        state.status = outcome.status
        queue = []
        actions.append(.finish(outcome))
    }

    /// Stops everything running in a scope and below: closes open tasks and cancels timers, in id order, and
    /// clears the frames' waiting states (the frames themselves stay; callers remove what they must).
    mutating func abandon(_ scope: ScopePath) {
        for (id, path) in state.tasks.sorted(by: { $0.key < $1.key }) where path.isWithin(scope) {
            state.tasks[id] = nil
            actions.append(.closeTask(id))
        }
        for (id, path) in state.timers.sorted(by: { $0.key < $1.key }) where path.isWithin(scope) {
            state.timers[id] = nil
            actions.append(.cancelTimer(id))
        }
        for path in state.frames.keys where path.isWithin(scope) {
            state.frames[path]?.active = nil
        }
    }

    /// Removes the frames strictly inside a scope (after `abandon`).
    mutating func removeFrames(below scope: ScopePath) {
        for path in state.frames.keys where path.isWithin(scope) && path != scope {
            state.frames[path] = nil
        }
    }
}
