import BatonJSON
import Foundation

/// Where a stopped execution resumes when it is redriven (RedriveExecution): the frames that were running when it
/// failed, timed out or was stopped, as they were at that moment, kept in ``ExecutionState/redrive``.
///
/// AWS redrives the states that were entered and not exited: in each frame the state it was in runs again (a
/// Task is scheduled anew with a new task id, so a new token), a Parallel or Map state keeps the outputs of its
/// finished branches and iterations and runs only the others, and Map iterations not yet started start as usual.
struct RedrivePoint: Sendable, Hashable, Codable {
    /// A frame that was between states (about to enter one, or failing in a Fail state): the state it resumes in.
    struct Entry: Sendable, Hashable, Codable {
        /// The frame.
        var path: ScopePath
        /// The state it enters again.
        var state: String
        /// That state's raw input.
        var input: JSONText
    }

    /// The frames that were running, in serial order (outermost first), each with the state it waited in.
    var frames: [Frame]
    /// The frames that had no active state, with the state each resumes in.
    var entries: [Entry]

    /// Whether every frame has a state to resume in (always, unless the execution stopped between a frame's two
    /// states in a way the interpreter did not note; such an execution is not redrivable).
    var isComplete: Bool {
        let noted = Set(entries.map(\.path))
        return !frames.isEmpty && frames.allSatisfy { $0.active != nil || noted.contains($0.path) }
    }
}

extension ExecutionState {
    /// Whether the execution stopped (FAILED, TIMED_OUT or ABORTED) with a complete redrive point, so
    /// `ExecutionEvent.redriven` applies. Executions stored before redrive existed have none.
    public var canRedrive: Bool {
        guard start != nil, [.failed, .timedOut, .aborted].contains(status), let redrive else { return false }
        return redrive.isComplete
    }
}
