import BatonJSON
import Foundation

/// One running (sub-)machine: the top level, a Parallel branch or a Map iteration.
struct Frame: Sendable, Hashable, Codable {
    /// Where it runs.
    var path: ScopePath
    /// A number unique in the execution, so queued work for a frame that was abandoned and recreated is dropped.
    var serial: Int
    /// The last history event of this scope (AWS chains `previousEventId` per scope).
    var lastEventId: Int
    /// The state this frame is in while it waits for something; `nil` between states.
    var active: ActiveState?
    /// The variables assigned in this frame (a JSON object), `nil` until the first `Assign`; inner frames read
    /// their ancestors' variables.
    var variables: JSONText?
}

/// A state that waits: for a task, a timer, or its branches / iterations.
struct ActiveState: Sendable, Hashable, Codable {
    /// The state's name.
    var name: String
    /// The raw state input (before InputPath): ResultPath and Catch merge into it.
    var input: JSONText
    /// The id of the state's `…StateEntered` event (AWS names it in States.Runtime causes).
    var enteredEventId: Int = 0
    /// When the state was entered (`$$.State.EnteredTime`).
    var enteredAt: Date
    /// Retries done so far, per retrier (AWS counts attempts per retrier); empty until the first retry.
    var retryCounts: [Int] = []
    /// What it waits for.
    var step: Step
    /// An activity task's `ActivityStarted` is recorded (a poller received it); `nil` otherwise.
    var activityStarted: Bool?

    /// The attempt number: retries done so far over all retriers (`$$.State.RetryCount`).
    var attempt: Int { retryCounts.reduce(0, +) }

    init(name: String, input: JSON, enteredAt: Date, step: Step) {
        self.name = name
        self.input = JSONText(input)
        self.enteredAt = enteredAt
        self.step = step
    }
}

/// What an active state waits for.
enum Step: Sendable, Hashable, Codable {
    /// A Task state waits for its task.
    case task(TaskID)
    /// A Task, Parallel or Map state waits for its Retry backoff timer.
    case backoff(TimerID)
    /// A Wait state waits for its timer.
    case wait(TimerID)
    /// A Parallel state waits for its branches; each finished branch's output by branch index.
    case parallel([JSONText?])
    /// A Map state waits for its iterations.
    case map(MapProgress)
    /// Transient: the state is being set up.
    case entering
}

/// The progress of an inline Map state.
struct MapProgress: Sendable, Hashable, Codable {
    /// Each iteration's input (after ItemSelector), `nil` once the iteration started.
    var pending: [JSONText?]
    /// Each finished iteration's output, by item index.
    var results: [JSONText?]
    /// The next item index to start.
    var nextIndex: Int = 0
    /// Iterations running now.
    var running: Int = 0
    /// MaxConcurrency; 0 means no limit.
    var limit: Int

    /// Whether another iteration may start now.
    var canStartAnother: Bool { nextIndex < pending.count && (limit == 0 || running < limit) }

    /// Whether every iteration finished.
    var isComplete: Bool { results.allSatisfy { $0 != nil } }
}
