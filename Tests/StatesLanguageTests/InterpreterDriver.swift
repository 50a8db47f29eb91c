import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Drives an `Interpreter` the way the orchestrator will: a manual clock, every action recorded, and the state
/// persisted and restored (JSON round trip) after every event so persistence is exercised on every step.
struct InterpreterDriver {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    let definition: StateMachineDefinition
    let configuration: InterpreterConfiguration
    var interpreter: Interpreter
    var random = SeededRandom(seed: 7)
    var now = InterpreterDriver.epoch
    var history: [HistoryEvent] = []
    var lastActions: [InterpreterAction] = []
    var scheduled: [TaskSchedule] = []
    var timers: [TimerID: TimerRequest] = [:]
    var closedTasks: [TaskID] = []
    var cancelledTimers: [TimerID] = []
    var outcome: ExecutionOutcome?

    init(_ text: String, configuration: InterpreterConfiguration = InterpreterConfiguration()) throws {
        try self.init(definition: StateMachineDefinition.parse(text), configuration: configuration)
    }

    init(definition: StateMachineDefinition, configuration: InterpreterConfiguration = InterpreterConfiguration()) {
        self.definition = definition
        self.configuration = configuration
        interpreter = Interpreter(definition: definition, configuration: configuration)
    }

    /// Starts the execution.
    @discardableResult
    mutating func start(_ input: JSON = [:], timeoutSeconds: Int? = nil, roleArn: String? = nil) throws
        -> [InterpreterAction]
    {
        try send(
            .started(
                ExecutionStart(
                    input: input, executionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:exec-1",
                    executionName: "exec-1", stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
                    stateMachineName: "sm", roleArn: roleArn, timeoutSeconds: timeoutSeconds, startDate: now)))
    }

    /// Feeds an event, records its actions, and round-trips the state through JSON.
    @discardableResult
    mutating func send(_ event: ExecutionEvent) throws -> [InterpreterAction] {
        let actions = try interpreter.handle(event, using: &random)
        lastActions = actions
        for action in actions {
            switch action {
            case .appendHistory(let events):
                if let first = events.first {
                    #expect(first.id == (history.last?.id ?? 0) + 1, "history ids must be consecutive")
                }
                history += events
            case .scheduleTask(let schedule): scheduled.append(schedule)
            case .closeTask(let id): closedTasks.append(id)
            case .startTimer(let request): timers[request.timerId] = request
            case .cancelTimer(let id):
                cancelledTimers.append(id)
                timers[id] = nil
            case .finish(let result):
                #expect(outcome == nil, "finish must come once")
                outcome = result
            }
        }
        let data = try JSONEncoder().encode(interpreter.state)
        let restored = try JSONDecoder().decode(ExecutionState.self, from: data)
        #expect(restored == interpreter.state, "state must survive a JSON round trip")
        let storedDecoder = JSONDecoder()
        storedDecoder.dateDecodingStrategy = .secondsSince1970  // as the orchestrator reads it
        let stored = try storedDecoder.decode(ExecutionState.self, from: Data(interpreter.state.storedJSONBytes))
        #expect(stored == interpreter.state, "the directly written state must decode to the same state")
        interpreter = Interpreter(definition: definition, state: restored, configuration: configuration)
        return actions
    }

    /// Task callbacks, at the current time.
    @discardableResult
    mutating func succeed(_ id: TaskID, _ output: JSON = [:]) throws -> [InterpreterAction] {
        try send(.taskSucceeded(id, output: output, at: now))
    }

    @discardableResult
    mutating func fail(_ id: TaskID, _ error: String, _ cause: String = "") throws -> [InterpreterAction] {
        try send(.taskFailed(id, error: error, cause: cause, at: now))
    }

    /// Moves the clock and fires every due timer, earliest first.
    mutating func advance(_ seconds: TimeInterval) throws {
        now = now.addingTimeInterval(seconds)
        while let due = timers.values.filter({ $0.fireAt <= now }).min(by: { $0.fireAt < $1.fireAt }) {
            timers[due.timerId] = nil
            try send(.timerFired(due.timerId, at: now))
        }
    }

    /// The last scheduled task.
    var lastTask: TaskSchedule { scheduled.last! }

    /// The history types, as AWS names them.
    var types: [String] { history.map(\.type.rawValue) }

    /// The tasks open now.
    var openTasks: [TaskID] { interpreter.state.openTasks }
}
