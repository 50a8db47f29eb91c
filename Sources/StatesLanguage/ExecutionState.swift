import BatonJSON
import Foundation

/// Everything the interpreter remembers about one execution between events: `Codable`, so the orchestrator
/// persists it (as JSON) next to the execution and rebuilds the `Interpreter` from it after a restart.
///
/// It is kept small: an execution waiting for one task stores the start facts, a few counters and one frame
/// (state name, state input, task id). JSON values are stored as compact text.
public struct ExecutionState: Sendable, Hashable, Codable {
    /// The facts the execution started with; `nil` before `ExecutionEvent.started`.
    public internal(set) var start: ExecutionStart?
    /// `RUNNING` until a `finish` action, then the terminal status.
    public internal(set) var status: ExecutionStatus = .running
    /// The id of the last history event recorded (0 before any).
    public internal(set) var lastEventId: Int = 0
    var lastTaskId: Int = 0
    var lastTimerId: Int = 0
    var lastFrameSerial: Int = 0
    /// The execution timeout timer, while armed.
    var executionTimer: TimerID?
    /// The running (sub-)machines: the top level and every live Parallel branch / Map iteration.
    var frames: [ScopePath: Frame] = [:]
    /// Open tasks and the scope they run in.
    var tasks: [TaskID: ScopePath] = [:]
    /// Armed Wait and backoff timers and the scope whose state armed them.
    var timers: [TimerID: ScopePath] = [:]
    /// How many times the execution was redriven (`$$.Execution.RedriveCount`).
    public internal(set) var redriveCount: Int = 0
    /// Where the execution resumes if redriven: set when it stops FAILED, TIMED_OUT or ABORTED.
    var redrive: RedrivePoint?

    /// A state for an execution that has not started yet.
    public init() {}

    /// The tasks whose results the execution is waiting for, in scheduling order.
    public var openTasks: [TaskID] { tasks.keys.sorted() }

    /// The timers the interpreter armed and not yet saw fire or cancelled, in arming order.
    public var armedTimers: [TimerID] {
        (Array(timers.keys) + (executionTimer.map { [$0] } ?? [])).sorted()
    }

    enum CodingKeys: String, CodingKey {
        case start, status, lastEventId, lastTaskId, lastTimerId, lastFrameSerial, executionTimer, frames
        case redriveCount, redrive
    }

    /// Decodes a persisted state; the task and timer indexes are rebuilt from the frames.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decodeIfPresent(ExecutionStart.self, forKey: .start)
        status = try container.decode(ExecutionStatus.self, forKey: .status)
        lastEventId = try container.decode(Int.self, forKey: .lastEventId)
        lastTaskId = try container.decode(Int.self, forKey: .lastTaskId)
        lastTimerId = try container.decode(Int.self, forKey: .lastTimerId)
        lastFrameSerial = try container.decode(Int.self, forKey: .lastFrameSerial)
        executionTimer = try container.decodeIfPresent(TimerID.self, forKey: .executionTimer)
        redriveCount = try container.decodeIfPresent(Int.self, forKey: .redriveCount) ?? 0
        redrive = try container.decodeIfPresent(RedrivePoint.self, forKey: .redrive)
        for frame in try container.decode([Frame].self, forKey: .frames) {
            frames[frame.path] = frame
            switch frame.active?.step {
            case .task(let id): tasks[id] = frame.path
            case .wait(let id), .backoff(let id): timers[id] = frame.path
            default: break
            }
        }
    }

    /// Encodes the state; frames as an array in scope order, without the derived indexes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(start, forKey: .start)
        try container.encode(status, forKey: .status)
        try container.encode(lastEventId, forKey: .lastEventId)
        try container.encode(lastTaskId, forKey: .lastTaskId)
        try container.encode(lastTimerId, forKey: .lastTimerId)
        try container.encode(lastFrameSerial, forKey: .lastFrameSerial)
        try container.encodeIfPresent(executionTimer, forKey: .executionTimer)
        let ordered = frames.values.sorted { $0.serial < $1.serial }
        try container.encode(ordered, forKey: .frames)
        if redriveCount > 0 { try container.encode(redriveCount, forKey: .redriveCount) }
        try container.encodeIfPresent(redrive, forKey: .redrive)
    }
}
