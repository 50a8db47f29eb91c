import BatonJSON
import Foundation

extension InterpreterRun {
    // MARK: - Capturing where the execution stopped

    /// Notes where the execution would resume if the failure of the frame at `path` ends it: the first unhandled
    /// failure of a propagation is the innermost one, so a capture already made (and not discarded by a retrier or
    /// catcher since) is kept.
    mutating func captureRedrivePoint(failing path: ScopePath) {
        guard redriveCapture == nil else { return }
        redriveCapture = currentRedrivePoint(failing: path)
    }

    /// A retrier or catcher handled the failure: the execution goes on, and a later failure captures anew.
    mutating func discardRedriveCapture() {
        redriveCapture = nil
        leaving = nil
    }

    /// The frames as they are now, with the state each frame between states is about to enter.
    func currentRedrivePoint(failing path: ScopePath?) -> RedrivePoint {
        var entries: [RedrivePoint.Entry] = []
        var noted = Set<ScopePath>()
        for work in queue {
            guard case .enter(let scope, let serial, let name, let input) = work,
                let frame = state.frames[scope], frame.serial == serial, frame.active == nil, !noted.contains(scope)
            else { continue }
            noted.insert(scope)
            entries.append(RedrivePoint.Entry(path: scope, state: name, input: JSONText(input)))
        }
        if let path, let leaving, leaving.path == path, state.frames[path]?.active == nil, !noted.contains(path) {
            entries.append(leaving)
        }
        let frames = state.frames.values.sorted { $0.serial < $1.serial }
        return RedrivePoint(frames: frames, entries: entries)
    }

    // MARK: - Resuming

    /// RedriveExecution: records `ExecutionRedriven`, restores the frames the execution stopped in and enters each
    /// one's state again; finished branches and iterations keep their outputs.
    mutating func redrive() throws(InterpreterRejection) {
        guard state.canRedrive, let point = state.redrive, let start = state.start else {
            throw InterpreterRejection(
                .notRedrivable, message: "the execution is \(state.status.rawValue) and cannot be redriven")
        }
        state.status = .running
        state.redrive = nil
        state.redriveCount += 1
        state.lastEventId += 1
        let redrivenId = state.lastEventId
        history.append(
            HistoryEvent(
                id: redrivenId, previousEventId: redrivenId - 1, timestamp: now, type: .executionRedriven,
                details: .executionRedriven(ExecutionRedrivenEventDetails(redriveCount: state.redriveCount))))
        // AWS resets the execution timeout: it runs again in full from the redrive.
        if let seconds = start.timeoutSeconds ?? definition.timeoutSeconds {
            let id = nextTimerId()
            state.executionTimer = id
            actions.append(
                .startTimer(
                    TimerRequest(
                        timerId: id, fireAt: deadline(after: TimeInterval(seconds)), purpose: .executionTimeout)))
        }
        let entries = Dictionary(point.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        state.frames = [:]
        state.tasks = [:]
        state.timers = [:]
        for var frame in point.frames {
            frame.lastEventId = redrivenId
            state.frames[frame.path] = frame
        }
        var composites: [ScopePath] = []
        for frame in point.frames {
            let path = frame.path
            switch frame.active?.step {
            case .parallel, .map:
                composites.append(path)
            default:
                if let active = frame.active {
                    state.frames[path]?.active = nil
                    queue.append(.enter(path, serial: frame.serial, state: active.name, input: active.input.value))
                } else if let entry = entries[path] {
                    queue.append(.enter(path, serial: frame.serial, state: entry.state, input: entry.input.value))
                }
            }
        }
        for path in composites { resumeComposite(path) }
    }

    /// A Parallel or Map state the execution stopped in: its unfinished branches / iterations resume (their frames
    /// were restored), Map iterations not started yet start as MaxConcurrency allows; a composite with nothing
    /// left to resume (it failed on its own output) runs again whole.
    private mutating func resumeComposite(_ path: ScopePath) {
        guard let frame = state.frames[path], let active = frame.active else { return }
        let children = state.frames.keys.filter { !$0.isRoot && $0.parent == path && $0 != path }.count
        switch active.step {
        case .map(var progress):
            progress.running = children
            state.frames[path]?.active?.step = .map(progress)
            if children == 0 && !progress.canStartAnother {
                restart(path, active)
            } else {
                startIterations(in: path)
            }
        case .parallel:
            if children == 0 { restart(path, active) }
        default: break
        }
    }

    /// Enters a frame's state again from the start.
    private mutating func restart(_ path: ScopePath, _ active: ActiveState) {
        removeFrames(below: path)
        state.frames[path]?.active = nil
        guard let serial = state.frames[path]?.serial else { return }
        queue.append(.enter(path, serial: serial, state: active.name, input: active.input.value))
    }
}
